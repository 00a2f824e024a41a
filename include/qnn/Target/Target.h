//===- Target.h - Target description of a compute-in-memory chip -*- C++ -*-===//
///
/// \file
/// Every parameter of the chip that the compiler maps for and the runtime's
/// chip model executes (docs/target-description.md lists each field, its
/// unit, its range and where its default comes from). Read from JSON; presets
/// live in targets/*.json. Shared by compiler and runtime: the image embeds
/// the canonical JSON of the target it was compiled for.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TARGET_TARGET_H
#define QNN_TARGET_TARGET_H

#include "llvm/Support/Error.h"
#include <cstdint>
#include <string>

namespace qnn {

/// Analog non-idealities, all zero in ideal mode.
struct AnalogParams {
  double SigmaProgram = 0; ///< log-normal sigma of programmed conductance
  double SigmaRead = 0;    ///< read noise, relative to the range in use, per read
  /// Read noise that no range setting shrinks (the column current's own),
  /// relative to the unamplified full scale 2^adc_bits - 1.
  double SigmaReadFloor = 0;
  double SigmaSupply = 0;    ///< one N(1, sigma) factor per chip instance
  double Nonlinearity = 0;   ///< strength of the compressive f (0 = linear)
  double SigmaGain = 0;      ///< per-column read-out gain mismatch
  double SigmaOffset = 0;    ///< per-column read-out offset, relative to the range in use
  double DriftPerDecade = 0; ///< relative conductance loss per decade of time
  double DriftSeconds = 0;   ///< time since programming
};

/// Energy (pJ), latency (ns) and area (mm^2) figures of the cost model.
struct CostParams {
  double ArrayPhaseEnergy = 0, ArrayPhaseLatency = 0;
  double AdcEnergy = 0, AdcLatency = 0;
  double DacEnergy = 0, DacLatency = 0;
  double NmpuOpEnergy = 0, NmpuOpLatency = 0;
  double BufferByteEnergy = 0, BufferByteLatency = 0;
  double TransferByteEnergy = 0, TransferByteLatency = 0;
  /// The link between two chips of a multi-chip mapping: per byte, and the
  /// fixed latency of each transfer.
  double LinkByteEnergy = 0, LinkByteLatency = 0, LinkLatency = 0;
  /// An array with its periphery but its neurons; one neuron (read-out
  /// circuit: sense amplifier and ADC); one tile's NMPU.
  double ArrayArea = 0, NeuronArea = 0, NmpuArea = 0;
};

struct Target {
  std::string Name;
  std::string Description;
  // Hierarchy.
  unsigned Tiles = 1;
  unsigned ArraysPerTile = 1;
  unsigned Rows = 128;
  unsigned Cols = 128;
  unsigned Neurons = 128;       ///< read-out circuits per array
  uint64_t BufferBytes = 65536; ///< activation buffer per tile
  // Cells, weights, converters.
  unsigned CellBits = 1;   ///< 1..4
  unsigned WeightBits = 8; ///< largest weight magnitude in bits, 1..8
  unsigned ActBits = 8;    ///< unsigned activation bits on the rows
  unsigned DacBits = 1;    ///< bits per input phase
  unsigned AdcBits = 8;
  /// The read-out can amplify column currents by 2^g, g = 0..ReadGainBits,
  /// set per array: the compiler picks the largest gain at which every
  /// reachable column sum still fits the ADC (docs/analog-model.md).
  unsigned ReadGainBits = 0;
  // NMPU.
  unsigned AccBits = 32;
  unsigned MultBits = 32; ///< requantization multiplier width (signed)
  AnalogParams Analog;
  CostParams Cost;

  unsigned totalArrays() const { return Tiles * ArraysPerTile; }
  unsigned inputPhases() const { return inputPhases(ActBits); }
  /// The input phases that drive \p InputBits-bit inputs through the DACs.
  unsigned inputPhases(unsigned InputBits) const { return (InputBits + DacBits - 1) / DacBits; }
  unsigned maxCellLevel() const { return (1u << CellBits) - 1; }
  unsigned maxAdcCode() const { return (1u << AdcBits) - 1; }
};

/// Parses a target description; the error names the field that is wrong.
llvm::Expected<Target> parseTarget(llvm::StringRef Json, llvm::StringRef Source);
/// Loads "PRESET" (a name in the targets/ directory) or a path to a JSON file.
llvm::Expected<Target> loadTarget(llvm::StringRef PresetOrPath);
/// Canonical JSON: fixed key order and number formatting, so that the same
/// target always serializes to the same bytes.
std::string targetToJson(const Target &T);
/// 64-bit fingerprint of the canonical JSON.
uint64_t targetFingerprint(const Target &T);
/// Sets the neurons per array (node sharing, qnnc --neurons): 1..cols.
llvm::Error setNeurons(Target &T, unsigned Neurons);
/// Area of \p Chips chips: arrays with their neurons, and NMPUs (mm^2).
double chipArea(const Target &T, int64_t Chips);
/// The directory presets are looked up in (set at build time).
std::string presetDirectory();

} // namespace qnn

#endif

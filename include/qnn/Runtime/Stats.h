//===- Stats.h - Counters and cost of a run ----------------------*- C++ -*-===//
///
/// \file
/// What the chip did per step (layer) and in total, and what that costs under
/// the target's cost model: the counters and formulas of docs/cost-model.md
/// (the compiler's estimate), counted while executing (docs/runtime.md).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_STATS_H
#define QNN_RUNTIME_STATS_H

#include "qnn/Image/Program.h"
#include "qnn/Target/Target.h"
#include <cstdint>
#include <string>
#include <vector>

namespace qnn::runtime {

struct StepStats {
  std::string Layer;
  image::StepKind Kind = image::StepKind::Mvm;
  uint64_t Samples = 0;
  uint64_t ArrayPhases = 0;     ///< array reads (one per phase and read-out group)
  uint64_t SequentialReads = 0; ///< array reads one after another (arrays read in parallel)
  uint64_t AdcConversions = 0;  ///< column read-outs
  uint64_t DacPhases = 0;       ///< row drivings (one per driven row and phase)
  uint64_t NmpuOps = 0;         ///< NMPU arithmetic operations
  uint64_t BufferBytes = 0;     ///< activation buffer bytes read and written
  uint64_t TransferBytes = 0;   ///< bytes moved from another tile
  uint64_t LinkBytes = 0;       ///< bytes received from another chip
  uint64_t LinkTransfers = 0;   ///< tensors received from another chip
  uint64_t Cycles = 0;          ///< the schedule's cycles times samples
  /// Input elements of host steps (StepKind::Host): work done off the chip,
  /// outside the cost model.
  uint64_t HostElements = 0;
  double LatencyNs = 0;
  double EnergyPj = 0;

  /// Adds the counters of \p O (not the name or kind), \p Times over.
  void add(const StepStats &O, uint64_t Times = 1);
  /// Sets LatencyNs and EnergyPj from the counters.
  void computeCost(const CostParams &C);
};

struct RunStats {
  std::vector<StepStats> Steps; ///< one per Program step, in order
  StepStats Total;
  /// Outputs of the fixed-point NMPU that differ from the fp32 one
  /// (counted only when RunOptions::CountFixedDiffs is set).
  uint64_t RequantOutputs = 0, FixedDiffs = 0;
  /// MVM step runs (one per step and chunk of samples), and those that ran
  /// as GEMMs (ExactMatrix.h) rather than vector by vector.
  uint64_t MvmRuns = 0, BatchedMvmRuns = 0;
};

} // namespace qnn::runtime

#endif

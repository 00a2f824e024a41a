//===- MvmLayer.h - The attributes of an "mvm" op, decoded ---------*- C++ -*-===//
///
/// \file
/// An "mvm" op (operands: input x, weight/level matrix W [K, C], bias [N],
/// and for a threshold read-out thresholds [N, T] and signs [N])
/// carries its whole mapping in attributes that the lowering passes add one
/// stage after another (docs/passes.md lists them). MvmLayer is their decoded
/// form: every pass reads it, changes its part and writes it back, and the
/// verifier, the interpreter kernel, the emitter and the report read it, so
/// the attribute names and their checks live in one place.
///
/// Matrix semantics at every stage: physical column c of W contributes
/// Sign[c] * (sum_k x[k] * W[k][c]) << Shift[c] to output Output[c]. Before
/// split-polarity there is no column map: column n is output n, sign +1.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_MVMLAYER_H
#define QNN_LOWER_MVMLAYER_H

#include "qnn/IR/Graph.h"
#include "qnn/Image/Program.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include <optional>

namespace qnn {

/// The mapping stages of an mvm op, in pass order; each includes the previous.
enum class MvmStage { Lowered, Polarized, Sliced, Tiled, Partitioned, Placed, Scheduled };

struct MvmColumn {
  int64_t Output = 0;
  int64_t Sign = 1;
  int64_t Shift = 0;
};

/// A rectangle of W: rows [KBegin, KBegin + KCount), columns [ColBegin,
/// ColBegin + ColCount), read with ReadShift (negative: a read gain of
/// 2^-ReadShift; from `tile` the largest gain the block's sums allow, from
/// `place` on the gain of its array, never larger); placed (after `place`) at
/// RowOffset/ColOffset of global array Array (tile * arrays_per_tile + index).
/// Whether blocks read with shifts \p A and \p B give the same values in
/// ideal mode, and so may share an array or be copies of each other: equal
/// shifts, or both exact (a read gain, ReadShift <= 0).
inline bool interchangeableReadShifts(int64_t A, int64_t B) { return A == B || (A <= 0 && B <= 0); }

struct MvmBlock {
  int64_t KBegin = 0, KCount = 0, ColBegin = 0, ColCount = 0;
  int64_t ReadShift = 0;
  int64_t Array = -1, RowOffset = 0, ColOffset = 0;
  /// From `read-ranges`: the read shift of each read of the block, input
  /// phase p and column j at [p * ColCount + j], which replaces ReadShift
  /// (and the array's) for that read; empty: every read uses ReadShift.
  std::vector<int64_t> PhaseShifts;

  /// The read shift of column \p Col (block-relative) in input phase \p Phase.
  int64_t readShift(int64_t Phase, int64_t Col) const {
    return PhaseShifts.empty() ? ReadShift : PhaseShifts[Phase * ColCount + Col];
  }
  /// Whether some read of the block covers more than the ADC's codes (a
  /// shift above 0), and so rounds.
  bool hasLossyRange() const {
    if (PhaseShifts.empty())
      return ReadShift > 0;
    return llvm::any_of(PhaseShifts, [](int64_t S) { return S > 0; });
  }
};

/// The per-layer cost figures the schedule pass computes (per sample).
struct MvmCost {
  int64_t Vectors = 0;        ///< input vectors per sample (output pixels or rows)
  int64_t ReadGroups = 0;     ///< sequential array reads per input phase and vector
  int64_t ArrayReads = 0;     ///< block read-groups fired, all arrays, per sample
  int64_t AdcConversions = 0; ///< per sample
  int64_t DacDrives = 0;      ///< row drives per sample
  int64_t NmpuOps = 0;        ///< per sample
  int64_t CellsUsed = 0;      ///< cells holding this layer's levels
  int64_t Macs = 0;           ///< K * N * vectors of the canonical op
};

struct MvmLayer {
  image::WindowKind Window = image::WindowKind::Rows;
  // Conv2d geometry (per sample): input [InC, InH, InW].
  int64_t InC = 0, InH = 0, InW = 0;
  int64_t ChannelBegin = 0, Channels = 0;
  int64_t KernelH = 1, KernelW = 1, StrideH = 1, StrideW = 1, DilationH = 1, DilationW = 1;
  int64_t PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0;
  int64_t OutH = 1, OutW = 1;

  int64_t K = 0, N = 0;
  /// The rows are driven with u = (x + InputShift) >> InputStepShift; padding
  /// with InputZeroPoint >> InputStepShift (InputZeroPoint = zx + InputShift).
  int64_t InputShift = 0, InputZeroPoint = 0;
  /// log2 of the step of the input's value range (W was scaled by the step).
  int64_t InputStepShift = 0;
  /// Bits of the unsigned (shifted) input elements u.
  int64_t InputBits = 8;
  /// Scale: re-quantization; None: the int32 accumulator (ConvInteger,
  /// MatMulInteger); Threshold: comparators (operands 3 and 4).
  image::RequantMode Requant = image::RequantMode::Scale;
  std::vector<double> Multipliers; ///< per output, float32 values
  int64_t OutZeroPoint = 0, ActMin = 0, ActMax = 255;
  /// Threshold read-out: y = OutMin + OutStep * (thresholds passed), of
  /// ThresholdCount thresholds per output.
  int64_t ThresholdCount = 0, OutMin = 0, OutStep = 1;
  int64_t AccBits = 32, MultBits = 32;

  // split-polarity.
  std::optional<image::PolarityMode> Polarity;
  int64_t Offset = 0;
  std::vector<MvmColumn> Columns;
  int64_t Cells = 0, DifferentialCells = 0; ///< cells of this mode and of differential
  /// Cells of the mode with the fewest (polarity-objective=area).
  int64_t AreaCells = 0;

  // slice-bits.
  int64_t Slices = 0;
  int64_t CellBits = 0;

  // tile.
  std::vector<MvmBlock> Blocks;
  int64_t DacBits = 0, AdcBits = 0, InputPhases = 0;

  // read-ranges: some read's range was set from calibration data beyond
  // what its reachable sum allows, so it may clip.
  bool RangesMayClip = false;

  // partition.
  int64_t Tile = -1;
  int64_t ArrayBegin = 0, ArrayCount = 0;
  /// Weight replication (partition, conv2d layers only): Blocks holds
  /// Replicas copies of one block set, copy r at [r * n, (r + 1) * n) with
  /// n = Blocks.size() / Replicas, alike but for their placement; output
  /// pixel v of a sample is read by copy v % Replicas.
  int64_t Replicas = 1;

  // schedule.
  std::optional<MvmCost> Cost;

  MvmStage stage() const;
  /// Physical columns (C): the column map's size, or N before split-polarity.
  int64_t physicalColumns() const {
    return Columns.empty() ? N : static_cast<int64_t>(Columns.size());
  }
  /// The column map entry of physical column \p C (identity before polarity).
  MvmColumn column(int64_t C) const { return Columns.empty() ? MvmColumn{C, 1, 0} : Columns[C]; }
  /// The blocks of copy \p R (replication); copy 0 is the whole matrix once.
  llvm::ArrayRef<MvmBlock> replica(int64_t R) const {
    size_t N = Blocks.size() / static_cast<size_t>(Replicas);
    return llvm::ArrayRef<MvmBlock>(Blocks).slice(static_cast<size_t>(R) * N, N);
  }
  bool isExact() const {
    return !RangesMayClip &&
           llvm::none_of(Blocks, [](const MvmBlock &B) { return B.hasLossyRange(); });
  }
};

llvm::StringRef polarityName(image::PolarityMode M);
std::optional<image::PolarityMode> parsePolarity(llvm::StringRef Name);
/// "scale", "none" or "threshold": the mvm attribute 'requant'.
llvm::StringRef requantModeName(image::RequantMode M);
std::optional<image::RequantMode> parseRequantMode(llvm::StringRef Name);

/// Input vectors of one sample that mvm op \p O (layer \p L) reads: its
/// output pixels (conv2d) or the rows of its input (a symbolic batch counts
/// one).
int64_t vectorsPerSample(const Op &O, const MvmLayer &L);

/// Decodes the attributes of mvm op \p O; an error names the op and the
/// attribute that is missing or inconsistent.
llvm::Expected<MvmLayer> readMvmLayer(const Op &O);
/// Writes \p L into \p Attrs (replacing every mvm attribute).
void writeMvmLayer(const MvmLayer &L, AttrMap &Attrs);

/// Runs \p Fn on every mvm op of \p G with its decoded layer, after checking
/// that the layer is exactly at stage \p Required (the stage the previous
/// pass leaves), and writes the layer back when \p Fn succeeds. \p PassName
/// and \p Previous name the passes in the error.
llvm::Error forEachMvm(Graph &G, MvmStage Required, llvm::StringRef PassName,
                       llvm::StringRef Previous,
                       llvm::function_ref<llvm::Error(Op &, MvmLayer &)> Fn);
/// Runs \p Fn on every mvm op of \p G, in graph order, with its decoded
/// layer (read only); stops at the first error, of decoding or of \p Fn.
llvm::Error visitMvmLayers(const Graph &G,
                           llvm::function_ref<llvm::Error(const Op &, const MvmLayer &)> Fn);
/// Replaces the weight matrix operand of \p O by constant \p W named after
/// the op and \p Suffix (the old constant is left for dead-code removal).
void setMvmMatrix(Graph &G, Op &O, Tensor W, llvm::StringRef Suffix);

} // namespace qnn

#endif

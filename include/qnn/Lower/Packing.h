//===- Packing.h - Packing the blocks of every layer onto arrays --*- C++ -*-===//
///
/// \file
/// Blocks of all layers share arrays. Two rules keep every read exact:
/// - blocks of one layer are read together, each with its own slice of the
///   input on its rows, so in one array they use disjoint rows and disjoint
///   columns (they lie along a diagonal, as depthwise kernels do);
/// - blocks of different layers are read at different times, so they only
///   must not overlap (a read drives its own rows and converts its own
///   columns; other cells on those rows or columns carry no read current).
/// Blocks on one array share the read shift, since the ADC full scale is a
/// property of the array. Exact blocks (read shift <= 0, a read gain) share
/// arrays whatever their gains and the array takes the smallest gain among
/// them, which keeps every one exact; a lossy block shares only with blocks
/// of its own shift.
///
/// The packer is first-fit decreasing over the whole model with a
/// bottom-left skyline per array: blocks in decreasing height (then width,
/// then model order), each on the first array (lowest index) where it fits,
/// at the lowest position, then the leftmost. Sorting the whole model, not
/// layer by layer, is what fills the rows that tall blocks leave free (on
/// MobileNetV2, 282 arrays against a bound of 269; layer by layer, 302); the
/// price is that a layer's blocks may lie on distant tiles, whose partial
/// sums the cost model charges as transfers. It is deterministic.
/// `partition` takes the arrays it chooses, `place` the offsets, and the
/// report compares the count with the lower bound ceil(cells / (rows * cols)).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_PACKING_H
#define QNN_LOWER_PACKING_H

#include "qnn/Lower/MvmLayer.h"
#include "qnn/Target/Target.h"

namespace qnn {

struct PackedBlock {
  int64_t Array = 0; ///< index among the model's arrays, from 0
  int64_t RowOffset = 0, ColOffset = 0;
  int64_t ReadShift = 0; ///< the array's read shift
};

struct ModelPacking {
  /// Per layer (in the order given), one placement per block, in block order.
  std::vector<std::vector<PackedBlock>> Layers;
  /// Arrays up to the last one used; with several chips, chip c's arrays
  /// are numbered from c * arrays per chip.
  int64_t NumArrays = 0;
  int64_t Chips = 1;
};

/// Packs the blocks of \p Layers (each layer's blocks, in model order) onto
/// arrays of target \p T.
ModelPacking packModel(llvm::ArrayRef<std::vector<MvmBlock>> Layers, const Target &T);

/// Relabels the arrays of \p P (one chip's packing of \p Layers) so that
/// the NMPU work of the layers starting on them spreads over the tiles
/// (TileSpread.cpp). Leaves a packing larger than the chip alone.
void spreadOverTiles(llvm::ArrayRef<std::vector<MvmBlock>> Layers, ModelPacking &P,
                     const Target &T);

/// Splits consecutive layers (\p Names for messages) over \p Chips chips of
/// target \p T (0: the fewest that hold the model; 1: packModel) and packs
/// each chip's layers with packModel, its arrays spread over its tiles by
/// spreadOverTiles (ChipSplit.cpp). Refuses a block larger
/// than a chip, and a count too small for the model, with the numbers.
llvm::Expected<ModelPacking> packOnChips(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                         llvm::ArrayRef<std::string> Names, const Target &T,
                                         int64_t Chips);

/// packOnChips over the blocks of every mvm op of \p G, in graph order.
llvm::Expected<ModelPacking> packGraph(const Graph &G, const Target &T, int64_t Chips);

/// What replication weighs of a layer (per sample): input vectors, input
/// phases, and whether it may be copied (conv2d layers: output pixels are
/// spread over the copies).
struct ReplicaWork {
  int64_t Vectors = 1, Phases = 1;
  bool Replicable = false;
};

/// Copies per layer of \p Layers (blocks of one copy, in model order) that
/// shorten the pipeline's slowest layers, using at most \p Budget (0..1) of
/// the arrays the chips of \p Base leave free, on as many chips as \p Base
/// (Replication.cpp). All 1 when nothing helps or fits.
llvm::Expected<std::vector<int64_t>> chooseReplicas(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                                    llvm::ArrayRef<ReplicaWork> Work,
                                                    llvm::ArrayRef<std::string> Names,
                                                    const Target &T, int64_t Chips,
                                                    const ModelPacking &Base, double Budget);

/// \p Layers with layer i's blocks repeated \p Copies[i] times.
std::vector<std::vector<MvmBlock>> withCopies(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                              llvm::ArrayRef<int64_t> Copies);

/// The `replication` pass option: a fraction of the spare arrays, 0..1.
llvm::Expected<double> parseReplicationOption(llvm::StringRef Value);

/// Distinct arrays a packing uses.
int64_t arraysUsed(const ModelPacking &P);

/// The chip count of the `chips` pass option: "auto" is 0, else 1..1024.
llvm::Expected<int64_t> parseChipsOption(llvm::StringRef Value);

/// The fewest arrays that can hold \p Cells cells: ceil(Cells / (rows * cols)).
int64_t arraysLowerBound(int64_t Cells, const Target &T);

} // namespace qnn

#endif

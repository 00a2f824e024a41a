//===- ChipSplit.cpp - Consecutive layers onto several chips ---------------===//
//
// A model larger than one chip runs as a pipeline of stages, one per chip:
// each chip holds consecutive layers (in graph order), and only activations
// cross the chip-to-chip links. A layer is never split across chips, so its
// partial sums stay on one chip. Each stage is packed on its own chip by
// packModel; arrays are numbered chip * arrays_per_chip + index, so tiles are
// chip * tiles + tile and every later pass sees one large array space.
//
// The fewest chips: fill each chip with as many layers as fit (the largest
// end whose packing fits, found by bisection), which is optimal for
// consecutive stages. A requested count N above that balances the weight
// cells over the N chips, never past what fits.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Packing.h"
#include "qnn/Support/Diagnostics.h"
#include <optional>

namespace qnn {

namespace {

class Splitter {
public:
  Splitter(llvm::ArrayRef<std::vector<MvmBlock>> Layers, const Target &T)
      : Layers(Layers), T(T), Capacity(T.totalArrays()) {
    Cells.push_back(0);
    for (const std::vector<MvmBlock> &L : Layers) {
      int64_t C = 0;
      for (const MvmBlock &B : L)
        C += B.KCount * B.ColCount;
      Cells.push_back(Cells.back() + C);
    }
  }

  bool fits(size_t Begin, size_t End) const {
    return packModel(Layers.slice(Begin, End - Begin), T).NumArrays <= Capacity;
  }

  /// The largest End such that layers [Begin, End) fit one chip; Begin + 1
  /// fits (checked for every layer first).
  size_t lastFitting(size_t Begin) const {
    size_t Lo = Begin + 1, Hi = Layers.size();
    while (Lo < Hi) {
      size_t Mid = Lo + (Hi - Lo + 1) / 2;
      if (fits(Begin, Mid))
        Lo = Mid;
      else
        Hi = Mid - 1;
    }
    return Lo;
  }

  /// Stage ends when every chip takes as many layers as fit.
  std::vector<size_t> fewest() const {
    std::vector<size_t> Ends;
    for (size_t Begin = 0; Begin < Layers.size(); Begin = Ends.back())
      Ends.push_back(lastFitting(Begin));
    return Ends;
  }

  /// Stage ends over exactly \p Chips chips with about equal cells, or none
  /// when balancing leaves layers that no longer fit the last chips.
  std::optional<std::vector<size_t>> balanced(size_t Chips) const {
    std::vector<size_t> Ends;
    size_t Begin = 0;
    for (size_t Chip = 0; Chip < Chips; ++Chip) {
      size_t ChipsLeft = Chips - Chip;
      size_t MaxEnd = std::min(lastFitting(Begin), Layers.size() - (ChipsLeft - 1));
      if (ChipsLeft == 1) {
        if (MaxEnd != Layers.size())
          return std::nullopt;
        Ends.push_back(MaxEnd);
        break;
      }
      int64_t Goal = Cells[Begin] + (Cells.back() - Cells[Begin]) / int64_t(ChipsLeft);
      size_t End = Begin + 1;
      while (End < MaxEnd && Cells[End + 1] <= Goal)
        ++End;
      Ends.push_back(End);
      Begin = End;
    }
    return Ends;
  }

  ModelPacking pack(llvm::ArrayRef<size_t> Ends) const {
    ModelPacking Result;
    size_t Begin = 0;
    for (size_t Chip = 0; Chip < Ends.size(); ++Chip) {
      ModelPacking Stage = packModel(Layers.slice(Begin, Ends[Chip] - Begin), T);
      for (std::vector<PackedBlock> &Layer : Stage.Layers) {
        for (PackedBlock &P : Layer)
          P.Array += static_cast<int64_t>(Chip) * Capacity;
        Result.Layers.push_back(std::move(Layer));
      }
      Result.NumArrays = static_cast<int64_t>(Chip) * Capacity + Stage.NumArrays;
      Begin = Ends[Chip];
    }
    Result.Chips = static_cast<int64_t>(Ends.size());
    return Result;
  }

  int64_t totalCells() const { return Cells.back(); }

private:
  llvm::ArrayRef<std::vector<MvmBlock>> Layers;
  const Target &T;
  int64_t Capacity;
  std::vector<int64_t> Cells; ///< prefix sums of the layers' cells
};

} // namespace

llvm::Expected<ModelPacking> packOnChips(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                         llvm::ArrayRef<std::string> Names, const Target &T,
                                         int64_t Chips) {
  if (Chips == 1 || Layers.empty())
    return packModel(Layers, T);
  Splitter S(Layers, T);
  for (size_t L = 0; L < Layers.size(); ++L) {
    int64_t Need = packModel(Layers.slice(L, 1), T).NumArrays;
    if (Need > static_cast<int64_t>(T.totalArrays()))
      return makeError("layer '{}' needs {} arrays, one chip of target '{}' has {} ({} tiles x "
                       "{}); a layer is not split across chips: use a target with more arrays",
                       Names[L], Need, T.Name, T.totalArrays(), T.Tiles, T.ArraysPerTile);
  }
  std::vector<size_t> Fewest = S.fewest();
  if (Chips == 0)
    return S.pack(Fewest);
  if (static_cast<size_t>(Chips) < Fewest.size())
    return makeError("--chips={}: the model needs {} chips of target '{}' ({} cells; {} arrays of "
                     "{}x{} per chip, consecutive layers per chip): {} chips over; use "
                     "--chips={} or --chips=auto",
                     Chips, Fewest.size(), T.Name, S.totalCells(), T.totalArrays(), T.Rows, T.Cols,
                     Fewest.size() - Chips, Fewest.size());
  if (static_cast<size_t>(Chips) > Layers.size())
    return makeError("--chips={}: the model has {} layers with weights, and a chip holds whole "
                     "layers; use at most --chips={}",
                     Chips, Layers.size(), Layers.size());
  std::optional<std::vector<size_t>> Even = S.balanced(static_cast<size_t>(Chips));
  return S.pack(Even ? *Even : Fewest);
}

} // namespace qnn

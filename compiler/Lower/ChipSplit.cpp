//===- ChipSplit.cpp - Consecutive layers onto several chips ---------------===//
//
// A model larger than one chip runs as a pipeline of stages, one per chip:
// each chip holds consecutive layers (in graph order), and only activations
// cross the chip-to-chip links. A layer that fits one chip is never split,
// so its partial sums stay on its chip; a layer larger than a chip is cut
// into pieces of its blocks (in block order), each the most that one chip
// holds, and the pieces take the place of the layer in the sequence, so
// they land on consecutive chips; the splitter never puts two pieces of one
// layer on one chip (packed as two layers, their blocks could share rows of
// an array, and packing is not monotone enough to rule that out by size
// alone). Such a layer's partial
// sums from the other chips cross the links. Each stage is packed on its
// own chip by packModel; arrays are numbered chip * arrays_per_chip +
// index, so tiles are chip * tiles + tile and every later pass sees one
// large array space.
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
  /// \p BreakAfter[i]: layer i and i + 1 must go to different chips (two
  /// pieces of one layer, whose blocks would otherwise be packed as two
  /// layers and could share rows of an array).
  Splitter(llvm::ArrayRef<std::vector<MvmBlock>> Layers, llvm::ArrayRef<char> BreakAfter,
           const Target &T)
      : Layers(Layers), T(T), Capacity(T.totalArrays()), EndLimit(Layers.size()) {
    Cells.push_back(0);
    for (const std::vector<MvmBlock> &L : Layers) {
      int64_t C = 0;
      for (const MvmBlock &B : L)
        C += B.KCount * B.ColCount;
      Cells.push_back(Cells.back() + C);
    }
    size_t Limit = Layers.size();
    for (size_t I = Layers.size(); I-- > 0;) {
      if (BreakAfter[I])
        Limit = I + 1;
      EndLimit[I] = Limit;
    }
  }

  bool fits(size_t Begin, size_t End) const {
    return packModel(Layers.slice(Begin, End - Begin), T).NumArrays <= Capacity;
  }

  /// The largest End such that layers [Begin, End) fit one chip; Begin + 1
  /// fits (checked for every layer first).
  size_t lastFitting(size_t Begin) const {
    size_t Lo = Begin + 1, Hi = EndLimit[Begin];
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
  /// The furthest end a chip starting at layer i may have (BreakAfter).
  std::vector<size_t> EndLimit;
};

/// A layer's blocks [Begin, End) that go onto one chip together.
struct Piece {
  size_t Layer, Begin, End;
};

/// Cuts every layer larger than one chip into pieces that each fill a chip
/// as far as they can (the largest prefix of the remaining blocks whose
/// packing fits, by bisection); other layers stay whole. Refuses a block
/// larger than a chip.
llvm::Expected<std::vector<Piece>> cutLayers(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                             llvm::ArrayRef<std::string> Names, const Target &T) {
  const int64_t Capacity = T.totalArrays();
  auto fits = [&](size_t L, size_t Begin, size_t End) {
    std::vector<MvmBlock> Part(Layers[L].begin() + Begin, Layers[L].begin() + End);
    return packModel(llvm::ArrayRef<std::vector<MvmBlock>>(Part), T).NumArrays <= Capacity;
  };
  std::vector<Piece> Pieces;
  for (size_t L = 0; L < Layers.size(); ++L) {
    const size_t Blocks = Layers[L].size();
    if (fits(L, 0, Blocks)) {
      Pieces.push_back({L, 0, Blocks});
      continue;
    }
    for (size_t Begin = 0; Begin < Blocks;) {
      if (!fits(L, Begin, Begin + 1))
        return makeError("layer '{}': a block does not fit one chip of target '{}' ({} arrays of "
                         "{}x{})",
                         Names[L], T.Name, T.totalArrays(), T.Rows, T.Cols);
      size_t Lo = Begin + 1, Hi = Blocks;
      while (Lo < Hi) {
        size_t Mid = Lo + (Hi - Lo + 1) / 2;
        if (fits(L, Begin, Mid))
          Lo = Mid;
        else
          Hi = Mid - 1;
      }
      Pieces.push_back({L, Begin, Lo});
      Begin = Lo;
    }
  }
  return Pieces;
}

} // namespace

llvm::Expected<ModelPacking> packOnChips(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                         llvm::ArrayRef<std::string> Names, const Target &T,
                                         int64_t Chips) {
  if (Chips == 1 || Layers.empty())
    return packModel(Layers, T);
  // The cell bound first: a model far beyond what an image can hold is
  // refused before any packing.
  int64_t Cells = 0;
  for (const std::vector<MvmBlock> &L : Layers)
    for (const MvmBlock &B : L)
      Cells += B.KCount * B.ColCount;
  int64_t AtLeast = llvm::divideCeil(arraysLowerBound(Cells, T), T.totalArrays());
  if (AtLeast > image::MaxChips)
    return makeError("the model needs at least {} chips of target '{}' ({} cells; {} arrays of "
                     "{}x{} per chip), more than the {} an image holds; use a target with more "
                     "arrays",
                     AtLeast, T.Name, Cells, T.totalArrays(), T.Rows, T.Cols, image::MaxChips);
  llvm::Expected<std::vector<Piece>> Pieces = cutLayers(Layers, Names, T);
  if (!Pieces)
    return Pieces.takeError();
  std::vector<std::vector<MvmBlock>> Parts;
  std::vector<char> BreakAfter;
  for (const Piece &P : *Pieces) {
    Parts.emplace_back(Layers[P.Layer].begin() + P.Begin, Layers[P.Layer].begin() + P.End);
    BreakAfter.push_back(P.End != Layers[P.Layer].size());
  }
  // The pieces' placements, back in the layers' block order.
  auto merge = [&](ModelPacking Packed) {
    ModelPacking Result;
    Result.NumArrays = Packed.NumArrays;
    Result.Chips = Packed.Chips;
    for (const std::vector<MvmBlock> &L : Layers)
      Result.Layers.emplace_back(L.size());
    for (size_t I = 0; I < Pieces->size(); ++I) {
      const Piece &P = (*Pieces)[I];
      std::copy(Packed.Layers[I].begin(), Packed.Layers[I].end(),
                Result.Layers[P.Layer].begin() + P.Begin);
    }
    return Result;
  };
  Splitter S(Parts, BreakAfter, T);
  std::vector<size_t> Fewest = S.fewest();
  if (Fewest.size() > image::MaxChips)
    return makeError("the model needs {} chips of target '{}' ({} cells; {} arrays of {}x{} per "
                     "chip), more than the {} an image holds; use a target with more arrays",
                     Fewest.size(), T.Name, S.totalCells(), T.totalArrays(), T.Rows, T.Cols,
                     image::MaxChips);
  if (Chips == 0) {
    // Filling every chip in turn leaves the last one emptiest; spreading
    // the cells over the same count often packs into fewer arrays (the
    // rows tall blocks leave free find short blocks on every chip). Keep
    // whichever uses fewer.
    ModelPacking Filled = S.pack(Fewest);
    if (std::optional<std::vector<size_t>> Even = S.balanced(Fewest.size())) {
      ModelPacking Spread = S.pack(*Even);
      if (arraysUsed(Spread) < arraysUsed(Filled))
        return merge(std::move(Spread));
    }
    return merge(std::move(Filled));
  }
  if (static_cast<size_t>(Chips) < Fewest.size())
    return makeError("--chips={}: the model needs {} chips of target '{}' ({} cells; {} arrays of "
                     "{}x{} per chip, consecutive layers per chip): {} chips over; use "
                     "--chips={} or --chips=auto",
                     Chips, Fewest.size(), T.Name, S.totalCells(), T.totalArrays(), T.Rows, T.Cols,
                     Fewest.size() - Chips, Fewest.size());
  if (static_cast<size_t>(Chips) > Parts.size())
    return makeError("--chips={}: the model has {} layers with weights (pieces of layers larger "
                     "than a chip counted apart), and a chip holds whole ones; use at most "
                     "--chips={}",
                     Chips, Parts.size(), Parts.size());
  std::optional<std::vector<size_t>> Even = S.balanced(static_cast<size_t>(Chips));
  return merge(S.pack(Even ? *Even : Fewest));
}

} // namespace qnn

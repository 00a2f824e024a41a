//===- ChipSplit.cpp - Consecutive layers onto several chips ---------------===//
//
// A model larger than one chip runs as a pipeline of stages, one per chip:
// each chip holds consecutive layers (in graph order), and mostly only
// activations cross the chip-to-chip links. Each stage is packed on its own
// chip by packModel; arrays are numbered chip * arrays_per_chip + index, so
// tiles are chip * tiles + tile and every later pass sees one large array
// space.
//
// A layer may be cut into pieces of its blocks (in block order), only
// between chips, so its pieces land on consecutive chips and never two on
// one chip (packed as two layers, their blocks could share rows of an
// array, and packing is not monotone enough to rule that out by size).
// The partial sums a cut layer's other chips hold cross the links.
//
// The fewest chips: fill each chip in turn with what remains of the layer
// the previous chip cut, then as many whole layers as fit, then the largest
// prefix of the next layer's blocks that fits (each found by bisection).
// That fills every chip but the last; `auto` also packs the same count with
// whole layers (filled in turn, and with the cells spread evenly) when that
// count holds them, and keeps whichever uses the fewest arrays, preferring
// whole layers on a tie (no partial sums on the links). A requested count N
// above the fewest balances the weight cells over the N chips with whole
// layers (only layers larger than a chip cut), never past what fits.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Packing.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include <optional>

namespace qnn {

namespace {

/// A layer's blocks [Begin, End) that go onto one chip together.
struct Piece {
  size_t Layer, Begin, End;
};

/// How a model goes onto chips: its pieces in model order and, per chip,
/// the end (an index into Pieces) of the pieces it holds.
struct Split {
  std::vector<Piece> Pieces;
  std::vector<size_t> Ends;
};

/// The largest N in [Lo, Hi] with Fits(N), given Fits(Lo), taking Fits as
/// monotone. It gallops up from Lo before bisecting, so finding a chip's
/// worth of layers costs a few packings of about a chip, whatever the
/// model's size.
size_t largestFitting(size_t Lo, size_t Hi, llvm::function_ref<bool(size_t)> Fits) {
  for (size_t Step = 1; Lo < Hi; Step *= 2) {
    size_t Probe = Lo + std::min(Step, Hi - Lo);
    if (!Fits(Probe)) {
      Hi = Probe - 1;
      break;
    }
    Lo = Probe;
  }
  while (Lo < Hi) {
    size_t Mid = Lo + (Hi - Lo + 1) / 2;
    if (Fits(Mid))
      Lo = Mid;
    else
      Hi = Mid - 1;
  }
  return Lo;
}

std::vector<MvmBlock> blocksOf(llvm::ArrayRef<std::vector<MvmBlock>> Layers, const Piece &P) {
  return {Layers[P.Layer].begin() + P.Begin, Layers[P.Layer].begin() + P.End};
}

bool fitsOneChip(llvm::ArrayRef<std::vector<MvmBlock>> Parts, const Target &T) {
  return packModel(Parts, T).NumArrays <= T.totalArrays();
}

/// Packs every chip's pieces on its own chip and gives the placements back
/// per layer, in block order.
ModelPacking packSplit(llvm::ArrayRef<std::vector<MvmBlock>> Layers, const Split &S,
                       const Target &T) {
  const int64_t Capacity = T.totalArrays();
  ModelPacking Result;
  for (const std::vector<MvmBlock> &L : Layers)
    Result.Layers.emplace_back(L.size());
  size_t Begin = 0;
  for (size_t Chip = 0; Chip < S.Ends.size(); ++Chip) {
    std::vector<std::vector<MvmBlock>> Parts;
    for (size_t I = Begin; I < S.Ends[Chip]; ++I)
      Parts.push_back(blocksOf(Layers, S.Pieces[I]));
    ModelPacking Stage = packModel(Parts, T);
    spreadOverTiles(Parts, Stage, T);
    for (size_t I = Begin; I < S.Ends[Chip]; ++I) {
      const Piece &P = S.Pieces[I];
      for (size_t B = P.Begin; B < P.End; ++B) {
        PackedBlock At = Stage.Layers[I - Begin][B - P.Begin];
        At.Array += static_cast<int64_t>(Chip) * Capacity;
        Result.Layers[P.Layer][B] = At;
      }
    }
    Result.NumArrays = static_cast<int64_t>(Chip) * Capacity + Stage.NumArrays;
    Begin = S.Ends[Chip];
  }
  Result.Chips = static_cast<int64_t>(S.Ends.size());
  return Result;
}

llvm::Error blockTooLarge(llvm::StringRef Name, const Target &T) {
  return makeError("layer '{}': a block does not fit one chip of target '{}' ({} arrays of {}x{})",
                   Name, T.Name, T.totalArrays(), T.Rows, T.Cols);
}

/// Splits a sequence of pieces (in model order) into chips of consecutive
/// pieces.
class Splitter {
public:
  /// With \p JoinPieces, a chip joins adjacent pieces of one layer into one
  /// (a layer is then cut only between chips); without it, two pieces of
  /// one layer go to different chips.
  Splitter(llvm::ArrayRef<std::vector<MvmBlock>> Layers, llvm::ArrayRef<std::string> Names,
           const Target &T, std::vector<Piece> Pieces, bool JoinPieces)
      : Layers(Layers), Names(Names), T(T), Pieces(std::move(Pieces)), JoinPieces(JoinPieces) {
    Cells.push_back(0);
    for (const Piece &P : this->Pieces) {
      int64_t C = 0;
      for (size_t B = P.Begin; B < P.End; ++B)
        C += Layers[P.Layer][B].KCount * Layers[P.Layer][B].ColCount;
      Cells.push_back(Cells.back() + C);
    }
    EndLimit.resize(this->Pieces.size());
    size_t Limit = this->Pieces.size();
    for (size_t I = this->Pieces.size(); I-- > 0;) {
      const Piece &P = this->Pieces[I];
      if (!JoinPieces && P.End != Layers[P.Layer].size())
        Limit = I + 1;
      EndLimit[I] = Limit;
    }
  }

  size_t pieces() const { return Pieces.size(); }

  /// The fewest chips: each chip in turn takes as many pieces as fit.
  llvm::Expected<Split> fewest() const {
    std::vector<size_t> Ends;
    for (size_t Begin = 0; Begin < Pieces.size(); Begin = Ends.back()) {
      llvm::Expected<size_t> End = lastFitting(Begin);
      if (!End)
        return End.takeError();
      Ends.push_back(*End);
    }
    return split(Ends);
  }

  /// Exactly \p Chips chips with about equal cells, or none when balancing
  /// leaves pieces that no longer fit the last chips. Only after fewest()
  /// succeeded: every piece fits a chip.
  std::optional<Split> balanced(size_t Chips) const {
    std::vector<size_t> Ends;
    for (size_t Begin = 0; Ends.size() < Chips && Begin < Pieces.size(); Begin = Ends.back()) {
      size_t ChipsLeft = Chips - Ends.size();
      size_t MaxEnd = llvm::cantFail(lastFitting(Begin));
      if (ChipsLeft == 1) {
        Ends.push_back(MaxEnd);
        break;
      }
      MaxEnd = std::min(MaxEnd, Pieces.size() - (ChipsLeft - 1));
      // The most pieces whose cells stay within the chip's share, then the
      // most of those that fit: packing is not monotone, so a prefix of
      // what fits need not fit.
      int64_t Goal = Cells[Begin] + (Cells.back() - Cells[Begin]) / int64_t(ChipsLeft);
      size_t Share = std::upper_bound(Cells.begin(), Cells.end(), Goal) - Cells.begin() - 1;
      Ends.push_back(largestFitting(Begin + 1, std::clamp(Share, Begin + 1, MaxEnd),
                                    [&](size_t End) { return fits(Begin, End); }));
    }
    if (Ends.size() != Chips || Ends.back() != Pieces.size())
      return std::nullopt;
    return split(Ends);
  }

private:
  /// The largest End such that pieces [Begin, End) fit one chip.
  llvm::Expected<size_t> lastFitting(size_t Begin) const {
    if (!fits(Begin, Begin + 1))
      return blockTooLarge(Names[Pieces[Begin].Layer], T);
    return largestFitting(Begin + 1, EndLimit[Begin], [&](size_t End) { return fits(Begin, End); });
  }

  /// Pieces [Begin, End) as one chip holds them.
  std::vector<Piece> onChip(size_t Begin, size_t End) const {
    std::vector<Piece> Result;
    for (size_t I = Begin; I < End; ++I) {
      const Piece &P = Pieces[I];
      if (JoinPieces && !Result.empty() && Result.back().Layer == P.Layer &&
          Result.back().End == P.Begin)
        Result.back().End = P.End;
      else
        Result.push_back(P);
    }
    return Result;
  }

  bool fits(size_t Begin, size_t End) const {
    std::vector<std::vector<MvmBlock>> Parts;
    for (const Piece &P : onChip(Begin, End))
      Parts.push_back(blocksOf(Layers, P));
    return fitsOneChip(Parts, T);
  }

  Split split(llvm::ArrayRef<size_t> Ends) const {
    Split Result;
    size_t Begin = 0;
    for (size_t End : Ends) {
      for (const Piece &P : onChip(Begin, End))
        Result.Pieces.push_back(P);
      Result.Ends.push_back(Result.Pieces.size());
      Begin = End;
    }
    return Result;
  }

  llvm::ArrayRef<std::vector<MvmBlock>> Layers;
  llvm::ArrayRef<std::string> Names;
  const Target &T;
  std::vector<Piece> Pieces;
  bool JoinPieces;
  std::vector<int64_t> Cells; ///< prefix sums of the pieces' cells
  /// The furthest end a chip starting at piece i may have.
  std::vector<size_t> EndLimit;
};

/// Every block a piece of its own: chips cut layers wherever they fill.
std::vector<Piece> blockPieces(llvm::ArrayRef<std::vector<MvmBlock>> Layers) {
  std::vector<Piece> Pieces;
  for (size_t L = 0; L < Layers.size(); ++L)
    for (size_t B = 0; B < Layers[L].size(); ++B)
      Pieces.push_back({L, B, B + 1});
  return Pieces;
}

/// Whole layers, but every layer larger than one chip cut into pieces that
/// each fill a chip as far as they can (the largest prefix of its remaining
/// blocks whose packing fits). Refuses a block larger than a chip.
llvm::Expected<std::vector<Piece>> wholeLayerPieces(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                                    llvm::ArrayRef<std::string> Names,
                                                    const Target &T) {
  std::vector<Piece> Pieces;
  for (size_t L = 0; L < Layers.size(); ++L) {
    const size_t Blocks = Layers[L].size();
    auto fitsPiece = [&](size_t Begin, size_t End) {
      return fitsOneChip({blocksOf(Layers, {L, Begin, End})}, T);
    };
    if (fitsPiece(0, Blocks)) {
      Pieces.push_back({L, 0, Blocks});
      continue;
    }
    for (size_t Begin = 0; Begin < Blocks;) {
      if (!fitsPiece(Begin, Begin + 1))
        return blockTooLarge(Names[L], T);
      size_t End = largestFitting(Begin + 1, Blocks, [&](size_t E) { return fitsPiece(Begin, E); });
      Pieces.push_back({L, Begin, End});
      Begin = End;
    }
  }
  return Pieces;
}

} // namespace

llvm::Expected<ModelPacking> packOnChips(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                         llvm::ArrayRef<std::string> Names, const Target &T,
                                         int64_t Chips) {
  if (Chips == 1 || Layers.empty()) {
    ModelPacking P = packModel(Layers, T);
    spreadOverTiles(Layers, P, T);
    return P;
  }
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
  Splitter Cutting(Layers, Names, T, blockPieces(Layers), /*JoinPieces=*/true);
  llvm::Expected<Split> Cut = Cutting.fewest();
  if (!Cut)
    return Cut.takeError();
  const size_t Fewest = Cut->Ends.size();
  if (Fewest > image::MaxChips)
    return makeError("the model needs {} chips of target '{}' ({} cells; {} arrays of {}x{} per "
                     "chip), more than the {} an image holds; use a target with more arrays",
                     Fewest, T.Name, Cells, T.totalArrays(), T.Rows, T.Cols, image::MaxChips);
  llvm::Expected<std::vector<Piece>> WholePieces = wholeLayerPieces(Layers, Names, T);
  if (!WholePieces)
    return WholePieces.takeError();
  Splitter Whole(Layers, Names, T, std::move(*WholePieces), /*JoinPieces=*/false);
  Split Filled = llvm::cantFail(Whole.fewest());
  if (Chips == 0) {
    // Each way of splitting packs differently, and packing is not monotone:
    // whole layers keep partial sums off the links, spreading the cells
    // often packs into fewer arrays (the rows tall blocks leave free find
    // short blocks on every chip), and cutting fills every chip. Among the
    // splits over the fewest chips, keep the first with the fewest arrays.
    std::vector<Split> Candidates;
    if (Filled.Ends.size() == Fewest) {
      Candidates.push_back(Filled);
      if (std::optional<Split> Even = Whole.balanced(Fewest))
        Candidates.push_back(std::move(*Even));
    }
    Candidates.push_back(std::move(*Cut));
    if (std::optional<Split> Even = Cutting.balanced(Fewest))
      Candidates.push_back(std::move(*Even));
    std::optional<ModelPacking> Best;
    for (const Split &Candidate : Candidates) {
      ModelPacking P = packSplit(Layers, Candidate, T);
      if (!Best || arraysUsed(P) < arraysUsed(*Best))
        Best = std::move(P);
    }
    return std::move(*Best);
  }
  if (static_cast<size_t>(Chips) < Fewest)
    return makeError("--chips={}: the model needs {} chips of target '{}' ({} cells; {} arrays of "
                     "{}x{} per chip, consecutive layers per chip): {} chips over; use "
                     "--chips={} or --chips=auto",
                     Chips, Fewest, T.Name, Cells, T.totalArrays(), T.Rows, T.Cols,
                     Fewest - static_cast<size_t>(Chips), Fewest);
  if (static_cast<size_t>(Chips) > Whole.pieces())
    return makeError("--chips={}: the model has {} layers with weights (pieces of layers larger "
                     "than a chip counted apart), and a chip holds whole ones; use at most "
                     "--chips={}",
                     Chips, Whole.pieces(), Whole.pieces());
  // N chips: whole layers with the cells balanced; else balanced with cuts;
  // else the fewest.
  if (std::optional<Split> Even = Whole.balanced(static_cast<size_t>(Chips)))
    return packSplit(Layers, *Even, T);
  if (std::optional<Split> Even = Cutting.balanced(static_cast<size_t>(Chips)))
    return packSplit(Layers, *Even, T);
  return packSplit(Layers, *Cut, T);
}

} // namespace qnn

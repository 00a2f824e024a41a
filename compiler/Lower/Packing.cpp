//===- Packing.cpp - Packing the blocks of every layer onto arrays --------===//
#include "qnn/Lower/Packing.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/MathExtras.h"
#include <algorithm>
#include <map>
#include <optional>

namespace qnn {

namespace {

/// A block as the packer sees it.
struct Item {
  size_t Layer = 0, Block = 0;
  int64_t Height = 0, Width = 0, ReadShift = 0;
};

/// One array being filled: the skyline (the first free row of every column),
/// the usable cells above it, and the blocks already on it for the rule that
/// blocks of one layer share no row and no column.
class ArrayFill {
public:
  ArrayFill(int64_t ReadShift, const Target &T)
      : ReadShift(ReadShift), Rows(T.Rows), Skyline(static_cast<size_t>(T.Cols), 0),
        BlockEndsAt(static_cast<size_t>(T.Cols) + 1, false), FreeCells(T.Rows * T.Cols) {}

  int64_t readShift() const { return ReadShift; }
  bool full() const { return FreeCells == 0; }
  /// Whether a block read with \p Shift may share this array (Packing.h).
  bool reads(int64_t Shift) const { return interchangeableReadShifts(Shift, ReadShift); }

  /// The lowest, then leftmost, position (row, column) of \p I, if it fits.
  std::optional<std::pair<int64_t, int64_t>> find(const Item &I) const {
    if (FreeCells < I.Height * I.Width)
      return std::nullopt;
    auto Same = ByLayer.find(I.Layer);
    const std::vector<Rect> *Layer = Same == ByLayer.end() ? nullptr : &Same->second;
    const int64_t Cols = static_cast<int64_t>(Skyline.size());
    std::optional<std::pair<int64_t, int64_t>> Best;
    for (int64_t X = 0; X + I.Width <= Cols; ++X) {
      // A lowest-leftmost position starts at column 0, where the skyline
      // steps, or where a block ends.
      if (X > 0 && Skyline[X] == Skyline[X - 1] && !BlockEndsAt[X])
        continue;
      std::optional<int64_t> Y = lowestRow(I, X, Layer);
      if (Y && (!Best || *Y < Best->first))
        Best = {{*Y, X}};
    }
    return Best;
  }

  void put(const Item &I, int64_t Row, int64_t Col) {
    ReadShift = std::max(ReadShift, I.ReadShift);
    std::vector<Rect> &Layer = ByLayer[I.Layer];
    Rect R{Row, Row + I.Height, Col, Col + I.Width};
    Layer.insert(std::upper_bound(Layer.begin(), Layer.end(), R,
                                  [](const Rect &A, const Rect &B) { return A.Row0 < B.Row0; }),
                 R);
    BlockEndsAt[R.Col1] = true;
    for (int64_t X = Col; X < Col + I.Width; ++X)
      Skyline[X] = Row + I.Height;
    FreeCells = 0;
    for (int64_t Height : Skyline)
      FreeCells += Rows - Height;
  }

private:
  struct Rect {
    int64_t Row0, Row1, Col0, Col1;
  };

  /// The lowest row at column \p X that clears the skyline and every row of
  /// the same layer's blocks (\p Layer, sorted by first row); none if a
  /// block of the layer shares a column.
  std::optional<int64_t> lowestRow(const Item &I, int64_t X, const std::vector<Rect> *Layer) const {
    int64_t Y = *std::max_element(Skyline.begin() + X, Skyline.begin() + X + I.Width);
    if (Layer) {
      for (const Rect &R : *Layer)
        if (R.Col0 < X + I.Width && X < R.Col1)
          return std::nullopt;
      // In row order, one pass lifts Y above every block it meets.
      for (const Rect &R : *Layer)
        if (R.Row0 < Y + I.Height && Y < R.Row1)
          Y = R.Row1;
    }
    if (Y + I.Height > Rows)
      return std::nullopt;
    return Y;
  }

  int64_t ReadShift, Rows;
  std::vector<int64_t> Skyline;
  std::vector<bool> BlockEndsAt; ///< per column: some block ends just before it
  int64_t FreeCells;
  /// The blocks on this array per layer, sorted by first row.
  std::map<size_t, std::vector<Rect>> ByLayer;
};

} // namespace

ModelPacking packModel(llvm::ArrayRef<std::vector<MvmBlock>> Layers, const Target &T) {
  ModelPacking Result;
  std::vector<Item> Items;
  for (size_t L = 0; L < Layers.size(); ++L) {
    Result.Layers.emplace_back(Layers[L].size());
    for (size_t B = 0; B < Layers[L].size(); ++B) {
      const MvmBlock &Block = Layers[L][B];
      Items.push_back({L, B, Block.KCount, Block.ColCount, Block.ReadShift});
    }
  }
  // Decreasing height fills the skylines level by level, and the short
  // blocks that come last fill the gaps the tall ones leave (the rows an
  // exact read-out cannot use). The stable sort keeps model order among
  // equals, so the image is deterministic.
  std::stable_sort(Items.begin(), Items.end(), [](const Item &A, const Item &B) {
    if (A.Height != B.Height)
      return A.Height > B.Height;
    return A.Width > B.Width;
  });
  std::vector<ArrayFill> Arrays;
  std::vector<size_t> Open; // arrays with free cells, in index order
  for (const Item &I : Items) {
    std::optional<std::pair<int64_t, int64_t>> At;
    size_t Chosen = 0;
    for (size_t A : Open) {
      if (!Arrays[A].reads(I.ReadShift))
        continue;
      if ((At = Arrays[A].find(I))) {
        Chosen = A;
        break;
      }
    }
    if (!At) {
      Chosen = Arrays.size();
      Arrays.emplace_back(I.ReadShift, T);
      Open.push_back(Chosen);
      // A block larger than an array (never made by `tile`) still gets one;
      // the image writer refuses it with the target's size.
      At = Arrays.back().find(I).value_or(std::pair<int64_t, int64_t>{0, 0});
    }
    Arrays[Chosen].put(I, At->first, At->second);
    if (Arrays[Chosen].full())
      Open.erase(std::find(Open.begin(), Open.end(), Chosen));
    Result.Layers[I.Layer][I.Block] = {static_cast<int64_t>(Chosen), At->first, At->second, 0};
  }
  // Blocks read with their array's final shift, set once every block is on.
  for (std::vector<PackedBlock> &Layer : Result.Layers)
    for (PackedBlock &B : Layer)
      B.ReadShift = Arrays[B.Array].readShift();
  Result.NumArrays = static_cast<int64_t>(Arrays.size());
  return Result;
}

llvm::Expected<ModelPacking> packGraph(const Graph &G, const Target &T, int64_t Chips) {
  std::vector<std::vector<MvmBlock>> Layers;
  std::vector<std::string> Names;
  if (llvm::Error E = visitMvmLayers(G, [&](const Op &O, const MvmLayer &L) -> llvm::Error {
        Layers.push_back(L.Blocks);
        Names.push_back(O.Name);
        return llvm::Error::success();
      }))
    return E;
  return packOnChips(Layers, Names, T, Chips);
}

llvm::Expected<int64_t> parseChipsOption(llvm::StringRef Value) {
  if (Value == "auto")
    return 0;
  int64_t Chips = 0;
  // More chips than this is not a mapping anyone runs; the bound also keeps
  // chips x arrays per chip far from overflow.
  if (Value.getAsInteger(10, Chips) || Chips < 1 || Chips > 1024)
    return makeError("--chips: expected a count from 1 to 1024 or 'auto', got '{}'", Value.str());
  return Chips;
}

int64_t arraysLowerBound(int64_t Cells, const Target &T) {
  return static_cast<int64_t>(llvm::divideCeil(Cells, T.Rows * T.Cols));
}

} // namespace qnn

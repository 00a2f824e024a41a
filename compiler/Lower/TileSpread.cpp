//===- TileSpread.cpp - Which tile each packed array sits on --------------===//
//
// The packer numbers arrays in the order it opens them, but which physical
// array a number lands on is free: any relabelling of one chip's arrays
// holds the same blocks. It matters for the NMPUs: a layer runs on the
// NMPU of its first block's tile, and first-fit puts the many small layers
// (depthwise groups, one per channel) into the few arrays whose gaps fit
// them, so numbering arrays in order piled thousands of layers onto one or
// two tiles and their NMPU work bounded the whole pipeline (MobileNetV2 on
// nvm-2bit: 5122 layers on one tile).
//
// The arrays where layers start are therefore dealt out longest processing
// time first: in decreasing order of the NMPU work that starts on them
// (the columns of the layers that start there), each to the tile with the
// least work that still has a free array. The other arrays (the rest of
// layers larger than an array) then join the tile of the layer they
// continue, while it has room, so a layer's partial sums mostly stay on
// its tile.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Packing.h"
#include <algorithm>

namespace qnn {

void spreadOverTiles(llvm::ArrayRef<std::vector<MvmBlock>> Layers, ModelPacking &P,
                     const Target &T) {
  const int64_t Used = P.NumArrays;
  if (Used > T.totalArrays())
    return; // refused later with the count; keep the packer's numbers
  const auto Arrays = static_cast<size_t>(Used);
  std::vector<int64_t> Work(Arrays, 0);
  std::vector<int64_t> LayerOn(Arrays, -1); // the first layer with a block there
  for (size_t L = 0; L < Layers.size(); ++L) {
    if (P.Layers[L].empty())
      continue;
    int64_t Columns = 0;
    for (const MvmBlock &B : Layers[L])
      Columns += B.ColCount;
    Work[static_cast<size_t>(P.Layers[L].front().Array)] += Columns;
    for (const PackedBlock &At : P.Layers[L])
      if (LayerOn[static_cast<size_t>(At.Array)] < 0)
        LayerOn[static_cast<size_t>(At.Array)] = static_cast<int64_t>(L);
  }

  const auto Tiles = static_cast<size_t>(T.Tiles);
  std::vector<int64_t> TileWork(Tiles, 0), Taken(Tiles, 0);
  std::vector<int64_t> Label(Arrays, -1);
  auto assign = [&](size_t A, size_t Tile) {
    Label[A] = static_cast<int64_t>(Tile) * T.ArraysPerTile + Taken[Tile]++;
    TileWork[Tile] += Work[A];
  };
  auto leastLoaded = [&] {
    size_t Best = Tiles;
    for (size_t Tile = 0; Tile < Tiles; ++Tile)
      if (Taken[Tile] < T.ArraysPerTile && (Best == Tiles || TileWork[Tile] < TileWork[Best]))
        Best = Tile;
    return Best;
  };

  std::vector<size_t> Order;
  for (size_t A = 0; A < Arrays; ++A)
    if (Work[A] > 0)
      Order.push_back(A);
  std::stable_sort(Order.begin(), Order.end(),
                   [&](size_t X, size_t Y) { return Work[X] > Work[Y]; });
  for (size_t A : Order)
    assign(A, leastLoaded());
  for (size_t A = 0; A < Arrays; ++A) {
    if (Label[A] >= 0)
      continue;
    size_t Tile = Tiles;
    if (LayerOn[A] >= 0) {
      int64_t Head = Label[static_cast<size_t>(P.Layers[LayerOn[A]].front().Array)];
      Tile = static_cast<size_t>(Head / T.ArraysPerTile);
      if (Taken[Tile] == T.ArraysPerTile)
        Tile = Tiles;
    }
    assign(A, Tile < Tiles ? Tile : leastLoaded());
  }

  int64_t Last = -1;
  for (std::vector<PackedBlock> &Layer : P.Layers)
    for (PackedBlock &At : Layer) {
      At.Array = Label[static_cast<size_t>(At.Array)];
      Last = std::max(Last, At.Array);
    }
  P.NumArrays = Last + 1;
}

} // namespace qnn

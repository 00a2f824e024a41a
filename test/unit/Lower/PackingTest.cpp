//===- PackingTest.cpp - Blocks of every layer packed onto shared arrays ---===//
//
// Random models (1..30 layers of 1..12 blocks of random size and read shift)
// on random array sizes: every block is placed once, inside its array; no
// two blocks cover a cell; blocks of one layer on one array share no row and
// no column; blocks on one array share the read shift; the count is at least
// the cell bound, and the same input packs the same way. Hand-made cases
// check that the packer reaches the bound where the blocks tile the arrays.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Packing.h"
#include "MappingTestUtils.h"
#include "llvm/Support/Error.h"
#include "gtest/gtest.h"
#include <map>
#include <set>
#include <tuple>

using namespace qnn;
using namespace qnn::mappingtest;

namespace {

Target arrays(int64_t Rows, int64_t Cols, unsigned Tiles = 1024) {
  Target T;
  T.Name = "packing";
  T.Rows = Rows;
  T.Cols = Cols;
  T.Tiles = Tiles;
  T.ArraysPerTile = 4;
  return T;
}

MvmBlock block(int64_t Rows, int64_t Cols, int64_t ReadShift = 0) {
  MvmBlock B;
  B.KCount = Rows;
  B.ColCount = Cols;
  B.ReadShift = ReadShift;
  return B;
}

struct Cell {
  int64_t Array, Row, Col;
  bool operator<(const Cell &O) const {
    return std::tie(Array, Row, Col) < std::tie(O.Array, O.Row, O.Col);
  }
};

/// Checks every rule of Packing.h on one packing; returns the cells used.
int64_t checkRules(const std::vector<std::vector<MvmBlock>> &Layers, const ModelPacking &P,
                   const Target &T) {
  const int64_t Capacity = T.totalArrays();
  EXPECT_EQ(P.Layers.size(), Layers.size());
  std::map<Cell, size_t> Owner; // cell -> layer
  std::map<int64_t, int64_t> ShiftOf, MaxShift;
  // Per (layer, array): rows and columns its blocks use there.
  std::map<std::pair<size_t, int64_t>, std::pair<std::vector<bool>, std::vector<bool>>> Used;
  int64_t Cells = 0;
  for (size_t L = 0; L < Layers.size(); ++L) {
    EXPECT_EQ(P.Layers[L].size(), Layers[L].size());
    for (size_t I = 0; I < Layers[L].size(); ++I) {
      const MvmBlock &B = Layers[L][I];
      const PackedBlock &At = P.Layers[L][I];
      SCOPED_TRACE("layer " + std::to_string(L) + " block " + std::to_string(I));
      EXPECT_GE(At.Array, 0);
      EXPECT_LT(At.Array, P.NumArrays);
      EXPECT_GE(At.RowOffset, 0);
      EXPECT_GE(At.ColOffset, 0);
      EXPECT_LE(At.RowOffset + B.KCount, T.Rows);
      EXPECT_LE(At.ColOffset + B.ColCount, T.Cols);
      // One read shift per array: a lossy block's own, else a gain no
      // larger than any of its exact blocks allow.
      auto [Shift, NewArray] = ShiftOf.try_emplace(At.Array, At.ReadShift);
      EXPECT_EQ(Shift->second, At.ReadShift) << "read shifts differ on array " << At.Array;
      if (B.ReadShift > 0)
        EXPECT_EQ(At.ReadShift, B.ReadShift) << "a lossy block read with another shift";
      else
        EXPECT_TRUE(B.ReadShift <= At.ReadShift && At.ReadShift <= 0)
            << "an exact block read with shift " << At.ReadShift << ", it allows " << B.ReadShift;
      auto [Most, First] = MaxShift.try_emplace(At.Array, B.ReadShift);
      Most->second = std::max(Most->second, B.ReadShift);
      auto &[RowsUsed, ColsUsed] = Used[{L, At.Array}];
      RowsUsed.resize(T.Rows);
      ColsUsed.resize(T.Cols);
      for (int64_t R = 0; R < B.KCount; ++R) {
        EXPECT_FALSE(RowsUsed[At.RowOffset + R]) << "the layer reuses row " << At.RowOffset + R;
        RowsUsed[At.RowOffset + R] = true;
      }
      for (int64_t C = 0; C < B.ColCount; ++C) {
        EXPECT_FALSE(ColsUsed[At.ColOffset + C]) << "the layer reuses column " << At.ColOffset + C;
        ColsUsed[At.ColOffset + C] = true;
      }
      for (int64_t R = 0; R < B.KCount; ++R)
        for (int64_t C = 0; C < B.ColCount; ++C) {
          bool Fresh = Owner.emplace(Cell{At.Array, At.RowOffset + R, At.ColOffset + C}, L).second;
          if (!Fresh) {
            ADD_FAILURE() << "cell covered twice on array " << At.Array;
            return Cells;
          }
        }
      Cells += B.KCount * B.ColCount;
    }
  }
  for (const auto &[Array, Shift] : ShiftOf)
    EXPECT_EQ(Shift, MaxShift[Array]) << "array " << Array << " reads with less gain than it may";
  std::set<int64_t> Arrays;
  for (const auto &[C, L] : Owner)
    Arrays.insert(C.Array);
  if (P.Chips == 1) {
    // Spreading over tiles (packOnChips) only relabels the packer's arrays.
    EXPECT_EQ(static_cast<int64_t>(Arrays.size()), packModel(Layers, T).NumArrays)
        << "an array holds nothing";
    EXPECT_GE(static_cast<int64_t>(Arrays.size()), arraysLowerBound(Cells, T));
    return Cells;
  }
  // Several chips: each holds consecutive layers within its arrays, and
  // every chip holds some; a layer's blocks, in block order, go over
  // consecutive chips (a layer is cut only between chips).
  int64_t LastChip = 0;
  std::set<int64_t> ChipsUsed;
  for (size_t L = 0; L < Layers.size(); ++L) {
    if (P.Layers[L].empty())
      continue;
    int64_t First = P.Layers[L].front().Array / Capacity, Chip = First;
    EXPECT_GE(First, LastChip) << "layer " << L << " goes back to an earlier chip";
    for (const PackedBlock &At : P.Layers[L]) {
      int64_t Now = At.Array / Capacity;
      EXPECT_TRUE(Now == Chip || Now == Chip + 1)
          << "layer " << L << "'s pieces are not on consecutive chips";
      Chip = Now;
      ChipsUsed.insert(Now);
    }
    LastChip = Chip;
  }
  EXPECT_EQ(static_cast<int64_t>(ChipsUsed.size()), P.Chips);
  EXPECT_LE(P.NumArrays, P.Chips * Capacity);
  return Cells;
}

TEST(Packing, RandomModelsKeepEveryRule) {
  Rng R(2026);
  int64_t Arrays = 0, Bound = 0;
  for (int Trial = 0; Trial < 300; ++Trial) {
    SCOPED_TRACE("trial " + std::to_string(Trial));
    Target T = arrays(uniform(R, 4, 40), uniform(R, 4, 40));
    std::vector<std::vector<MvmBlock>> Layers(uniform(R, 1, 30));
    for (auto &Layer : Layers) {
      // Lossy shifts, and read gains up to 16.
      int64_t Shift = uniform(R, 0, 3) == 0 ? uniform(R, 1, 2) : -uniform(R, 0, 4);
      for (int64_t I = uniform(R, 1, 12); I > 0; --I)
        Layer.push_back(block(uniform(R, 1, T.Rows), uniform(R, 1, T.Cols), Shift));
    }
    ModelPacking P = packModel(Layers, T);
    int64_t Cells = checkRules(Layers, P, T);
    if (::testing::Test::HasFailure())
      return;
    ModelPacking Again = packModel(Layers, T);
    for (size_t L = 0; L < Layers.size(); ++L)
      for (size_t I = 0; I < Layers[L].size(); ++I) {
        EXPECT_EQ(Again.Layers[L][I].Array, P.Layers[L][I].Array);
        EXPECT_EQ(Again.Layers[L][I].RowOffset, P.Layers[L][I].RowOffset);
        EXPECT_EQ(Again.Layers[L][I].ColOffset, P.Layers[L][I].ColOffset);
      }
    Arrays += P.NumArrays;
    Bound += arraysLowerBound(Cells, T);
  }
  RecordProperty("arrays_over_bound", std::to_string(double(Arrays) / double(Bound)));
}

// Quarter-array blocks of different layers tile the arrays exactly; blocks
// of one layer along the diagonal share an array two by two.
TEST(Packing, ReachesTheBoundWhereBlocksTile) {
  Target T = arrays(128, 128);
  std::vector<std::vector<MvmBlock>> Quarters(10, {block(64, 64)});
  ModelPacking P = packModel(Quarters, T);
  checkRules(Quarters, P, T);
  EXPECT_EQ(P.NumArrays, 3); // ceil(10 / 4)

  std::vector<std::vector<MvmBlock>> Diagonal = {
      {block(64, 64), block(64, 64), block(64, 64), block(64, 64)}};
  P = packModel(Diagonal, T);
  checkRules(Diagonal, P, T);
  EXPECT_EQ(P.NumArrays, 2);
}

// Depthwise-like layers (one 9 x 2 block each) fill an array before the
// next one opens; a full block keeps an array of its own.
TEST(Packing, SmallLayersShareArrays) {
  Target T = arrays(128, 128);
  std::vector<std::vector<MvmBlock>> Layers = {{block(128, 128)}};
  for (int I = 0; I < 64 * 14; ++I) // 64 columns pairs x 14 rows of 9
    Layers.push_back({block(9, 2)});
  ModelPacking P = packModel(Layers, T);
  checkRules(Layers, P, T);
  EXPECT_EQ(P.NumArrays, 2);
  EXPECT_EQ(P.Layers[0][0].Array, 0);
}

// A lossy block (read shift > 0) never shares an array with blocks of
// another shift.
TEST(Packing, ReadShiftsSeparateArrays) {
  Target T = arrays(16, 16);
  std::vector<std::vector<MvmBlock>> Layers = {{block(4, 4, 0)}, {block(4, 4, 1)}};
  ModelPacking P = packModel(Layers, T);
  checkRules(Layers, P, T);
  EXPECT_EQ(P.NumArrays, 2);
}

// Exact blocks of different read gains share an array, which reads with the
// smallest gain among them (the largest shift), so every one stays exact.
TEST(Packing, ExactBlocksShareAnArrayAtTheirSmallestGain) {
  Target T = arrays(16, 16);
  std::vector<std::vector<MvmBlock>> Layers = {
      {block(4, 4, -3)}, {block(4, 4, -1)}, {block(4, 4, -4)}};
  ModelPacking P = packModel(Layers, T);
  checkRules(Layers, P, T);
  EXPECT_EQ(P.NumArrays, 1);
  for (const std::vector<PackedBlock> &L : P.Layers)
    EXPECT_EQ(L.front().ReadShift, -1);
}

// A layer runs on the NMPU of its first block's tile: layers that start on
// different arrays start on different tiles while tiles have less work,
// and the rest of a layer stays on its first block's tile.
TEST(Packing, LayerStartsSpreadOverTiles) {
  Target T = arrays(4, 4, 4);
  T.ArraysPerTile = 2;
  std::vector<std::vector<MvmBlock>> Four(4, std::vector<MvmBlock>{block(4, 4)});
  ModelPacking P = llvm::cantFail(packOnChips(Four, {"a", "b", "c", "d"}, T, 1));
  std::set<int64_t> Tiles;
  for (const std::vector<PackedBlock> &L : P.Layers)
    Tiles.insert(L.front().Array / T.ArraysPerTile);
  EXPECT_EQ(Tiles.size(), 4u) << "layers of equal work share a tile while others are idle";

  T.Tiles = 3;
  std::vector<std::vector<MvmBlock>> Wide{{block(4, 4), block(4, 4)}, {block(4, 4)}, {block(4, 4)}};
  P = llvm::cantFail(packOnChips(Wide, {"wide", "b", "c"}, T, 1));
  EXPECT_EQ(P.Layers[0][0].Array / T.ArraysPerTile, P.Layers[0][1].Array / T.ArraysPerTile)
      << "the wide layer's second array left its tile";
  EXPECT_NE(P.Layers[1][0].Array / T.ArraysPerTile, P.Layers[2][0].Array / T.ArraysPerTile);
}

// Random models on small chips (1..3 tiles of 4 arrays): --chips=auto puts
// consecutive layers on each chip (a layer cut only between chips, its
// pieces on consecutive chips), packed by the rules above, and one chip fewer is
// refused; a larger count N maps onto exactly N chips (or the fewest, when
// balancing cannot), or is refused with the most it could use.
TEST(Packing, ChipsHoldConsecutiveLayers) {
  Rng R(7);
  int Mapped = 0, SplitLayers = 0, CutAtChipEnd = 0;
  for (int Trial = 0; Trial < 200; ++Trial) {
    SCOPED_TRACE("trial " + std::to_string(Trial));
    Target T = arrays(uniform(R, 4, 16), uniform(R, 4, 16), uniform(R, 1, 3));
    std::vector<std::vector<MvmBlock>> Layers(uniform(R, 1, 12));
    std::vector<std::string> Names;
    for (auto &Layer : Layers) {
      for (int64_t I = uniform(R, 1, 6); I > 0; --I)
        Layer.push_back(block(uniform(R, 1, T.Rows), uniform(R, 1, T.Cols)));
      Names.push_back("layer" + std::to_string(Names.size()));
    }
    llvm::Expected<ModelPacking> Auto = packOnChips(Layers, Names, T, 0);
    ASSERT_TRUE(static_cast<bool>(Auto)) << llvm::toString(Auto.takeError());
    ++Mapped;
    checkRules(Layers, *Auto, T);
    for (size_t L = 0; L < Layers.size(); ++L) {
      std::set<int64_t> Chips;
      for (const PackedBlock &At : Auto->Layers[L])
        Chips.insert(At.Array / T.totalArrays());
      SplitLayers += Chips.size() > 1;
      CutAtChipEnd +=
          Chips.size() > 1 && packModel(llvm::ArrayRef(Layers).slice(L, 1), T).NumArrays <=
                                  static_cast<int64_t>(T.totalArrays());
    }
    if (Auto->Chips == 2) {
      // One chip is packModel; partition refuses it when it overflows.
      ModelPacking One = llvm::cantFail(packOnChips(Layers, Names, T, 1));
      EXPECT_GT(One.NumArrays, static_cast<int64_t>(T.totalArrays()))
          << "auto used two chips where one holds the model";
    } else if (Auto->Chips > 2) {
      llvm::Expected<ModelPacking> Fewer = packOnChips(Layers, Names, T, Auto->Chips - 1);
      ASSERT_FALSE(static_cast<bool>(Fewer)) << "auto used more chips than needed";
      EXPECT_NE(llvm::toString(Fewer.takeError()).find("chips over"), std::string::npos);
    }
    int64_t More = Auto->Chips + uniform(R, 0, 2);
    llvm::Expected<ModelPacking> Asked = packOnChips(Layers, Names, T, More);
    if (!Asked) {
      // Only a count above the layers (and pieces) is refused.
      EXPECT_GT(More, static_cast<int64_t>(Layers.size()));
      EXPECT_NE(llvm::toString(Asked.takeError()).find("use at most --chips="), std::string::npos);
      continue;
    }
    checkRules(Layers, *Asked, T);
    EXPECT_TRUE(Asked->Chips == More || Asked->Chips == Auto->Chips);
    if (::testing::Test::HasFailure())
      return;
  }
  EXPECT_GT(Mapped, 100);
  EXPECT_GT(SplitLayers, 20); // layers larger than a chip were mapped too
  EXPECT_GT(CutAtChipEnd, 5); // and layers that fit one chip were cut to fill a chip
}

} // namespace

// Replication (Replication.cpp) on random models: copies never exceed the
// budget of spare arrays nor change the chip count, the copies pack by the
// rules above, layers that may not be copied keep one copy, no budget means
// no copies, and a layer with many output pixels that bounds the model gets
// copies when there is room.
TEST(Replication, CopiesStayWithinTheBudgetAndTheChips) {
  Rng R(20261205);
  int64_t Copied = 0;
  for (int Trial = 0; Trial < 100; ++Trial) {
    SCOPED_TRACE("trial " + std::to_string(Trial));
    Target T = arrays(uniform(R, 4, 16), uniform(R, 4, 16), uniform(R, 2, 8));
    T.Neurons = static_cast<unsigned>(uniform(R, 1, T.Cols));
    std::vector<std::vector<MvmBlock>> Layers(uniform(R, 1, 8));
    std::vector<std::string> Names;
    std::vector<ReplicaWork> Work;
    for (auto &Layer : Layers) {
      for (int64_t I = uniform(R, 1, 3); I > 0; --I)
        Layer.push_back(block(uniform(R, 1, T.Rows), uniform(R, 1, T.Cols)));
      Names.push_back("layer" + std::to_string(Names.size()));
      Work.push_back({uniform(R, 1, 64), uniform(R, 1, 8), uniform(R, 0, 3) != 0});
    }
    llvm::Expected<ModelPacking> Base = packOnChips(Layers, Names, T, 0);
    if (!Base) {
      llvm::consumeError(Base.takeError());
      continue;
    }
    double Budget = uniform(R, 0, 4) / 4.0;
    std::vector<int64_t> Copies =
        llvm::cantFail(chooseReplicas(Layers, Work, Names, T, 0, *Base, Budget));
    ASSERT_EQ(Copies.size(), Layers.size());
    std::vector<std::vector<MvmBlock>> WithCopies = withCopies(Layers, Copies);
    ModelPacking After = llvm::cantFail(packOnChips(WithCopies, Names, T, 0));
    checkRules(WithCopies, After, T);
    EXPECT_EQ(After.Chips, Base->Chips);
    int64_t Spare = Base->Chips * T.totalArrays() - arraysUsed(*Base);
    EXPECT_LE(arraysUsed(After), arraysUsed(*Base) + int64_t(Budget * Spare));
    for (size_t I = 0; I < Layers.size(); ++I) {
      EXPECT_GE(Copies[I], 1);
      EXPECT_LE(Copies[I], Work[I].Vectors);
      if (!Work[I].Replicable || Budget == 0) {
        EXPECT_EQ(Copies[I], 1) << Names[I];
      }
      Copied += Copies[I] > 1;
    }
  }
  EXPECT_GT(Copied, 20);

  // One 8x8 layer of 100 pixels on a chip of 16 arrays of 16x16: copies of
  // one layer share no row and no column within an array, so each array
  // holds two (on its diagonal); with the whole budget, all 16 arrays do.
  Target T = arrays(16, 16, 4);
  std::vector<std::vector<MvmBlock>> One{{block(8, 8)}};
  ModelPacking Base = llvm::cantFail(packOnChips(One, {"conv"}, T, 1));
  std::vector<int64_t> Copies =
      llvm::cantFail(chooseReplicas(One, {{100, 8, true}}, {"conv"}, T, 1, Base, 1.0));
  EXPECT_EQ(Copies[0], 32);
}

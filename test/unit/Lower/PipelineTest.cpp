//===- PipelineTest.cpp - The modulo schedule keeps every resource exclusive ===//
//
// Random layer graphs (random tiles and durations, up to three operands from
// earlier ops) and ResNet-18 mapped onto four flash chips: every op starts
// after its producers end; ops that share an array or a tile never run at
// once, for any two images of the pipeline (image i is image 0 shifted by
// i * II); II is at least the busiest resource's cycles and at most the
// back-to-back schedule; one image alone is no slower than in the pipeline.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Pipeline.h"
#include "MappingTestUtils.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Lower/MvmLayer.h"
#include "llvm/Support/Error.h"
#include "gtest/gtest.h"
#include <map>
#include <set>

using namespace qnn;
using namespace qnn::mappingtest;

namespace {

struct Slot {
  const Op *O;
  int64_t Start, Cycles;
  std::set<int64_t> Arrays;
  int64_t Tile;
};

/// Checks the properties of the header on scheduled graph \p G.
void checkSchedule(const Graph &G, const PipelineSchedule &S) {
  std::vector<Slot> Slots;
  std::map<const Op *, size_t> SlotOf;
  int64_t Sequential = 0;
  for (const auto &O : G.ops()) {
    if (!hostOpType(O->Kind).empty())
      continue;
    auto It = S.Start.find(O.get());
    ASSERT_NE(It, S.Start.end()) << O->Name;
    Slot Sl{O.get(), It->second, O->Attrs.getInt("cycles"), {}, O->Attrs.getInt("tile")};
    if (O->Kind == "mvm") {
      llvm::Expected<MvmLayer> L = readMvmLayer(*O);
      ASSERT_TRUE(static_cast<bool>(L)) << llvm::toString(L.takeError());
      for (const MvmBlock &B : L->Blocks)
        Sl.Arrays.insert(B.Array);
    }
    Sequential += Sl.Cycles;
    for (const Value *V : O->Operands)
      if (V && V->Def && SlotOf.count(V->Def)) {
        const Slot &P = Slots[SlotOf[V->Def]];
        EXPECT_GE(Sl.Start, P.Start + P.Cycles) << O->Name << " starts before " << P.O->Name;
      }
    SlotOf[O.get()] = Slots.size();
    Slots.push_back(std::move(Sl));
  }
  EXPECT_EQ(S.SequentialCycles, Sequential);
  EXPECT_GE(S.IntervalCycles, S.ResourceBound);
  EXPECT_LE(S.IntervalCycles, std::max<int64_t>(1, Sequential));
  EXPECT_LE(S.AloneLatencyCycles, Sequential);
  // Every resource's busy cycles, recounted.
  std::map<std::pair<int, int64_t>, int64_t> Busy;
  for (const Slot &Sl : Slots) {
    Busy[{1, Sl.Tile}] += Sl.Cycles;
    for (int64_t A : Sl.Arrays)
      Busy[{0, A}] += Sl.Cycles;
  }
  for (const auto &[R, Cycles] : Busy)
    EXPECT_LE(Cycles, S.ResourceBound);
  // Two ops on a common resource: [a, a + da) and [b + k II, ...) are
  // disjoint for every image distance k (only |k| <= latency / II + 1 can
  // meet).
  const int64_t II = S.IntervalCycles;
  const int64_t Span = S.LatencyCycles / II + 1;
  for (size_t I = 0; I < Slots.size(); ++I)
    for (size_t J = I; J < Slots.size(); ++J) {
      const Slot &A = Slots[I], &B = Slots[J];
      if (A.Cycles == 0 || B.Cycles == 0)
        continue;
      bool Shared = A.Tile == B.Tile;
      for (int64_t Ar : A.Arrays)
        Shared = Shared || B.Arrays.count(Ar);
      if (!Shared)
        continue;
      for (int64_t K = -Span; K <= Span; ++K) {
        if (I == J && K == 0)
          continue;
        int64_t BStart = B.Start + K * II;
        EXPECT_FALSE(A.Start < BStart + B.Cycles && BStart < A.Start + A.Cycles)
            << A.O->Name << " and " << B.O->Name << " collide " << K << " images apart";
      }
    }
}

TEST(Pipeline, RandomGraphsUseEveryResourceOnceAtATime) {
  Rng R(20261205);
  for (int Trial = 0; Trial < 200; ++Trial) {
    Graph G;
    TensorType Type;
    Type.Elem = DType::U8;
    Type.Dims = {1, 4};
    std::vector<Value *> Produced{G.addValue("x", Type)};
    G.Inputs.push_back(Produced.front());
    int64_t Ops = uniform(R, 1, 40), Tiles = uniform(R, 1, 5);
    for (int64_t I = 0; I < Ops; ++I) {
      std::vector<Value *> Operands;
      for (int64_t K = uniform(R, 1, 3); K > 0; --K)
        Operands.push_back(Produced[uniform(R, 0, Produced.size() - 1)]);
      Value *Result = G.addValue("v" + std::to_string(I), Type);
      AttrMap Attrs;
      Attrs.set("tile", uniform(R, 0, Tiles - 1));
      Attrs.set("cycles", uniform(R, 0, 3) == 0 ? int64_t(0) : uniform(R, 1, 200));
      G.addOp("qadd", "op" + std::to_string(I), Operands, {Result}, Attrs);
      Produced.push_back(Result);
    }
    G.Outputs.push_back(Produced.back());
    llvm::Expected<PipelineSchedule> S = schedulePipeline(G);
    ASSERT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError());
    checkSchedule(G, *S);
    // The same graph schedules the same way.
    llvm::Expected<PipelineSchedule> Again = schedulePipeline(G);
    ASSERT_TRUE(static_cast<bool>(Again));
    EXPECT_EQ(Again->IntervalCycles, S->IntervalCycles);
    for (const auto &[O, Start] : S->Start)
      EXPECT_EQ(Again->Start.lookup(O), Start);
    if (::testing::Test::HasFailure())
      FAIL() << "trial " << Trial;
  }
}

TEST(Pipeline, ResNet18OnFourFlashChips) {
  registerAllOps();
  std::string Model = std::string(QNN_SOURCE_DIR) + "/test/models/resnet18_qat.onnx";
  llvm::Expected<std::unique_ptr<Graph>> G = importOnnxFile(Model, {});
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  PassContext Ctx;
  llvm::Expected<Target> T = loadTarget(std::string(QNN_SOURCE_DIR) + "/targets/flash.json");
  ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
  Ctx.TargetDesc = std::move(*T);
  Ctx.Options["chips"] = "auto";
  PassManager PM;
  for (const std::string &Name : defaultPipeline())
    if (llvm::Error E = PM.addPass(Name))
      FAIL() << llvm::toString(std::move(E));
  if (llvm::Error E = PM.run(**G, Ctx))
    FAIL() << llvm::toString(std::move(E));
  llvm::Expected<PipelineSchedule> S = schedulePipeline(**G);
  ASSERT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError());
  checkSchedule(**G, *S);
  // Four chips work on different images at once: the pipeline takes a new
  // image well before the last one is done.
  EXPECT_LT(S->IntervalCycles * 2, S->LatencyCycles);
  // The schedule pass wrote the same starts.
  for (const auto &O : (*G)->ops()) {
    if (auto It = S->Start.find(O.get()); It != S->Start.end()) {
      EXPECT_EQ(O->Attrs.getInt("start_cycle"), It->second) << O->Name;
    }
  }
}

} // namespace

//===- MappingPassesTest.cpp - Mapping decisions, refusals and emission ---===//
#include "qnn/Emit/Emit.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/PassManager.h"
#include "gtest/gtest.h"
#include <cmath>
#include <random>

using namespace qnn;

namespace {

void ensureRegistered() {
  static bool Done = [] {
    registerQuantOps(OpRegistry::instance());
    registerChipOps(OpRegistry::instance());
    return true;
  }();
  (void)Done;
}

/// A qmatmul x[2, K] * w[K, N] with int8 weights w[k][n] = Fn(k, n) and zero
/// point \p WZero.
std::unique_ptr<Graph> matmulGraph(int64_t K, int64_t N, int64_t WZero,
                                   std::function<int64_t(int64_t, int64_t)> Fn) {
  std::string W, B;
  for (int64_t I = 0; I < K * N; ++I)
    W += (I ? ", " : "") + std::to_string(Fn(I / N, I % N));
  for (int64_t I = 0; I < N; ++I)
    B += (I ? ", " : "") + std::to_string(I * 37 - 100);
  std::string Text = "graph @main(%x: u8[2," + std::to_string(K) +
                     "] q(scale=0.02, zp=7)) {\n"
                     "  %w = const : i8[" + std::to_string(K) + "," + std::to_string(N) +
                     "] q(scale=0.01, zp=" + std::to_string(WZero) + ") dense<[" + W + "]>\n" +
                     "  %b = const : i32[" + std::to_string(N) + "] dense<[" + B + "]>\n" +
                     "  %y = qmatmul \"fc\"(%x, %w, %b) {act_max = 255, act_min = 0} : u8[2," +
                     std::to_string(N) + "] q(scale=0.05, zp=3)\n  return %y\n}\n";
  auto G = parseGraph(Text, "test");
  EXPECT_TRUE(static_cast<bool>(G));
  return G ? std::move(*G) : nullptr;
}

llvm::Error runPipeline(Graph &G, PassContext &Ctx) {
  PassManager PM;
  for (const char *Name : {"lower-to-mvm", "split-polarity", "slice-bits", "tile", "partition",
                           "place", "schedule"})
    if (llvm::Error E = PM.addPass(Name))
      return E;
  return PM.run(G, Ctx);
}

Target smallTarget() {
  auto T = loadTarget("small");
  EXPECT_TRUE(static_cast<bool>(T));
  return T ? *T : Target();
}

MvmLayer onlyLayer(const Graph &G) {
  for (const auto &O : G.ops())
    if (O->Kind == "mvm") {
      auto L = readMvmLayer(*O);
      EXPECT_TRUE(static_cast<bool>(L));
      return L ? *L : MvmLayer();
    }
  ADD_FAILURE() << "no mvm op";
  return MvmLayer();
}

TEST(MappingPasses, OneSignedLayerIsUnipolarAndSavesCells) {
  ensureRegistered();
  auto G = matmulGraph(5, 3, 0, [](int64_t K, int64_t N) { return -(K + 2 * N) % 100; });
  PassContext Ctx;
  Ctx.TargetDesc = smallTarget();
  ASSERT_FALSE(static_cast<bool>(runPipeline(*G, Ctx)));
  MvmLayer L = onlyLayer(*G);
  EXPECT_EQ(*L.Polarity, image::PolarityMode::Unipolar);
  // Magnitudes up to 2 * 2 + 4 = 8 need 4 bits: 2 slices of 2-bit cells;
  // differential doubles the columns.
  EXPECT_EQ(L.Cells, 5 * 3 * 2);
  EXPECT_EQ(L.DifferentialCells, 5 * 6 * 2);
  for (const MvmColumn &C : L.Columns)
    EXPECT_EQ(C.Sign, -1);
}

TEST(MappingPasses, DenseLayerSplitsRowsForExactReadout) {
  ensureRegistered();
  // Every level is 3 (magnitude 127 = 0b1111111): with a 1-bit DAC and a
  // 5-bit ADC, at most floor(31 / 3) = 10 rows may share a read.
  auto G = matmulGraph(16, 2, 0, [](int64_t, int64_t N) { return N ? -127 : 127; });
  PassContext Ctx;
  Ctx.TargetDesc = smallTarget();
  ASSERT_FALSE(static_cast<bool>(runPipeline(*G, Ctx)));
  MvmLayer L = onlyLayer(*G);
  EXPECT_TRUE(L.isExact());
  for (const MvmBlock &B : L.Blocks)
    EXPECT_LE(B.KCount, 10);
  Ctx.Options["readout"] = "lossy";
  auto Lossy = matmulGraph(16, 2, 0, [](int64_t, int64_t N) { return N ? -127 : 127; });
  ASSERT_FALSE(static_cast<bool>(runPipeline(*Lossy, Ctx)));
  MvmLayer LL = onlyLayer(*Lossy);
  EXPECT_FALSE(LL.isExact());
  for (const MvmBlock &B : LL.Blocks) {
    EXPECT_EQ(B.KCount, 16);
    EXPECT_EQ(B.ReadShift, 1); // 16 * 3 = 48 > 31, 31 << 1 = 62 >= 48
  }
}

TEST(MappingPasses, WideAdcStepsAreLossyOnlyWhenOneRowOverflows) {
  ensureRegistered();
  Target T = smallTarget();
  T.DacBits = 4; // one row: 15 * 3 = 45 > 31
  auto G = matmulGraph(4, 2, 0, [](int64_t K, int64_t N) { return K * 10 - N * 7; });
  PassContext Ctx;
  Ctx.TargetDesc = T;
  ASSERT_FALSE(static_cast<bool>(runPipeline(*G, Ctx)));
  EXPECT_FALSE(onlyLayer(*G).isExact());
  // The interpreter still evaluates the lossy mapping.
  Tensor X(DType::U8, {2, 4}, {1, 2, 3, 4, 5, 6, 7, 8});
  EXPECT_TRUE(static_cast<bool>(evaluateGraph(*G, {X})));
}

TEST(MappingPasses, ModelThatDoesNotFitIsRefusedWithNumbers) {
  ensureRegistered();
  std::mt19937 Rng(3);
  auto G = matmulGraph(64, 64, 0, [&](int64_t, int64_t) {
    return std::uniform_int_distribution<int64_t>(-127, 127)(Rng);
  });
  PassContext Ctx;
  Ctx.TargetDesc = smallTarget();
  llvm::Error E = runPipeline(*G, Ctx);
  ASSERT_TRUE(static_cast<bool>(E));
  std::string Msg = llvm::toString(std::move(E));
  EXPECT_NE(Msg.find("target 'small' has 32 (2 tiles x 16)"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("arrays over; use a larger target"), std::string::npos) << Msg;
}

TEST(MappingPasses, ForcedUnipolarOnMixedSignsNamesTheLayer) {
  ensureRegistered();
  auto G = matmulGraph(3, 3, 0, [](int64_t K, int64_t N) { return K - N; });
  PassContext Ctx;
  Ctx.TargetDesc = smallTarget();
  Ctx.Options["polarity"] = "unipolar";
  llvm::Error E = runPipeline(*G, Ctx);
  ASSERT_TRUE(static_cast<bool>(E));
  std::string Msg = llvm::toString(std::move(E));
  EXPECT_NE(Msg.find("'fc' (mvm): polarity=unipolar needs weights of one sign"),
            std::string::npos)
      << Msg;
}

TEST(MappingPasses, NarrowActivationsAreRefused) {
  ensureRegistered();
  auto G = matmulGraph(3, 3, 0, [](int64_t K, int64_t N) { return K - N; });
  Target T = smallTarget();
  T.ActBits = 4;
  T.DacBits = 1;
  PassContext Ctx;
  Ctx.TargetDesc = T;
  llvm::Error E = runPipeline(*G, Ctx);
  ASSERT_TRUE(static_cast<bool>(E));
  EXPECT_NE(llvm::toString(std::move(E)).find("8-bit activations do not fit"),
            std::string::npos);
}

/// Rebuilds W_eff from the programmed arrays of the emitted image, checking
/// the emitter's array levels, blocks and column maps against the model's
/// weights (not against the compiler's intermediate constants).
TEST(MappingPasses, EmittedArraysHoldTheModelWeights) {
  ensureRegistered();
  std::mt19937 Rng(11);
  const int64_t K = 21, N = 9, WZero = 3;
  std::vector<int64_t> W(K * N);
  for (int64_t &V : W)
    V = std::uniform_int_distribution<int64_t>(-60, 60)(Rng);
  for (const char *Mode : {"differential", "offset"}) {
    auto G = matmulGraph(K, N, WZero, [&](int64_t Kk, int64_t Nn) { return W[Kk * N + Nn]; });
    PassContext Ctx;
    Ctx.TargetDesc = smallTarget();
    Ctx.Options["polarity"] = Mode;
    ASSERT_FALSE(static_cast<bool>(runPipeline(*G, Ctx)));
    auto P = emitProgram(*G, *Ctx.TargetDesc);
    ASSERT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());
    ASSERT_EQ(P->Steps.size(), 1u);
    const image::MvmStep &S = P->Steps[0].Mvm;
    EXPECT_EQ(P->TargetFingerprint, targetFingerprint(*Ctx.TargetDesc));
    ASSERT_EQ(P->Inputs.size(), 1u);
    ASSERT_EQ(P->Outputs.size(), 1u);
    EXPECT_EQ(P->Tensors[P->Outputs[0]].ZeroPoint, std::vector<int32_t>{3});
    std::vector<int64_t> Rebuilt(K * N, 0);
    for (const image::Block &B : S.Blocks) {
      const image::ArrayImage &A = P->Arrays[B.Array];
      for (uint32_t Kk = 0; Kk < B.KCount; ++Kk)
        for (uint32_t J = 0; J < B.ColCount; ++J) {
          const image::PhysColumn &C = S.Columns[B.ColBegin + J];
          int64_t Level = A.Levels[(B.RowOffset + Kk) * A.Cols + B.ColOffset + J];
          Rebuilt[(B.KBegin + Kk) * N + C.Output] += C.Sign * (Level << C.Shift);
        }
    }
    for (int64_t I = 0; I < K * N; ++I)
      EXPECT_EQ(Rebuilt[I] - S.Offset, W[I] - WZero) << Mode << " element " << I;
    // Bias folds the input zero point: bias - (7 + 0) * sum_k W_eff.
    for (int64_t Nn = 0; Nn < N; ++Nn) {
      int64_t Sum = 0;
      for (int64_t Kk = 0; Kk < K; ++Kk)
        Sum += W[Kk * N + Nn] - WZero;
      EXPECT_EQ(S.Bias[Nn], Nn * 37 - 100 - 7 * Sum);
      float M = 0.02f * 0.01f / 0.05f;
      EXPECT_EQ(S.Multiplier[Nn], M);
      EXPECT_NEAR(std::ldexp(double(S.FixedMultiplier[Nn]), -S.FixedShift[Nn]), M, M * 1e-8);
    }
    std::string Report;
    llvm::raw_string_ostream OS(Report);
    printMappingReport(*G, *Ctx.TargetDesc, OS);
    OS.flush();
    size_t Row = Report.find("\nfc ");
    ASSERT_NE(Row, std::string::npos) << Report;
    std::string Line = Report.substr(Row + 1, Report.find('\n', Row + 1) - Row - 1);
    EXPECT_NE(Line.find(std::string(" mvm ")), std::string::npos) << Line;
    EXPECT_NE(Line.find(std::string(" ") + Mode + " "), std::string::npos) << Line;
    EXPECT_NE(Line.find(" exact "), std::string::npos) << Line;
    EXPECT_NE(Report.find("uniformity: every layer uses one analog block configuration"),
              std::string::npos);
  }
}

} // namespace

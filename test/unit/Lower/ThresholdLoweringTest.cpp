//===- ThresholdLoweringTest.cpp - Ranges, steps and threshold read-outs --===//
//
// The canonical "threshold" kernel against a naive loop written here, its
// verify rule on malformed tables, and random qmatmul/qconv layers with an
// i32 result and a threshold after it whose inputs carry value ranges
// (binary {-1, +1} step 2, 2-/3-bit unsigned, signed narrow, steps that are
// no power of two, ranges above zero), mapped pass by pass on tiny random
// targets in every polarity mode: the lowered graph must compute the
// canonical result bit for bit.
//
//===----------------------------------------------------------------------===//
#include "MappingTestUtils.h"
#include "qnn/Emit/Emit.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Lower/MvmLayer.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <map>

using namespace qnn;
using namespace qnn::mappingtest;

namespace {

/// y of one element, straight from the definition in docs/ir.md.
int64_t naiveLevel(double X, const std::vector<double> &Row, int64_t Sign, int64_t OutMin,
                   int64_t OutStep) {
  int64_t Passed = 0;
  for (double T : Row)
    Passed += Sign * X >= T;
  return OutMin + OutStep * Passed;
}

/// Adds threshold op "th" on \p X with table \p Rows ([C][T]) and \p Signs.
Value *addThreshold(Graph &G, Value *X, const std::vector<std::vector<double>> &Rows,
                    const std::vector<int64_t> &Signs, int64_t Axis, int64_t OutMin,
                    int64_t OutStep, DType Elem, bool Quantized) {
  int64_t C = static_cast<int64_t>(Rows.size()), T = static_cast<int64_t>(Rows[0].size());
  Tensor Th(DType::F64, {C, T}), S(DType::I8, {C});
  for (int64_t I = 0; I < C; ++I) {
    std::copy(Rows[I].begin(), Rows[I].end(), &Th.Data[I * T]);
    S.Data[I] = static_cast<double>(Signs[I]);
  }
  TensorType YT{Elem, X->Type.Dims, std::nullopt};
  if (Quantized)
    YT.Quant = QuantParams{{1.0}, {0}, -1};
  YT.Range = ValueRange{OutMin, OutMin + T * OutStep, OutStep};
  Value *Y = G.addValue("y", YT);
  AttrMap A;
  A.set("axis", Axis);
  A.set("out_min", OutMin);
  A.set("out_step", OutStep);
  G.addOp("threshold", "th",
          {X, G.addConstant("th.table", std::move(Th)), G.addConstant("th.signs", std::move(S))},
          {Y}, std::move(A));
  return Y;
}

TEST(ThresholdKernel, MatchesNaiveLoop) {
  ensureRegistered();
  Rng R(31);
  int64_t Ties = 0;
  for (int Trial = 0; Trial < 300; ++Trial) {
    Graph G;
    int64_t Rank = uniform(R, 1, 4);
    Shape Dims;
    for (int64_t I = 0; I < Rank; ++I)
      Dims.push_back(uniform(R, 1, 4));
    bool IsFloat = uniform(R, 0, 1);
    Value *X = G.addValue("x", TensorType{IsFloat ? DType::F32 : DType::I32, Dims, std::nullopt});
    G.Inputs.push_back(X);
    int64_t Axis = uniform(R, -Rank, Rank - 1);
    int64_t PosAxis = Axis < 0 ? Axis + Rank : Axis;
    int64_t C = uniform(R, 0, 2) == 0 ? 1 : Dims[PosAxis];
    int64_t T = uniform(R, 1, 6);
    std::vector<std::vector<double>> Rows(C);
    std::vector<int64_t> Signs(C);
    for (int64_t Ci = 0; Ci < C; ++Ci) {
      for (int64_t I = 0; I < T; ++I) {
        int64_t Pick = uniform(R, 0, 19);
        Rows[Ci].push_back(Pick == 0   ? -INFINITY
                           : Pick == 1 ? INFINITY
                                       : static_cast<double>(uniform(R, -16, 16)) / 2);
      }
      std::sort(Rows[Ci].begin(), Rows[Ci].end());
      Signs[Ci] = uniform(R, 0, 1) ? 1 : -1;
    }
    int64_t OutMin = uniform(R, -4, 4), OutStep = uniform(R, 1, 3);
    Value *Y = addThreshold(G, X, Rows, Signs, Axis, OutMin, OutStep, DType::I8, uniform(R, 0, 1));
    G.Outputs.push_back(Y);
    ASSERT_FALSE(static_cast<bool>(verifyGraph(G)));
    Tensor In(X->Type.Elem, Dims);
    for (double &V : In.Data)
      V = static_cast<double>(uniform(R, -20, 20)) / (IsFloat ? 2 : 1);
    auto Out = evaluateGraph(G, {In});
    ASSERT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
    std::vector<int64_t> Strides = stridesOf(Dims);
    for (int64_t I = 0; I < In.size(); ++I) {
      int64_t Ci = C == 1 ? 0 : (I / Strides[PosAxis]) % Dims[PosAxis];
      ASSERT_EQ((*Out)[0].Data[I], naiveLevel(In.Data[I], Rows[Ci], Signs[Ci], OutMin, OutStep))
          << "trial " << Trial << " element " << I;
      Ties += std::count(Rows[Ci].begin(), Rows[Ci].end(), Signs[Ci] * In.Data[I]);
    }
  }
  EXPECT_GT(Ties, 50); // x equal to a threshold passes it
}

TEST(ThresholdKernel, EdgeCases) {
  ensureRegistered();
  Graph G;
  Value *X = G.addValue("x", TensorType{DType::I32, {1, 2, 3}, std::nullopt});
  G.Inputs.push_back(X);
  // Channel 0 rises with two equal thresholds (a jump of two levels),
  // channel 1 falls (sign -1: -x >= t).
  Value *Y = addThreshold(G, X, {{0, 2, 2}, {-3, -1, 5}}, {1, -1}, 1, -3, 2, DType::I8, true);
  G.Outputs.push_back(Y);
  ASSERT_FALSE(static_cast<bool>(verifyGraph(G)));
  Tensor In(DType::I32, {1, 2, 3}, {-1, 0, 2, 3, 1, -5});
  auto Out = evaluateGraph(G, {In});
  ASSERT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
  // -1: none passed; 0: one; 2: all three. Channel 1: -3 >= -3 passes one;
  // -1 >= -3, -1 passes two; 5 >= all three.
  EXPECT_EQ((*Out)[0].Data, (std::vector<double>{-3, -1, 3, -1, 1, 3}));
}

/// The verify error of a one-op threshold graph on x i32[2, 3] after \p Edit.
std::string thresholdError(const std::function<void(Graph &, Op &)> &Edit) {
  ensureRegistered();
  Graph G;
  Value *X = G.addValue("x", TensorType{DType::I32, {2, 3}, std::nullopt});
  G.Inputs.push_back(X);
  G.Outputs.push_back(
      addThreshold(G, X, {{0, 1}, {0, 1}, {0, 1}}, {1, 1, -1}, 1, 0, 1, DType::U8, true));
  Edit(G, *G.ops().front());
  llvm::Error E = verifyGraph(G);
  return E ? llvm::toString(std::move(E)) : "";
}

TEST(ThresholdVerify, RefusesMalformedTables) {
  auto Table = [](Op &O) { return const_cast<Tensor *>(O.operand(1)->Const.get()); };
  EXPECT_EQ(thresholdError([](Graph &, Op &) {}), "");
  EXPECT_NE(
      thresholdError([&](Graph &, Op &O) { Table(O)->Data[1] = -1; }).find("must be ascending"),
      std::string::npos);
  EXPECT_NE(thresholdError([](Graph &, Op &O) {
              const_cast<Tensor *>(O.operand(2)->Const.get())->Data[0] = 0;
            }).find("must hold +1 or -1"),
            std::string::npos);
  EXPECT_NE(
      thresholdError([](Graph &, Op &O) { O.result()->Type.Range->Hi = 3; }).find("range(0:2:1)"),
      std::string::npos);
  EXPECT_NE(thresholdError([](Graph &, Op &O) {
              O.Attrs.set("axis", int64_t(0));
            }).find("has 2 channels along axis 0"),
            std::string::npos);
  EXPECT_NE(thresholdError([](Graph &, Op &O) {
              O.Attrs.set("out_step", int64_t(0));
            }).find("out_step must be positive"),
            std::string::npos);
  EXPECT_NE(thresholdError([](Graph &, Op &O) {
              O.operand(0)->Type.Quant = QuantParams{{1.0}, {0}, -1};
            }).find("unquantized i32 accumulator or a float tensor"),
            std::string::npos);
}

/// An input value range and the storage type it lives in.
struct RangeKind {
  const char *Name;
  DType Elem;
  ValueRange Range;
  int64_t ExpectedBits; ///< input_bits without padding
};

const RangeKind Ranges[] = {
    {"binary", DType::I8, {-1, 1, 2}, 1},       {"2-bit", DType::U8, {0, 3, 1}, 2},
    {"3-bit", DType::U8, {0, 7, 1}, 3},         {"ternary", DType::I8, {-1, 1, 1}, 2},
    {"signed 3-bit", DType::I8, {-3, 3, 1}, 3}, {"narrow 4-bit", DType::I8, {-7, 7, 1}, 4},
    {"even", DType::U8, {0, 6, 2}, 2},          {"step 3", DType::I8, {-3, 3, 3}, 3},
    {"above 0", DType::U8, {2, 5, 1}, 2},       {"step 4", DType::I8, {-8, 8, 4}, 3},
};

struct LayerCase {
  std::unique_ptr<Graph> G;
  Tensor Input;
  const RangeKind *Kind = nullptr;
  bool Binary = false, ExpectFused = false;
  std::string Describe;
};

Tensor rangeInput(Rng &R, const RangeKind &K, Shape Dims) {
  Tensor T(K.Elem, std::move(Dims));
  for (double &V : T.Data)
    V = static_cast<double>(K.Range.Lo + K.Range.Step * uniform(R, 0, K.Range.levels() - 1));
  return T;
}

/// Weights: {-1, +1} for binary layers, else small random integers around
/// a random zero point; per tensor or per output channel along \p Axis.
Value *rangeWeights(Rng &R, Graph &G, Shape Dims, int64_t Axis, bool Binary) {
  DType Type = Binary || uniform(R, 0, 1) ? DType::I8 : DType::U8;
  int64_t Outputs = Dims[Axis];
  bool PerChannel = !Binary && uniform(R, 0, 1);
  QuantParams Q;
  Q.Axis = PerChannel ? Axis : -1;
  for (int64_t I = 0; I < (PerChannel ? Outputs : 1); ++I) {
    Q.Scale.push_back(scale(R));
    Q.ZeroPoint.push_back(Binary              ? 0
                          : Type == DType::U8 ? uniform(R, 100, 150)
                                              : uniform(R, -5, 5));
  }
  int64_t Magnitude = uniform(R, 1, 60);
  // One layer in four is unipolar: every weight at or above its zero point.
  bool Unipolar = uniform(R, 0, 3) == 0;
  Tensor W(Type, std::move(Dims));
  std::vector<int64_t> Strides = stridesOf(W.Dims);
  for (int64_t I = 0; I < W.size(); ++I) {
    int64_t Zp = Q.ZeroPoint[PerChannel ? (I / Strides[Axis]) % Outputs : 0];
    W.Data[I] = static_cast<double>(Binary ? (uniform(R, 0, 1) ? 1 : -1)
                                           : Zp + uniform(R, Unipolar ? 0 : -Magnitude, Magnitude));
  }
  return G.addConstant("w", std::move(W), Q);
}

/// Ascending thresholds near the accumulators \p Acc of one channel: some
/// equal to an accumulator, so that ties are exercised.
std::vector<double> thresholdsNear(Rng &R, const std::vector<int64_t> &Acc, int64_t T) {
  std::vector<double> Row;
  for (int64_t I = 0; I < T; ++I) {
    int64_t A = Acc[uniform(R, 0, static_cast<int64_t>(Acc.size()) - 1)];
    Row.push_back(static_cast<double>(A + uniform(R, -1, 1)) + (uniform(R, 0, 3) ? 0 : 0.5));
  }
  std::sort(Row.begin(), Row.end());
  return Row;
}

/// A random qmatmul or qconv with an i32 result on a ranged input, then a
/// threshold on the accumulator (on its channel axis unless \p OffAxis).
LayerCase randomLayer(Rng &R) {
  LayerCase C;
  C.G = std::make_unique<Graph>();
  Graph &G = *C.G;
  C.Kind = &Ranges[uniform(R, 0, std::size(Ranges) - 1)];
  C.Binary = C.Kind->Range == ValueRange{-1, 1, 2} && uniform(R, 0, 2) != 0;
  bool IsConv = uniform(R, 0, 1);
  const ValueRange &VR = C.Kind->Range;
  // The zero point: usually a level of the range (padding can be driven),
  // sometimes any value of the type.
  int64_t Zp = uniform(R, 0, 3)
                   ? VR.Lo + VR.Step * uniform(R, 0, VR.levels() - 1)
                   : uniform(R, minValue(C.Kind->Elem) / 2, maxValue(C.Kind->Elem) / 2);
  if (C.Binary)
    Zp = 0;
  Shape XD;
  Value *Wt;
  AttrMap A;
  int64_t Groups = 1, N = 0, ChannelAxis = 0;
  if (IsConv) {
    Groups = uniform(R, 1, 2);
    int64_t Cg = uniform(R, 1, 3), Mg = uniform(R, 1, 3), KH = uniform(R, 1, 3),
            KW = uniform(R, 1, 3);
    int64_t H = uniform(R, KH, 6), W = uniform(R, KW, 6);
    std::vector<int64_t> Pads(4, 0);
    if (uniform(R, 0, 1))
      for (int64_t &P : Pads)
        P = uniform(R, 0, 1);
    XD = {uniform(R, 1, 2), Groups * Cg, H, W};
    N = Groups * Mg;
    Wt = rangeWeights(R, G, {N, Cg, KH, KW}, 0, C.Binary);
    A.set("group", Groups);
    A.set("strides", std::vector<int64_t>{uniform(R, 1, 2), uniform(R, 1, 2)});
    A.set("dilations", std::vector<int64_t>{1, 1});
    A.set("pads", Pads);
    ChannelAxis = 1;
  } else {
    int64_t K = uniform(R, 1, 40);
    N = uniform(R, 1, 12);
    XD = uniform(R, 0, 1) ? Shape{uniform(R, 1, 3), K} : Shape{2, uniform(R, 1, 3), K};
    Wt = rangeWeights(R, G, {K, N}, 1, C.Binary);
    ChannelAxis = static_cast<int64_t>(XD.size()) - 1;
  }
  TensorType XT{C.Kind->Elem, XD, QuantParams{{scale(R)}, {Zp}, -1}};
  XT.Range = VR;
  Value *X = G.addValue("x", XT);
  G.Inputs.push_back(X);
  Value *Bias = nullptr;
  if (uniform(R, 0, 1)) {
    Tensor B(DType::I32, {N});
    for (double &V : B.Data)
      V = static_cast<double>(uniform(R, -50, 50));
    Bias = G.addConstant("b", std::move(B));
  }
  Value *Acc = G.addValue("acc", TensorType{DType::I32, {}, std::nullopt});
  Op *Mvm = G.addOp(IsConv ? "qconv" : "qmatmul", IsConv ? "conv" : "fc", {X, Wt, Bias}, {Acc},
                    std::move(A));
  if (IsConv) {
    auto Geo = convGeometry(XD, Wt->Type.Dims, Mvm->Attrs);
    EXPECT_TRUE(static_cast<bool>(Geo));
    Acc->Type.Dims = Geo->outputShape();
  } else {
    Acc->Type.Dims = XD;
    Acc->Type.Dims.back() = N;
  }
  C.Input = rangeInput(R, *C.Kind, XD);
  // Thresholds near the accumulators the layer really produces.
  G.Outputs.push_back(Acc);
  auto AccOut = evaluateGraph(G, {C.Input});
  EXPECT_TRUE(static_cast<bool>(AccOut));
  const Tensor &AccT = (*AccOut)[0];
  // Off the channel axis: a matmul [2, R, K] thresholded along R.
  bool OffAxis = !IsConv && XD.size() == 3 && uniform(R, 0, 3) == 0;
  int64_t Axis = OffAxis ? 1 : ChannelAxis;
  int64_t Channels = uniform(R, 0, 2) == 0 ? 1 : Acc->Type.Dims[Axis];
  std::vector<int64_t> Strides = stridesOf(AccT.Dims);
  std::vector<std::vector<int64_t>> PerChannel(Channels);
  for (int64_t I = 0; I < AccT.size(); ++I)
    PerChannel[Channels == 1 ? 0 : (I / Strides[Axis]) % Channels].push_back(
        static_cast<int64_t>(AccT.Data[I]));
  int64_t T = C.Binary ? 1 : uniform(R, 1, 7);
  std::vector<std::vector<double>> Rows;
  std::vector<int64_t> Signs;
  for (int64_t Ci = 0; Ci < Channels; ++Ci) {
    Signs.push_back(uniform(R, 0, 3) ? 1 : -1);
    std::vector<int64_t> Seen = PerChannel[Ci];
    if (Signs.back() < 0)
      for (int64_t &V : Seen)
        V = -V;
    Rows.push_back(thresholdsNear(R, Seen, T));
  }
  int64_t OutMin = C.Binary ? -1 : uniform(R, -3, 0), OutStep = C.Binary ? 2 : uniform(R, 1, 2);
  G.Outputs.clear();
  Value *Y =
      addThreshold(G, Acc, Rows, Signs, Axis - static_cast<int64_t>(XD.size()) * uniform(R, 0, 1),
                   OutMin, OutStep, DType::I8, true);
  G.Outputs.push_back(Y);
  // Sometimes the accumulator is also an output: no fusion then.
  bool AccOutput = uniform(R, 0, 5) == 0;
  if (AccOutput)
    G.Outputs.push_back(Acc);
  // A one-row table compares every element alike, on any axis.
  C.ExpectFused = (!OffAxis || Channels == 1) && !AccOutput;
  C.Describe = std::string(IsConv ? "conv" : "matmul") + " x" + shapeToString(XD) + " range " +
               C.Kind->Name + (C.Binary ? " (binary weights)" : "") + " zp " + std::to_string(Zp) +
               " groups " + std::to_string(Groups) + " thresholds " + std::to_string(T) + " x " +
               std::to_string(Channels) + (OffAxis ? " off-axis" : "") +
               (AccOutput ? " acc-output" : "");
  return C;
}

TEST(ThresholdLowering, MappedLayersEqualCanonical) {
  ensureRegistered();
  Rng R(20261124);
  int64_t FixedDiffers = 0, Values = 0, Mapped = 0, Refused = 0, Fused = 0, Unfused = 0,
          BinaryOneBit = 0, StepShifted = 0;
  std::map<std::string, int64_t> Modes, Kinds;
  const char *PolarityModes[] = {"", "differential", "offset", "unipolar"};
  for (int Trial = 0; Trial < 150; ++Trial) {
    Target T = tinyTarget(R);
    for (const char *Mode : PolarityModes) {
      Rng CaseRng(9000 + Trial); // the same layer for every polarity mode
      LayerCase C = randomLayer(CaseRng);
      ASSERT_FALSE(static_cast<bool>(verifyGraph(*C.G))) << C.Describe;
      auto Golden = evaluateGraph(*C.G, {C.Input});
      ASSERT_TRUE(static_cast<bool>(Golden)) << llvm::toString(Golden.takeError());
      PassContext Ctx;
      Ctx.TargetDesc = T;
      if (*Mode)
        Ctx.Options["polarity"] = Mode;
      std::string Describe = C.Describe + " polarity '" + Mode + "' cell " +
                             std::to_string(T.CellBits) + " dac " + std::to_string(T.DacBits);
      if (!checkPipeline(*C.G, C.Input, (*Golden)[0], Ctx, Describe, FixedDiffers, Values)) {
        ++Refused;
        continue;
      }
      ++Mapped;
      ++Kinds[C.Kind->Name];
      bool SawThreshold = false;
      for (const auto &O : C.G->ops()) {
        SawThreshold |= O->Kind == "threshold";
        if (O->Kind != "mvm")
          continue;
        MvmLayer L = *readMvmLayer(*O);
        ++Modes[polarityName(*L.Polarity).str()];
        bool IsFused = L.Requant == image::RequantMode::Threshold;
        EXPECT_EQ(IsFused, C.ExpectFused) << Describe;
        Fused += IsFused;
        // Without padding the bits follow from the range alone.
        if (L.PadTop + L.PadLeft + L.PadBottom + L.PadRight == 0) {
          EXPECT_EQ(L.InputBits, C.Kind->ExpectedBits) << Describe;
        }
        EXPECT_EQ(L.InputPhases, (L.InputBits + L.DacBits - 1) / L.DacBits) << Describe;
        BinaryOneBit += C.Kind->Range == ValueRange{-1, 1, 2} && L.InputBits == 1;
        StepShifted += L.InputStepShift > 0;
        // The step factor of W_eff lives in the column shifts, not in cells
        // (a matrix of zeros has no factor to move).
        const std::vector<double> &Levels = O->operand(1)->Const->Data;
        if (llvm::any_of(Levels, [](double V) { return V != 0; })) {
          for (const MvmColumn &Col : L.Columns) {
            EXPECT_GE(Col.Shift, L.InputStepShift) << Describe;
          }
        }
      }
      EXPECT_EQ(SawThreshold, !C.ExpectFused) << Describe;
      Unfused += SawThreshold;
    }
  }
  std::printf("mapped %lld layers (%lld refused), %lld fused mvms, %lld unfused thresholds, "
              "%lld binary layers on 1 input bit\n",
              static_cast<long long>(Mapped), static_cast<long long>(Refused),
              static_cast<long long>(Fused), static_cast<long long>(Unfused),
              static_cast<long long>(BinaryOneBit));
  EXPECT_EQ(FixedDiffers, 0); // comparators do not depend on the NMPU mode
  EXPECT_GT(Mapped, 300);
  EXPECT_GT(Fused, 100);
  EXPECT_GT(Unfused, 10);
  EXPECT_GT(BinaryOneBit, 20);
  EXPECT_GT(StepShifted, 50);
  for (const RangeKind &K : Ranges)
    EXPECT_GT(Kinds[K.Name], 0) << K.Name;
  for (const char *Mode : {"differential", "offset", "unipolar"})
    EXPECT_GT(Modes[Mode], 0) << Mode;
}

TEST(ThresholdEmission, MvmReadoutAndStandaloneStep) {
  ensureRegistered();
  // A fused per-channel read-out on a binary input and a one-row threshold
  // on a float input (the chip's input quantizer).
  const char *Text = R"(graph @main(%x: i8[?,4] q(scale=1.0, zp=0) range(-1:1:2), %f: f32[?,3]) {
  %w = const : i8[4,2] q(scale=1.0, zp=0) dense<[1, -1, 1, 1, 1, 1, -1, -1]>
  %th = const : f64[2,2] dense<[-1.0, 0.0, 2.0, 3.0]>
  %s = const : i8[2] dense<[1, -1]>
  %fth = const : f64[1,1] dense<[0.25]>
  %fs = const : i8[1] dense<[-1]>
  %acc = qmatmul "fc"(%x, %w, _) : i32[?,2]
  %y = threshold "act"(%acc, %th, %s) {axis = -1, out_min = 0, out_step = 1} : u8[?,2] q(scale=1.0, zp=0) range(0:2:1)
  %g = threshold "in"(%f, %fth, %fs) {axis = 1, out_min = -1, out_step = 2} : i8[?,3] q(scale=1.0, zp=0) range(-1:1:2)
  return %y, %g
}
)";
  auto G = parseGraph(Text, "emit");
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  auto T = loadTarget("sram-binary");
  ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
  PassContext Ctx;
  Ctx.TargetDesc = *T;
  PassManager PM;
  for (const char *Name : Pipeline)
    ASSERT_FALSE(static_cast<bool>(PM.addPass(Name)));
  ASSERT_FALSE(static_cast<bool>(PM.run(**G, Ctx)));
  auto P = emitProgram(**G, *T);
  ASSERT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());
  const image::Step *Mvm = nullptr, *Standalone = nullptr;
  for (const image::Step &S : P->Steps) {
    if (S.Kind == image::StepKind::Mvm)
      Mvm = &S;
    if (S.Kind == image::StepKind::Threshold)
      Standalone = &S;
  }
  ASSERT_TRUE(Mvm && Standalone);
  EXPECT_EQ(Mvm->Mvm.Requant, image::RequantMode::Threshold);
  EXPECT_EQ(Mvm->Mvm.InputStepShift, 1);
  EXPECT_EQ(Mvm->Mvm.InputShift, 1);
  const image::ThresholdStep &M = Mvm->Mvm.Threshold;
  EXPECT_EQ(M.Channels, 2u);
  EXPECT_EQ(M.Count, 2u);
  EXPECT_EQ(M.Thresholds, (std::vector<double>{-1, 0, 2, 3}));
  EXPECT_EQ(M.Signs, (std::vector<int8_t>{1, -1}));
  EXPECT_EQ(M.OutMin, 0);
  EXPECT_EQ(M.OutStep, 1);
  EXPECT_EQ(Standalone->Inputs.size(), 1u);
  const image::ThresholdStep &F = Standalone->Threshold;
  EXPECT_EQ(F.Axis, -1); // one row: every element compares with it
  EXPECT_EQ(F.Channels, 1u);
  EXPECT_EQ(F.Count, 1u);
  EXPECT_EQ(F.Thresholds, (std::vector<double>{0.25}));
  EXPECT_EQ(F.Signs, (std::vector<int8_t>{-1}));
  EXPECT_EQ(F.OutMin, -1);
  EXPECT_EQ(F.OutStep, 2);
}

} // namespace

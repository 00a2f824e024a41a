//===- MappingPropertyTest.cpp - Lowered IR == canonical IR ---------------===//
//
// Random qconv/qmatmul graphs in canonical IR go through every mapping pass
// for tiny random targets (rows/cols 3..16, cell_bits 1..4, dac_bits 1..8,
// adc_bits just large enough for single-row exactness so that rows split)
// and every polarity mode. After each pass the interpreter on the lowered
// graph must equal the canonical interpreter bit for bit with the fp32 NMPU,
// and be within 1 with the fixed-point NMPU (the count of differences is
// printed). A naive integer convolution in this file checks the canonical
// reference itself on the same cases.
//
//===----------------------------------------------------------------------===//
#include "MappingTestUtils.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Target/NmpuArith.h"
#include "gtest/gtest.h"
#include <map>
#include <random>
#include <set>

using namespace qnn;
using namespace qnn::mappingtest;

namespace {

struct Case {
  std::unique_ptr<Graph> G;
  Tensor Input;
  std::string Describe;
};

/// Output quantization (or none for an int32 result) and the act range.
void setOutput(Rng &R, Graph &G, Op &O, TensorType &Y) {
  if (uniform(R, 0, 5) == 0) {
    Y.Elem = DType::I32; // ConvInteger / MatMulInteger
    return;
  }
  Y.Elem = uniform(R, 0, 1) ? DType::U8 : DType::I8;
  int64_t Zp = uniform(R, minValue(Y.Elem) / 2, maxValue(Y.Elem) / 2);
  Y.Quant = QuantParams{{roundToF32(scale(R) * 4)}, {Zp}, -1};
  int64_t Lo = uniform(R, minValue(Y.Elem), Zp), Hi = uniform(R, Zp, maxValue(Y.Elem));
  O.Attrs.set("act_min", Lo);
  O.Attrs.set("act_max", Hi);
}

/// Weights of \p Dims quantized per tensor or per output along \p Axis.
Value *addWeights(Rng &R, Graph &G, Shape Dims, int64_t Axis) {
  DType Type = uniform(R, 0, 1) ? DType::U8 : DType::I8;
  int64_t Outputs = Dims[Axis];
  Tensor W = randomInt(R, Type, Dims);
  QuantParams Q;
  bool PerChannel = uniform(R, 0, 1);
  for (int64_t I = 0; I < (PerChannel ? Outputs : 1); ++I) {
    Q.Scale.push_back(scale(R));
    Q.ZeroPoint.push_back(Type == DType::U8 ? uniform(R, 100, 150) : uniform(R, -10, 10));
  }
  Q.Axis = PerChannel ? Axis : -1;
  std::vector<int64_t> Strides = stridesOf(W.Dims);
  auto ZeroOf = [&](size_t I) {
    return Q.ZeroPoint[PerChannel ? (static_cast<int64_t>(I) / Strides[Axis]) % Outputs : 0];
  };
  // Some layers have only even weights around their zero points, or are
  // binary (zero point +- 1): split-polarity then stores halved levels.
  int64_t Shape = uniform(R, 0, 9);
  if (Shape == 0)
    for (size_t I = 0; I < W.Data.size(); ++I) {
      int64_t D = static_cast<int64_t>(W.Data[I]) - ZeroOf(I);
      W.Data[I] = static_cast<double>(ZeroOf(I) + D - D % 2);
    }
  if (Shape == 1)
    for (size_t I = 0; I < W.Data.size(); ++I)
      W.Data[I] = static_cast<double>(ZeroOf(I) + (uniform(R, 0, 1) ? 1 : -1));
  // One layer in four is unipolar: every weight on one side of its zero point.
  if (uniform(R, 0, 3) == 0) {
    bool Positive = uniform(R, 0, 1);
    for (size_t I = 0; I < W.Data.size(); ++I) {
      int64_t Zp = ZeroOf(I);
      W.Data[I] = static_cast<double>(Positive ? uniform(R, Zp, maxValue(Type))
                                               : uniform(R, minValue(Type), Zp));
    }
  }
  return G.addConstant("w", std::move(W), Q);
}

Value *addBias(Rng &R, Graph &G, int64_t N) {
  if (uniform(R, 0, 3) == 0)
    return nullptr;
  Tensor B(DType::I32, {N});
  for (double &V : B.Data)
    V = static_cast<double>(uniform(R, -2000, 2000));
  return G.addConstant("b", std::move(B));
}

Case randomConv(Rng &R) {
  for (;;) {
    int64_t Groups = uniform(R, 1, 3), Cg = uniform(R, 1, 3), Mg = uniform(R, 1, 4);
    if (uniform(R, 0, 4) == 0) { // depthwise
      Cg = 1;
      Mg = 1;
      Groups = uniform(R, 2, 4);
    }
    int64_t B = uniform(R, 1, 2), H = uniform(R, 1, 7), W = uniform(R, 1, 7);
    int64_t KH = uniform(R, 1, 3), KW = uniform(R, 1, 3);
    int64_t SH = uniform(R, 1, 2), SW = uniform(R, 1, 2), DH = uniform(R, 1, 2),
            DW = uniform(R, 1, 2);
    std::vector<int64_t> Pads = {uniform(R, 0, 2), uniform(R, 0, 2), uniform(R, 0, 2),
                                 uniform(R, 0, 2)};
    int64_t OH = (H + Pads[0] + Pads[2] - DH * (KH - 1) - 1) / SH + 1;
    int64_t OW = (W + Pads[1] + Pads[3] - DW * (KW - 1) - 1) / SW + 1;
    if (H + Pads[0] + Pads[2] < DH * (KH - 1) + 1 || W + Pads[1] + Pads[3] < DW * (KW - 1) + 1)
      continue;
    Case C;
    C.G = std::make_unique<Graph>();
    Graph &G = *C.G;
    DType XType = uniform(R, 0, 1) ? DType::U8 : DType::I8;
    TensorType XT{XType,
                  {B, Groups * Cg, H, W},
                  QuantParams{{scale(R)}, {uniform(R, minValue(XType), maxValue(XType))}, -1}};
    Value *X = G.addValue("x", XT);
    G.Inputs.push_back(X);
    Value *Wt = addWeights(R, G, {Groups * Mg, Cg, KH, KW}, 0);
    Value *Bias = addBias(R, G, Groups * Mg);
    AttrMap A;
    A.set("group", Groups);
    A.set("strides", std::vector<int64_t>{SH, SW});
    A.set("dilations", std::vector<int64_t>{DH, DW});
    A.set("pads", Pads);
    TensorType YT{DType::U8, {B, Groups * Mg, OH, OW}, std::nullopt};
    Op *O = G.addOp("qconv", "conv", {X, Wt, Bias}, {}, std::move(A));
    setOutput(R, G, *O, YT);
    Value *Y = G.addValue("y", YT);
    O->Results.push_back(Y);
    Y->Def = O;
    G.Outputs.push_back(Y);
    C.Input = randomInt(R, XType, XT.Dims);
    C.Describe = "conv x" + shapeToString(XT.Dims) + " w[" + std::to_string(Groups * Mg) + "," +
                 std::to_string(Cg) + "," + std::to_string(KH) + "," + std::to_string(KW) +
                 "] group " + std::to_string(Groups);
    return C;
  }
}

Case randomMatMul(Rng &R) {
  Case C;
  C.G = std::make_unique<Graph>();
  Graph &G = *C.G;
  int64_t K = uniform(R, 1, 40), N = uniform(R, 1, 24), Rows = uniform(R, 1, 3);
  DType XType = uniform(R, 0, 1) ? DType::U8 : DType::I8;
  TensorType XT{XType,
                {Rows, K},
                QuantParams{{scale(R)}, {uniform(R, minValue(XType), maxValue(XType))}, -1}};
  Value *X = G.addValue("x", XT);
  G.Inputs.push_back(X);
  Value *Wt = addWeights(R, G, {K, N}, 1);
  Value *Bias = addBias(R, G, N);
  TensorType YT{DType::U8, {Rows, N}, std::nullopt};
  Op *O = G.addOp("qmatmul", "fc", {X, Wt, Bias}, {}, {});
  setOutput(R, G, *O, YT);
  Value *Y = G.addValue("y", YT);
  O->Results.push_back(Y);
  Y->Def = O;
  G.Outputs.push_back(Y);
  C.Input = randomInt(R, XType, XT.Dims);
  C.Describe = "matmul K " + std::to_string(K) + " N " + std::to_string(N);
  return C;
}

/// Naive QLinearConv/ConvInteger of the single qconv in \p G, written from
/// the ONNX definition, for checking the canonical reference.
Tensor naiveConv(const Graph &G, const Tensor &X) {
  const Op &O = *G.ops().front();
  const Tensor &W = *O.operand(1)->Const;
  const Tensor *B = O.operand(2) ? O.operand(2)->Const.get() : nullptr;
  const QuantParams &XQ = *O.operand(0)->Type.Quant, &WQ = *O.operand(1)->Type.Quant;
  const TensorType &YT = O.result()->Type;
  int64_t Groups = O.Attrs.getInt("group");
  std::vector<int64_t> S = O.Attrs.getInts("strides"), D = O.Attrs.getInts("dilations"),
                       P = O.Attrs.getInts("pads");
  int64_t M = W.Dims[0], Cg = W.Dims[1], KH = W.Dims[2], KW = W.Dims[3];
  int64_t Bn = X.Dims[0], C = X.Dims[1], H = X.Dims[2], Wd = X.Dims[3];
  int64_t OH = YT.Dims[2], OW = YT.Dims[3];
  Tensor Y(YT.Elem, {Bn, M, OH, OW});
  for (int64_t Bi = 0; Bi < Bn; ++Bi)
    for (int64_t Mi = 0; Mi < M; ++Mi)
      for (int64_t Oh = 0; Oh < OH; ++Oh)
        for (int64_t Ow = 0; Ow < OW; ++Ow) {
          int64_t G0 = Mi / (M / Groups), WZ = WQ.ZeroPoint[WQ.isPerTensor() ? 0 : Mi];
          int64_t Acc = B ? static_cast<int64_t>(B->Data[Mi]) : 0;
          for (int64_t Ci = 0; Ci < Cg; ++Ci)
            for (int64_t I = 0; I < KH; ++I)
              for (int64_t J = 0; J < KW; ++J) {
                int64_t Hh = Oh * S[0] - P[0] + I * D[0], Ww = Ow * S[1] - P[1] + J * D[1];
                if (Hh < 0 || Hh >= H || Ww < 0 || Ww >= Wd)
                  continue; // padding contributes (zx - zx) * w = 0
                int64_t Xv =
                    static_cast<int64_t>(X.Data[((Bi * C + G0 * Cg + Ci) * H + Hh) * Wd + Ww]);
                int64_t Wv = static_cast<int64_t>(W.Data[((Mi * Cg + Ci) * KH + I) * KW + J]);
                Acc += (Xv - XQ.ZeroPoint[0]) * (Wv - WZ);
              }
          double Out;
          if (!YT.Quant) {
            Out = static_cast<double>(Acc);
          } else {
            float Mult = static_cast<float>(XQ.Scale[0]) *
                         static_cast<float>(WQ.Scale[WQ.isPerTensor() ? 0 : Mi]) /
                         static_cast<float>(YT.Quant->Scale[0]);
            float V = std::nearbyintf(static_cast<float>(Acc) * Mult);
            int64_t Q = static_cast<int64_t>(V) + YT.Quant->ZeroPoint[0];
            Q = std::clamp(Q, O.Attrs.getInt("act_min"), O.Attrs.getInt("act_max"));
            Out = static_cast<double>(Q);
          }
          Y.Data[((Bi * M + Mi) * OH + Oh) * OW + Ow] = Out;
        }
  return Y;
}

/// How often the mapped layers exercised each path of tile and place.
struct Coverage {
  int64_t RowSplits = 0, ColumnSplits = 0, SharedArrays = 0, Lossy = 0, HalvedLevels = 0;
  std::map<std::string, int64_t> Modes;
};

void countCoverage(const Graph &G, const Target &T, Coverage &Cov) {
  for (const auto &O : G.ops()) {
    if (O->Kind != "mvm")
      continue;
    llvm::Expected<MvmLayer> L = readMvmLayer(*O);
    ASSERT_TRUE(static_cast<bool>(L));
    ++Cov.Modes[polarityName(*L->Polarity).str()];
    std::set<int64_t> Arrays;
    for (const MvmBlock &B : L->Blocks) {
      Cov.RowSplits += B.KCount < std::min<int64_t>(L->K, T.Rows);
      Cov.ColumnSplits += B.ColCount < L->physicalColumns();
      Cov.SharedArrays += !Arrays.insert(B.Array).second;
    }
    Cov.Lossy += !L->isExact();
    // Slice 0 of every polarity column sits at split-polarity's common shift.
    Cov.HalvedLevels += L->Columns.front().Shift > 0;
  }
}

TEST(MappingProperty, LoweredEqualsCanonicalAtEveryStage) {
  ensureRegistered();
  Rng R(20261123);
  int64_t FixedDiffers = 0, Values = 0, Mapped = 0, Refused = 0;
  Coverage Cov;
  const char *Modes[] = {"", "differential", "offset", "unipolar"};
  for (int Trial = 0; Trial < 200; ++Trial) {
    Target T = tinyTarget(R);
    bool IsConv = Trial % 2 == 0;
    for (const char *Mode : Modes) {
      Rng CaseRng(1000 + Trial); // the same graph for every polarity mode
      Case C = IsConv ? randomConv(CaseRng) : randomMatMul(CaseRng);
      ASSERT_FALSE(static_cast<bool>(verifyGraph(*C.G)));
      auto Golden = evaluateGraph(*C.G, {C.Input});
      ASSERT_TRUE(static_cast<bool>(Golden)) << llvm::toString(Golden.takeError());
      if (IsConv) {
        ASSERT_EQ((*Golden)[0].Data, naiveConv(*C.G, C.Input).Data) << C.Describe;
      }
      PassContext Ctx;
      Ctx.TargetDesc = T;
      if (*Mode)
        Ctx.Options["polarity"] = Mode;
      std::string Describe = C.Describe + " polarity '" + Mode + "' target rows " +
                             std::to_string(T.Rows) + " cols " + std::to_string(T.Cols) + " cell " +
                             std::to_string(T.CellBits) + " dac " + std::to_string(T.DacBits) +
                             " adc " + std::to_string(T.AdcBits);
      if (checkPipeline(*C.G, C.Input, (*Golden)[0], Ctx, Describe, FixedDiffers, Values)) {
        ++Mapped;
        countCoverage(*C.G, T, Cov);
      } else {
        ++Refused;
      }
    }
  }
  std::printf("mapped %lld layers (%lld refused by polarity/target limits); fixed-point NMPU "
              "differs from canonical in %lld of %lld values\n",
              static_cast<long long>(Mapped), static_cast<long long>(Refused),
              static_cast<long long>(FixedDiffers), static_cast<long long>(Values));
  EXPECT_GT(Mapped, 500);
  // Every path must have been taken, or the equalities above prove little.
  EXPECT_GT(Cov.RowSplits, 0);
  EXPECT_GT(Cov.ColumnSplits, 0);
  EXPECT_GT(Cov.SharedArrays, 0);
  EXPECT_EQ(Cov.Lossy, 0); // tinyTarget's ADC always allows one exact row
  EXPECT_GT(Cov.HalvedLevels, 0);
  for (const char *Mode : {"differential", "offset", "unipolar"})
    EXPECT_GT(Cov.Modes[Mode], 0) << Mode;
}

} // namespace

namespace {

/// The chip contract of docs/chip-model.md for a Rows-window mvm, written
/// from the document (floating-point read-out formula, no shortcuts), for
/// layers whose read-out is lossy.
std::vector<double> chipContractRows(const Graph &G, const Tensor &Input) {
  const Op *O = nullptr;
  for (const auto &Op : G.ops())
    if (Op->Kind == "mvm")
      O = Op.get();
  MvmLayer L = *readMvmLayer(*O);
  const Tensor &W = *O->operand(1)->Const, &Bias = *O->operand(2)->Const;
  int64_t C = L.physicalColumns(), A = (int64_t(1) << L.AdcBits) - 1;
  std::vector<double> Out;
  for (int64_t R = 0; R < Input.size() / L.K; ++R) {
    std::vector<int64_t> Acc(L.N, 0);
    int64_t SumX = 0;
    for (int64_t K = 0; K < L.K; ++K)
      SumX += static_cast<int64_t>(Input.Data[R * L.K + K]) + L.InputShift;
    for (int64_t P = 0; P < L.InputPhases; ++P)
      for (const MvmBlock &B : L.Blocks)
        for (int64_t J = B.ColBegin; J < B.ColBegin + B.ColCount; ++J) {
          int64_t I = 0;
          for (int64_t K = B.KBegin; K < B.KBegin + B.KCount; ++K) {
            int64_t X = static_cast<int64_t>(Input.Data[R * L.K + K]) + L.InputShift;
            I += ((X >> (P * L.DacBits)) & ((1 << L.DacBits) - 1)) *
                 static_cast<int64_t>(W.Data[K * C + J]);
          }
          double FS = static_cast<double>(A) * std::ldexp(1.0, B.ReadShift);
          int64_t D = static_cast<int64_t>(std::floor(I * A / FS + 0.5));
          D = std::clamp<int64_t>(D, 0, A);
          const MvmColumn &Col = L.Columns[J];
          // The NMPU takes D * FS / A, rounded half up (a read gain).
          int64_t V = static_cast<int64_t>(std::floor(std::ldexp(double(D), B.ReadShift) + 0.5));
          Acc[Col.Output] += Col.Sign * (V << (Col.Shift + P * L.DacBits));
        }
    for (int64_t N = 0; N < L.N; ++N) {
      int64_t V = Acc[N] - L.Offset * SumX + static_cast<int64_t>(Bias.Data[N]);
      Out.push_back(static_cast<double>(nmpu::requantFloat(V, static_cast<float>(L.Multipliers[N]),
                                                           L.OutZeroPoint, L.ActMin, L.ActMax)));
    }
  }
  return Out;
}

TEST(MappingProperty, LossyReadoutFollowsTheChipContract) {
  ensureRegistered();
  Rng R(77);
  int64_t Lossy = 0;
  for (int Trial = 0; Trial < 60; ++Trial) {
    Target T = tinyTarget(R);
    T.AdcBits = uniform(R, 1, 4); // narrow: read shifts and clamping
    Rng CaseRng(5000 + Trial);
    Case C = randomMatMul(CaseRng);
    if (C.G->ops().front()->result()->Type.Elem == DType::I32)
      continue;
    PassContext Ctx;
    Ctx.TargetDesc = T;
    if (Trial % 2)
      Ctx.Options["readout"] = "lossy";
    PassManager PM;
    for (const char *Name : Pipeline)
      ASSERT_FALSE(static_cast<bool>(PM.addPass(Name)));
    if (llvm::Error E = PM.run(*C.G, Ctx)) {
      llvm::consumeError(std::move(E)); // a random layer the tiny target refuses
      continue;
    }
    auto Out = evaluateGraph(*C.G, {C.Input}, EvalContext{NmpuMode::Fp32, &T});
    ASSERT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
    EXPECT_EQ((*Out)[0].Data, chipContractRows(*C.G, C.Input)) << C.Describe;
    for (const auto &O : C.G->ops())
      if (O->Kind == "mvm")
        Lossy += !readMvmLayer(*O)->isExact();
  }
  EXPECT_GT(Lossy, 10);
}

} // namespace

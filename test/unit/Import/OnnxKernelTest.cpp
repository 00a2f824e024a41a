//===- OnnxKernelTest.cpp - ONNX kernels against naive loops --------------===//
//
// Random shapes (fixed seeds) of hand-written ONNX text models, evaluated by
// the interpreter and compared exactly with loops written here from the ONNX
// operator definitions. Float data are small integers times powers of two so
// that every sum is exact and the comparison does not depend on the order of
// additions.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Target/NmpuArith.h"
#include "gtest/gtest.h"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <random>

using namespace qnn;

namespace {

class OnnxKernelTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() { registerOnnxOps(OpRegistry::instance()); }

  std::vector<Tensor> run(const std::string &Model, std::vector<Tensor> Inputs) {
    auto G = importOnnxText(Model, "test.onnxtext", {});
    EXPECT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError()) << "\n" << Model;
    if (!G)
      return {};
    auto Out = evaluateGraph(**G, Inputs);
    EXPECT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError()) << "\n" << Model;
    return Out ? *Out : std::vector<Tensor>();
  }

  std::string importError(const std::string &Model) {
    auto G = importOnnxText(Model, "bad.onnxtext", {});
    EXPECT_FALSE(static_cast<bool>(G)) << Model;
    return G ? "" : llvm::toString(G.takeError());
  }

  Tensor randomTensor(DType T, Shape S, int Lo, int Hi, double Unit = 1.0) {
    Tensor R(T, S);
    std::uniform_int_distribution<int> D(Lo, Hi);
    for (double &V : R.Data)
      V = D(Rng) * Unit;
    return R;
  }

  std::mt19937 Rng{20240611};
};

std::string dims(const Shape &S) { return fmt::format("{}", fmt::join(S, ", ")); }

int64_t outDim(int64_t In, int64_t K, int64_t S, int64_t P0, int64_t P1, int64_t D) {
  return (In + P0 + P1 - ((K - 1) * D + 1)) / S + 1;
}

TEST_F(OnnxKernelTest, RandomFloatConvMatchesNaiveLoop) {
  std::uniform_int_distribution<int> Small(1, 3), Pick(0, 1);
  for (int Trial = 0; Trial < 25; ++Trial) {
    int64_t Group = Small(Rng), N = Small(Rng);
    int64_t C = Group * Small(Rng), M = Group * Small(Rng);
    int64_t KH = Small(Rng), KW = Small(Rng), SH = Small(Rng), SW = Small(Rng);
    int64_t DH = Small(Rng), DW = Small(Rng);
    int64_t PT = Pick(Rng), PL = Pick(Rng) * 2, PB = Pick(Rng), PR = Pick(Rng);
    int64_t H = (KH - 1) * DH + 1 + Small(Rng) + 1, W = (KW - 1) * DW + 1 + Small(Rng);
    int64_t OH = outDim(H, KH, SH, PT, PB, DH), OW = outDim(W, KW, SW, PL, PR, DW);
    Shape XS{N, C, H, W}, WS{M, C / Group, KH, KW};
    std::string Model = fmt::format(
        "<ir_version: 8, opset_import: [\"\" : 13]>\n"
        "g (float[{}] x, float[{}] w, float[{}] b) => (float[{}] y) {{\n"
        "  y = Conv <group = {}, strides = [{}, {}], dilations = [{}, {}], "
        "pads = [{}, {}, {}, {}]> (x, w, b)\n}}\n",
        dims(XS), dims(WS), M, dims({N, M, OH, OW}), Group, SH, SW, DH, DW, PT, PL, PB, PR);
    Tensor X = randomTensor(DType::F32, XS, -8, 8, 0.5);
    Tensor Wt = randomTensor(DType::F32, WS, -8, 8, 0.25);
    Tensor B = randomTensor(DType::F32, {M}, -4, 4);
    auto Out = run(Model, {X, Wt, B});
    ASSERT_EQ(Out.size(), 1u);
    ASSERT_EQ(Out[0].Dims, (Shape{N, M, OH, OW}));
    int64_t CPG = C / Group, MPG = M / Group;
    for (int64_t n = 0; n < N; ++n)
      for (int64_t m = 0; m < M; ++m)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            double Acc = B.Data[m];
            for (int64_t c = 0; c < CPG; ++c)
              for (int64_t kh = 0; kh < KH; ++kh)
                for (int64_t kw = 0; kw < KW; ++kw) {
                  int64_t ih = oh * SH - PT + kh * DH, iw = ow * SW - PL + kw * DW;
                  if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                    continue;
                  int64_t ic = (m / MPG) * CPG + c;
                  Acc += X.Data[((n * C + ic) * H + ih) * W + iw] *
                         Wt.Data[((m * CPG + c) * KH + kh) * KW + kw];
                }
            ASSERT_EQ(Out[0].Data[((n * M + m) * OH + oh) * OW + ow], static_cast<float>(Acc))
                << "trial " << Trial << Model;
          }
  }
}

TEST_F(OnnxKernelTest, RandomQLinearConvPerChannelMatchesOnnxDefinition) {
  std::uniform_int_distribution<int> Small(1, 3), Pick(0, 1);
  std::uniform_real_distribution<float> Scale(0.001f, 0.05f);
  for (int Trial = 0; Trial < 20; ++Trial) {
    int64_t N = 1, C = Small(Rng), M = Small(Rng) + 1, K = Small(Rng), S = Small(Rng);
    int64_t P = Pick(Rng), H = K + Small(Rng) + 1, W = K + Small(Rng);
    int64_t OH = outDim(H, K, S, P, P, 1), OW = outDim(W, K, S, P, P, 1);
    bool Signed = Pick(Rng);
    const char *XT = Signed ? "int8" : "uint8";
    std::string Model = fmt::format(
        "<ir_version: 8, opset_import: [\"\" : 13]>\n"
        "g ({0}[1, {1}, {2}, {3}] x, float xs, {0} xz, int8[{4}, {1}, {5}, {5}] w, float[{4}] ws,"
        " int8[{4}] wz, float ys, {0} yz, int32[{4}] b) => ({0}[1, {4}, {6}, {7}] y) {{\n"
        "  y = QLinearConv <strides = [{8}, {8}], pads = [{9}, {9}, {9}, {9}]> "
        "(x, xs, xz, w, ws, wz, ys, yz, b)\n}}\n",
        XT, C, H, W, M, K, OH, OW, S, P);
    DType QT = Signed ? DType::I8 : DType::U8;
    Tensor X = randomTensor(QT, {N, C, H, W}, Signed ? -128 : 0, Signed ? 127 : 255);
    Tensor XZ = randomTensor(QT, {}, Signed ? -20 : 100, Signed ? 20 : 150);
    Tensor Wt = randomTensor(DType::I8, {M, C, K, K}, -127, 127);
    Tensor WZ(DType::I8, {M}); // ONNX allows per-channel zero points; use 0 and -3
    for (int64_t m = 0; m < M; ++m)
      WZ.Data[m] = m % 2 ? -3 : 0;
    Tensor XS(DType::F32, {}, {static_cast<double>(Scale(Rng))});
    Tensor WS(DType::F32, {M});
    for (double &V : WS.Data)
      V = Scale(Rng);
    Tensor YS(DType::F32, {}, {static_cast<double>(Scale(Rng) * 4)});
    Tensor YZ = randomTensor(QT, {}, Signed ? -5 : 120, Signed ? 5 : 130);
    Tensor B = randomTensor(DType::I32, {M}, -5000, 5000);
    auto Out = run(Model, {X, XS, XZ, Wt, WS, WZ, YS, YZ, B});
    ASSERT_EQ(Out.size(), 1u);
    for (int64_t m = 0; m < M; ++m)
      for (int64_t oh = 0; oh < OH; ++oh)
        for (int64_t ow = 0; ow < OW; ++ow) {
          int64_t Acc = static_cast<int64_t>(B.Data[m]);
          for (int64_t c = 0; c < C; ++c)
            for (int64_t kh = 0; kh < K; ++kh)
              for (int64_t kw = 0; kw < K; ++kw) {
                int64_t ih = oh * S - P + kh, iw = ow * S - P + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                Acc += (static_cast<int64_t>(X.Data[(c * H + ih) * W + iw]) -
                        static_cast<int64_t>(XZ.Data[0])) *
                       (static_cast<int64_t>(Wt.Data[((m * C + c) * K + kh) * K + kw]) -
                        static_cast<int64_t>(WZ.Data[m]));
              }
          // ONNX: y = saturate(round_half_even(acc * (xs * ws[m] / ys)) + yz), in float32.
          float Mult = (static_cast<float>(XS.Data[0]) * static_cast<float>(WS.Data[m])) /
                       static_cast<float>(YS.Data[0]);
          float R = std::nearbyint(static_cast<float>(Acc) * Mult);
          double Want = std::clamp<double>(R + YZ.Data[0], minValue(QT), maxValue(QT));
          ASSERT_EQ(Out[0].Data[(m * OH + oh) * OW + ow], Want) << "trial " << Trial;
        }
  }
}

TEST_F(OnnxKernelTest, QLinearMatMulPerRowAndPerColumn) {
  std::uniform_int_distribution<int> Small(1, 4);
  std::uniform_real_distribution<float> Scale(0.001f, 0.05f);
  for (int Trial = 0; Trial < 20; ++Trial) {
    int64_t M = Small(Rng), K = Small(Rng) * 3, N = Small(Rng);
    std::string Model = fmt::format(
        "<ir_version: 8, opset_import: [\"\" : 13]>\n"
        "g (uint8[{0}, {1}] a, float[{0}] as, uint8[{0}] az, int8[{1}, {2}] b, float[{2}] bs,"
        " int8[{2}] bz, float[{0}] ys, uint8[{0}] yz) => (uint8[{0}, {2}] y) {{\n"
        "  y = QLinearMatMul(a, as, az, b, bs, bz, ys, yz)\n}}\n",
        M, K, N);
    Tensor A = randomTensor(DType::U8, {M, K}, 0, 255);
    Tensor AZ = randomTensor(DType::U8, {M}, 100, 150);
    Tensor B = randomTensor(DType::I8, {K, N}, -128, 127);
    Tensor BZ = randomTensor(DType::I8, {N}, -2, 2);
    Tensor YZ = randomTensor(DType::U8, {M}, 0, 255);
    Tensor AS(DType::F32, {M}), BS(DType::F32, {N}), YS(DType::F32, {M});
    for (Tensor *T : {&AS, &BS, &YS})
      for (double &V : T->Data)
        V = Scale(Rng);
    auto Out = run(Model, {A, AS, AZ, B, BS, BZ, YS, YZ});
    ASSERT_EQ(Out.size(), 1u);
    for (int64_t I = 0; I < M; ++I)
      for (int64_t J = 0; J < N; ++J) {
        int64_t Acc = 0;
        for (int64_t P = 0; P < K; ++P)
          Acc += (static_cast<int64_t>(A.Data[I * K + P]) - static_cast<int64_t>(AZ.Data[I])) *
                 (static_cast<int64_t>(B.Data[P * N + J]) - static_cast<int64_t>(BZ.Data[J]));
        float Mult = (static_cast<float>(AS.Data[I]) * static_cast<float>(BS.Data[J])) /
                     static_cast<float>(YS.Data[I]);
        double Want =
            std::clamp<double>(std::nearbyint(static_cast<float>(Acc) * Mult) + YZ.Data[I], 0, 255);
        ASSERT_EQ(Out[0].Data[I * N + J], Want) << "trial " << Trial;
      }
  }
}

TEST_F(OnnxKernelTest, PoolsMatchNaiveLoops) {
  std::uniform_int_distribution<int> Small(1, 3), Pick(0, 1);
  for (int Trial = 0; Trial < 20; ++Trial) {
    int64_t C = Small(Rng), K = Small(Rng) + 1, S = Small(Rng), P = Pick(Rng) * (K / 2);
    int64_t H = K + Small(Rng), W = K + Small(Rng) + 1;
    bool Ceil = Pick(Rng) && P == 0;
    auto Out1 = [&](int64_t In) {
      int64_t Span = In + 2 * P - K;
      int64_t O = (Ceil ? (Span + S - 1) / S : Span / S) + 1;
      return Ceil && (O - 1) * S >= In + P ? O - 1 : O;
    };
    int64_t OH = Out1(H), OW = Out1(W);
    for (const char *Kind : {"MaxPool", "AveragePool"}) {
      std::string Model = fmt::format(
          "<ir_version: 8, opset_import: [\"\" : 13]>\n"
          "g (float[1, {0}, {1}, {2}] x) => (float[1, {0}, {3}, {4}] y) {{\n"
          "  y = {5} <kernel_shape = [{6}, {6}], strides = [{7}, {7}], pads = [{8}, {8}, {8}, {8}],"
          " ceil_mode = {9}> (x)\n}}\n",
          C, H, W, OH, OW, Kind, K, S, P, Ceil ? 1 : 0);
      Tensor X = randomTensor(DType::F32, {1, C, H, W}, -64, 64, 0.125);
      auto Out = run(Model, {X});
      ASSERT_EQ(Out.size(), 1u);
      bool Max = llvm::StringRef(Kind) == "MaxPool";
      for (int64_t c = 0; c < C; ++c)
        for (int64_t oh = 0; oh < OH; ++oh)
          for (int64_t ow = 0; ow < OW; ++ow) {
            double Best = -1e300, Sum = 0;
            int Count = 0;
            for (int64_t kh = 0; kh < K; ++kh)
              for (int64_t kw = 0; kw < K; ++kw) {
                int64_t ih = oh * S - P + kh, iw = ow * S - P + kw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                  continue;
                double V = X.Data[(c * H + ih) * W + iw];
                Best = std::max(Best, V);
                Sum += V;
                ++Count;
              }
            double Want = Max ? Best : static_cast<float>(Sum / Count);
            ASSERT_EQ(Out[0].Data[(c * OH + oh) * OW + ow], Want) << Kind << " trial " << Trial;
          }
    }
  }
}

TEST_F(OnnxKernelTest, GemmMatMulAndBroadcasting) {
  std::string Model = "<ir_version: 8, opset_import: [\"\" : 13]>\n"
                      "g (float[2, 3] a, float[4, 3] b, float[4] c, float[2, 1, 3, 2] m,"
                      " float[2, 3] n, float[3] v) => (float[2, 4] y, float[2, 1, 3, 3] z) {\n"
                      "  y = Gemm <transB = 1, alpha = 0.5, beta = 2.0> (a, b, c)\n"
                      "  q = MatMul(m, n)\n"
                      "  z = Sub(q, v)\n"
                      "}\n";
  Tensor A = randomTensor(DType::F32, {2, 3}, -9, 9);
  Tensor B = randomTensor(DType::F32, {4, 3}, -9, 9);
  Tensor C = randomTensor(DType::F32, {4}, -9, 9);
  Tensor M = randomTensor(DType::F32, {2, 1, 3, 2}, -9, 9);
  Tensor N = randomTensor(DType::F32, {2, 3}, -9, 9);
  Tensor V = randomTensor(DType::F32, {3}, -9, 9);
  auto Out = run(Model, {A, B, C, M, N, V});
  ASSERT_EQ(Out.size(), 2u);
  for (int I = 0; I < 2; ++I)
    for (int J = 0; J < 4; ++J) {
      double Acc = 0;
      for (int K = 0; K < 3; ++K)
        Acc += A.Data[I * 3 + K] * B.Data[J * 3 + K];
      EXPECT_EQ(Out[0].Data[I * 4 + J], static_cast<float>(0.5 * Acc + 2.0 * C.Data[J]));
    }
  ASSERT_EQ(Out[1].Dims, (Shape{2, 1, 3, 3}));
  for (int Bt = 0; Bt < 2; ++Bt)
    for (int I = 0; I < 3; ++I)
      for (int J = 0; J < 3; ++J) {
        double Acc = 0;
        for (int K = 0; K < 2; ++K)
          Acc += M.Data[(Bt * 3 + I) * 2 + K] * N.Data[K * 3 + J];
        EXPECT_EQ(Out[1].Data[(Bt * 3 + I) * 3 + J], static_cast<float>(Acc - V.Data[J]));
      }
}

TEST_F(OnnxKernelTest, ImportErrorsNameFileNodeAndReason) {
  auto Model = [](const std::string &Body, const std::string &Opset) {
    return "<ir_version: 8, opset_import: [\"\" : " + Opset +
           ", \"com.microsoft\" : 1, \"my.domain\" : 1]>\n"
           "g (float[1, 3, 4, 4] x, uint8[1, 3, 4, 4] q, float s, uint8 z) => (float[1, 3, 4, 4] "
           "y) {\n" +
           Body + "\n}\n";
  };
  struct Case {
    const char *Body;
    /// The whole message after "bad.onnxtext: ".
    const char *Message;
    const char *Opset = "13";
  };
  const Case Cases[] = {
      {"  y = Relu <alpha = 1.0> (x)", "node 'Relu_0' (Relu): attribute 'alpha' is not supported"},
      {"  y = Conv <group = \"two\"> (x, x)",
       "node 'Conv_0' (Conv): attribute 'group' must be an integer"},
      {"  y = my.domain.Relu(x)",
       "node 'Relu_0' (Relu): domain 'my.domain' is not supported by qnnc; supported domains are "
       "ai.onnx, com.microsoft, qonnx.custom_op.general, finn.custom_op.general and "
       "onnx.brevitas"},
      {"  y = Add(x)", "node 'Add_0' (Add): has 1 inputs, the op takes 2 to 2"},
      {"  y = Softmax <axis = 1> (x)",
       "node 'Softmax_0' (Softmax): Softmax of opset 11 over axes 1.. of a rank-4 input is not "
       "supported; only the last axis is",
       "11"},
      {"  p = com.microsoft.QLinearGlobalAveragePool <channels_last = 1> (q, s, z, s, z)\n"
       "  y = DequantizeLinear(p, s, z)",
       "node 'QLinearGlobalAveragePool_0' (QLinearGlobalAveragePool): channels_last=1 (NHWC) is "
       "not supported; export the model in NCHW layout"},
      {"  r = Reshape(x, x)\n  y = Relu(r)",
       "node 'Reshape_0' (Reshape): the target shape of Reshape must be known when the model is "
       "compiled (computed from constants and static shapes only); make it an initializer, bind "
       "the inputs it depends on with --bind or fix their shapes with --shape"},
      {"  y = Conv <kernel_shape = [3, 3]> (x, x)",
       "node 'Conv_0' (Conv): kernel_shape does not match the weight shape 1x3x4x4"},
      {"  y = Cast <to = 17> (x)",
       "node 'Cast_0' (Cast): the target type 'to' is f8e4m3fn, which qnnc does not support"},
      {"  y = Relu(r)\n  r = Relu(x)",
       "node 'Relu_0' (Relu): input 'r' is not produced by an earlier node, an initializer or a "
       "graph input; the nodes must be in topological order"},
      {"  y = Cast <to = 3> (x)",
       "output 'y' is declared with ONNX element type 1, its producer computes i8"},
  };
  for (const Case &C : Cases)
    EXPECT_EQ(importError(Model(C.Body, C.Opset)), std::string("bad.onnxtext: ") + C.Message);
}

TEST_F(OnnxKernelTest, QuantizeAndShapeOpsAtImportAndRun) {
  // QuantizeLinear rounds half to even and saturates; Clip of opset 6 uses
  // attributes; Squeeze without axes drops every 1.
  std::string Model =
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "g (float[1, 6] x) => (int8[6] q, float[6] c) <float s = {0.5}, int8 z = {-1}> {\n"
      "  xq = QuantizeLinear(x, s, z)\n"
      "  q = Squeeze(xq)\n"
      "  lo = Constant <value_float = -1.0> ()\n"
      "  cl = Clip(x, lo)\n"
      "  c = Squeeze(cl)\n"
      "}\n";
  Tensor X(DType::F32, {1, 6}, {0.25, 0.75, -0.25, 100.0, -100.0, 1.25});
  auto Out = run(Model, {X});
  ASSERT_EQ(Out.size(), 2u);
  // x / 0.5 = 0.5, 1.5, -0.5, 200, -200, 2.5 -> 0, 2, -0, 200, -200, 2 (+ zp -1)
  EXPECT_EQ(Out[0], Tensor(DType::I8, {6}, {-1, 1, -1, 127, -128, 1}));
  EXPECT_EQ(Out[1], Tensor(DType::F32, {6}, {0.25, 0.75, -0.25, 100.0, -1.0, 1.25}));
}

TEST_F(OnnxKernelTest, EveryDocumentedOpIsRegistered) {
  OpRegistry R;
  registerOnnxOps(R);
  std::vector<std::string> Expected = {"ms.QGemm",
                                       "ms.QLinearAdd",
                                       "ms.QLinearConcat",
                                       "ms.QLinearGlobalAveragePool",
                                       "onnx.Add",
                                       "onnx.ArgMax",
                                       "onnx.AveragePool",
                                       "onnx.BatchNormalization",
                                       "onnx.Cast",
                                       "onnx.Clip",
                                       "onnx.Concat",
                                       "onnx.ConstantOfShape",
                                       "onnx.Conv",
                                       "onnx.ConvInteger",
                                       "onnx.DequantizeLinear",
                                       "onnx.Div",
                                       "onnx.DynamicQuantizeLinear",
                                       "onnx.Flatten",
                                       "onnx.Gather",
                                       "onnx.Gemm",
                                       "onnx.GlobalAveragePool",
                                       "onnx.Identity",
                                       "onnx.MatMul",
                                       "onnx.MatMulInteger",
                                       "onnx.Max",
                                       "onnx.MaxPool",
                                       "onnx.Min",
                                       "onnx.Mul",
                                       "onnx.Pow",
                                       "onnx.QLinearConv",
                                       "onnx.QLinearMatMul",
                                       "onnx.QuantizeLinear",
                                       "onnx.ReduceMax",
                                       "onnx.ReduceMin",
                                       "onnx.Relu",
                                       "onnx.Reshape",
                                       "onnx.Round",
                                       "onnx.Shape",
                                       "onnx.Slice",
                                       "onnx.Softmax",
                                       "onnx.Squeeze",
                                       "onnx.Sub",
                                       "onnx.TopK",
                                       "onnx.Transpose",
                                       "onnx.Unsqueeze",
                                       "qonnx.BipolarQuant",
                                       "qonnx.MultiThreshold",
                                       "qonnx.Quant",
                                       "qonnx.Trunc"};
  EXPECT_EQ(R.kinds(), Expected);
  for (const std::string &Kind : Expected) {
    const OpDef *Def = R.lookup(Kind);
    EXPECT_TRUE(Def->Verify && Def->Eval) << Kind;
  }
}

TEST_F(OnnxKernelTest, PrintedGraphParsesAndVerifiesAndWrongTypesAreCaught) {
  std::string Model =
      "<ir_version: 8, opset_import: [\"\" : 13]>\n"
      "g (uint8[N, 2, 5, 5] x) => (uint8[N, 3, 3, 3] y)\n"
      "    <float s = {0.5}, uint8 z = {3}, int8[3, 2, 3, 3] w = {"
      "1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9,"
      "1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9, 1, 2, 3, 4, 5, 6, 7, 8, 9},"
      " int8 wz = {0}> {\n"
      "  y = QLinearConv(x, s, z, w, s, wz, s, z)\n"
      "}\n";
  auto G = importOnnxText(Model, "m.onnxtext", {});
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  printGraph(**G, OS);
  auto Parsed = parseGraph(OS.str(), "printed");
  ASSERT_TRUE(static_cast<bool>(Parsed)) << llvm::toString(Parsed.takeError());
  EXPECT_FALSE(static_cast<bool>(verifyGraph(**Parsed)));

  size_t At = Text.find(": u8[?,3,3,3]");
  ASSERT_NE(At, std::string::npos);
  std::string Wrong = Text;
  Wrong.replace(At, 13, ": u8[?,3,4,4]");
  auto Bad = parseGraph(Wrong, "wrong");
  ASSERT_TRUE(static_cast<bool>(Bad)) << llvm::toString(Bad.takeError());
  llvm::Error E = verifyGraph(**Bad);
  ASSERT_TRUE(static_cast<bool>(E));
  EXPECT_EQ(llvm::toString(std::move(E)),
            "'QLinearConv_0' (onnx.QLinearConv): result 'y' has type u8[?,3,4,4], its operands "
            "give u8[?,3,3,3]");
}

} // namespace

//===- LegalizeQuantTest.cpp - legalize-quant preserves semantics ---------===//
//
// Random QOperator / integer-op graphs are evaluated with the ONNX kernels
// before legalize-quant and with the canonical kernels after it; the outputs
// must agree bit for bit. Hand-computed cases pin the canonical kernels
// themselves.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "gtest/gtest.h"
#include "../Common/PassTestUtils.h"
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <random>

using namespace qnn;

namespace {

using test::eval;
using test::print;
using test::runPasses;

std::unique_ptr<Graph> parse(const std::string &Text) {
  registerAllOps();
  auto G = parseGraph(Text, "test");
  EXPECT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError()) << "\n" << Text;
  if (!G)
    return nullptr;
  if (llvm::Error E = verifyGraph(**G))
    ADD_FAILURE() << llvm::toString(std::move(E)) << "\n" << Text;
  return std::move(*G);
}

/// Whether every op of \p G is one of the canonical stage-2 kinds.
bool allCanonical(const Graph &G) {
  for (const auto &O : G.ops())
    if (O->Kind.find('.') != std::string::npos)
      return false;
  return true;
}

class Random {
public:
  explicit Random(unsigned Seed) : Rng(Seed) {}
  int64_t integer(int64_t Lo, int64_t Hi) {
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
  }
  float real(float Lo, float Hi) { return std::uniform_real_distribution<float>(Lo, Hi)(Rng); }
  std::vector<int64_t> ints(size_t N, int64_t Lo, int64_t Hi) {
    std::vector<int64_t> V(N);
    for (int64_t &X : V)
      X = integer(Lo, Hi);
    return V;
  }
  std::vector<float> reals(size_t N, float Lo, float Hi) {
    std::vector<float> V(N);
    for (float &X : V)
      X = real(Lo, Hi);
    return V;
  }
  Tensor tensor(DType T, Shape S) {
    Tensor X(T, S);
    for (double &D : X.Data)
      D = static_cast<double>(integer(minValue(T), maxValue(T)));
    return X;
  }

private:
  std::mt19937 Rng;
};

std::string ints(const std::vector<int64_t> &V) { return fmt::format("[{}]", fmt::join(V, ", ")); }
std::string reals(const std::vector<float> &V) {
  std::vector<std::string> S;
  for (float F : V)
    S.push_back(fmt::format("{}", F));
  return fmt::format("[{}]", fmt::join(S, ", "));
}
std::string dims(const Shape &S) { return fmt::format("{}", fmt::join(S, ",")); }

/// A constant line of the text IR.
std::string constant(const std::string &Name, const char *Type, const Shape &S,
                     const std::string &Data) {
  return fmt::format("  %{} = const : {}[{}] dense<{}>\n", Name, Type, dims(S), Data);
}

//===----------------------------------------------------------------------===//
// Hand-computed canonical kernels
//===----------------------------------------------------------------------===//

TEST(QuantKernels, HandComputedQConv) {
  // x - zx = [[0,2,4],[6,8,10],[12,14,16]], w = [[1,-1],[2,0]], bias 4:
  // acc = [14, 18, 26, 30]; M = 0.5 * 0.25 / 0.5 = 0.25 gives 3.5, 4.5, 6.5,
  // 7.5, rounded half to even 4, 4, 6, 8, plus zy = 10.
  auto G = parse(R"(graph @main(%x: u8[1,1,3,3] q(scale=0.5, zp=2)) {
  %w = const : i8[1,1,2,2] q(scale=0.25, zp=0) dense<[1, -1, 2, 0]>
  %b = const : i32[1] dense<[4]>
  %y = qconv "c"(%x, %w, %b) {act_max = 255, act_min = 0, dilations = [1, 1], group = 1, pads = [0, 0, 0, 0], strides = [1, 1]} : u8[1,1,2,2] q(scale=0.5, zp=10)
  return %y
}
)");
  ASSERT_TRUE(G);
  Tensor X(DType::U8, {1, 1, 3, 3}, {2, 4, 6, 8, 10, 12, 14, 16, 18});
  auto Y = eval(*G, {X});
  ASSERT_EQ(Y.size(), 1u);
  EXPECT_EQ(Y[0].Data, (std::vector<double>{14, 14, 16, 18}));
}

TEST(QuantKernels, HandComputedPaddedPerChannelQConvWithClamp) {
  // One input pixel 5 (zx = 1 -> 4) padded by 1, 2x2 kernels of two output
  // channels, zw = [0, 2]. Channel 0 w = [1,2,3,4]: each output sees one tap
  // (w[3], w[2], w[1], w[0]) -> acc = 16, 12, 8, 4; M = 1*0.5/1 = 0.5 ->
  // 8, 6, 4, 2. Channel 1 w - zw = [-2,-1,0,1] -> acc = 4, 0, -4, -8; M = 1
  // -> 4, 0, -4, -8; then zy = 0 and the clamp [-5, 6].
  auto G = parse(R"(graph @main(%x: i8[1,1,1,1] q(scale=1.0, zp=1)) {
  %w = const : i8[2,1,2,2] q(axis=0, scale=[0.5, 1.0], zp=[0, 2]) dense<[1, 2, 3, 4, 0, 1, 2, 3]>
  %y = qconv "c"(%x, %w, _) {act_max = 6, act_min = -5, dilations = [1, 1], group = 1, pads = [1, 1, 1, 1], strides = [1, 1]} : i8[1,2,2,2] q(scale=1.0, zp=0)
  return %y
}
)");
  ASSERT_TRUE(G);
  auto Y = eval(*G, {Tensor(DType::I8, {1, 1, 1, 1}, {5})});
  ASSERT_EQ(Y.size(), 1u);
  EXPECT_EQ(Y[0].Data, (std::vector<double>{6, 6, 4, 2, 4, 0, -4, -5}));
}

TEST(QuantKernels, HandComputedPoolsAndAdd) {
  auto G =
      parse(R"(graph @main(%x: u8[1,1,2,2] q(scale=0.5, zp=0), %z: u8[1,1,1,1] q(scale=1.0, zp=3)) {
  %m = qmaxpool "mp"(%x) {ceil_mode = 0, dilations = [1, 1], kernel_shape = [2, 2], pads = [0, 0, 0, 0], strides = [1, 1]} : u8[1,1,1,1] q(scale=0.5, zp=0)
  %a = qavgpool "ap"(%x) {count_include_pad = 1, kernel_shape = [2, 2], pads = [1, 1, 0, 0], strides = [2, 2]} : u8[1,1,1,1] q(scale=0.25, zp=0)
  %g = qglobalavgpool "gp"(%x) : u8[1,1,1,1] q(scale=0.5, zp=1)
  %s = qadd "add"(%m, %z) {act_max = 255, act_min = 0} : u8[1,1,1,1] q(scale=2.0, zp=0)
  return %m, %a, %g, %s
}
)");
  ASSERT_TRUE(G);
  Tensor X(DType::U8, {1, 1, 2, 2}, {1, 7, 3, 5});
  auto Y = eval(*G, {X, Tensor(DType::U8, {1, 1, 1, 1}, {8})});
  ASSERT_EQ(Y.size(), 4u);
  EXPECT_EQ(Y[0].Data, (std::vector<double>{7}));
  // One real tap (0.5) over a 2x2 window, 3 taps of it in the padding:
  // 0.5 / 4 = 0.125 at scale 0.25 = 0.5, rounds to 0 (half to even).
  EXPECT_EQ(Y[1].Data, (std::vector<double>{0}));
  // mean(0.5, 3.5, 1.5, 2.5) = 2.0 -> 4 + zp 1.
  EXPECT_EQ(Y[2].Data, (std::vector<double>{5}));
  // 3.5 + (8 - 3) = 8.5 at scale 2 -> 4.25 -> 4.
  EXPECT_EQ(Y[3].Data, (std::vector<double>{4}));
}

//===----------------------------------------------------------------------===//
// Random QOperator graphs: bit-exact before and after legalize-quant
//===----------------------------------------------------------------------===//

/// Legalizes \p Text and compares outputs on \p Trials random inputs.
void checkPreserved(const std::string &Text, const std::vector<std::pair<DType, Shape>> &Inputs,
                    Random &R, int Trials = 2, int Tolerance = 0) {
  auto Before = parse(Text);
  auto After = parse(Text);
  ASSERT_TRUE(Before && After);
  std::string Err = runPasses(*After, {"fold-constants", "legalize-quant"});
  ASSERT_EQ(Err, "") << Text;
  ASSERT_TRUE(allCanonical(*After)) << print(*After);
  for (int T = 0; T < Trials; ++T) {
    std::vector<Tensor> In;
    for (const auto &[Type, S] : Inputs)
      In.push_back(R.tensor(Type, S));
    auto A = eval(*Before, In), B = eval(*After, In);
    ASSERT_EQ(A.size(), B.size());
    for (size_t I = 0; I < A.size(); ++I) {
      ASSERT_EQ(A[I].Dims, B[I].Dims);
      for (int64_t E = 0; E < A[I].size(); ++E)
        ASSERT_LE(std::abs(A[I].Data[E] - B[I].Data[E]), Tolerance) << "element " << E << "\n"
                                                                    << Text << "\nlegalized:\n"
                                                                    << print(*After);
    }
  }
}

const char *typeName(DType T) { return T == DType::U8 ? "u8" : "i8"; }

TEST(LegalizeQuant, RandomQLinearConvIsBitExact) {
  Random R(2024);
  for (int Trial = 0; Trial < 40; ++Trial) {
    bool OneD = Trial % 5 == 4;
    DType XT = R.integer(0, 1) ? DType::U8 : DType::I8;
    DType WT = R.integer(0, 1) ? DType::U8 : DType::I8;
    DType YT = R.integer(0, 1) ? DType::U8 : DType::I8;
    int64_t Group = R.integer(1, 3);
    int64_t C = Group * R.integer(1, 3), M = Group * R.integer(1, 3);
    int64_t N = R.integer(1, 2);
    int64_t Kh = OneD ? 1 : R.integer(1, 3), Kw = R.integer(1, 3);
    int64_t Sh = R.integer(1, 2), Sw = R.integer(1, 2), Dh = R.integer(1, 2), Dw = R.integer(1, 2);
    std::vector<int64_t> Pads = R.ints(4, 0, 2);
    if (OneD)
      Pads[0] = Pads[2] = Dh = Sh = 0;
    int64_t H = OneD ? 1 : R.integer((Kh - 1) * Dh + 1, 7);
    int64_t W = R.integer((Kw - 1) * Dw + 1, 7);
    int64_t OH = OneD ? 1 : (H + Pads[0] + Pads[2] - (Kh - 1) * Dh - 1) / Sh + 1;
    int64_t OW = (W + Pads[1] + Pads[3] - (Kw - 1) * Dw - 1) / Sw + 1;
    bool PerChannel = R.integer(0, 1);
    size_t NS = PerChannel ? M : 1;
    Shape XS = OneD ? Shape{N, C, W} : Shape{N, C, H, W};
    Shape WS = OneD ? Shape{M, C / Group, Kw} : Shape{M, C / Group, Kh, Kw};
    Shape YS = OneD ? Shape{N, M, OW} : Shape{N, M, OH, OW};
    int64_t K = C / Group * Kh * Kw;
    float XScale = R.real(0.005f, 0.05f);
    std::vector<float> WScale = R.reals(NS, 0.002f, 0.02f);
    float YScale =
        XScale * WScale[0] * 40.0f * std::sqrt(static_cast<float>(K)) * R.real(0.5f, 2.0f);
    std::string Attrs = OneD ? fmt::format("pads = {}, strides = [{}], dilations = [{}]",
                                           ints({Pads[1], Pads[3]}), Sw, Dw)
                             : fmt::format("pads = {}, strides = [{}, {}], dilations = [{}, {}]",
                                           ints(Pads), Sh, Sw, Dh, Dw);
    std::string Text = fmt::format("graph @main(%x: {}[{}]) {{\n", typeName(XT), dims(XS));
    Text += constant("xs", "f32", {}, reals({XScale}));
    Text += constant("xz", typeName(XT), {}, ints(R.ints(1, minValue(XT), maxValue(XT))));
    Text +=
        constant("w", typeName(WT), WS, ints(R.ints(numElements(WS), minValue(WT), maxValue(WT))));
    Text += constant("ws", "f32", {static_cast<int64_t>(NS)}, reals(WScale));
    Text += constant("wz", typeName(WT), {static_cast<int64_t>(NS)},
                     ints(R.ints(NS, minValue(WT) / 4, maxValue(WT) / 4)));
    Text += constant("ys", "f32", {}, reals({YScale}));
    Text += constant("yz", typeName(YT), {}, ints(R.ints(1, minValue(YT) / 2, maxValue(YT) / 2)));
    bool Bias = R.integer(0, 1);
    if (Bias)
      Text += constant("b", "i32", {M}, ints(R.ints(M, -5000, 5000)));
    Text += fmt::format("  %y = onnx.QLinearConv \"conv\"(%x, %xs, %xz, %w, %ws, %wz, %ys, "
                        "%yz{}) {{group = {}, {}}} : {}[{}]\n  return %y\n}}\n",
                        Bias ? ", %b" : "", Group, Attrs, typeName(YT), dims(YS));
    SCOPED_TRACE(Text);
    checkPreserved(Text, {{XT, XS}}, R);
  }
}

TEST(LegalizeQuant, RandomQLinearMatMulAndQGemmAreBitExact) {
  Random R(77);
  for (int Trial = 0; Trial < 30; ++Trial) {
    DType XT = R.integer(0, 1) ? DType::U8 : DType::I8;
    DType WT = R.integer(0, 1) ? DType::U8 : DType::I8;
    DType YT = R.integer(0, 1) ? DType::U8 : DType::I8;
    int64_t M = R.integer(1, 4), K = R.integer(1, 20), N = R.integer(1, 9);
    bool Gemm = Trial % 2;
    bool TransB = Gemm && R.integer(0, 1);
    bool PerColumn = R.integer(0, 1);
    size_t NS = PerColumn ? N : 1;
    float XScale = R.real(0.005f, 0.05f);
    std::vector<float> WScale = R.reals(NS, 0.002f, 0.02f);
    float YScale = XScale * WScale[0] * 40.0f * std::sqrt(static_cast<float>(K));
    Shape WS = TransB ? Shape{N, K} : Shape{K, N};
    // alpha joins the weight scale: (x_s * (w_s * alpha)) / y_s may round
    // differently from ((x_s * w_s) / y_s) * alpha, by one step at most.
    double Alpha = Gemm && Trial % 4 == 1 ? static_cast<double>(R.real(0.5f, 2.0f)) : 1.0;
    std::string Text = fmt::format("graph @main(%x: {}[{},{}]) {{\n", typeName(XT), M, K);
    Text += constant("xs", "f32", {}, reals({XScale}));
    Text += constant("xz", typeName(XT), {}, ints(R.ints(1, minValue(XT), maxValue(XT))));
    Text += constant("w", typeName(WT), WS, ints(R.ints(K * N, minValue(WT), maxValue(WT))));
    Text += constant("ws", "f32", {static_cast<int64_t>(NS)}, reals(WScale));
    Text += constant("wz", typeName(WT), {static_cast<int64_t>(NS)},
                     ints(R.ints(NS, minValue(WT) / 4, maxValue(WT) / 4)));
    Text += constant("ys", "f32", {}, reals({YScale}));
    Text += constant("yz", typeName(YT), {}, ints(R.ints(1, minValue(YT) / 2, maxValue(YT) / 2)));
    if (Gemm) {
      Text += constant("c", "i32", {N}, ints(R.ints(N, -3000, 3000)));
      Text += fmt::format("  %y = ms.QGemm \"fc\"(%x, %xs, %xz, %w, %ws, %wz, %c, %ys, %yz) "
                          "{{alpha = {}, transB = {}}} : {}[{},{}]\n",
                          formatFloat(Alpha), TransB ? 1 : 0, typeName(YT), M, N);
    } else {
      Text += fmt::format("  %y = onnx.QLinearMatMul \"mm\"(%x, %xs, %xz, %w, %ws, %wz, %ys, "
                          "%yz) : {}[{},{}]\n",
                          typeName(YT), M, N);
    }
    Text += "  return %y\n}\n";
    SCOPED_TRACE(Text);
    checkPreserved(Text, {{XT, {M, K}}}, R, 2, Alpha == 1.0 ? 0 : 1);
  }
}

TEST(LegalizeQuant, RandomIntegerOpsAreExact) {
  Random R(5);
  for (int Trial = 0; Trial < 20; ++Trial) {
    DType XT = R.integer(0, 1) ? DType::U8 : DType::I8;
    DType WT = R.integer(0, 1) ? DType::U8 : DType::I8;
    std::string Text;
    Shape XS;
    if (Trial % 2) {
      int64_t M = R.integer(1, 3), K = R.integer(1, 12), N = R.integer(1, 6);
      XS = {M, K};
      Text = fmt::format("graph @main(%x: {}[{},{}]) {{\n", typeName(XT), M, K);
      Text += constant("w", typeName(WT), {K, N}, ints(R.ints(K * N, minValue(WT), maxValue(WT))));
      Text += constant("xz", typeName(XT), {}, ints(R.ints(1, minValue(XT), maxValue(XT))));
      Text += constant("wz", typeName(WT), {N}, ints(R.ints(N, minValue(WT), maxValue(WT))));
      Text +=
          fmt::format("  %y = onnx.MatMulInteger \"mmi\"(%x, %w, %xz, %wz) : i32[{},{}]\n", M, N);
    } else {
      int64_t C = R.integer(1, 3), M = R.integer(1, 3), H = R.integer(2, 5), W = R.integer(2, 5);
      XS = {1, C, H, W};
      Text = fmt::format("graph @main(%x: {}[{}]) {{\n", typeName(XT), dims(XS));
      Text += constant("w", typeName(WT), {M, C, 2, 2},
                       ints(R.ints(M * C * 4, minValue(WT), maxValue(WT))));
      Text += constant("xz", typeName(XT), {}, ints(R.ints(1, minValue(XT), maxValue(XT))));
      Text += fmt::format("  %y = onnx.ConvInteger \"ci\"(%x, %w, %xz) {{pads = [1, 0, 0, 1]}} "
                          ": i32[1,{},{},{}]\n",
                          M, H, W);
    }
    Text += "  return %y\n}\n";
    SCOPED_TRACE(Text);
    checkPreserved(Text, {{XT, XS}}, R);
  }
}

TEST(LegalizeQuant, QOperatorNetworkWithPoolsAddAndConcat) {
  // QuantizeLinear -> QLinearConv -> MaxPool (u8) -> QLinearAdd with the
  // conv -> QLinearConcat -> QLinearGlobalAveragePool -> Flatten ->
  // DequantizeLinear.
  const std::string Text = R"(graph @main(%x: f32[?,2,4,4]) {
  %s1 = const : f32[] dense<[0.05]>
  %z1 = const : u8[] dense<[128]>
  %w = const : u8[3,2,1,1] dense<[130, 120, 140, 128, 100, 150]>
  %ws = const : f32[] dense<[0.01]>
  %wz = const : u8[] dense<[128]>
  %s2 = const : f32[] dense<[0.02]>
  %z2 = const : u8[] dense<[100]>
  %s3 = const : f32[] dense<[0.03]>
  %z3 = const : u8[] dense<[90]>
  %s4 = const : f32[] dense<[0.025]>
  %z4 = const : u8[] dense<[10]>
  %xq = onnx.QuantizeLinear "q"(%x, %s1, %z1) : u8[?,2,4,4]
  %c = onnx.QLinearConv "conv"(%xq, %s1, %z1, %w, %ws, %wz, %s2, %z2) {pads = [0, 0, 0, 0]} : u8[?,3,4,4]
  %p = onnx.MaxPool "pool"(%c) {kernel_shape = [1, 1]} : u8[?,3,4,4]
  %a = ms.QLinearAdd "add"(%p, %s2, %z2, %c, %s2, %z2, %s3, %z3) : u8[?,3,4,4]
  %k = ms.QLinearConcat "cat"(%s4, %z4, %a, %s3, %z3, %c, %s2, %z2) {axis = 1} : u8[?,6,4,4]
  %g = ms.QLinearGlobalAveragePool "gap"(%k, %s4, %z4, %s4, %z4) : u8[?,6,1,1]
  %f = onnx.Flatten "flat"(%g) : u8[?,6]
  %y = onnx.DequantizeLinear "dq"(%f, %s4, %z4) : f32[?,6]
  return %y
}
)";
  auto Before = parse(Text), After = parse(Text);
  ASSERT_TRUE(Before && After);
  ASSERT_EQ(runPasses(*After, {"fold-constants", "legalize-quant"}), "");
  ASSERT_TRUE(allCanonical(*After)) << print(*After);
  Random R(3);
  for (int T = 0; T < 3; ++T) {
    Tensor X(DType::F32, {2, 2, 4, 4});
    for (double &D : X.Data)
      D = roundToF32(R.real(-6.0f, 6.0f));
    auto A = eval(*Before, {X}), B = eval(*After, {X});
    ASSERT_EQ(A.size(), 1u);
    ASSERT_EQ(B.size(), 1u);
    EXPECT_EQ(A[0], B[0]) << print(*After);
  }
}

} // namespace

namespace {

//===----------------------------------------------------------------------===//
// QDQ graphs: integer accumulation vs ONNX's float Conv, within 1
//===----------------------------------------------------------------------===//

TEST(LegalizeQuant, RandomQdqConvWithActivationIsWithinOne) {
  Random R(99);
  for (int Trial = 0; Trial < 20; ++Trial) {
    int64_t C = R.integer(1, 3), M = R.integer(1, 4), H = R.integer(3, 6), W = R.integer(3, 6);
    bool Clip = Trial % 2;
    float XScale = R.real(0.01f, 0.05f);
    std::vector<float> WScale = R.reals(M, 0.005f, 0.02f);
    std::vector<float> BScale;
    for (float S : WScale)
      BScale.push_back(XScale * S);
    float YScale = XScale * WScale[0] * 30.0f * std::sqrt(static_cast<float>(C * 9));
    std::string Text = fmt::format("graph @main(%x: f32[1,{},{},{}]) {{\n", C, H, W);
    Text += constant("xs", "f32", {}, reals({XScale}));
    Text += constant("xz", "u8", {}, ints(R.ints(1, 100, 150)));
    Text += constant("w", "i8", {M, C, 3, 3}, ints(R.ints(M * C * 9, -127, 127)));
    Text += constant("ws", "f32", {M}, reals(WScale));
    Text += constant("wz", "i8", {M}, ints(std::vector<int64_t>(M, 0)));
    Text += constant("b", "i32", {M}, ints(R.ints(M, -2000, 2000)));
    Text += constant("bs", "f32", {M}, reals(BScale));
    Text += constant("ys", "f32", {}, reals({YScale}));
    Text += constant("yz", "i8", {}, ints(R.ints(1, -20, 20)));
    Text += constant("lo", "f32", {}, reals({-YScale * 10}));
    Text += constant("hi", "f32", {}, reals({YScale * 50}));
    Text += fmt::format(
        "  %xq = onnx.QuantizeLinear \"qx\"(%x, %xs, %xz) : u8[1,{0},{1},{2}]\n"
        "  %xd = onnx.DequantizeLinear \"dqx\"(%xq, %xs, %xz) : f32[1,{0},{1},{2}]\n"
        "  %wd = onnx.DequantizeLinear \"dqw\"(%w, %ws, %wz) {{axis = 0}} : f32[{3},{0},3,3]\n"
        "  %bd = onnx.DequantizeLinear \"dqb\"(%b, %bs) {{axis = 0}} : f32[{3}]\n"
        "  %c = onnx.Conv \"conv\"(%xd, %wd, %bd) {{pads = [1, 1, 1, 1]}} : f32[1,{3},{1},{2}]\n"
        "  %r = {4} : f32[1,{3},{1},{2}]\n"
        "  %y = onnx.QuantizeLinear \"qy\"(%r, %ys, %yz) : i8[1,{3},{1},{2}]\n"
        "  return %y\n}}\n",
        C, H, W, M, Clip ? "onnx.Clip \"act\"(%c, %lo, %hi)" : "onnx.Relu \"act\"(%c)");
    SCOPED_TRACE(Text);
    Tensor X(DType::F32, {1, C, H, W});
    auto Before = parse(Text), After = parse(Text);
    ASSERT_TRUE(Before && After);
    ASSERT_EQ(runPasses(*After, {"fold-constants", "legalize-quant"}), "");
    ASSERT_TRUE(allCanonical(*After)) << print(*After);
    ASSERT_EQ(After->ops().size(), 2u) << print(*After); // quantize, qconv
    for (double &D : X.Data)
      D = roundToF32(R.real(-3.0f, 3.0f));
    auto A = eval(*Before, {X}), B = eval(*After, {X});
    ASSERT_EQ(A.size(), 1u);
    ASSERT_EQ(B.size(), 1u);
    for (int64_t E = 0; E < A[0].size(); ++E)
      ASSERT_LE(std::abs(A[0].Data[E] - B[0].Data[E]), 1) << "element " << E;
  }
}

/// Pooling, Add, Concat and Reshape compute the same float32 values in QDQ
/// form and in their canonical kernels: bit for bit.
TEST(LegalizeQuant, RandomQdqNmpuOpsAreBitExact) {
  Random R(11);
  for (int Trial = 0; Trial < 20; ++Trial) {
    int64_t C = R.integer(1, 3), H = R.integer(3, 7), W = R.integer(3, 7);
    int64_t K = R.integer(2, 3), S = R.integer(1, 2), P = R.integer(0, 1);
    bool Ceil = R.integer(0, 1);
    auto Out = [&](int64_t In) {
      int64_t Room = In + 2 * P - K;
      int64_t O = (Ceil ? (Room + S - 1) / S : Room / S) + 1;
      if (Ceil && (O - 1) * S >= In + P)
        --O;
      return O;
    };
    int64_t OH = Out(H), OW = Out(W);
    std::string Pool = fmt::format("kernel_shape = [{0}, {0}], strides = [{1}, {1}], pads = "
                                   "[{2}, {2}, {2}, {2}], ceil_mode = {3}",
                                   K, S, P, Ceil ? 1 : 0);
    std::string Text = fmt::format("graph @main(%x: u8[2,{},{},{}]) {{\n", C, H, W);
    for (int I = 1; I <= 4; ++I) {
      Text += constant(fmt::format("s{}", I), "f32", {}, reals({R.real(0.01f, 0.1f)}));
      Text += constant(fmt::format("z{}", I), "u8", {}, ints(R.ints(1, 0, 255)));
    }
    Text += constant("shape", "i64", {2}, ints({2, -1}));
    Text += fmt::format(
        "  %xd = onnx.DequantizeLinear \"dqx\"(%x, %s1, %z1) : f32[2,{0},{1},{2}]\n"
        "  %m = onnx.MaxPool \"mp\"(%xd) {{{5}}} : f32[2,{0},{3},{4}]\n"
        "  %mq = onnx.QuantizeLinear \"qm\"(%m, %s2, %z2) : u8[2,{0},{3},{4}]\n"
        "  %a = onnx.AveragePool \"ap\"(%xd) {{{5}, count_include_pad = 0}} : f32[2,{0},{3},{4}]\n"
        "  %aq = onnx.QuantizeLinear \"qa\"(%a, %s3, %z3) : u8[2,{0},{3},{4}]\n"
        "  %md = onnx.DequantizeLinear \"dqm\"(%mq, %s2, %z2) : f32[2,{0},{3},{4}]\n"
        "  %ad = onnx.DequantizeLinear \"dqa\"(%aq, %s3, %z3) : f32[2,{0},{3},{4}]\n"
        "  %s = onnx.Add \"add\"(%md, %ad) : f32[2,{0},{3},{4}]\n"
        "  %sr = onnx.Relu \"relu\"(%s) : f32[2,{0},{3},{4}]\n"
        "  %sq = onnx.QuantizeLinear \"qs\"(%sr, %s4, %z4) : u8[2,{0},{3},{4}]\n"
        "  %g = onnx.GlobalAveragePool \"gap\"(%xd) : f32[2,{0},1,1]\n"
        "  %gq = onnx.QuantizeLinear \"qg\"(%g, %s2, %z2) : u8[2,{0},1,1]\n"
        "  %c = onnx.Concat \"cat\"(%md, %ad) {{axis = 1}} : f32[2,{6},{3},{4}]\n"
        "  %cq = onnx.QuantizeLinear \"qc\"(%c, %s1, %z1) : u8[2,{6},{3},{4}]\n"
        "  %cd = onnx.DequantizeLinear \"dqc\"(%cq, %s1, %z1) : f32[2,{6},{3},{4}]\n"
        "  %f = onnx.Reshape \"resh\"(%cd, %shape) : f32[2,{7}]\n"
        "  %fq = onnx.QuantizeLinear \"qf\"(%f, %s4, %z4) : u8[2,{7}]\n"
        "  return %sq, %gq, %fq\n}}\n",
        C, H, W, OH, OW, Pool, 2 * C, 2 * C * OH * OW);
    SCOPED_TRACE(Text);
    checkPreserved(Text, {{DType::U8, {2, C, H, W}}}, R, 3);
  }
}

//===----------------------------------------------------------------------===//
// fold-constants
//===----------------------------------------------------------------------===//

TEST(FoldConstants, ShapeSubgraphWithBatchFoldsIntoReshape) {
  auto G = parse(R"(graph @main(%x: f32[?,2,3]) {
  %i0 = const : i64[] dense<[0]>
  %i1 = const : i64[1] dense<[1]>
  %i2 = const : i64[1] dense<[2]>
  %ax = const : i64[1] dense<[0]>
  %s = onnx.Shape "shape"(%x) : i64[3]
  %n = onnx.Gather "g0"(%s, %i0) {axis = 0} : i64[]
  %c = onnx.Gather "g1"(%s, %i1) {axis = 0} : i64[1]
  %h = onnx.Gather "g2"(%s, %i2) {axis = 0} : i64[1]
  %hc = onnx.Mul "mul"(%c, %h) : i64[1]
  %n1 = onnx.Unsqueeze "u"(%n, %ax) : i64[1]
  %shape = onnx.Concat "cat"(%n1, %hc) {axis = 0} : i64[2]
  %y = onnx.Reshape "r"(%x, %shape) : f32[?,6]
  return %y
}
)");
  ASSERT_TRUE(G);
  ASSERT_EQ(runPasses(*G, {"fold-constants"}), "");
  ASSERT_EQ(G->ops().size(), 1u) << print(*G);
  const Op &Reshape = *G->ops().front();
  ASSERT_TRUE(Reshape.operand(1)->isConstant());
  EXPECT_EQ(Reshape.operand(1)->Const->Data, (std::vector<double>{0, 6}));
  Tensor X(DType::F32, {3, 2, 3});
  for (int64_t I = 0; I < X.size(); ++I)
    X.Data[I] = static_cast<double>(I);
  auto Y = eval(*G, {X});
  ASSERT_EQ(Y.size(), 1u);
  EXPECT_EQ(Y[0].Dims, (Shape{3, 6}));
  EXPECT_EQ(Y[0].Data, X.Data);
}

TEST(FoldConstants, KeepsQuantizersAndRemovesNoise) {
  auto G = parse(R"(graph @main(%x: f32[2]) {
  %w = const : i8[2] dense<[3, -4]>
  %s = const : f32[] dense<[0.5]>
  %z = const : i8[] dense<[0]>
  %wd = onnx.DequantizeLinear "dqw"(%w, %s, %z) : f32[2]
  %i = onnx.Identity "id"(%wd) : f32[2]
  %c1 = onnx.Cast "c1"(%x) {to = 10} : f16[2]
  %c2 = onnx.Cast "c2"(%c1) {to = 1} : f32[2]
  %y = onnx.Add "add"(%c2, %i) : f32[2]
  return %y
}
)");
  ASSERT_TRUE(G);
  ASSERT_EQ(runPasses(*G, {"fold-constants"}), "");
  std::vector<std::string> Kinds;
  for (const auto &O : G->ops())
    Kinds.push_back(O->Kind);
  EXPECT_EQ(Kinds, (std::vector<std::string>{"onnx.DequantizeLinear", "onnx.Add"})) << print(*G);
  EXPECT_EQ(G->ops().back()->operand(0), G->Inputs[0]);
}

} // namespace

//===- QonnxKernelTest.cpp - The QONNX ops on hand-picked values ----------===//
//
// Expected values are worked out by hand from the QONNX operator
// definitions (Quant, BipolarQuant, Trunc) and FINN's MultiThreshold:
// rounding ties, clamping at each end of signed / unsigned / narrow ranges,
// every rounding mode, zero points, per-channel parameters and both data
// layouts; plus the diagnostics for bad attributes and shapes.
//
//===----------------------------------------------------------------------===//
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "gtest/gtest.h"
#include <string>

using namespace qnn;

namespace {

class QonnxKernelTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() { registerOnnxOps(OpRegistry::instance()); }

  /// A model of one node in domain qonnx.custom_op.general whose first
  /// operand is the input x of shape \p Dims; \p Constants declares the others.
  static std::string model(const std::string &Dims, const std::string &Constants,
                           const std::string &Node,
                           const std::string &Domain = "qonnx.custom_op.general") {
    return "<ir_version: 7, opset_import: [\"\" : 13, \"" + Domain + "\" : 1]>\n" + "m (float[" +
           Dims + "] x) => (float[" + Dims + "] y)\n<" + Constants + "> {\n  y = " + Domain + "." +
           Node + "\n}\n";
  }

  static std::vector<double> run(const std::string &Model, const Shape &Dims,
                                 std::vector<double> X) {
    auto G = importOnnxText(Model, "test.onnxtext", {});
    EXPECT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError()) << "\n" << Model;
    if (!G)
      return {};
    Tensor In(DType::F32, Dims);
    In.Data = std::move(X);
    auto Out = evaluateGraph(**G, {In});
    EXPECT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError()) << "\n" << Model;
    return Out ? (*Out)[0].Data : std::vector<double>();
  }

  static std::string importError(const std::string &Model) {
    auto G = importOnnxText(Model, "bad.onnxtext", {});
    EXPECT_FALSE(static_cast<bool>(G)) << Model;
    return G ? "" : llvm::toString(G.takeError());
  }

  /// Quant of a [N] input with per-tensor parameters.
  static std::vector<double> quant(std::vector<double> X, double Scale, double Zp, int Bits,
                                   const std::string &Attrs) {
    int64_t N = static_cast<int64_t>(X.size());
    return run(model(std::to_string(N),
                     "float s = {" + std::to_string(Scale) + "}, float z = {" + std::to_string(Zp) +
                         "}, float b = {" + std::to_string(Bits) + "}",
                     "Quant <" + Attrs + "> (x, s, z, b)"),
               {N}, std::move(X));
  }
};

TEST_F(QonnxKernelTest, QuantRoundsHalfToEvenAndClamps) {
  // x / 0.5 = -5.2 -1 1 3 5 15.8 0.6, clamped to [-4, 3], rounded.
  EXPECT_EQ(quant({-2.6, -0.5, 0.5, 1.5, 2.5, 7.9, 0.3}, 0.5, 0, 3,
                  "signed = 1, narrow = 0, rounding_mode = \"ROUND\""),
            (std::vector<double>{-2, -0.5, 0.5, 1.5, 1.5, 1.5, 0.5}));
  EXPECT_EQ(quant({0.5, 1.5, 2.5, -0.5, -1.5}, 1, 0, 8, "signed = 1, narrow = 0"),
            (std::vector<double>{0, 2, 2, 0, -2}));
}

TEST_F(QonnxKernelTest, QuantRanges) {
  // Signed narrow 2-bit: [-1, 1]; signed 2-bit: [-2, 1].
  EXPECT_EQ(quant({-3, 3}, 1, 0, 2, "signed = 1, narrow = 1"), (std::vector<double>{-1, 1}));
  EXPECT_EQ(quant({-3, 3}, 1, 0, 2, "signed = 1, narrow = 0"), (std::vector<double>{-2, 1}));
  // Unsigned 2-bit: [0, 3]; narrow: [0, 2].
  EXPECT_EQ(quant({-1, 5}, 1, 0, 2, "signed = 0, narrow = 0"), (std::vector<double>{0, 3}));
  EXPECT_EQ(quant({-1, 5}, 1, 0, 2, "signed = 0, narrow = 1"), (std::vector<double>{0, 2}));
  // Zero point 1, unsigned 3-bit: 0.7 / 0.5 + 1 = 2.4 -> 2 -> 0.5;
  // -2 / 0.5 + 1 = -3 -> 0 -> -0.5.
  EXPECT_EQ(quant({0.7, -2}, 0.5, 1, 3, "signed = 0, narrow = 0"),
            (std::vector<double>{0.5, -0.5}));
}

TEST_F(QonnxKernelTest, QuantRoundingModes) {
  std::vector<double> X = {-1.5, 1.5, -0.4, 2.7};
  EXPECT_EQ(quant(X, 1, 0, 8, "rounding_mode = \"ROUND_TO_ZERO\""),
            (std::vector<double>{-1, 1, 0, 2}));
  EXPECT_EQ(quant(X, 1, 0, 8, "rounding_mode = \"CEIL\""), (std::vector<double>{-1, 2, 0, 3}));
  EXPECT_EQ(quant(X, 1, 0, 8, "rounding_mode = \"FLOOR\""), (std::vector<double>{-2, 1, -1, 2}));
}

TEST_F(QonnxKernelTest, QuantSignedOneBitIsBipolar) {
  EXPECT_EQ(quant({-0.1, 0, 2}, 0.5, 0, 1, "signed = 1, narrow = 0"),
            (std::vector<double>{-0.5, 0.5, 0.5}));
  // Unsigned 1-bit keeps the formula: [0, 1].
  EXPECT_EQ(quant({-0.1, 0.4, 2}, 0.5, 0, 1, "signed = 0, narrow = 0"),
            (std::vector<double>{0, 0.5, 0.5}));
}

TEST_F(QonnxKernelTest, QuantPerChannelScale) {
  // Rows scaled by 1 and 2: 3 / 2 = 1.5 rounds to 2, times 2 is 4.
  std::string M = model("2,2", "float[2,1] s = {1, 2}, float z = {0}, float b = {8}",
                        "Quant <signed = 1, narrow = 0> (x, s, z, b)", "onnx.brevitas");
  EXPECT_EQ(run(M, {2, 2}, {3, 3, 3, 3}), (std::vector<double>{3, 3, 4, 4}));
}

TEST_F(QonnxKernelTest, BipolarQuant) {
  std::string M = model("3", "float s = {2}", "BipolarQuant(x, s)", "finn.custom_op.general");
  EXPECT_EQ(run(M, {3}, {-3, 0, 0.2}), (std::vector<double>{-2, 2, 2}));
}

TEST_F(QonnxKernelTest, TruncDropsLowBits) {
  // 8 -> 6 bits divides by 4: 13 -> 3.25, 6 -> 1.5, -5 -> -1.25.
  auto Trunc = [&](const std::string &Mode, double Scale, std::vector<double> X) {
    return run(model("3",
                     "float s = {" + std::to_string(Scale) +
                         "}, float z = {0}, float ib = {8}, float ob = {6}",
                     "Trunc <rounding_mode = \"" + Mode + "\"> (x, s, z, ib, ob)"),
               {3}, std::move(X));
  };
  EXPECT_EQ(Trunc("FLOOR", 1, {13, 6, -5}), (std::vector<double>{3, 1, -2}));
  EXPECT_EQ(Trunc("ROUND", 1, {13, 6, -5}), (std::vector<double>{3, 2, -1}));
  // 6.5 / 0.5 = 13 -> 3, scaled back by 0.5.
  EXPECT_EQ(Trunc("FLOOR", 0.5, {6.5, 3, -2.5}), (std::vector<double>{1.5, 0.5, -1}));
}

TEST_F(QonnxKernelTest, MultiThresholdPerChannel) {
  // Channel 0 thresholds 0 1 2, channel 1 thresholds -1 5 10; counts
  // 0 1 3 and 1 2 3, then 2 * count - 1.
  std::string M = model("1,2,3", "float[2,3] t = {0, 1, 2, -1, 5, 10}",
                        "MultiThreshold <out_scale = 2.0, out_bias = -1.0, out_dtype = \"INT3\"> "
                        "(x, t)");
  EXPECT_EQ(run(M, {1, 2, 3}, {-1, 0.5, 2, -1, 5, 20}), (std::vector<double>{-1, 1, 5, 1, 3, 5}));
}

TEST_F(QonnxKernelTest, MultiThresholdChannelsLast) {
  // NHWC: channel 0 thresholds 0 1, channel 1 thresholds 10 20.
  std::string M = model("1,3,2", "float[2,2] t = {0, 1, 10, 20}",
                        "MultiThreshold <data_layout = \"NHWC\"> (x, t)");
  EXPECT_EQ(run(M, {1, 3, 2}, {-1, 15, 0.5, 25, 2, 0}), (std::vector<double>{0, 1, 1, 2, 2, 0}));
  // One row of thresholds serves every channel.
  std::string Shared =
      model("1,3,2", "float[1,2] t = {0, 1}", "MultiThreshold <data_layout = \"NHWC\"> (x, t)");
  EXPECT_EQ(run(Shared, {1, 3, 2}, {-1, 15, 0.5, 25, 2, 0}),
            (std::vector<double>{0, 2, 1, 2, 2, 1}));
}

TEST_F(QonnxKernelTest, Diagnostics) {
  EXPECT_EQ(importError(model("3", "float s = {1}, float z = {0}, float b = {4}",
                              "Quant <rounding_mode = \"UP\"> (x, s, z, b)")),
            "bad.onnxtext: node 'Quant_0' (Quant): rounding_mode 'UP' is not one of ROUND, "
            "ROUND_TO_ZERO, CEIL and FLOOR");
  EXPECT_EQ(importError(model("3", "float s = {1}, float z = {0}, float b = {4}",
                              "Quant <signed = 2> (x, s, z, b)")),
            "bad.onnxtext: node 'Quant_0' (Quant): attribute 'signed' must be 0 or 1, it is 2");
  EXPECT_EQ(importError(model("3", "float[2] s = {1, 2}", "BipolarQuant(x, s)")),
            "bad.onnxtext: node 'BipolarQuant_0' (BipolarQuant): scale of shape 2 does not "
            "broadcast to the input shape 3");
  EXPECT_EQ(
      importError(model("1,2,3", "float[3,2] t = {0, 1, 2, 3, 4, 5}", "MultiThreshold(x, t)")),
      "bad.onnxtext: node 'MultiThreshold_0' (MultiThreshold): thresholds must have shape "
      "[1, T] or [2, T] (one row per channel), it has shape 3x2");
}

} // namespace

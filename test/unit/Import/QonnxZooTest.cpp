//===- QonnxZooTest.cpp - The QONNX model zoo through the interpreter -----===//
//
// The pretrained QONNX models of shared/models/qonnx-zoo (Brevitas exports,
// not written on this project) import and give the logits of an independent
// numpy evaluator on a fixed input. That the three MNIST models score the
// top-1 accuracies their README gives for ONNX semantics on all 10,000 MNIST
// test images is checked through qnn-eval, beside the chip
// (test/lit/e2e/qonnx-zoo.test). QonnxKernelTest.cpp checks the kernels on
// hand-picked values.
//
//===----------------------------------------------------------------------===//
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

using namespace qnn;

namespace {

const std::string ZooDir = QNN_SOURCE_DIR "/../shared/models/qonnx-zoo/";

class QonnxZooTest : public ::testing::Test {
protected:
  static void SetUpTestSuite() { registerOnnxOps(OpRegistry::instance()); }

  static std::unique_ptr<Graph> import(const std::string &Name) {
    auto G = importOnnxFile(ZooDir + Name + ".onnx", {});
    EXPECT_TRUE(static_cast<bool>(G)) << Name << ": " << llvm::toString(G.takeError());
    return G ? std::move(*G) : nullptr;
  }

  static size_t countKind(const Graph &G, llvm::StringRef Kind) {
    return llvm::count_if(G.ops(), [&](const auto &O) { return O->Kind == Kind; });
  }
};

/// Every model on the input x[i] = (i % 97) / 96 gives the logits of
/// qonnx_zoo_reference.py (beside this file), a numpy evaluator of the zoo's
/// ops written from the ONNX and QONNX definitions and run once. qnn and that
/// script both sum matrix products in double and round once; the tolerance
/// covers numpy's float32 rounding of the other steps.
TEST_F(QonnxZooTest, EveryModelGivesTheNumpyReferenceLogits) {
  struct Case {
    const char *Name;
    Shape Input;
    std::vector<double> Logits;
  };
  const Case Cases[] = {
      {"TFC_1W1A",
       {1, 1, 28, 28},
       {-1.16213429, -1.24444342, -1.07982516, -0.832897723, -1.65598917, 0.401739597, -1.07982516,
        -1.57368004, -0.915206909, -2.23215342}},
      {"TFC_1W2A",
       {1, 1, 28, 28},
       {-1.23604488, -1.56821406, -1.56821406, -0.737791061, -1.65125632, 0.590885758, -1.23604488,
        -1.56821406, -0.737791061, -1.48517179}},
      {"TFC_2W2A",
       {1, 1, 28, 28},
       {-1.08847702, -1.92552865, -1.30875373, -0.736034274, -1.26469839, -0.33953619, -1.1765877,
        -2.01363945, 0.101017356, -1.35280907}},
      {"kwsmlp_w3a3",
       {1, 1, 10, 49},
       {-1.08807826, -3.34526205, -2.52341557, -3.41471386, -3.25265956, -1.53951514, -3.8545754,
        -2.61601806, -2.82437348, -1.80574691, 7.44291878, 1.20383132}},
      {"unsw_nb15-mlp-w2a2", {1, 600}, {1}},
  };
  for (const Case &C : Cases) {
    SCOPED_TRACE(C.Name);
    std::unique_ptr<Graph> G = import(C.Name);
    ASSERT_TRUE(G);
    EXPECT_GT(countKind(*G, "qonnx.Quant") + countKind(*G, "qonnx.BipolarQuant"), 0u);
    Tensor X(DType::F32, C.Input);
    for (size_t I = 0; I < X.Data.size(); ++I)
      X.Data[I] = static_cast<float>(static_cast<double>(I % 97) / 96.0);
    auto Out = evaluateGraph(*G, {X});
    ASSERT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
    ASSERT_EQ(Out->size(), 1u);
    ASSERT_EQ((*Out)[0].Data.size(), C.Logits.size());
    for (size_t I = 0; I < C.Logits.size(); ++I)
      EXPECT_NEAR((*Out)[0].Data[I], C.Logits[I], 1e-5 * (1 + std::abs(C.Logits[I]))) << I;
  }
}

} // namespace

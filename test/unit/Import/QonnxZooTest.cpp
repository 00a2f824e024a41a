//===- QonnxZooTest.cpp - The QONNX model zoo through the interpreter -----===//
//
// The pretrained QONNX models of shared/models/qonnx-zoo (Brevitas exports,
// not written on this project) import and give the logits of an independent
// numpy evaluator on a fixed input; the three MNIST models score the top-1
// accuracies their README gives for ONNX semantics of the QONNX ops on all
// 10,000 MNIST test images. An error in any QONNX kernel (rounding, clamping,
// the bipolar rule) moves those accuracies. QonnxKernelTest.cpp checks the
// kernels on hand-picked values.
//
//===----------------------------------------------------------------------===//
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>
#include <zlib.h>

using namespace qnn;

namespace {

const std::string ZooDir = QNN_SOURCE_DIR "/../shared/models/qonnx-zoo/";
const std::string MnistDir = QNN_SOURCE_DIR "/../shared/data/mnist/";

/// The whole decompressed content of a .gz file; empty if it cannot be read.
std::vector<uint8_t> readGzip(const std::string &Path) {
  std::vector<uint8_t> Bytes;
  gzFile F = gzopen(Path.c_str(), "rb");
  if (!F)
    return Bytes;
  uint8_t Buffer[1 << 16];
  int N;
  while ((N = gzread(F, Buffer, sizeof(Buffer))) > 0)
    Bytes.insert(Bytes.end(), Buffer, Buffer + N);
  gzclose(F);
  return Bytes;
}

uint32_t bigEndian32(const std::vector<uint8_t> &B, size_t At) {
  return uint32_t(B[At]) << 24 | uint32_t(B[At + 1]) << 16 | uint32_t(B[At + 2]) << 8 | B[At + 3];
}

/// The MNIST test set in IDX format: images as pixel / 255, labels.
struct Mnist {
  std::vector<std::vector<float>> Images;
  std::vector<int> Labels;
};

Mnist readMnist() {
  Mnist M;
  std::vector<uint8_t> Images = readGzip(MnistDir + "t10k-images-idx3-ubyte.gz");
  std::vector<uint8_t> Labels = readGzip(MnistDir + "t10k-labels-idx1-ubyte.gz");
  if (Images.size() < 16 || Labels.size() < 8 || bigEndian32(Images, 0) != 2051 ||
      bigEndian32(Labels, 0) != 2049)
    return M;
  size_t Count = bigEndian32(Images, 4), Pixels = bigEndian32(Images, 8) * bigEndian32(Images, 12);
  if (Pixels != 784 || bigEndian32(Labels, 4) != Count || Images.size() != 16 + Count * Pixels ||
      Labels.size() != 8 + Count)
    return M;
  for (size_t I = 0; I < Count; ++I) {
    std::vector<float> Image(Pixels);
    for (size_t P = 0; P < Pixels; ++P)
      Image[P] = static_cast<float>(Images[16 + I * Pixels + P]) / 255.0f;
    M.Images.push_back(std::move(Image));
    M.Labels.push_back(Labels[8 + I]);
  }
  return M;
}

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

struct MnistCase {
  const char *Name;
  /// Top-1 accuracy in percent from the zoo's README.
  double Accuracy;
};

class QonnxMnistTest : public QonnxZooTest, public ::testing::WithParamInterface<MnistCase> {};

/// Image by image (the models have a static batch of 1): about 11 s per model
/// in a RelWithDebInfo build.
TEST_P(QonnxMnistTest, AccuracyMatchesTheReadme) {
  Mnist M = readMnist();
  ASSERT_EQ(M.Images.size(), 10000u) << "cannot read the MNIST test set in " << MnistDir;
  std::unique_ptr<Graph> G = import(GetParam().Name);
  ASSERT_TRUE(G);
  size_t Correct = 0;
  for (size_t I = 0; I < M.Images.size(); ++I) {
    Tensor X(DType::F32, {1, 1, 28, 28});
    std::copy(M.Images[I].begin(), M.Images[I].end(), X.Data.begin());
    auto Out = evaluateGraph(*G, {X});
    ASSERT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
    const std::vector<double> &Logits = (*Out)[0].Data;
    // The first maximum, as numpy's argmax.
    int Top = static_cast<int>(std::max_element(Logits.begin(), Logits.end()) - Logits.begin());
    Correct += Top == M.Labels[I];
  }
  EXPECT_NEAR(100.0 * Correct / M.Images.size(), GetParam().Accuracy, 0.1);
}

INSTANTIATE_TEST_SUITE_P(Zoo, QonnxMnistTest,
                         ::testing::Values(MnistCase{"TFC_1W1A", 92.96},
                                           MnistCase{"TFC_1W2A", 94.74},
                                           MnistCase{"TFC_2W2A", 96.60}),
                         [](const ::testing::TestParamInfo<MnistCase> &Info) {
                           return std::string(Info.param.Name);
                         });

} // namespace

//===- LegalizeQonnxTest.cpp - legalize-qonnx preserves semantics ---------===//
//
// QONNX graphs are evaluated with the QONNX/ONNX reference kernels before
// legalize-qonnx and with the canonical kernels (integer MVMs, thresholds)
// after it. With power-of-two scales the reference's float sums are exact,
// so the outputs must agree bit for bit: on random low-bit MLPs (weights and
// activations of 1..8 bits, bipolar, MultiThreshold, BatchNorm with negative
// gammas, per-channel Mul/Add, Relu) and on the published zoo models.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "gtest/gtest.h"
#include "../Common/PassTestUtils.h"
#include "../Common/RandomQonnx.h"

using namespace qnn;

namespace {

using test::eval;
using test::print;

std::string legalize(Graph &G) {
  return test::runPasses(G, {"fold-constants", "legalize-qonnx", "legalize-quant"});
}

/// After legalization only canonical ops and the host's float ops remain.
void expectChipForm(const Graph &G) {
  for (const auto &O : G.ops()) {
    llvm::StringRef Kind = O->Kind;
    EXPECT_FALSE(Kind.startswith("qonnx.")) << O->describe();
    if (Kind.startswith("onnx.")) {
      EXPECT_TRUE(isFloat(O->result()->Type.Elem)) << O->describe();
    }
  }
}

/// Counts the outputs of \p G that differ between the reference before and
/// the canonical graph after legalization on \p Input.
size_t differences(const Graph &Before, const Graph &After, const Tensor &Input) {
  std::vector<Tensor> Want = eval(Before, {Input}), Got = eval(After, {Input});
  if (Want.size() != 1 || Got.size() != 1 || Want[0].Dims != Got[0].Dims) {
    ADD_FAILURE() << "outputs differ in number or shape";
    return SIZE_MAX;
  }
  size_t Diff = 0;
  for (size_t I = 0; I < Want[0].Data.size(); ++I)
    Diff += Want[0].Data[I] != Got[0].Data[I];
  return Diff;
}

/// MLPs on even trials, CNNs (Conv, MaxPool, Flatten) on odd ones.
TEST(LegalizeQonnxTest, RandomLowBitNetworksMatchTheReferenceBitForBit) {
  registerAllOps();
  test::Random R(20261123);
  size_t Outputs = 0;
  for (int Trial = 0; Trial < 300; ++Trial) {
    test::QonnxBuilder B(R);
    Shape In = Trial % 2 ? Shape{4, R.uniform(1, 3), R.uniform(1, 7), R.uniform(1, 7)}
                         : Shape{16, R.uniform(1, 20)};
    std::string Text = In.size() == 2
                           ? B.build(In[0], In[1], static_cast<int>(R.uniform(1, 3)))
                           : B.buildCnn(In[0], In[1], In[2], In[3]);
    SCOPED_TRACE(Text);
    auto Before = parseGraph(Text, "random");
    ASSERT_TRUE(static_cast<bool>(Before)) << llvm::toString(Before.takeError());
    auto After = parseGraph(Text, "random");
    ASSERT_TRUE(static_cast<bool>(After)) << llvm::toString(After.takeError());
    ASSERT_EQ(legalize(**After), "");
    expectChipForm(**After);
    if (In.size() == 4) {
      EXPECT_NE(print(**After).find("qconv"), std::string::npos);
    }
    for (int Sample = 0; Sample < 4; ++Sample) {
      Tensor X(DType::F32, In);
      for (double &V : X.Data)
        V = static_cast<float>(R.real(-3, 3));
      EXPECT_EQ(differences(**Before, **After, X), 0u) << print(**After);
      Outputs += X.size();
    }
  }
  EXPECT_GT(Outputs, 0u);
}

const std::string ZooDir = QNN_SOURCE_DIR "/../shared/models/qonnx-zoo/";

std::unique_ptr<Graph> importZoo(const std::string &Name) {
  registerAllOps();
  auto G = importOnnxFile(ZooDir + Name + ".onnx", {});
  EXPECT_TRUE(static_cast<bool>(G)) << Name << ": " << llvm::toString(G.takeError());
  return G ? std::move(*G) : nullptr;
}

/// The zoo models on random inputs of their domain: MNIST-like pixels in
/// [0, 1], bipolar features for UNSW-NB15, spectra for the keyword spotter.
/// The TFC and UNSW models use power-of-two scales and must agree exactly;
/// the keyword spotter's scales (1/7, ...) make the reference's float sums
/// depend on the order of the terms, so it is held to the same prediction.
TEST(LegalizeQonnxTest, ZooModelsKeepTheirOutputs) {
  struct Case {
    const char *Name;
    Shape Dims;
    double Lo, Hi;
    bool Bipolar, Exact;
  };
  const Case Cases[] = {{"TFC_1W1A", {1, 1, 28, 28}, 0, 1, false, true},
                        {"TFC_1W2A", {1, 1, 28, 28}, 0, 1, false, true},
                        {"TFC_2W2A", {1, 1, 28, 28}, 0, 1, false, true},
                        {"unsw_nb15-mlp-w2a2", {1, 600}, 0, 0, true, true},
                        {"kwsmlp_w3a3", {1, 1, 10, 49}, -60, 60, false, false}};
  test::Random R(7);
  for (const Case &C : Cases) {
    SCOPED_TRACE(C.Name);
    std::unique_ptr<Graph> Before = importZoo(C.Name), After = importZoo(C.Name);
    ASSERT_TRUE(Before && After);
    ASSERT_EQ(legalize(*After), "");
    expectChipForm(*After);
    size_t Differ = 0, Argmax = 0;
    for (int Sample = 0; Sample < 40; ++Sample) {
      Tensor X(DType::F32, C.Dims);
      for (double &V : X.Data)
        V = C.Bipolar ? (R.coin() ? 1.0 : -1.0) : static_cast<float>(R.real(C.Lo, C.Hi));
      std::vector<Tensor> Want = eval(*Before, {X}), Got = eval(*After, {X});
      ASSERT_EQ(Want.size(), 1u);
      ASSERT_EQ(Got.size(), 1u);
      ASSERT_EQ(Want[0].Data.size(), Got[0].Data.size());
      for (size_t I = 0; I < Want[0].Data.size(); ++I)
        Differ += C.Exact ? Want[0].Data[I] != Got[0].Data[I]
                          : std::abs(Want[0].Data[I] - Got[0].Data[I]) >
                                1e-4 * (1 + std::abs(Want[0].Data[I]));
      Argmax += std::max_element(Want[0].Data.begin(), Want[0].Data.end()) - Want[0].Data.begin() !=
                std::max_element(Got[0].Data.begin(), Got[0].Data.end()) - Got[0].Data.begin();
    }
    EXPECT_EQ(Differ, 0u);
    EXPECT_EQ(Argmax, 0u);
  }
}

} // namespace

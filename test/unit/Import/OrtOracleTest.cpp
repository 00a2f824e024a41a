//===- OrtOracleTest.cpp - The golden model against ONNX Runtime ----------===//
//
// The bundled example models (a PyTorch QDQ export and the QOperator model
// ONNX Runtime's optimizer made of it) evaluated by the reference interpreter
// must give exactly the logits ONNX Runtime computed for the same samples.
//
//===----------------------------------------------------------------------===//
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Support/TensorIO.h"
#include "gtest/gtest.h"
#include <string>

using namespace qnn;

namespace {

struct OracleCase {
  const char *Model;
  const char *Sample;
};

class OrtOracleTest : public ::testing::TestWithParam<OracleCase> {
protected:
  static void SetUpTestSuite() { registerOnnxOps(OpRegistry::instance()); }
};

TEST_P(OrtOracleTest, LogitsEqualOnnxRuntimeBitForBit) {
  std::string Dir = QNN_SOURCE_DIR "/test/models/";
  std::string Model = GetParam().Model, Sample = GetParam().Sample;
  auto G = importOnnxFile(Dir + Model + ".onnx", {});
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  auto Input = readTensorFile(Dir + Sample + ".npy");
  ASSERT_TRUE(static_cast<bool>(Input)) << llvm::toString(Input.takeError());
  auto Want = readTensorFile(Dir + Model + "." + Sample + ".ort.logits.npy");
  ASSERT_TRUE(static_cast<bool>(Want)) << llvm::toString(Want.takeError());
  auto Out = evaluateGraph(**G, {Input->Value});
  ASSERT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
  ASSERT_EQ(Out->size(), 1u);
  EXPECT_EQ((*Out)[0], Want->Value);
}

INSTANTIATE_TEST_SUITE_P(Bundled, OrtOracleTest,
                         ::testing::Values(OracleCase{"torch_qdq_cnn", "sample_input"},
                                           OracleCase{"torch_qdq_cnn", "sample_batch"},
                                           OracleCase{"ort_qoperator_cnn", "sample_input"},
                                           OracleCase{"ort_qoperator_cnn", "sample_batch"}),
                         [](const ::testing::TestParamInfo<OracleCase> &Info) {
                           return std::string(Info.param.Model) + "_" + Info.param.Sample;
                         });

} // namespace

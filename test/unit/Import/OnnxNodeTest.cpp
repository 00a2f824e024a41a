//===- OnnxNodeTest.cpp - ONNX's quantization node tests, bit for bit -----===//
//
// Each node test of ONNX's test data (Debian's libonnx-testdata and the newer
// copy in shared/conformance) is imported, evaluated by the reference
// interpreter on its input_*.pb files and compared with its output_*.pb files
// exactly. Tests of types qnnc refuses must fail to import with the type named.
//
//===----------------------------------------------------------------------===//
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Support/TensorIO.h"
#include "gtest/gtest.h"
#include <cmath>
#include <filesystem>
#include <map>
#include <regex>

using namespace qnn;
namespace fs = std::filesystem;

namespace {

const char *DebianNodeDir = "/usr/share/libonnx-testdata/data/node";
const char *SharedNodeDir = QNN_SOURCE_DIR "/../shared/conformance/onnx-node-quant";

/// Node tests of the quantization ops, as named in the issue.
bool isQuantTest(const std::string &Name) {
  static const std::regex Pattern("test_(qlinearconv|qlinearmatmul_.*|convinteger_.*|"
                                  "basic_convinteger|matmulinteger|quantizelinear.*|"
                                  "dequantizelinear.*|dynamicquantizelinear.*)");
  return std::regex_match(Name, Pattern);
}

std::vector<std::string> nodeTests() {
  std::vector<std::string> Dirs;
  for (const char *Root : {DebianNodeDir, SharedNodeDir}) {
    std::error_code EC;
    for (const auto &Entry : fs::directory_iterator(Root, EC))
      if (isQuantTest(Entry.path().filename().string()))
        Dirs.push_back(Entry.path().lexically_normal().string());
  }
  std::sort(Dirs.begin(), Dirs.end());
  return Dirs;
}

/// The refusal each test of an unsupported type must produce.
std::optional<std::string> expectedRefusal(const std::string &Name) {
  static const std::pair<const char *, const char *> Refusals[] = {
      {"e4m3fn", "element type f8e4m3fn, which qnnc does not support"},
      {"e5m2", "element type f8e5m2, which qnnc does not support"},
      {"float4e2m1", "element type f4e2m1, which qnnc does not support"},
  };
  for (const auto &[Key, Message] : Refusals)
    if (Name.find(Key) != std::string::npos)
      return std::string(Message);
  return std::nullopt;
}

std::vector<Tensor> readSet(const fs::path &Dir, const char *Prefix) {
  std::vector<Tensor> Tensors;
  for (int I = 0;; ++I) {
    fs::path P = Dir / (std::string(Prefix) + std::to_string(I) + ".pb");
    if (!fs::exists(P))
      break;
    auto T = readTensorFile(P.string());
    EXPECT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
    if (!T)
      break;
    Tensors.push_back(std::move(T->Value));
  }
  return Tensors;
}

bool sameBits(double A, double B) { return A == B || (std::isnan(A) && std::isnan(B)); }

/// Evaluates \p G on \p Inputs and checks its results against the
/// output_*.pb files of \p Data: same count, types and shapes, and
/// ExpectElement(Have, Want, OutputNo, ElementNo) for every element.
template <typename ElementFn>
void expectOutputs(const Graph &G, const std::vector<Tensor> &Inputs, const fs::path &Data,
                   ElementFn &&ExpectElement) {
  std::vector<Tensor> Expected = readSet(Data, "output_");
  auto Outputs = evaluateGraph(G, Inputs);
  ASSERT_TRUE(static_cast<bool>(Outputs)) << llvm::toString(Outputs.takeError());
  ASSERT_EQ(Outputs->size(), Expected.size());
  for (size_t I = 0; I < Expected.size(); ++I) {
    const Tensor &Have = (*Outputs)[I], &Want = Expected[I];
    EXPECT_EQ(dtypeName(Have.Type), dtypeName(Want.Type)) << "output " << I;
    ASSERT_EQ(Have.Dims, Want.Dims) << "output " << I;
    for (int64_t E = 0; E < Want.size(); ++E)
      ExpectElement(Have, Want, I, E);
  }
}

class OnnxNodeTest : public ::testing::TestWithParam<std::string> {
protected:
  static void SetUpTestSuite() { registerOnnxOps(OpRegistry::instance()); }
};

TEST_P(OnnxNodeTest, MatchesExpectedOutputExactly) {
  fs::path Dir = GetParam();
  std::string Name = Dir.filename().string();
  auto G = importOnnxFile((Dir / "model.onnx").string(), {});
  if (std::optional<std::string> Refusal = expectedRefusal(Name)) {
    ASSERT_FALSE(static_cast<bool>(G)) << Name << " should be refused";
    std::string Message = llvm::toString(G.takeError());
    EXPECT_NE(Message.find(*Refusal), std::string::npos) << Message;
    EXPECT_EQ(Message.rfind((Dir / "model.onnx").string(), 0), 0u) << Message;
    return;
  }
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  fs::path Data = Dir / "test_data_set_0";
  std::vector<Tensor> Inputs = readSet(Data, "input_");
  expectOutputs(**G, Inputs, Data, [](const Tensor &Have, const Tensor &Want, size_t I, int64_t E) {
    EXPECT_TRUE(sameBits(Have.Data[E], Want.Data[E]))
        << "output " << I << " element " << E << ": " << Have.Data[E] << " vs " << Want.Data[E];
  });
}

std::string testName(const ::testing::TestParamInfo<std::string> &Info) {
  fs::path P(Info.param);
  std::string Source = P.parent_path().filename() == "node" ? "debian_" : "shared_";
  return Source + P.filename().string();
}

INSTANTIATE_TEST_SUITE_P(Quant, OnnxNodeTest, ::testing::ValuesIn(nodeTests()), testName);

//===-- Float and shape ops: ONNX's node tests of every other supported op ==//

/// Node tests of the non-quantization ops qnnc supports (minus the variants
/// using what it refuses: ConvTranspose, GatherElements, bf16 and strings,
/// training outputs, MaxPool's Indices, function-expanded tests).
std::vector<std::string> floatNodeTests() {
  static const std::regex Pattern(
      "test_(conv_.*|conv_with_.*|basic_conv_.*|maxpool_.*|averagepool_.*|globalaveragepool.*|"
      "gemm_.*|matmul_.*|relu|clip.*|add.*|sub.*|mul.*|div.*|concat_.*|flatten_.*|"
      "transpose_.*|gather_[0-9].*|gather_negative.*|slice.*|squeeze.*|unsqueeze.*|"
      "softmax_.*|argmax_.*|cast_.*|batchnorm_.*|reshape_.*|shape.*|constantofshape_.*|"
      "identity|round|pow.*|min_.*|max_.*|reduce_min_.*|reduce_max_.*)");
  static const std::regex Excluded(".*(_expanded|training_mode|with_argmax|BFLOAT16|STRING).*");
  std::vector<std::string> Dirs;
  std::error_code EC;
  for (const auto &Entry : fs::directory_iterator(DebianNodeDir, EC)) {
    std::string Name = Entry.path().filename().string();
    if (std::regex_match(Name, Pattern) && !std::regex_match(Name, Excluded))
      Dirs.push_back(Entry.path().string());
  }
  std::sort(Dirs.begin(), Dirs.end());
  return Dirs;
}

class OnnxFloatNodeTest : public OnnxNodeTest {};

/// Float results may differ from ONNX's in the last bits: qnn sums products
/// in double and rounds once, ONNX's reference sums in float32.
TEST_P(OnnxFloatNodeTest, MatchesExpectedOutput) {
  fs::path Dir = GetParam();
  fs::path Data = Dir / "test_data_set_0";
  // Integer inputs (shapes, axes, indices) become constants, as qnnc needs
  // shape operands known at compile time.
  ImportOptions Opts;
  std::vector<Tensor> Inputs;
  for (int I = 0;; ++I) {
    fs::path P = Data / ("input_" + std::to_string(I) + ".pb");
    if (!fs::exists(P))
      break;
    auto T = readTensorFile(P.string());
    ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
    if (T->Value.Type == DType::I64)
      Opts.Bindings[T->Name] = T->Value;
    else
      Inputs.push_back(T->Value);
  }
  auto G = importOnnxFile((Dir / "model.onnx").string(), Opts);
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  expectOutputs(**G, Inputs, Data, [](const Tensor &Have, const Tensor &Want, size_t I, int64_t E) {
    if (!isFloat(Want.Type)) {
      EXPECT_EQ(Have.Data[E], Want.Data[E]) << "output " << I << " element " << E;
      return;
    }
    double Tolerance = 1e-6 * std::max(1.0, std::fabs(Want.Data[E]));
    EXPECT_TRUE(sameBits(Have.Data[E], Want.Data[E]) ||
                std::fabs(Have.Data[E] - Want.Data[E]) <= Tolerance)
        << "output " << I << " element " << E << ": " << Have.Data[E] << " vs " << Want.Data[E];
  });
}

INSTANTIATE_TEST_SUITE_P(Float, OnnxFloatNodeTest, ::testing::ValuesIn(floatNodeTests()), testName);

} // namespace

//===- OnnxNodeTest.cpp - legalize-quant on ONNX's quantization node tests ===//
//
// Each node test is imported with every input but the first bound to its
// test data (as `qnnc --bind` does), legalized, and evaluated with the
// canonical kernels on the first input; the result must equal ONNX's
// expected output exactly. Tests the chip cannot take must be refused by
// the importer or legalize-quant, and only those.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/OpRegistry.h"
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Support/TensorIO.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <iostream>

using namespace qnn;

namespace {

bool isQuantizationTest(llvm::StringRef Name) {
  for (llvm::StringRef Prefix :
       {"test_qlinearconv", "test_qlinearmatmul", "test_convinteger", "test_basic_convinteger",
        "test_matmulinteger", "test_quantizelinear", "test_dequantizelinear"})
    if (Name.startswith(Prefix))
      return true;
  return false;
}

/// Refusals the chip's limits explain: batched MatMul weights and the
/// float8 / float4 types.
bool mayBeRefused(llvm::StringRef Name) {
  return Name.contains("_3D") || Name.contains("e4m3") || Name.contains("e5m2") ||
         Name.contains("float4");
}

/// Runs one node test; returns "" on success, "refused: ..." or a failure.
std::string runNodeTest(const std::string &Dir) {
  std::string Data = Dir + "/test_data_set_0";
  std::vector<NamedTensor> Inputs;
  for (int I = 0;; ++I) {
    std::string Path = Data + "/input_" + std::to_string(I) + ".pb";
    if (!llvm::sys::fs::exists(Path))
      break;
    auto T = readTensorFile(Path);
    if (!T)
      return "refused: " + llvm::toString(T.takeError());
    Inputs.push_back(std::move(*T));
  }
  auto Expected = readTensorFile(Data + "/output_0.pb");
  if (!Expected)
    return "refused: " + llvm::toString(Expected.takeError());
  ImportOptions Opts;
  for (size_t I = 1; I < Inputs.size(); ++I)
    Opts.Bindings[Inputs[I].Name] = Inputs[I].Value;
  auto G = importOnnxFile(Dir + "/model.onnx", Opts);
  if (!G)
    return "refused: " + llvm::toString(G.takeError());
  PassManager PM;
  PassContext Ctx;
  for (const char *Pass : {"fold-constants", "legalize-quant"})
    if (llvm::Error E = PM.addPass(Pass))
      return llvm::toString(std::move(E));
  if (llvm::Error E = PM.run(**G, Ctx))
    return "refused: " + llvm::toString(std::move(E));
  for (const auto &O : (*G)->ops())
    if (O->Kind.find('.') != std::string::npos)
      return "not legalized: " + O->describe();
  auto Out = evaluateGraph(**G, {Inputs[0].Value});
  if (!Out)
    return llvm::toString(Out.takeError());
  const Tensor &Y = Out->front(), &E = Expected->Value;
  if (Y.Dims != E.Dims)
    return "shape " + shapeToString(Y.Dims) + ", expected " + shapeToString(E.Dims);
  for (int64_t I = 0; I < Y.size(); ++I)
    if (Y.Data[I] != E.Data[I])
      return "element " + std::to_string(I) + " is " + std::to_string(Y.Data[I]) + ", expected " +
             std::to_string(E.Data[I]);
  return "";
}

void runAll(const std::string &Root) {
  if (!llvm::sys::fs::is_directory(Root))
    GTEST_SKIP() << Root << " is not installed";
  registerAllOps();
  std::vector<std::string> Dirs;
  std::error_code EC;
  for (llvm::sys::fs::directory_iterator It(Root, EC), End; It != End && !EC; It.increment(EC))
    if (isQuantizationTest(llvm::sys::path::filename(It->path())))
      Dirs.push_back(It->path());
  std::sort(Dirs.begin(), Dirs.end());
  ASSERT_FALSE(Dirs.empty());
  int Passed = 0, Refused = 0;
  for (const std::string &Dir : Dirs) {
    std::string Name = llvm::sys::path::filename(Dir).str();
    std::string Result = runNodeTest(Dir);
    if (Result.empty()) {
      ++Passed;
      continue;
    }
    bool IsRefusal = llvm::StringRef(Result).startswith("refused: ");
    EXPECT_TRUE(IsRefusal && mayBeRefused(Name)) << Name << ": " << Result;
    Refused += IsRefusal;
    std::cout << "  " << Name << ": " << Result << "\n";
  }
  std::cout << "  " << Passed << " passed, " << Refused << " refused of " << Dirs.size() << "\n";
  EXPECT_GT(Passed, 0);
}

TEST(OnnxNodeTests, DebianTestData) { runAll("/usr/share/libonnx-testdata/data/node"); }

TEST(OnnxNodeTests, SharedConformance) {
  runAll(std::string(QNN_SOURCE_DIR) + "/../shared/conformance/onnx-node-quant");
}

} // namespace

//===- fuzz-onnx-import.cpp - Fuzzes the ONNX importer and legalization ---===//
//
// Covers: protobuf parsing of an onnx.ModelProto, the importer's shape and
// type inference of every supported op, the IR verifier, and the passes of
// qnnc's pipeline up to legalize-quant (fold-constants, legalize-qonnx,
// legalize-quant) for the flash preset. Errors are expected; crashes,
// sanitizer reports, timeouts and OOMs are findings.
//
//===----------------------------------------------------------------------===//
#include "VerifiedGraph.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Pass/PassManager.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace qnn;

namespace {

/// The flash preset from QNN_TARGETS_DIR or the compiled-in preset directory;
/// without it the harness would only fuzz the importer, so a missing preset
/// is a setup error.
const Target &flashTarget() {
  static const Target T = [] {
    llvm::Expected<Target> T = loadTarget("flash");
    if (!T) {
      llvm::errs() << "fuzz-onnx-import: " << llvm::toString(T.takeError()) << '\n';
      std::abort();
    }
    return std::move(*T);
  }();
  return T;
}

} // namespace

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registerAllOps();
  flashTarget();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  std::unique_ptr<Graph> G =
      fuzz::verifiedOrNull(importOnnxBytes(Bytes, "fuzz.onnx", ImportOptions()));
  if (!G)
    return 0;
  PassManager PM;
  for (const std::string &Name : defaultPipeline()) {
    if (llvm::Error E = PM.addPass(Name)) {
      llvm::errs() << "fuzz-onnx-import: " << llvm::toString(std::move(E)) << '\n';
      std::abort();
    }
    if (Name == "legalize-quant")
      break;
  }
  PassContext Ctx;
  Ctx.TargetDesc = flashTarget();
  Ctx.SourceName = "fuzz.onnx";
  llvm::consumeError(PM.run(*G, Ctx));
  return 0;
}

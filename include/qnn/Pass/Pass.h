//===- Pass.h - Compiler passes ----------------------------------*- C++ -*-===//
///
/// \file
/// A pass rewrites a graph in place. Passes are registered by name in
/// PassRegistry.def and run by the PassManager, which verifies the graph after
/// each one and prints it when asked.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_PASS_PASS_H
#define QNN_PASS_PASS_H

#include "qnn/IR/Graph.h"
#include "qnn/Target/Target.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <optional>

namespace qnn {

/// What passes share: the target and the user's mapping options.
struct PassContext {
  std::optional<Target> TargetDesc;
  /// Options given as --pass-option=key=value (e.g. "polarity=offset",
  /// "readout=lossy"); each pass documents the keys it reads.
  llvm::StringMap<std::string> Options;
  /// Name of the input file, for diagnostics.
  std::string SourceName;

  std::string option(llvm::StringRef Key, llvm::StringRef Default = "") const {
    auto It = Options.find(Key);
    return It == Options.end() ? std::string(Default) : It->second;
  }
  /// The target, or an error naming the pass that needed one.
  llvm::Expected<const Target *> requireTarget(llvm::StringRef PassName) const {
    if (!TargetDesc)
      return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                     "pass '" + PassName.str() +
                                         "' needs a target (--target=PRESET|FILE.json)");
    return &*TargetDesc;
  }
};

class Pass {
public:
  virtual ~Pass() = default;
  virtual llvm::StringRef name() const = 0;
  virtual llvm::Error run(Graph &G, PassContext &Ctx) = 0;
};

/// Creates the pass registered as \p Name, or null.
std::unique_ptr<Pass> createPass(llvm::StringRef Name);

struct PassInfo {
  llvm::StringRef Name;
  llvm::StringRef Description;
};
/// Every registered pass in registry order.
llvm::ArrayRef<PassInfo> registeredPasses();

/// The pipeline qnnc runs, from an imported ONNX graph to a scheduled one.
std::vector<std::string> defaultPipeline();

} // namespace qnn

#endif

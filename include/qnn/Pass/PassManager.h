//===- PassManager.h - Runs a pipeline of passes -----------------*- C++ -*-===//
#ifndef QNN_PASS_PASSMANAGER_H
#define QNN_PASS_PASSMANAGER_H

#include "qnn/Pass/Pass.h"
#include "llvm/Support/raw_ostream.h"
#include <set>

namespace qnn {

struct PassManagerOptions {
  bool PrintAfterAll = false;
  std::set<std::string> PrintAfter;
  /// Verification after every pass is on unless a test turns it off.
  bool Verify = true;
  llvm::raw_ostream *PrintStream = nullptr; // defaults to llvm::outs()
};

class PassManager {
public:
  explicit PassManager(PassManagerOptions Opts = {}) : Opts(std::move(Opts)) {}
  /// Adds the pass registered as \p Name; an unknown name is an error that
  /// lists the known ones.
  llvm::Error addPass(llvm::StringRef Name);
  llvm::Error run(Graph &G, PassContext &Ctx);

private:
  PassManagerOptions Opts;
  std::vector<std::unique_ptr<Pass>> Passes;
};

} // namespace qnn

#endif

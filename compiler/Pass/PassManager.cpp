//===- PassManager.cpp - Runs a pipeline of passes ------------------------===//
#include "qnn/Pass/PassManager.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Support/Diagnostics.h"

namespace qnn {

llvm::Error PassManager::addPass(llvm::StringRef Name) {
  std::unique_ptr<Pass> P = createPass(Name);
  if (!P) {
    std::string Known;
    for (const PassInfo &Info : registeredPasses())
      Known += (Known.empty() ? "" : ", ") + Info.Name.str();
    return makeError("unknown pass '{}' (known passes: {})", Name.str(), Known);
  }
  Passes.push_back(std::move(P));
  return llvm::Error::success();
}

llvm::Error PassManager::run(Graph &G, PassContext &Ctx) {
  llvm::raw_ostream &OS = Opts.PrintStream ? *Opts.PrintStream : llvm::outs();
  for (const auto &P : Passes) {
    if (llvm::Error E = P->run(G, Ctx))
      return E;
    if (Opts.Verify)
      if (llvm::Error E = verifyGraph(G))
        return addContext(std::move(E), "IR after pass '" + P->name() + "' is invalid");
    if (Opts.PrintAfterAll || Opts.PrintAfter.count(P->name().str())) {
      OS << "// ----- IR after " << P->name() << " -----\n";
      printGraph(G, OS);
    }
  }
  return llvm::Error::success();
}

} // namespace qnn

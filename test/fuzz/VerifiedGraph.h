//===- VerifiedGraph.h - The graph a fuzzed reader produced -------*- C++ -*-===//
#ifndef QNN_TEST_FUZZ_VERIFIEDGRAPH_H
#define QNN_TEST_FUZZ_VERIFIEDGRAPH_H

#include "qnn/IR/Graph.h"
#include "qnn/IR/Verifier.h"
#include "llvm/Support/Error.h"
#include <memory>

namespace qnn::fuzz {

/// The graph a reader returned when it read one and it verifies, else null.
/// Refusals are what most fuzzed inputs should get: they are dropped.
inline std::unique_ptr<Graph> verifiedOrNull(llvm::Expected<std::unique_ptr<Graph>> G) {
  if (!G) {
    llvm::consumeError(G.takeError());
    return nullptr;
  }
  if (llvm::Error E = verifyGraph(**G)) {
    llvm::consumeError(std::move(E));
    return nullptr;
  }
  return std::move(*G);
}

} // namespace qnn::fuzz

#endif

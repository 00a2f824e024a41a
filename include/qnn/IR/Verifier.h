//===- Verifier.h - Structural and per-op checks of a graph ------*- C++ -*-===//
#ifndef QNN_IR_VERIFIER_H
#define QNN_IR_VERIFIER_H

#include "qnn/IR/Graph.h"
#include "llvm/Support/Error.h"

namespace qnn {

/// Checks that every operand is defined before use, every value is defined
/// once, outputs exist, every op kind is registered with a valid operand and
/// result count, and runs each op's own verify rule.
llvm::Error verifyGraph(const Graph &G);

} // namespace qnn

#endif

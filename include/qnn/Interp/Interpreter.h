//===- Interpreter.h - Reference interpreter of the IR -----------*- C++ -*-===//
///
/// \file
/// Evaluates a graph at any stage by calling each op's registered kernel.
/// Before lowering it is the golden model; after lowering it evaluates the
/// chip ops (slices, blocks, NMPU) without the analog chip model.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_INTERP_INTERPRETER_H
#define QNN_INTERP_INTERPRETER_H

#include "qnn/IR/OpRegistry.h"
#include "llvm/Support/Error.h"

namespace qnn {

/// Evaluates \p G on \p Inputs (one per graph input, in order; a symbolic
/// batch dimension takes the input's size). Returns one tensor per output.
llvm::Expected<std::vector<Tensor>> evaluateGraph(const Graph &G,
                                                  llvm::ArrayRef<Tensor> Inputs,
                                                  const EvalContext &Ctx = {});

} // namespace qnn

#endif

//===- EmitHost.h - Host steps of the image model -----------------*- C++ -*-===//
///
/// \file
/// The float ONNX ops left in a mapped graph (docs/ir.md: the glue after
/// the last dequantize) become host steps, which the runtime runs off the
/// chip with the reference interpreter's kernels.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_COMPILER_EMIT_EMITHOST_H
#define QNN_COMPILER_EMIT_EMITHOST_H

#include "qnn/IR/Graph.h"
#include "qnn/Image/Program.h"
#include "llvm/ADT/STLFunctionalExtras.h"

namespace qnn {

/// Whether \p O is an `onnx.<X>` op with X a host op.
bool isHostStepOp(const Op &O);

/// Appends the host step of \p O to \p Steps: constant operands embedded,
/// the others step inputs; \p TensorIndex gives a value's tensor index.
llvm::Error emitHostStep(const Op &O, llvm::function_ref<uint32_t(const Value &)> TensorIndex,
                         std::vector<image::Step> &Steps);

} // namespace qnn

#endif

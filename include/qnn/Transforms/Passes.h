//===- Passes.h - The passes of the transforms library -----------*- C++ -*-===//
///
/// \file
/// fold-constants and legalize-quant (docs/legalize.md). Both are registered
/// in PassRegistry.def; tests and tools normally create them by name.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TRANSFORMS_PASSES_H
#define QNN_TRANSFORMS_PASSES_H

#include "qnn/Pass/Pass.h"

namespace qnn {

/// Evaluates ops whose operands are all constants with their interpreter
/// kernels, folds shape sub-graphs, removes Identity and Cast noise and dead
/// code. Quantizers (QuantizeLinear, DequantizeLinear) never fold: they carry
/// the quantization legalize-quant reads.
std::unique_ptr<Pass> createFoldConstantsPass();

/// Folds QONNX quantizers (Quant, BipolarQuant, MultiThreshold) and the
/// float ops around them into integer MVMs and threshold ops.
std::unique_ptr<Pass> createLegalizeQonnxPass();
/// Rewrites QOperator, integer-op and QDQ formats into the canonical
/// quantized ops of docs/ir.md stage 2, or refuses with an error naming the
/// node.
std::unique_ptr<Pass> createLegalizeQuantPass();

} // namespace qnn

#endif

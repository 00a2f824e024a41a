//===- QuantKernels.h - Reference kernels of the canonical ops ---*- C++ -*-===//
///
/// \file
/// The interpreter kernels of the stage-2 kinds (docs/ir.md). Quantization
/// parameters come from the operand and result types; every rounding goes
/// through qnn::nmpu. registerQuantOps() installs them.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TRANSFORMS_QUANTKERNELS_H
#define QNN_TRANSFORMS_QUANTKERNELS_H

#include "qnn/IR/OpRegistry.h"

namespace qnn {

#define QNN_QUANT_KERNEL(NAME)                                                                     \
  llvm::Error NAME(const Op &O, llvm::ArrayRef<const Tensor *> Operands,                           \
                   std::vector<Tensor> &Results, const EvalContext &Ctx);
QNN_QUANT_KERNEL(evalQuantize)
QNN_QUANT_KERNEL(evalDequantize)
QNN_QUANT_KERNEL(evalQConv)
QNN_QUANT_KERNEL(evalQMatMul)
QNN_QUANT_KERNEL(evalQAdd)
QNN_QUANT_KERNEL(evalQConcat)
QNN_QUANT_KERNEL(evalRequantize)
QNN_QUANT_KERNEL(evalQMaxPool)
QNN_QUANT_KERNEL(evalQAvgPool)
QNN_QUANT_KERNEL(evalQGlobalAvgPool)
QNN_QUANT_KERNEL(evalReshape)
QNN_QUANT_KERNEL(evalClamp)
QNN_QUANT_KERNEL(evalSlice)     // SliceKernel.cpp
QNN_QUANT_KERNEL(evalThreshold) // ThresholdOp.cpp
#undef QNN_QUANT_KERNEL

} // namespace qnn

#endif

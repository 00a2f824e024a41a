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

/// ONNX QuantizeLinear of \p X (per tensor, per axis or blocked, chosen by the
/// shape of \p Scale) into element type \p Elem; \p ZeroPoint may be null.
llvm::Expected<Tensor> quantizeLinearTensor(const Tensor &X, const Tensor &Scale,
                                            const Tensor *ZeroPoint, int64_t Axis,
                                            int64_t BlockSize, DType Elem);
/// ONNX DequantizeLinear of \p Q into float32 (or float16 when \p Elem is F16).
llvm::Expected<Tensor> dequantizeLinearTensor(const Tensor &Q, const Tensor &Scale,
                                              const Tensor *ZeroPoint, int64_t Axis,
                                              int64_t BlockSize, DType Elem);

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
QNN_QUANT_KERNEL(evalSlice) // SliceKernel.cpp
#undef QNN_QUANT_KERNEL

} // namespace qnn

#endif

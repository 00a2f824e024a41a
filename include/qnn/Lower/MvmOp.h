//===- MvmOp.h - The "mvm" chip op: verification and evaluation ---*- C++ -*-===//
///
/// \file
/// The rule and the kernel registered for op kind "mvm" by registerChipOps.
/// The kernel evaluates the op at every mapping stage: before split-polarity
/// on W_eff directly, after tile per block and input phase with the ideal
/// read-out of docs/chip-model.md, so that the interpreter on the lowered IR
/// is the golden model of the chip in ideal mode.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_MVMOP_H
#define QNN_LOWER_MVMOP_H

#include "qnn/IR/OpRegistry.h"

namespace qnn {

/// Checks the attributes of every stage against each other and the operands.
llvm::Error verifyMvm(const Op &O);

/// Evaluates an mvm op; \p Ctx.Nmpu selects fp32 or fixed re-quantization.
llvm::Error evalMvm(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                    std::vector<Tensor> &Results, const EvalContext &Ctx);

} // namespace qnn

#endif

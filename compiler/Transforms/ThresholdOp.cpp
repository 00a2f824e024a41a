//===- ThresholdOp.cpp - The canonical "threshold" op ---------------------===//
//
// A low-bit or binary quantizer as a bank of comparators (docs/ir.md):
//   y = out_min + out_step * #{t : signs[c] * x >= thresholds[c][t]}
// on an i32 accumulator or a float tensor: the reference kernel (the rule is
// in QuantOps.cpp). lower-to-mvm fuses the op into an mvm's read-out.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/ThresholdTable.h"
#include "qnn/Target/NmpuArith.h"
#include "qnn/Transforms/QuantKernels.h"

namespace qnn {

llvm::Error evalThreshold(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                          std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0], &Th = *Operands[1], &Signs = *Operands[2];
  int64_t C = Th.Dims[0], T = Th.Dims[1];
  int64_t Axis = thresholdAxis(O);
  // Elements of one channel repeat every Stride entries, C channels in turn.
  int64_t Stride = Axis < 0 ? 1 : stridesOf(X.Dims)[Axis];
  if (Axis >= 0 && X.Dims[Axis] != C)
    return opError(O, "input of shape " + shapeToString(X.Dims) + " has no " + llvm::Twine(C) +
                          " channels along axis " + llvm::Twine(Axis));
  int64_t OutMin = O.Attrs.getInt("out_min"), OutStep = O.Attrs.getInt("out_step");
  Tensor Y(O.result()->Type.Elem, X.Dims);
  for (int64_t I = 0; I < X.size(); ++I) {
    int64_t Ci = Axis < 0 ? 0 : (I / Stride) % C;
    Y.Data[I] = static_cast<double>(
        nmpu::thresholdLevel(X.Data[I], &Th.Data[Ci * T], static_cast<size_t>(T),
                             static_cast<int>(Signs.Data[Ci]), OutMin, OutStep));
  }
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

} // namespace qnn

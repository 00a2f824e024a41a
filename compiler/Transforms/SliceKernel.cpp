//===- SliceKernel.cpp - Reference kernel of the canonical slice ----------===//
//
// slice copies the range [start, start + size) of dimension axis; the
// quantization stays, so the integers are copied as they are.
//
//===----------------------------------------------------------------------===//
#include "qnn/Support/Diagnostics.h"
#include "qnn/Transforms/QuantKernels.h"
#include <algorithm>

namespace qnn {

llvm::Error evalSlice(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                      std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0];
  int64_t Rank = static_cast<int64_t>(X.Dims.size());
  int64_t Axis = O.Attrs.getInt("axis"), Start = O.Attrs.getInt("start");
  int64_t Size = O.Attrs.getInt("size");
  if (Axis < 0 || Axis >= Rank || Start < 0 || Size < 0 || Start > X.Dims[Axis] ||
      Size > X.Dims[Axis] - Start)
    return opError(O, "slice [" + llvm::Twine(Start) + ", " + llvm::Twine(Start + Size) +
                          ") along axis " + llvm::Twine(Axis) + " does not fit the input " +
                          shapeToString(X.Dims));
  Shape OutDims = X.Dims;
  OutDims[Axis] = Size;
  Tensor Y(O.result()->Type.Elem, OutDims);
  // Each index before the axis copies one contiguous run of Size * Inner.
  int64_t Inner = stridesOf(X.Dims)[Axis];
  int64_t Run = Size * Inner;
  int64_t Outer = Run ? Y.size() / Run : 0;
  for (int64_t I = 0; I < Outer; ++I)
    std::copy_n(X.Data.begin() + (I * X.Dims[Axis] + Start) * Inner, Run, Y.Data.begin() + I * Run);
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

} // namespace qnn

//===- ThresholdKernel.cpp - The NMPU's comparator bank on a tensor -------===//
#include "Kernels.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"

namespace qnn::runtime {

llvm::Error runThreshold(const image::ThresholdStep &S, const Tensor &In, Tensor &Out) {
  if (In.Dims != Out.Dims)
    return makeError("input is {}, the output {}; a threshold step keeps the shape",
                     shapeToString(In.Dims), shapeToString(Out.Dims));
  // Channel of element E: (E / Inner) % Channels along Axis.
  int64_t Inner = 1;
  if (S.Channels > 1) {
    if (S.Axis < 0 || S.Axis >= static_cast<int64_t>(In.Dims.size()) ||
        In.Dims[S.Axis] != S.Channels)
      return makeError("input is {}, the {} threshold channels lie along axis {}",
                       shapeToString(In.Dims), S.Channels, S.Axis);
    Inner = stridesOf(In.Dims)[S.Axis];
  }
  for (int64_t E = 0; E < In.size(); ++E) {
    int64_t C = S.Channels > 1 ? (E / Inner) % S.Channels : 0;
    Out.Data[E] = static_cast<double>(nmpu::thresholdLevel(
        In.Data[E], S.Thresholds.data() + C * S.Count, S.Count, S.Signs[C], S.OutMin, S.OutStep));
  }
  return llvm::Error::success();
}

} // namespace qnn::runtime

//===- ThresholdKernel.cpp - The NMPU's comparator bank on a tensor -------===//
#include "Kernels.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"

namespace qnn::runtime {

llvm::Error runThreshold(const image::ThresholdStep &S, const TypedTensor &In, TypedTensor &Out) {
  if (In.dims() != Out.dims())
    return makeError("input is {}, the output {}; a threshold step keeps the shape",
                     shapeToString(In.dims()), shapeToString(Out.dims()));
  // Channel of element E: (E / Inner) % Channels along Axis.
  int64_t Inner = 1;
  if (S.Channels > 1) {
    if (S.Axis < 0 || S.Axis >= static_cast<int64_t>(In.dims().size()) ||
        In.dims()[S.Axis] != S.Channels)
      return makeError("input is {}, the {} threshold channels lie along axis {}",
                       shapeToString(In.dims()), S.Channels, S.Axis);
    Inner = stridesOf(In.dims())[S.Axis];
  }
  // Float or integer inputs, compared as doubles (exact for both).
  mapElements<double, int64_t>(In, 0, Out, 0, In.size(), [&](int64_t E, double X) {
    int64_t C = S.Channels > 1 ? (E / Inner) % S.Channels : 0;
    return nmpu::thresholdLevel(X, S.Thresholds.data() + C * S.Count, S.Count, S.Signs[C], S.OutMin,
                                S.OutStep);
  });
  return llvm::Error::success();
}

} // namespace qnn::runtime

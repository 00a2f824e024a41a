//===- PoolGeometry.h - Window arithmetic of a pooling step --------*- C++ -*-===//
///
/// \file
/// The kernel taps of a pooling window that fall inside the input or the
/// padded input. The verifier bounds an image's pooling work with these, and the runtime visits
/// only the taps they give, so a kernel far larger than its input costs nothing.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IMAGE_POOLGEOMETRY_H
#define QNN_IMAGE_POOLGEOMETRY_H

#include "qnn/Image/Program.h"
#include "qnn/Support/Tensor.h"
#include <cstdint>

namespace qnn::image {

/// Kernel positions I in [Begin, End) of one dimension.
struct TapRange {
  int64_t Begin = 0, End = 0;
  int64_t size() const { return End > Begin ? End - Begin : 0; }
};

/// The kernel positions I < \p Kernel whose input index
/// Origin + I * Dilation lies in [Lo, Hi); \p Dilation must be positive.
TapRange tapsWithin(int64_t Origin, int64_t Kernel, int64_t Dilation, int64_t Lo, int64_t Hi);

/// An upper bound of the taps one sample of a pooling step visits:
/// channels x output positions x the taps of a window that can lie inside
/// the input. \p In and \p Out are NCHW shapes.
uint64_t poolTapBound(const PoolStep &S, const Shape &In, const Shape &Out);

} // namespace qnn::image

#endif

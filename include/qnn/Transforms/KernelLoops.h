//===- KernelLoops.h - Index arithmetic of the canonical kernels -*- C++ -*-===//
///
/// \file
/// Sliding-window geometry (convolution, pooling) and numpy broadcasting, as
/// the canonical quantized kernels and the legalization need them. Kept in
/// one place so that the kernels, the verifier and the rewrites agree on
/// output sizes.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TRANSFORMS_KERNELLOOPS_H
#define QNN_TRANSFORMS_KERNELLOOPS_H

#include "qnn/Support/Tensor.h"
#include "llvm/Support/Error.h"
#include <vector>

namespace qnn {

/// A 2-D sliding window over the last two dimensions of an NCHW tensor.
struct Window2D {
  int64_t KernelH = 1, KernelW = 1;
  int64_t StrideH = 1, StrideW = 1;
  int64_t DilationH = 1, DilationW = 1;
  /// Pads in the canonical order [top, left, bottom, right].
  int64_t PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0;
  bool CeilMode = false;
};

/// Output extent of one spatial dimension of a window; ceil mode drops a last
/// window that would start in the end padding (as ONNX and PyTorch do).
int64_t windowOutputSize(int64_t In, int64_t Kernel, int64_t Stride, int64_t Dilation,
                         int64_t PadBegin, int64_t PadEnd, bool CeilMode);

/// Pads [begin..., end...] resolved from an ONNX auto_pad value
/// (NOTSET, SAME_UPPER, SAME_LOWER, VALID) for the given spatial sizes.
/// NOTSET returns \p ExplicitPads (zeros when empty). Errors name the bad
/// value.
llvm::Expected<std::vector<int64_t>>
resolveAutoPad(llvm::StringRef AutoPad, const std::vector<int64_t> &ExplicitPads,
               const std::vector<int64_t> &InSizes, const std::vector<int64_t> &Kernel,
               const std::vector<int64_t> &Strides, const std::vector<int64_t> &Dilations);

/// Numpy-style broadcast shape of \p A and \p B, or an error.
llvm::Expected<Shape> broadcastShapes(const Shape &A, const Shape &B);

/// For each element of \p Out (row-major), the index of the element of \p In
/// that broadcasting maps to it. \p In must broadcast to \p Out.
std::vector<int64_t> broadcastIndices(const Shape &In, const Shape &Out);

} // namespace qnn

#endif

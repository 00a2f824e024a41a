//===- ShapeUtils.h - Broadcasting and axis helpers --------------*- C++ -*-===//
///
/// \file
/// numpy broadcasting, ONNX axis normalization and window sizes: the shape
/// arithmetic the
/// compiler's kernels and the runtime's host ops share (the runtime does not
/// link the compiler, so it lives here).
///
/// Shapes may hold -1 for the symbolic batch dimension wherever a shape is
/// only being inferred; broadcastIndices needs static shapes.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_SHAPEUTILS_H
#define QNN_SUPPORT_SHAPEUTILS_H

#include "qnn/Support/Tensor.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

namespace qnn {

/// numpy broadcasting of two shapes ('?' meets 1 or '?' as '?', a size as
/// that size). The error says which dimensions disagree.
llvm::Expected<Shape> broadcastShapes(const Shape &A, const Shape &B);
/// For each element of \p Out in row-major order, the row-major index of the
/// element of \p In (broadcastable to \p Out) that it reads.
std::vector<int64_t> broadcastIndices(const Shape &In, const Shape &Out);

/// Normalizes a possibly negative \p Axis of a rank-\p Rank tensor; the
/// error names the attribute.
llvm::Expected<int64_t> normalizeAxis(int64_t Axis, int64_t Rank, llvm::StringRef What);

/// The outputs of a sliding window over \p In elements (ONNX Conv and
/// pooling): floor rounding, or ceil_mode's ceil where a last window starting
/// in the end padding is dropped; -1 when the window's extent is larger than
/// the padded input. Stride and dilation must be positive.
int64_t windowOutputSize(int64_t In, int64_t PadBegin, int64_t PadEnd, int64_t Kernel,
                         int64_t Stride, int64_t Dilation, bool Ceil = false);

} // namespace qnn

#endif

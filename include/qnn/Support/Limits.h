//===- Limits.h - Resource limits every reader enforces ----------*- C++ -*-===//
///
/// \file
/// The one place that bounds what a file may make the tools allocate or
/// recurse into. Every reader (ONNX import, .npy/.pb tensors, target and
/// other JSON, images, data sets) and the image verifier check these, so a
/// small hostile file is refused with a message instead of driving gigabytes
/// of memory, wrapping a count or overflowing the stack. docs/limits.md lists
/// them with the reasoning behind each number.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_LIMITS_H
#define QNN_SUPPORT_LIMITS_H

#include "qnn/Support/Tensor.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace qnn::limits {

/// Rank of any tensor. ONNX sets none; numpy stops at 32 (64 in numpy 2);
/// no network this chip runs goes beyond 6.
inline constexpr size_t MaxRank = 16;
/// Elements of one tensor (of one batch chunk in the runtime). The tools
/// hold every element as a double: 2^27 elements are 1 GiB.
inline constexpr int64_t MaxElements = int64_t(1) << 27;
/// Bytes of all the tensors of one model, image or run together, counted as
/// the tools hold them (8 bytes an element).
inline constexpr uint64_t MaxTotalBytes = uint64_t(1) << 32;
/// Nesting of JSON objects and arrays; a target nests 2 levels, a qnn-asm
/// program 5.
inline constexpr unsigned MaxJsonDepth = 64;
/// Cells of one crossbar array (rows x cols) and arrays of one chip
/// (tiles x arrays_per_tile); 4096 x 1024 arrays of 1024 x 4096 cells are far
/// beyond any chip of the seed papers.
inline constexpr uint64_t MaxArrayCells = uint64_t(1) << 22;
inline constexpr uint64_t MaxArrays = uint64_t(1) << 22;
/// A tile's activation buffer: 4 GiB is far beyond any on-chip buffer, and
/// small enough that byte counts derived from it stay exact in doubles and
/// 64-bit sums.
inline constexpr int64_t MaxBufferBytes = int64_t(1) << 32;
/// Window taps one sample of a pooling step may visit (channels x output
/// positions x taps inside the input): seconds of work. ResNet-18's max pool
/// visits 7.2 M; a 3x3 pool over a 1024x1024x256 activation 2.4 G.
inline constexpr uint64_t MaxPoolTaps = uint64_t(1) << 32;

/// Bytes the tools hold for \p Elements elements.
inline uint64_t heldBytes(uint64_t Elements) { return Elements * sizeof(double); }

/// Checks a shape against MaxRank and MaxElements (its element count and
/// each dimension), without overflowing on the way, and returns its element
/// count. A dimension of -1 (the symbolic
/// batch) counts as 1 when \p AllowBatch is set and is an error otherwise.
/// Messages start with \p What ("tensor 'w'", "input 'x'", ...).
llvm::Expected<int64_t> checkShape(const Shape &S, const llvm::Twine &What,
                                   bool AllowBatch = false);

/// Adds \p Elements to a running total of held bytes and refuses the total
/// once it passes MaxTotalBytes; \p What names what was being added.
class TotalBytes {
public:
  llvm::Error add(uint64_t Elements, const llvm::Twine &What);

private:
  uint64_t Bytes = 0;
};

} // namespace qnn::limits

#endif

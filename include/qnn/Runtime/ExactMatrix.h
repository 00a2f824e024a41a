//===- ExactMatrix.h - An MVM step as one int8 matrix product ----*- C++ -*-===//
///
/// \file
/// In ideal mode an MVM step whose read-outs are exact for every input adds
/// up, over its input phases, blocks, slices and signs, to one integer
/// matrix product: each read-out is its column sum (read shift 0 and a sum
/// that cannot pass the ADC's largest code), so
///   Acc[n] - Offset * sum(x) = sum_k x[k] * (Weff[k][n] - Offset)
/// with Weff[k][n] = sum over the columns of output n: sign * level << shift.
/// When that matrix fits int8 and the inputs fit uint8, a whole batch of
/// vectors runs as one u8 x s8 -> s32 GEMM (oneDNN), bit for bit what the
/// step-by-step chip model computes (docs/runtime.md). Steps that do not
/// qualify keep the step-by-step model.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_EXACTMATRIX_H
#define QNN_RUNTIME_EXACTMATRIX_H

#include "qnn/Image/Program.h"
#include "qnn/Target/Target.h"
#include <cstdint>
#include <optional>
#include <vector>

namespace qnn::runtime {

class ExactMatrix {
public:
  /// The matrix of step \p S of program \p P on target \p T, or none when
  /// a read-out can round or clip, the copies differ, an entry leaves
  /// int8, or this CPU's int8 GEMM could saturate (no VNNI).
  static std::optional<ExactMatrix> build(const Target &T, const image::Program &P,
                                          const image::MvmStep &S);

  /// The largest input a vector may hold (the step-by-step model drops
  /// bits above its input phases).
  uint8_t maxInput() const { return MaxInput; }

  /// Acc (Vectors x N, row-major) = X (Vectors x K, row-major) * matrix:
  /// the offset-corrected accumulators of the step's outputs.
  void multiply(const uint8_t *X, int64_t Vectors, int32_t *Acc) const;

  /// The GEMMs of the calling thread run on it alone: for worker threads
  /// that already keep every core busy (oneDNN would start a team of
  /// OpenMP threads per call and spin them between calls).
  static void gemmOnCallingThread();

private:
  int64_t K = 0, N = 0;
  std::vector<int8_t> W; ///< K x N, row-major
  uint8_t MaxInput = 0;
};

} // namespace qnn::runtime

#endif

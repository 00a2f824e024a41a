//===- ReadNoise.h - Counter-based read noise of analog mode ------*- C++ -*-===//
///
/// \file
/// The read-noise draws of analog mode (docs/analog-model.md). Each draw is
/// a function of the chip instance's seed and of the read alone: the step,
/// the input phase, the vector, and the physical column (array and column
/// of the array). Random123's Philox4x64-10 maps that position to random
/// bits and a Box-Muller transform (AnalogRead.h) to a normal. So the
/// noise does not depend on the order in which reads happen, on how a
/// batch is chunked or on the thread count, and a vector read step by step
/// gets exactly the noise it gets in a batch.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_READNOISE_H
#define QNN_RUNTIME_READNOISE_H

#include "llvm/ADT/ArrayRef.h"
#include <cstdint>

namespace qnn::runtime {

/// A read happens at step Step of the image (below 2^56), input phase Phase
/// (below 256) and vector Vector of the session (samples count on across a
/// session's runs), on a column of an array of the image. The blocks of one
/// layer never share an array's column, so no two reads of a vector and
/// phase share a position.
class ReadNoise {
public:
  explicit ReadNoise(uint64_t Seed) : Seed(Seed) {}

  /// \p Z[v * Count + i] = the standard normal draw of column
  /// \p FirstColumn + i of array \p Array for vector \p Vectors[v], for
  /// i < \p Count.
  void normals(uint32_t Step, uint32_t Phase, llvm::ArrayRef<uint64_t> Vectors, uint32_t Array,
               uint32_t FirstColumn, uint32_t Count, float *Z) const;

private:
  uint64_t Seed;
};

} // namespace qnn::runtime

#endif

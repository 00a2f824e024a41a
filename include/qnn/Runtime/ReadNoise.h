//===- ReadNoise.h - Counter-based read noise of analog mode ------*- C++ -*-===//
///
/// \file
/// The read-noise draws of analog mode (docs/analog-model.md). Each draw is
/// a function of the chip instance's seed and of the read alone: the step,
/// the input phase, the vector, and the physical column (array and column
/// of the array). Random123's Threefry4x32-20 maps that position to random
/// bits and a Box-Muller transform (FastMath.h) to a normal, in one loop
/// that compilers vectorize. So the noise does not depend on
/// the order in which reads happen, on how a batch is chunked or on the
/// thread count, and a vector read step by step gets exactly the noise it
/// gets in a batch.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_READNOISE_H
#define QNN_RUNTIME_READNOISE_H

#include "qnn/Runtime/AlignedVector.h"
#include "llvm/ADT/ArrayRef.h"
#include <cstdint>
#include <vector>

namespace qnn::runtime {

/// A read happens at step Step of the image, input phase Phase (below 256)
/// and vector Vector of the session (samples count on across a session's
/// runs; the position holds its low 38 bits), on a column of an array of
/// the image (columns below 2^18), read with the other columns of its block.
/// The blocks of one layer never share an array's column, so no two reads
/// of a vector and phase share a position.
class ReadNoise {
public:
  /// Steps no image has, at which the instance's own variation is drawn
  /// (ChipModel): a cell's at (row as the vector, array, column), a
  /// column's gain and offset at (vector 0, array, column), the supply at
  /// column 0 of array 0. Image steps stay below FirstInstanceStep.
  enum InstanceStep : uint32_t {
    FirstInstanceStep = 0xfffffff0u,
    CellStep = FirstInstanceStep,
    GainStep,
    OffsetStep,
    SupplyStep,
  };

  explicit ReadNoise(uint64_t Seed) : Seed(Seed) {}

  /// The buffers of normals(), kept by its caller between calls.
  struct Scratch {
    /// Per read, the counters' first word without the column, and the
    /// second word; blocks of ragged runs list every counter (C0, C1).
    std::vector<uint32_t> High, Low;
    AlignedVector<uint32_t> C0, C1;
    AlignedVector<float> Draws, Rows;
  };

  /// \p Z[i * Count + c] = the standard normal draw of column
  /// \p FirstColumn + c of array \p Array in phase \p Phases[i] of step
  /// \p Step for vector \p Vectors[i], for c < \p Count: read i of the
  /// block of columns [FirstColumn, FirstColumn + Count) is that of vector
  /// Vectors[i] in phase Phases[i] (docs/analog-model.md: the draws).
  void normals(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
               llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn, uint32_t Count, float *Z,
               Scratch &S) const;

  /// normals() without the copy: read i's draw of column FirstColumn + c
  /// is at Result[i * \p Stride + c], in \p S.
  const float *normalRows(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
                          llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn, uint32_t Count,
                          Scratch &S, size_t &Stride) const;

private:
  uint64_t Seed;
};

} // namespace qnn::runtime

#endif

//===- ReadNoise.cpp - Counter-based read noise of analog mode ------------===//
//
// Built with the flags of AnalogRead.cpp (CMake): the Box-Muller transform
// rounds the same on every CPU.
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/ReadNoise.h"
#include "qnn/Runtime/FastMath.h"
#include <Random123/threefry.h>
#include <algorithm>

namespace qnn::runtime {

namespace {

/// The normals of reads i < \p Reads (vector \p Vectors[i], phase
/// \p Phases[i]) on the block of 4 \p Q columns from \p FirstColumn, keyed
/// by \p Seed: read i's normal k of counter q at \p Rows[4 Q i + k Q + q].
/// A counter's first word holds FirstColumn + q (18 bits), the phase (8)
/// and the vector's bits 32..37; its second the vector's low 32 bits, then
/// the array and the step. One Threefry4x32-20 call per counter (words
/// w0 .. w3), Box-Muller pairs (w0, w1) and (w2, w3): the loop over a
/// read's counters vectorizes (Threefry is 32-bit additions, rotations and
/// exclusive ors), its normals stored a vector at a time where they lie.
QNN_VECTOR_CLONES
void counterNormalRows(const uint64_t *Vectors, const uint8_t *Phases, size_t Reads,
                       uint32_t FirstColumn, uint32_t Q, uint32_t Array, uint32_t Step,
                       uint64_t Seed, float *__restrict Rows) {
  const r123::Threefry4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32), 0, 0}};
  for (size_t R = 0; R < Reads; ++R, Rows += 4 * size_t(Q)) {
    const uint32_t High =
        uint32_t(Phases[R]) << 18 | (static_cast<uint32_t>(Vectors[R] >> 32) & 0x3f) << 26;
    const uint32_t Low = static_cast<uint32_t>(Vectors[R]);
    float *__restrict Z0 = Rows, *__restrict Z1 = Rows + Q;
    float *__restrict Z2 = Rows + 2 * Q, *__restrict Z3 = Rows + 3 * Q;
    for (uint32_t I = 0; I < Q; ++I) {
      const r123::Threefry4x32::ctr_type Counter = {
          {((FirstColumn + I) & 0x3ffffu) | High, Low, Array, Step}};
      const r123::Threefry4x32::ctr_type W = r123::Threefry4x32()(Counter, Key);
      fastmath::boxMuller(W[0], W[1], Z0[I], Z1[I]);
      fastmath::boxMuller(W[2], W[3], Z2[I], Z3[I]);
    }
  }
}

} // namespace

const float *ReadNoise::normalRows(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
                                   llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn,
                                   uint32_t Count, Scratch &S, size_t &Stride) const {
  // The Count columns in four runs of Q: column FirstColumn + k Q + q takes
  // normal k of counter q. The blocks of a layer never share an array's
  // column, so neither do their counters (q < Q <= Count).
  const uint32_t Q = (Count + 3) / 4;
  Stride = 4 * size_t(Q);
  S.Rows.resize(Phases.size() * Stride);
  counterNormalRows(Vectors.data(), Phases.data(), Phases.size(), FirstColumn, Q, Array, Step, Seed,
                    S.Rows.data());
  return S.Rows.data();
}

void ReadNoise::normals(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
                        llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn, uint32_t Count,
                        float *Z, Scratch &S) const {
  size_t Stride = 0;
  const float *Rows = normalRows(Step, Array, Vectors, Phases, FirstColumn, Count, S, Stride);
  for (size_t I = 0; I < Phases.size(); ++I)
    std::copy_n(Rows + I * Stride, Count, Z + I * Count);
}

} // namespace qnn::runtime

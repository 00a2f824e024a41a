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

/// The four normals of each counter (\p C0[i], \p C1[i], \p Array, \p Step),
/// i < \p Runs x \p Run, keyed by \p Seed: normal k of counter r Run + q in
/// \p Z[4 Run r + k Run + q]. One Threefry4x32-20 call per counter (words
/// w0 .. w3), Box-Muller pairs (w0, w1) and (w2, w3): the loop over a run's
/// counters vectorizes (Threefry is 32-bit additions, rotations and
/// exclusive ors), the normals stored a vector at a time.
QNN_VECTOR_CLONES
void counterNormals(const uint32_t *__restrict C0, const uint32_t *__restrict C1, size_t Runs,
                    uint32_t Run, uint32_t Array, uint32_t Step, uint64_t Seed,
                    float *__restrict Z) {
  const r123::Threefry4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32), 0, 0}};
  for (size_t R = 0; R < Runs; ++R, C0 += Run, C1 += Run, Z += 4 * size_t(Run)) {
    float *__restrict Z0 = Z, *__restrict Z1 = Z + Run;
    float *__restrict Z2 = Z + 2 * Run, *__restrict Z3 = Z + 3 * Run;
    for (uint32_t I = 0; I < Run; ++I) {
      const r123::Threefry4x32::ctr_type Counter = {{C0[I], C1[I], Array, Step}};
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
  // normal k of counter q. A counter's first word holds FirstColumn + q
  // (18 bits), the phase (8) and the vector's bits 32..37; its second the
  // vector's low 32 bits, then the array and the step; the key is the seed.
  // The blocks of a layer never share an array's column, so neither do
  // their counters (q < Q <= Count).
  const uint32_t Q = (Count + 3) / 4;
  const size_t Reads = Phases.size(), Counters = Reads * Q;
  S.C0.resize(Counters);
  S.C1.resize(Counters);
  for (size_t R = 0; R < Reads; ++R) {
    const uint32_t High =
        uint32_t(Phases[R]) << 18 | (static_cast<uint32_t>(Vectors[R] >> 32) & 0x3f) << 26;
    for (uint32_t I = 0; I < Q; ++I) {
      S.C0[R * Q + I] = ((FirstColumn + I) & 0x3ffffu) | High;
      S.C1[R * Q + I] = static_cast<uint32_t>(Vectors[R]);
    }
  }
  Stride = 4 * size_t(Q);
  S.Rows.resize(Reads * Stride);
  // Runs of whole vectors of 16 lanes go straight to their reads' rows; a
  // short or ragged run would leave most lanes idle or to a scalar loop,
  // so those blocks draw all their reads' counters in one loop and copy.
  if (Q % 16 == 0) {
    counterNormals(S.C0.data(), S.C1.data(), Reads, Q, Array, Step, Seed, S.Rows.data());
    return S.Rows.data();
  }
  S.Draws.resize(4 * Counters);
  counterNormals(S.C0.data(), S.C1.data(), 1, static_cast<uint32_t>(Counters), Array, Step, Seed,
                 S.Draws.data());
  for (size_t R = 0; R < Reads; ++R)
    for (size_t K = 0; K < 4; ++K)
      std::copy_n(S.Draws.data() + K * Counters + R * Q, Q, S.Rows.data() + R * Stride + K * Q);
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

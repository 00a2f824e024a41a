//===- ReadNoise.cpp - Counter-based read noise of analog mode ------------===//
#include "qnn/Runtime/ReadNoise.h"
#include "qnn/Runtime/AnalogRead.h"
#include <Random123/threefry.h>
#include <algorithm>

namespace qnn::runtime {

namespace {

/// Threefry4x32-20 of the counters (\p C0[i], \p C1[i], \p C2, \p C3),
/// i < \p N, keyed by \p Seed: word w of counter i in \p Words[w * N +
/// i]. One loop over the counters, which compilers vectorize: Threefry
/// is 32-bit additions, rotations and exclusive ors, three times faster
/// than Philox's 32 x 32 -> 64-bit products on AVX-512.
QNN_VECTOR_CLONES
void threefryWords(const uint32_t *__restrict C0, const uint32_t *__restrict C1, uint32_t C2,
                   uint32_t C3, size_t N, uint64_t Seed, uint32_t *__restrict Words) {
  const r123::Threefry4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32), 0, 0}};
  for (size_t I = 0; I < N; ++I) {
    const r123::Threefry4x32::ctr_type Counter = {{C0[I], C1[I], C2, C3}};
    const r123::Threefry4x32::ctr_type W = r123::Threefry4x32()(Counter, Key);
    for (size_t J = 0; J < 4; ++J)
      Words[J * N + I] = W[J];
  }
}

} // namespace

void ReadNoise::normals(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
                        llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn, uint32_t Count,
                        float *Z, Scratch &S) const {
  // One Threefry call gives four 32-bit words w0 .. w3, the normals of four
  // consecutive columns of the array: Box-Muller pairs (w0, w1) for the
  // first two, (w2, w3) for the next two. The counter holds the column
  // quad (18 bits), the phase (8 bits) and the vector's bits 32..37 in its
  // first word, then the vector's low 32 bits, the array and the step; the
  // key is the seed.
  constexpr uint32_t QuadColumns = 4;
  const uint32_t FirstQuad = FirstColumn / QuadColumns;
  const uint32_t Quads = (FirstColumn + Count + QuadColumns - 1) / QuadColumns - FirstQuad;
  const size_t N = size_t(Quads) * Phases.size();
  S.Words.resize(6 * N);
  uint32_t *C0 = S.Words.data() + 4 * N, *C1 = S.Words.data() + 5 * N;
  for (size_t I = 0; I < Phases.size(); ++I) {
    const uint32_t High = static_cast<uint32_t>(Vectors[I] >> 32) & 0x3f;
    for (uint32_t Q = 0; Q < Quads; ++Q) {
      C0[I * Quads + Q] = ((FirstQuad + Q) & 0x3ffff) | uint32_t(Phases[I]) << 18 | High << 26;
      C1[I * Quads + Q] = static_cast<uint32_t>(Vectors[I]);
    }
  }
  threefryWords(C0, C1, Array, Step, N, Seed, S.Words.data());
  std::swap_ranges(S.Words.begin() + N, S.Words.begin() + 2 * N, S.Words.begin() + 2 * N);
  S.Draws.resize(8 * N);
  boxMuller(S.Words.data(), 2 * N, S.Draws.data());
  // Draws: cos(w0, w1) | cos(w2, w3) | sin(w0, w1) | sin(w2, w3); columns
  // 4 q .. 4 q + 3 take cos(w0, w1), sin(w0, w1), cos(w2, w3), sin(w2, w3)
  // of counter q, in column order after the draws.
  const float *Draws = S.Draws.data();
  float *Columns = S.Draws.data() + 4 * N;
  for (size_t L = 0; L < N; ++L) {
    Columns[4 * L] = Draws[L];
    Columns[4 * L + 1] = Draws[2 * N + L];
    Columns[4 * L + 2] = Draws[N + L];
    Columns[4 * L + 3] = Draws[3 * N + L];
  }
  const uint32_t Skip = FirstColumn - QuadColumns * FirstQuad;
  for (size_t I = 0; I < Phases.size(); ++I)
    std::copy_n(Columns + I * Quads * QuadColumns + Skip, Count, Z + I * Count);
}

} // namespace qnn::runtime

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

/// A counter's first word: its column (18 bits) below a read's \p High.
inline uint32_t firstWord(uint32_t Column, uint32_t High) { return (Column & 0x3ffffu) | High; }

/// The four normals of counters i < \p Run, keyed by \p Seed: counter i is
/// (First(i), Second(i), Array, Step), its normal k goes to Z[k][i]. One
/// Threefry4x32-20 call per counter (words w0 .. w3), Box-Muller pairs
/// (w0, w1) and (w2, w3): the loop vectorizes (Threefry is 32-bit
/// additions, rotations and exclusive ors), the normals stored a vector at
/// a time.
template <typename FirstFn, typename SecondFn>
QNN_CLONE_INLINE void drawNormals(FirstFn First, SecondFn Second, uint32_t Run, uint32_t Array,
                                  uint32_t Step, uint64_t Seed, float *__restrict Z0,
                                  float *__restrict Z1, float *__restrict Z2,
                                  float *__restrict Z3) {
  const r123::Threefry4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32), 0, 0}};
  for (uint32_t I = 0; I < Run; ++I) {
    const r123::Threefry4x32::ctr_type Counter = {{First(I), Second(I), Array, Step}};
    const r123::Threefry4x32::ctr_type W = r123::Threefry4x32()(Counter, Key);
    fastmath::boxMuller(W[0], W[1], Z0[I], Z1[I]);
    fastmath::boxMuller(W[2], W[3], Z2[I], Z3[I]);
  }
}

/// Reads r < \p Reads of \p Run counters each: read r's counter q is
/// ((FirstColumn + q) mod 2^18 | High[r], Low[r]), its normal k goes to
/// \p Z[4 Run r + k Run + q]. The counters are an index plus constants,
/// computed in the loop.
QNN_VECTOR_CLONES
void readNormals(const uint32_t *High, const uint32_t *Low, size_t Reads, uint32_t FirstColumn,
                 uint32_t Run, uint32_t Array, uint32_t Step, uint64_t Seed, float *Z) {
  for (size_t R = 0; R < Reads; ++R, Z += 4 * size_t(Run)) {
    const uint32_t H = High[R], L = Low[R];
    drawNormals([=](uint32_t I) { return firstWord(FirstColumn + I, H); },
                [=](uint32_t) { return L; }, Run, Array, Step, Seed, Z, Z + Run, Z + 2 * Run,
                Z + 3 * Run);
  }
}

/// Counters i < \p Count listed as (\p C0[i], \p C1[i]): normal k of
/// counter i goes to \p Z[k Count + i].
QNN_VECTOR_CLONES
void listedNormals(const uint32_t *C0, const uint32_t *C1, uint32_t Count, uint32_t Array,
                   uint32_t Step, uint64_t Seed, float *Z) {
  drawNormals([=](uint32_t I) { return C0[I]; }, [=](uint32_t I) { return C1[I]; }, Count, Array,
              Step, Seed, Z, Z + Count, Z + 2 * size_t(Count), Z + 3 * size_t(Count));
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
  const size_t Reads = Phases.size();
  S.High.resize(Reads);
  S.Low.resize(Reads);
  for (size_t R = 0; R < Reads; ++R) {
    S.High[R] = uint32_t(Phases[R]) << 18 | (static_cast<uint32_t>(Vectors[R] >> 32) & 0x3f) << 26;
    S.Low[R] = static_cast<uint32_t>(Vectors[R]);
  }
  Stride = 4 * size_t(Q);
  S.Rows.resize(Reads * Stride);
  // Runs of whole vectors of 16 lanes go straight to their reads' rows; a
  // short or ragged run would leave most lanes idle or to a scalar loop,
  // so those blocks list all their reads' counters for one loop and copy.
  if (Q % 16 == 0) {
    readNormals(S.High.data(), S.Low.data(), Reads, FirstColumn, Q, Array, Step, Seed,
                S.Rows.data());
    return S.Rows.data();
  }
  const size_t Counters = Reads * Q;
  S.C0.resize(Counters);
  S.C1.resize(Counters);
  for (size_t R = 0; R < Reads; ++R)
    for (uint32_t I = 0; I < Q; ++I) {
      S.C0[R * Q + I] = firstWord(FirstColumn + I, S.High[R]);
      S.C1[R * Q + I] = S.Low[R];
    }
  S.Draws.resize(4 * Counters);
  listedNormals(S.C0.data(), S.C1.data(), static_cast<uint32_t>(Counters), Array, Step, Seed,
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

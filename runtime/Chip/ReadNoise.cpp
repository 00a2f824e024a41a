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
#include <cstring>

namespace qnn::runtime {

namespace {

/// A counter's Threefry call gives four words, each a Box-Muller pair.
constexpr uint32_t NormalsPerCounter = 8;

/// Floats in the widest vector register (AVX-512).
constexpr size_t VectorLanes = 16;

/// A counter's first word: its column (18 bits) below a read's \p High.
inline uint32_t firstWord(uint32_t Column, uint32_t High) { return (Column & 0x3ffffu) | High; }

/// The eight normals of counters i < \p Run, keyed by \p Seed: counter i
/// is (First(i), Second(i), Array, Step), its normal k goes to Zk[i]. One
/// Threefry4x32-20 call per counter, a Box-Muller pair from each of its
/// four words: the loop vectorizes (Threefry is 32-bit additions,
/// rotations and exclusive ors), the normals stored a vector at a time
/// (eight restrict pointers tell the compiler that no store overlaps
/// another).
template <typename FirstFn, typename SecondFn>
QNN_CLONE_INLINE void drawNormals(FirstFn First, SecondFn Second, uint32_t Run, uint32_t Array,
                                  uint32_t Step, uint64_t Seed, float *__restrict Z0,
                                  float *__restrict Z1, float *__restrict Z2, float *__restrict Z3,
                                  float *__restrict Z4, float *__restrict Z5, float *__restrict Z6,
                                  float *__restrict Z7) {
  const r123::Threefry4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32), 0, 0}};
  for (uint32_t I = 0; I < Run; ++I) {
    const r123::Threefry4x32::ctr_type Counter = {{First(I), Second(I), Array, Step}};
    const r123::Threefry4x32::ctr_type W = r123::Threefry4x32()(Counter, Key);
    fastmath::boxMuller(W[0], Z0[I], Z1[I]);
    fastmath::boxMuller(W[1], Z2[I], Z3[I]);
    fastmath::boxMuller(W[2], Z4[I], Z5[I]);
    fastmath::boxMuller(W[3], Z6[I], Z7[I]);
  }
}

/// drawNormals with normal k of counter i at \p Z[k Run + i].
template <typename FirstFn, typename SecondFn>
QNN_CLONE_INLINE void drawNormalRuns(FirstFn First, SecondFn Second, uint32_t Run, uint32_t Array,
                                     uint32_t Step, uint64_t Seed, float *Z) {
  const size_t N = Run;
  drawNormals(First, Second, Run, Array, Step, Seed, Z, Z + N, Z + 2 * N, Z + 3 * N, Z + 4 * N,
              Z + 5 * N, Z + 6 * N, Z + 7 * N);
}

/// Reads r < \p Reads of \p Run counters each: read r's counter q is
/// ((FirstColumn + q) mod 2^18 | High[r], Low[r]), its normal k goes to
/// \p Z[8 Run r + k Run + q]. The counters are an index plus constants,
/// computed in the loop.
QNN_VECTOR_CLONES
void readNormals(const uint32_t *High, const uint32_t *Low, size_t Reads, uint32_t FirstColumn,
                 uint32_t Run, uint32_t Array, uint32_t Step, uint64_t Seed, float *Z) {
  for (size_t R = 0; R < Reads; ++R, Z += NormalsPerCounter * size_t(Run)) {
    const uint32_t H = High[R], L = Low[R];
    drawNormalRuns([=](uint32_t I) { return firstWord(FirstColumn + I, H); },
                   [=](uint32_t) { return L; }, Run, Array, Step, Seed, Z);
  }
}

/// Counters i < \p Count listed as (\p C0[i], \p C1[i]): normal k of
/// counter i goes to \p Z[k Count + i].
QNN_VECTOR_CLONES
void listedNormals(const uint32_t *C0, const uint32_t *C1, uint32_t Count, uint32_t Array,
                   uint32_t Step, uint64_t Seed, float *Z) {
  drawNormalRuns([=](uint32_t I) { return C0[I]; }, [=](uint32_t I) { return C1[I]; }, Count, Array,
                 Step, Seed, Z);
}

/// Row r of \p Rows (8 \p Run floats) = the runs k < 8 of \p Run normals
/// at \p Draws + k \p Count + r Run, for r < \p Reads. The runs are short
/// (5 normals in a block of 40 columns): each is copied in whole pieces of
/// a vector, in the order of the rows, so that what a piece writes past
/// its run a later run overwrites; both buffers end in a piece of slack.
QNN_VECTOR_CLONES
void copyRuns(const float *Draws, size_t Count, size_t Reads, uint32_t Run, float *Rows) {
  for (size_t R = 0; R < Reads; ++R)
    for (size_t K = 0; K < NormalsPerCounter; ++K, Rows += Run) {
      const float *From = Draws + K * Count + R * Run;
      for (size_t I = 0; I < Run; I += VectorLanes)
        std::memcpy(Rows + I, From + I, VectorLanes * sizeof(float));
    }
}

} // namespace

const float *ReadNoise::normalRows(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
                                   llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn,
                                   uint32_t Count, Scratch &S, size_t &Stride) const {
  // The Count columns in eight runs of Q: column FirstColumn + k Q + q takes
  // normal k of counter q. A counter's first word holds FirstColumn + q
  // (18 bits), the phase (8) and the vector's bits 32..37; its second the
  // vector's low 32 bits, then the array and the step; the key is the seed.
  // The blocks of a layer never share an array's column, so neither do
  // their counters (q < Q <= Count).
  const uint32_t Q = (Count + NormalsPerCounter - 1) / NormalsPerCounter;
  const size_t Reads = Phases.size();
  S.High.resize(Reads);
  S.Low.resize(Reads);
  for (size_t R = 0; R < Reads; ++R) {
    S.High[R] = uint32_t(Phases[R]) << 18 | (static_cast<uint32_t>(Vectors[R] >> 32) & 0x3f) << 26;
    S.Low[R] = static_cast<uint32_t>(Vectors[R]);
  }
  Stride = NormalsPerCounter * size_t(Q);
  // Runs of whole vectors of 16 lanes go straight to their reads' rows; a
  // short or ragged run would leave most lanes idle or to a scalar loop,
  // so those blocks list all their reads' counters for one loop and copy.
  if (Q % VectorLanes == 0) {
    S.Rows.resize(Reads * Stride);
    readNormals(S.High.data(), S.Low.data(), Reads, FirstColumn, Q, Array, Step, Seed,
                S.Rows.data());
    return S.Rows.data();
  }
  // A vector loop's last partial vector runs lane by lane, each lane (a
  // Threefry call and four transforms) about as long as a whole vector of
  // 16: the list is padded to whole vectors with counters nobody reads
  // (7 % of the Fashion-MNIST CNN's analog time).
  const size_t Counters = Reads * Q;
  const size_t Padded = (Counters + VectorLanes - 1) / VectorLanes * VectorLanes;
  // The padding keeps what the lists held before (or zeros): its normals
  // are never read.
  S.C0.resize(Padded);
  S.C1.resize(Padded);
  for (size_t R = 0; R < Reads; ++R)
    for (uint32_t I = 0; I < Q; ++I) {
      S.C0[R * Q + I] = firstWord(FirstColumn + I, S.High[R]);
      S.C1[R * Q + I] = S.Low[R];
    }
  S.Draws.resize(NormalsPerCounter * Padded + VectorLanes);
  S.Rows.resize(Reads * Stride + VectorLanes);
  listedNormals(S.C0.data(), S.C1.data(), static_cast<uint32_t>(Padded), Array, Step, Seed,
                S.Draws.data());
  copyRuns(S.Draws.data(), Padded, Reads, Q, S.Rows.data());
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

//===- ReadNoise.cpp - Counter-based read noise of analog mode ------------===//
#include "qnn/Runtime/ReadNoise.h"
#include "qnn/Runtime/AnalogRead.h"
#include <Random123/philox.h>
#include <vector>

namespace qnn::runtime {

void ReadNoise::normals(uint32_t Step, uint32_t Phase, llvm::ArrayRef<uint64_t> Vectors,
                        uint32_t Array, uint32_t FirstColumn, uint32_t Count, float *Z) const {
  // One Philox call gives four 64-bit words, eight 32-bit halves (h0 ..
  // h7), the normals of eight consecutive columns of the array: Box-Muller
  // pairs (h0, h1) for the first two, (h2, h3) for the next two, and so on.
  // The counter holds the column group, the array, the step and phase, and
  // the vector; the key is the seed.
  constexpr uint32_t GroupColumns = 8;
  const uint32_t FirstGroup = FirstColumn / GroupColumns;
  const uint32_t Groups = static_cast<uint32_t>(
      (uint64_t(FirstColumn) + Count + GroupColumns - 1) / GroupColumns - FirstGroup);
  const size_t Pairs = GroupColumns / 2 * Groups * Vectors.size();
  std::vector<uint32_t> Bits(2 * Pairs); // radius halves, then angle halves
  std::vector<float> Draws(2 * Pairs);   // first normals, then second normals
  r123::Philox4x64 Philox;
  const r123::Philox4x64::key_type Key = {{Seed, 0}};
  r123::Philox4x64::ctr_type Counter = {{0, Array, (uint64_t(Step) << 8) | (Phase & 0xff), 0}};
  for (size_t V = 0; V < Vectors.size(); ++V) {
    Counter[3] = Vectors[V];
    for (uint32_t G = 0; G < Groups; ++G) {
      Counter[0] = FirstGroup + G;
      const r123::Philox4x64::ctr_type W = Philox(Counter, Key);
      const size_t Pair = GroupColumns / 2 * (V * Groups + G);
      for (size_t I = 0; I < 4; ++I) {
        Bits[Pair + I] = static_cast<uint32_t>(W[I]);
        Bits[Pairs + Pair + I] = static_cast<uint32_t>(W[I] >> 32);
      }
    }
  }
  boxMuller(Bits.data(), Pairs, Draws.data());
  // Column GroupColumns (FirstGroup + g) + i takes pair 4 g + i / 2 of its
  // vector: its first normal for even i, its second for odd i.
  const uint32_t Skip = FirstColumn - GroupColumns * FirstGroup;
  for (size_t V = 0; V < Vectors.size(); ++V)
    for (uint32_t C = 0; C < Count; ++C) {
      const size_t I = Skip + C;
      Z[V * Count + C] = Draws[(I & 1) * Pairs + GroupColumns / 2 * V * Groups + I / 2];
    }
}

} // namespace qnn::runtime

//===- ReadNoise.cpp - Counter-based read noise of analog mode ------------===//
#include "qnn/Runtime/ReadNoise.h"
#include "qnn/Runtime/AnalogRead.h"
#include <Random123/philox.h>
#include <vector>

namespace qnn::runtime {

void ReadNoise::normals(uint32_t Step, uint32_t Phase, llvm::ArrayRef<uint64_t> Vectors,
                        uint32_t FirstColumn, uint32_t Count, float *Z) const {
  // One Philox call gives four 32-bit words (w0, w1, w2, w3), the normals
  // of four consecutive columns: two Box-Muller pairs, (w0, w1) for the
  // first two and (w2, w3) for the last two. The counter holds the column
  // group, the phase and step, and the vector; the key is the seed.
  const uint32_t FirstGroup = FirstColumn / 4;
  const uint32_t Groups =
      static_cast<uint32_t>((uint64_t(FirstColumn) + Count + 3) / 4 - FirstGroup);
  const size_t Pairs = 2 * Groups * Vectors.size();
  std::vector<uint32_t> Bits(2 * Pairs); // radius words, then angle words
  std::vector<float> Draws(2 * Pairs);   // first normals, then second normals
  r123::Philox4x32 Philox;
  const r123::Philox4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32)}};
  r123::Philox4x32::ctr_type Counter = {{0, (Step << 8) | (Phase & 0xff), 0, 0}};
  for (size_t V = 0; V < Vectors.size(); ++V) {
    Counter[2] = static_cast<uint32_t>(Vectors[V]);
    Counter[3] = static_cast<uint32_t>(Vectors[V] >> 32);
    for (uint32_t G = 0; G < Groups; ++G) {
      Counter[0] = FirstGroup + G;
      const r123::Philox4x32::ctr_type W = Philox(Counter, Key);
      const size_t Pair = 2 * (V * Groups + G);
      Bits[Pair] = W[0], Bits[Pairs + Pair] = W[1];
      Bits[Pair + 1] = W[2], Bits[Pairs + Pair + 1] = W[3];
    }
  }
  boxMuller(Bits.data(), Pairs, Draws.data());
  // Column 4 (FirstGroup + g) + i takes pair 2 g + i / 2 of its vector: its
  // first normal for even i, its second for odd i.
  const uint32_t Skip = FirstColumn - 4 * FirstGroup;
  for (size_t V = 0; V < Vectors.size(); ++V)
    for (uint32_t C = 0; C < Count; ++C) {
      const size_t I = Skip + C;
      Z[V * Count + C] = Draws[(I & 1) * Pairs + 2 * V * Groups + I / 2];
    }
}

} // namespace qnn::runtime

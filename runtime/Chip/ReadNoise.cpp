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

/// An array's columns in tiles of 64, each the normals of 16 counters:
/// counter l of tile t gives columns 64 t + l, 64 t + 16 + l, 64 t + 32 + l
/// and 64 t + 48 + l, so that each of its four normals lands in a run of 16
/// columns (one vector store per normal).
constexpr uint32_t TileColumns = 64, TileCounters = 16;

/// \p Z[64 i + c], c < 64: the normals of tile \p Tiles[i] for the read
/// whose counters' first word holds \p High[i] above the column bits and
/// whose second is \p Low[i], at array \p Array and step \p Step, keyed by
/// \p Seed. One Threefry4x32-20 call per counter (words w0 .. w3), Box-
/// Muller pairs (w0, w1) and (w2, w3): a loop over the 16 counters of a
/// tile that compilers vectorize, Threefry being 32-bit additions,
/// rotations and exclusive ors.
QNN_VECTOR_CLONES
void normalTiles(const uint32_t *High, const uint32_t *Low, const uint32_t *Tiles, size_t Count,
                 uint32_t Array, uint32_t Step, uint64_t Seed, float *__restrict Z) {
  const r123::Threefry4x32::key_type Key = {
      {static_cast<uint32_t>(Seed), static_cast<uint32_t>(Seed >> 32), 0, 0}};
  for (size_t I = 0; I < Count; ++I, Z += TileColumns) {
    const uint32_t First = Tiles[I] * TileCounters;
    for (uint32_t L = 0; L < TileCounters; ++L) {
      const r123::Threefry4x32::ctr_type Counter = {
          {((First + L) & 0x3ffffu) | High[I], Low[I], Array, Step}};
      const r123::Threefry4x32::ctr_type W = r123::Threefry4x32()(Counter, Key);
      fastmath::boxMuller(W[0], W[1], Z[L], Z[16 + L]);
      fastmath::boxMuller(W[2], W[3], Z[32 + L], Z[48 + L]);
    }
  }
}

} // namespace

const float *ReadNoise::normalRows(uint32_t Step, uint32_t Array, llvm::ArrayRef<uint64_t> Vectors,
                                   llvm::ArrayRef<uint8_t> Phases, uint32_t FirstColumn,
                                   uint32_t Count, Scratch &S, size_t &Stride) const {
  // A counter's first word holds its column bits (18), the phase (8) and
  // the vector's bits 32..37; its second the vector's low 32 bits, then
  // the array and the step; the key is the seed.
  const uint32_t FirstTile = FirstColumn / TileColumns;
  const uint32_t Tiles = (FirstColumn + Count + TileColumns - 1) / TileColumns - FirstTile;
  const size_t Items = Phases.size() * Tiles;
  S.High.resize(Items);
  S.Low.resize(Items);
  S.Tiles.resize(Items);
  for (size_t I = 0; I < Phases.size(); ++I)
    for (uint32_t T = 0; T < Tiles; ++T) {
      const size_t Item = I * Tiles + T;
      S.High[Item] = uint32_t(Phases[I]) << 18 | (static_cast<uint32_t>(Vectors[I] >> 32) & 0x3f)
                                                     << 26;
      S.Low[Item] = static_cast<uint32_t>(Vectors[I]);
      S.Tiles[Item] = FirstTile + T;
    }
  S.Draws.resize(Items * TileColumns);
  normalTiles(S.High.data(), S.Low.data(), S.Tiles.data(), Items, Array, Step, Seed,
              S.Draws.data());
  Stride = size_t(Tiles) * TileColumns;
  return S.Draws.data() + (FirstColumn - FirstTile * TileColumns);
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

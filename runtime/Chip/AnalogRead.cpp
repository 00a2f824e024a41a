//===- AnalogRead.cpp - Column currents and read-outs of analog mode ------===//
//
// Built with -O3 -ffp-contract=off -fno-math-errno -fno-trapping-math
// (CMake): loops that vectorize (no errno from sqrt, both sides of a select
// computed), and no fused multiply-add that would round differently on CPUs
// that have one.
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/AnalogRead.h"
#include "qnn/Runtime/FastMath.h"
#include <algorithm>
#include <cmath>

namespace qnn::runtime {

namespace {

/// Adds the rows \p Driven (drives \p Drive) of columns [First, First +
/// Width) to \p Currents, the sums in a local array the compiler keeps in
/// vector registers.
template <uint32_t Width>
void addColumnTile(const uint32_t *Driven, const float *Drive, uint32_t Count, const float *G,
                   size_t Stride, uint32_t First, float *Currents) {
  float Sum[Width];
  std::copy_n(Currents + First, Width, Sum);
  for (uint32_t I = 0; I < Count; ++I) {
    const float *Row = G + Driven[I] * Stride + First;
    for (uint32_t J = 0; J < Width; ++J)
      Sum[J] += Drive[I] * Row[J];
  }
  std::copy_n(Sum, Width, Currents + First);
}

} // namespace

void addColumnCurrents(const int32_t *X, uint32_t Rows, const float *G, size_t Stride,
                       uint32_t Cols, float *Currents) {
  // Rows driven with 0 add nothing (about half the rows of a one-bit
  // phase): the driven ones are listed first, then tiles of 16 columns add
  // them up in registers, in row order.
  constexpr uint32_t Piece = 512, Tile = 16;
  uint32_t Driven[Piece];
  float Drive[Piece];
  std::fill_n(Currents, Cols, 0.0f);
  for (uint32_t Begin = 0; Begin < Rows; Begin += Piece) {
    uint32_t Count = 0;
    for (uint32_t K = Begin; K < std::min(Rows, Begin + Piece); ++K) {
      Driven[Count] = K;
      Drive[Count] = static_cast<float>(X[K]);
      Count += X[K] != 0;
    }
    uint32_t First = 0;
    for (; First + Tile <= Cols; First += Tile)
      addColumnTile<Tile>(Driven, Drive, Count, G, Stride, First, Currents);
    for (; First < Cols; ++First)
      addColumnTile<1>(Driven, Drive, Count, G, Stride, First, Currents);
  }
}

void boxMuller(const uint32_t *Bits, size_t Pairs, float *Z) {
  constexpr float Two24 = 1.0f / 16777216.0f, QuarterTurn = 1.57079632679489662f;
  const uint32_t *RadiusBits = Bits, *AngleBits = Bits + Pairs;
  float *ZX = Z, *ZY = Z + Pairs;
  for (size_t P = 0; P < Pairs; ++P) {
    // Radius from a uniform in (0, 1], angle from a quarter turn (the top
    // two bits) and a position in it: cos and sin of the angle are those
    // of the position, swapped and negated by quarter turn. Through int32
    // (exact below 2^24 + 1), as int32 to float vectorizes.
    const float U = static_cast<float>(static_cast<int32_t>((RadiusBits[P] >> 8) + 1)) * Two24;
    const float Radius = std::sqrt(-2.0f * fastmath::log(U));
    const uint32_t Angle = AngleBits[P], Quarter = Angle >> 30;
    const float Position =
        static_cast<float>(static_cast<int32_t>((Angle >> 6) & 0xffffffu)) * Two24;
    float Sin, Cos;
    fastmath::sinCosQuarter((Position - 0.5f) * QuarterTurn, Sin, Cos);
    const bool Swap = Quarter & 1;
    const float X = Swap ? Sin : Cos, Y = Swap ? Cos : Sin;
    const uint32_t NegX = (((Quarter + 1) >> 1) & 1) << 31, NegY = (Quarter >> 1) << 31;
    ZX[P] = Radius * fastmath::bitsToFloat(fastmath::floatToBits(X) ^ NegX);
    ZY[P] = Radius * fastmath::bitsToFloat(fastmath::floatToBits(Y) ^ NegY);
  }
}

namespace {

/// adcCodes for a read-out with (\p Nonlinear) or without the tanh: two
/// loops without a branch, so that both vectorize.
template <bool Nonlinear>
void adcCodesOf(const ColumnReadouts &R, const float *Currents, const float *Z, uint32_t Cols,
                int32_t *Codes) {
  // floor(I * A / FS + 1/2) clamped to [0, A]: clamping first, truncation
  // is the floor.
  for (uint32_t J = 0; J < Cols; ++J) {
    float I = Currents[J] * R.Supply;
    if constexpr (Nonlinear)
      I = R.NonlinOut[J] * fastmath::tanh(R.NonlinIn[J] * I);
    I = R.Gain[J] * I + R.OffsetFS[J];
    I += R.NoiseFS[J] * Z[J];
    const float Code = std::min(std::max(I * R.CodeScale[J] + 0.5f, 0.0f), R.MaxCode);
    Codes[J] = static_cast<int32_t>(Code);
  }
}

} // namespace

void adcCodes(const ColumnReadouts &R, const float *Currents, const float *Z, uint32_t Cols,
              size_t Vectors, int32_t *Codes) {
  for (size_t V = 0; V < Vectors; ++V, Currents += Cols, Z += Cols, Codes += Cols)
    if (R.Nonlinear)
      adcCodesOf<true>(R, Currents, Z, Cols, Codes);
    else
      adcCodesOf<false>(R, Currents, Z, Cols, Codes);
}

} // namespace qnn::runtime

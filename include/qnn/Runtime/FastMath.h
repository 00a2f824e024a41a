//===- FastMath.h - Float functions that vectorize ----------------*- C++ -*-===//
///
/// \file
/// log, sine and cosine on a quarter turn, exp and tanh, in float, as
/// branch-free arithmetic that compilers vectorize across a loop (a libm
/// call does not). Analog mode evaluates them once per column read or
/// programmed cell. The polynomials are Cephes' single-precision minimax
/// fits (a few float ulps), evaluated with std::fma: one rounding per step,
/// the same on every CPU, and one instruction where the CPU has FMA
/// (VectorClones.h). FastMath.* tests check them against the C library.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_FASTMATH_H
#define QNN_RUNTIME_FASTMATH_H

#include "qnn/Runtime/VectorClones.h"
#include <cmath>
#include <cstdint>
#include <cstring>

namespace qnn::runtime::fastmath {

QNN_CLONE_INLINE float bitsToFloat(uint32_t Bits) {
  float F;
  std::memcpy(&F, &Bits, sizeof F);
  return F;
}

QNN_CLONE_INLINE uint32_t floatToBits(float F) {
  uint32_t Bits;
  std::memcpy(&Bits, &F, sizeof Bits);
  return Bits;
}

/// \p Factor * ln(\p X * 2^-\p Shift) for a normal positive float X and a
/// power of two Factor (a compile-time constant where it is inlined). The
/// factor scales the coefficients and the shift the exponent, both
/// exactly, so the result has the bits of Factor times log() of the
/// scaled X, without the two multiplications.
QNN_CLONE_INLINE float scaledLog(float X, float Factor, int32_t Shift) {
  const uint32_t Bits = floatToBits(X);
  // X = M * 2^E with M in [1/2, 1), then M in [sqrt(1/2), sqrt(2)).
  int32_t E = int32_t(Bits >> 23) - 126 - Shift;
  float M = bitsToFloat((Bits & 0x007fffffu) | 0x3f000000u);
  const bool Low = M < 0.707106781186547524f;
  E -= Low;
  M = Low ? M + M : M;
  const float F = M - 1.0f, Z = F * F;
  float Y = Factor * 7.0376836292e-2f;
  Y = std::fma(Y, F, Factor * -1.1514610310e-1f);
  Y = std::fma(Y, F, Factor * 1.1676998740e-1f);
  Y = std::fma(Y, F, Factor * -1.2420140846e-1f);
  Y = std::fma(Y, F, Factor * 1.4249322787e-1f);
  Y = std::fma(Y, F, Factor * -1.6668057665e-1f);
  Y = std::fma(Y, F, Factor * 2.0000714765e-1f);
  Y = std::fma(Y, F, Factor * -2.4999993993e-1f);
  Y = std::fma(Y, F, Factor * 3.3333331174e-1f);
  Y = Y * F * Z;
  const float Ef = static_cast<float>(E);
  Y = std::fma(Factor * -2.12194440e-4f, Ef, Y);
  Y = std::fma(Factor * -0.5f, Z, Y);
  return std::fma(Factor * 0.693359375f, Ef, std::fma(Factor, F, Y));
}

/// Natural logarithm of a normal positive float.
QNN_CLONE_INLINE float log(float X) { return scaledLog(X, 1.0f, 0); }

/// Sine and cosine of \p A in [-pi/4, pi/4].
QNN_CLONE_INLINE void sinCosQuarter(float A, float &Sin, float &Cos) {
  const float Z = A * A;
  Sin = std::fma(-1.9515295891e-4f, Z, 8.3321608736e-3f);
  Sin = std::fma(Sin, Z, -1.6666654611e-1f);
  Sin = std::fma(Sin * Z, A, A);
  Cos = std::fma(2.443315711809948e-5f, Z, -1.388731625493765e-3f);
  Cos = std::fma(Cos, Z, 4.166664568298827e-2f);
  Cos = std::fma(Cos * Z, Z, std::fma(-0.5f, Z, 1.0f));
}

/// e^X for X in [-87, 88].
QNN_CLONE_INLINE float exp(float X) {
  // X = N ln 2 + R, |R| <= ln 2 / 2, N = floor(X / ln 2 + 1/2) (truncation
  // rounds a negative value up: one is taken off where it did); e^R by
  // polynomial, 2^N in the exponent bits.
  const float T = std::fma(X, 1.44269504088896341f, 0.5f);
  int32_t N = static_cast<int32_t>(T);
  N -= static_cast<float>(N) > T;
  const float Nf = static_cast<float>(N);
  float R = std::fma(Nf, -0.693359375f, X);
  R = std::fma(Nf, 2.12194440e-4f, R);
  const float Z = R * R;
  float Y = 1.9875691500e-4f;
  Y = std::fma(Y, R, 1.3981999507e-3f);
  Y = std::fma(Y, R, 8.3334519073e-3f);
  Y = std::fma(Y, R, 4.1665795894e-2f);
  Y = std::fma(Y, R, 1.6666665459e-1f);
  Y = std::fma(Y, R, 5.0000001201e-1f);
  Y = std::fma(Y, Z, R) + 1.0f;
  return Y * bitsToFloat(uint32_t(N + 127) << 23);
}

/// Where tanh() leaves its polynomial for the exponential form.
constexpr float TanhSmallBound = 0.625f;

/// tanh of \p A in [0, TanhSmallBound) by an odd polynomial
/// (1 - 2 / (e^2x + 1) would cancel).
QNN_CLONE_INLINE float tanhSmallNonNegative(float A) {
  const float Z = A * A;
  float Small = -5.70498872745e-3f;
  Small = std::fma(Small, Z, 2.06390887954e-2f);
  Small = std::fma(Small, Z, -5.37397155531e-2f);
  Small = std::fma(Small, Z, 1.33314422036e-1f);
  Small = std::fma(Small, Z, -3.33332819422e-1f);
  return std::fma(Small * Z, A, A);
}

/// Hyperbolic tangent.
QNN_CLONE_INLINE float tanh(float X) {
  const uint32_t Sign = floatToBits(X) & 0x80000000u;
  float A = bitsToFloat(floatToBits(X) ^ Sign);
  A = A < 44.0f ? A : 44.0f; // tanh is 1 in float far before
  const float Small = tanhSmallNonNegative(A);
  const float Large = 1.0f - 2.0f / (exp(A + A) + 1.0f);
  // A select of the bits: GCC turns a float ?: here into a branch, which
  // stops the loop around from vectorizing.
  const uint32_t UseSmall = 0u - static_cast<uint32_t>(A < TanhSmallBound);
  return bitsToFloat((floatToBits(Small) & UseSmall) | (floatToBits(Large) & ~UseSmall) | Sign);
}

/// tanh of \p X in (-TanhSmallBound, TanhSmallBound): what tanh() computes
/// there, without its large-argument branch.
QNN_CLONE_INLINE float tanhSmall(float X) {
  const uint32_t Sign = floatToBits(X) & 0x80000000u;
  return bitsToFloat(floatToBits(tanhSmallNonNegative(bitsToFloat(floatToBits(X) ^ Sign))) | Sign);
}

/// Two standard normals \p X, \p Y from one random word, by Box-Muller:
/// the radius from its top 22 bits as a uniform in (0, 1], the angle from
/// its low 10 bits, 1,024 directions a half step off the axes (two bits
/// for a quarter turn, eight for a position in it, whose cos and sin are
/// those of the position, swapped and negated by quarter turn).
///
/// Why so few bits suffice: over N equally spaced directions the average
/// of cos^m equals that over the circle for every m < N, so X and Y have a
/// normal's moments through order 1,023; the radius's uniform leaves the
/// normal's distribution function off by at most 2^-22 and cuts its tail
/// at 5.52 (a normal is beyond with probability 3e-8). Through int32
/// (exact below 2^24 + 1), as int32 to float vectorizes.
QNN_CLONE_INLINE void boxMuller(uint32_t Word, float &X, float &Y) {
  constexpr float Two8 = 1.0f / 256.0f, QuarterTurn = 1.57079632679489662f;
  // sqrt(-2 ln u), u = (bits + 1) 2^-22, the 2^-22 and the -2 folded in.
  const float Radius =
      std::sqrt(scaledLog(static_cast<float>(static_cast<int32_t>((Word >> 10) + 1)), -2.0f, 22));
  // Positions (k + 1/2) / 256 - 1/2, k < 256: never an axis.
  const float Position =
      std::fma(static_cast<float>(static_cast<int32_t>(Word & 0xffu)), Two8, 0.5f * Two8 - 0.5f);
  float Sin, Cos;
  sinCosQuarter(Position * QuarterTurn, Sin, Cos);
  // Bits 8 and 9 are the quarter turn q: an odd q swaps cos and sin, X is
  // negative for q = 1 and 2 (bit 8 xor bit 9), Y for q = 2 and 3 (bit 9).
  const bool Swap = (Word >> 8) & 1;
  const float SwappedX = Swap ? Sin : Cos, SwappedY = Swap ? Cos : Sin;
  constexpr uint32_t SignBit = 0x80000000u;
  const uint32_t NegX = ((Word << 22) ^ (Word << 23)) & SignBit, NegY = (Word << 22) & SignBit;
  X = Radius * bitsToFloat(floatToBits(SwappedX) ^ NegX);
  Y = Radius * bitsToFloat(floatToBits(SwappedY) ^ NegY);
}

} // namespace qnn::runtime::fastmath

#endif

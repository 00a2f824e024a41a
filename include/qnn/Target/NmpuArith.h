//===- NmpuArith.h - Integer and float arithmetic of the NMPU ----*- C++ -*-===//
///
/// \file
/// The arithmetic that decides bits: rounding, saturation and
/// re-quantization. The reference interpreter, the lowered-IR interpreter and
/// the runtime's NMPU all call these functions, so "bit-exact" means the same
/// formula, not three formulas kept in step by hand. docs/runtime.md states the
/// rules in prose.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TARGET_NMPUARITH_H
#define QNN_TARGET_NMPUARITH_H

#include "qnn/Support/Tensor.h"
#include <algorithm>
#include <cmath>
#include <cstdint>

namespace qnn {

/// The NMPU's arithmetic for re-quantization: the chip's fixed point, or the
/// float32 / float16 baselines it is measured against.
enum class NmpuMode { Fixed, Fp32, Fp16 };

namespace nmpu {

/// Round half to even in float32, as ONNX's QuantizeLinear and QLinear* ops
/// (and std::nearbyint in the default rounding mode) do.
inline float roundHalfEven(float V) { return std::nearbyintf(V); }

inline int64_t saturate(int64_t V, int64_t Lo, int64_t Hi) { return std::clamp(V, Lo, Hi); }

/// ONNX QuantizeLinear: saturate(round_half_even(x / scale) + zero_point),
/// the division in float32.
inline int64_t quantizeLinear(float X, float Scale, int64_t ZeroPoint, int64_t Lo, int64_t Hi) {
  float Q = roundHalfEven(X / Scale);
  if (std::isnan(Q))
    return saturate(ZeroPoint, Lo, Hi);
  if (Q > 4e18f)
    return Hi;
  if (Q < -4e18f)
    return Lo;
  return saturate(static_cast<int64_t>(Q) + ZeroPoint, Lo, Hi);
}

/// ONNX DequantizeLinear: (q - zero_point) * scale in float32.
inline float dequantizeLinear(int64_t Q, float Scale, int64_t ZeroPoint) {
  return static_cast<float>(Q - ZeroPoint) * Scale;
}

/// The float multiplier of a QLinearConv/QLinearMatMul output channel,
/// computed as onnxruntime does: (x_scale * w_scale) / y_scale in float32.
inline float requantMultiplier(float InScale, float WeightScale, float OutScale) {
  return (InScale * WeightScale) / OutScale;
}

/// fp32 NMPU re-quantization: clamp(round_half_even(float(acc) * m) + zp).
inline int64_t requantFloat(int64_t Acc, float Multiplier, int64_t ZeroPoint, int64_t Lo,
                            int64_t Hi) {
  return quantizeLinear(static_cast<float>(Acc) * Multiplier, 1.0f, ZeroPoint, Lo, Hi);
}

/// A real multiplier as Mult * 2^-Shift with Mult a signed integer of MultBits.
struct FixedMultiplier {
  int32_t Mult = 0;
  int32_t Shift = 0;
};

/// Nearest representation of a positive real multiplier. Mult is normalized
/// to [2^(MultBits-2), 2^(MultBits-1)); Shift is kept in [0, 62] (tiny
/// multipliers lose mantissa bits instead). Multipliers of 2^(MultBits-1) or
/// more are out of range: the compiler refuses them before calling this.
inline FixedMultiplier quantizeMultiplier(double Real, unsigned MultBits) {
  FixedMultiplier F;
  if (!(Real > 0))
    return F;
  int Exp = 0;
  double Frac = std::frexp(Real, &Exp); // Real = Frac * 2^Exp, Frac in [0.5, 1)
  int64_t One = int64_t(1) << (MultBits - 1);
  int64_t M = std::llround(Frac * static_cast<double>(One));
  if (M == One) {
    M /= 2;
    ++Exp;
  }
  int32_t Shift = static_cast<int32_t>(MultBits - 1) - Exp;
  while (Shift > 62) {
    M = (M + 1) >> 1;
    --Shift;
  }
  F.Mult = static_cast<int32_t>(M);
  F.Shift = Shift;
  return F;
}

/// Value * 2^-Shift rounded half to even, the rounding of ONNX's
/// QuantizeLinear and onnxruntime's QLinear kernels: averages of 4 or 9
/// values and power-of-two multipliers land on ties often, and rounding them
/// up put an eighth of ResNet-18's pooled features one step off.
inline int64_t roundingShift(__int128 Value, int32_t Shift) {
  if (Shift <= 0)
    return static_cast<int64_t>(Value * (static_cast<__int128>(1) << -Shift));
  __int128 Floor = Value >> Shift; // arithmetic: toward -infinity
  __int128 Rest = Value - Floor * (static_cast<__int128>(1) << Shift);
  __int128 Half = static_cast<__int128>(1) << (Shift - 1);
  if (Rest > Half || (Rest == Half && (Floor & 1)))
    ++Floor;
  return static_cast<int64_t>(Floor);
}

/// roundingShift for a Value that fits 64 bits and a Shift in [1, 62],
/// without branches (the batched NMPU epilogue runs it per output): up when
/// the rest passes half, or reaches it with an odd floor.
inline int64_t roundingShift64(int64_t Value, int32_t Shift) {
  const int64_t Floor = Value >> Shift; // arithmetic: toward -infinity
  const int64_t Rest = Value & ((int64_t(1) << Shift) - 1);
  return Floor + ((Rest + (Floor & 1)) > (int64_t(1) << (Shift - 1)));
}

/// (Acc * Mult) * 2^-Shift rounded half to even, exact in 128-bit arithmetic.
inline int64_t applyFixedMultiplier(int64_t Acc, FixedMultiplier F) {
  // An accumulator of 31 bits times a 31-bit multiplier fits 64 bits: the
  // same rounding without 128-bit arithmetic, for nearly every output.
  constexpr int64_t Bound = int64_t(1) << 31;
  if (Acc > -Bound && Acc < Bound && F.Shift > 0 && F.Shift < 63)
    return roundingShift64(Acc * F.Mult, F.Shift);
  return roundingShift(static_cast<__int128>(Acc) * F.Mult, F.Shift);
}

/// A * FA + B * FB rounded half to even, the fixed NMPU's add of two
/// rescaled inputs. Both products are kept exact and the sum is rounded
/// once, as the float reference rounds once: rounding each input first put a
/// tenth of ResNet-18's residual sums one step off. Shifts are in [0, 62]
/// (quantizeMultiplier's form, checked by the image verifier), so nothing
/// overflows 128 bits for inputs below 2^32.
inline int64_t addFixed(int64_t A, FixedMultiplier FA, int64_t B, FixedMultiplier FB) {
  int32_t Shift = std::max(FA.Shift, FB.Shift);
  // Activations of 16 bits times 31-bit multipliers, aligned by at most 14
  // bits, keep each term below 2^61: the sum fits 64 bits.
  constexpr int64_t Bound = int64_t(1) << 16;
  if (A > -Bound && A < Bound && B > -Bound && B < Bound && Shift - FA.Shift <= 14 &&
      Shift - FB.Shift <= 14 && FA.Shift >= 0 && FB.Shift >= 0 && Shift > 0 && Shift < 63) {
    const int64_t Sum = A * FA.Mult * (int64_t(1) << (Shift - FA.Shift)) +
                        B * FB.Mult * (int64_t(1) << (Shift - FB.Shift));
    return roundingShift64(Sum, Shift);
  }
  __int128 Sum =
      static_cast<__int128>(A) * FA.Mult * (static_cast<__int128>(1) << (Shift - FA.Shift)) +
      static_cast<__int128>(B) * FB.Mult * (static_cast<__int128>(1) << (Shift - FB.Shift));
  return roundingShift(Sum, Shift);
}

/// Fixed-point NMPU re-quantization.
inline int64_t requantFixed(int64_t Acc, FixedMultiplier F, int64_t ZeroPoint, int64_t Lo,
                            int64_t Hi) {
  return saturate(applyFixedMultiplier(Acc, F) + ZeroPoint, Lo, Hi);
}

/// Saturates an accumulator to AccBits signed bits.
inline int64_t saturateAccumulator(int64_t Acc, unsigned AccBits) {
  if (AccBits >= 64)
    return Acc;
  int64_t Hi = (int64_t(1) << (AccBits - 1)) - 1;
  return saturate(Acc, -Hi - 1, Hi);
}

/// The value the NMPU takes for ADC code \p Code of an array read with
/// \p ReadShift (docs/chip-model.md, step 4): Code * 2^ReadShift, rounded
/// half up when the shift is negative (an amplified read-out). Every ideal
/// code of an amplified array is a multiple of its gain, so this is exact
/// in ideal mode; in analog mode it rounds the current to the nearest unit.
inline int64_t readoutValue(int64_t Code, int ReadShift) {
  if (ReadShift >= 0)
    return Code << ReadShift;
  return (Code + (int64_t(1) << (-ReadShift - 1))) >> -ReadShift;
}

/// Whether column sums up to \p LargestSum always read exactly through an
/// \p AdcBits ADC with \p ReadShift: not a lossy range (ReadShift > 0),
/// and the sum amplified by the read gain 2^-ReadShift within the codes.
inline bool readsExactly(int64_t LargestSum, unsigned AdcBits, int ReadShift) {
  return ReadShift <= 0 && (LargestSum << -ReadShift) <= (int64_t(1) << AdcBits) - 1;
}

/// The largest gain bits g <= \p MaxGain at which column sums up to
/// \p LargestSum read exactly (readsExactly at read shift -g), or -1 when
/// they do not even at gain 1.
inline int largestExactGain(int64_t LargestSum, unsigned AdcBits, unsigned MaxGain) {
  if (!readsExactly(LargestSum, AdcBits, 0))
    return -1;
  int G = 0;
  while (G < int(MaxGain) && readsExactly(LargestSum, AdcBits, -(G + 1)))
    ++G;
  return G;
}

/// The ideal ADC code of one array column (docs/chip-model.md, step 4):
/// the (non-negative) column sum \p Sum with full scale (2^AdcBits - 1) *
/// 2^ReadShift, rounded half up and clamped to the ADC range.
inline int64_t idealCode(int64_t Sum, unsigned AdcBits, int ReadShift) {
  int64_t MaxCode = (int64_t(1) << AdcBits) - 1;
  int64_t Code = ReadShift > 0 ? (Sum + (int64_t(1) << (ReadShift - 1))) >> ReadShift
                               : Sum * (int64_t(1) << -ReadShift);
  return saturate(Code, 0, MaxCode);
}

/// Ideal read-out of one array column: the value the NMPU takes for the
/// ideal code of \p Sum.
inline int64_t idealReadout(int64_t Sum, unsigned AdcBits, int ReadShift) {
  return readoutValue(idealCode(Sum, AdcBits, ReadShift), ReadShift);
}

/// fp16 NMPU re-quantization: the accumulator, the multiplier and their
/// product each rounded to half precision (accumulators beyond 65504 become
/// infinite and saturate: the reason the fixed-point NMPU exists).
inline int64_t requantHalf(int64_t Acc, float Multiplier, int64_t ZeroPoint, int64_t Lo,
                           int64_t Hi) {
  auto Half = [](float V) { return halfToFloat(floatToHalf(V)); };
  float Product = Half(Half(static_cast<float>(Acc)) * Half(Multiplier));
  return quantizeLinear(Product, 1.0f, ZeroPoint, Lo, Hi);
}

/// One output's re-quantization in \p Mode; \p Multiplier is the float32
/// multiplier and \p Fixed its fixed-point form.
inline int64_t requantize(NmpuMode Mode, int64_t Acc, float Multiplier, FixedMultiplier Fixed,
                          int64_t ZeroPoint, int64_t Lo, int64_t Hi) {
  switch (Mode) {
  case NmpuMode::Fixed:
    return requantFixed(Acc, Fixed, ZeroPoint, Lo, Hi);
  case NmpuMode::Fp32:
    return requantFloat(Acc, Multiplier, ZeroPoint, Lo, Hi);
  case NmpuMode::Fp16:
    return requantHalf(Acc, Multiplier, ZeroPoint, Lo, Hi);
  }
  return requantFixed(Acc, Fixed, ZeroPoint, Lo, Hi);
}

/// The comparator bank of a threshold read-out (image::ThresholdStep): the
/// output level of \p X for one channel's ascending \p Thresholds, counted
/// on Sign * X, as OutMin + OutStep * count. The comparison is exact in
/// double for integer accumulators and float32 activations alike.
inline int64_t thresholdLevel(double X, const double *Thresholds, size_t Count, int Sign,
                              int64_t OutMin, int64_t OutStep) {
  double V = Sign < 0 ? -X : X;
  // Ascending thresholds: the count of those <= V is the first one above V.
  size_t Passed =
      static_cast<size_t>(std::upper_bound(Thresholds, Thresholds + Count, V) - Thresholds);
  return OutMin + OutStep * static_cast<int64_t>(Passed);
}

} // namespace nmpu
} // namespace qnn

#endif

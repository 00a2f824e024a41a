//===- Tensor.cpp - Dense tensor values -----------------------------------===//
#include "qnn/Support/Tensor.h"
#include "llvm/ADT/STLExtras.h"
#include <cassert>
#include <cmath>
#include <cstring>

namespace qnn {

int64_t numElements(const Shape &S) {
  // A zero dimension empties the tensor whatever the others hold. Tested
  // first so that huge dimensions before it (which limits::checkShape lets
  // through beside a zero) cannot overflow the product.
  if (llvm::is_contained(S, 0))
    return 0;
  int64_t N = 1;
  for (int64_t D : S)
    N *= D;
  return N;
}

std::string shapeToString(const Shape &S) {
  std::string Out;
  for (size_t I = 0; I < S.size(); ++I) {
    if (I)
      Out += 'x';
    Out += S[I] < 0 ? std::string("?") : std::to_string(S[I]);
  }
  return Out.empty() ? "scalar" : Out;
}

std::vector<int64_t> stridesOf(const Shape &S) {
  std::vector<int64_t> Strides(S.size(), 1);
  for (int I = static_cast<int>(S.size()) - 2; I >= 0; --I)
    Strides[I] = Strides[I + 1] * S[I + 1];
  return Strides;
}

uint16_t floatToHalf(float F) {
  uint32_t X;
  std::memcpy(&X, &F, 4);
  uint32_t Sign = (X >> 16) & 0x8000;
  uint32_t Exp = (X >> 23) & 0xff;
  uint32_t Mant = X & 0x7fffff;
  if (Exp == 0xff) // inf or nan
    return Sign | 0x7c00 | (Mant ? 0x200 : 0);
  int32_t E = static_cast<int32_t>(Exp) - 127 + 15;
  if (E >= 0x1f)
    return Sign | 0x7c00;
  if (E <= 0) {
    if (E < -10)
      return Sign;
    Mant |= 0x800000;
    uint32_t ShiftBits = static_cast<uint32_t>(14 - E);
    uint32_t Half = Mant >> ShiftBits;
    uint32_t Rem = Mant & ((1u << ShiftBits) - 1);
    uint32_t Mid = 1u << (ShiftBits - 1);
    if (Rem > Mid || (Rem == Mid && (Half & 1)))
      ++Half;
    return Sign | Half;
  }
  uint32_t Half = (static_cast<uint32_t>(E) << 10) | (Mant >> 13);
  uint32_t Rem = Mant & 0x1fff;
  if (Rem > 0x1000 || (Rem == 0x1000 && (Half & 1)))
    ++Half; // may carry into the exponent, which is the right result
  return Sign | Half;
}

float halfToFloat(uint16_t H) {
  uint32_t Sign = (H & 0x8000u) << 16;
  uint32_t Exp = (H >> 10) & 0x1f;
  uint32_t Mant = H & 0x3ff;
  uint32_t X;
  if (Exp == 0) {
    if (Mant == 0) {
      X = Sign;
    } else {
      int E = -1;
      do {
        ++E;
        Mant <<= 1;
      } while (!(Mant & 0x400));
      X = Sign | (static_cast<uint32_t>(127 - 15 - E) << 23) | ((Mant & 0x3ff) << 13);
    }
  } else if (Exp == 0x1f) {
    X = Sign | 0x7f800000 | (Mant << 13);
  } else {
    X = Sign | ((Exp - 15 + 127) << 23) | (Mant << 13);
  }
  float F;
  std::memcpy(&F, &X, 4);
  return F;
}

double storeAs(DType T, double V) {
  switch (T) {
  case DType::F32:
    return roundToF32(V);
  case DType::F16:
    return halfToFloat(floatToHalf(static_cast<float>(V)));
  case DType::F64:
    return V;
  case DType::Bool:
    return V != 0 ? 1.0 : 0.0;
  default:
    break;
  }
  if (!std::isfinite(V))
    return 0;
  // Two's-complement wrap of the integer part to the type's width. A signed
  // result moves by the modulus only when out of range: adding 2^64 to a
  // small negative i64 would round it away.
  double Modulus = std::ldexp(1.0, static_cast<int>(bitWidth(T)));
  double R = std::fmod(std::trunc(V), Modulus);
  if (!isSigned(T))
    return R < 0 ? R + Modulus : R;
  if (R >= Modulus / 2)
    return R - Modulus;
  return R < -Modulus / 2 ? R + Modulus : R;
}

void appendRows(Tensor &To, const Tensor &More) {
  assert(!To.Dims.empty() && To.Dims.size() == More.Dims.size() && "rows of the same shape");
  To.Data.insert(To.Data.end(), More.Data.begin(), More.Data.end());
  To.Dims[0] += More.Dims[0];
}

} // namespace qnn

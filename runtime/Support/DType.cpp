//===- DType.cpp - Element types of tensors -------------------------------===//
#include "qnn/Support/DType.h"
#include "llvm/ADT/StringSwitch.h"
#include <cmath>

namespace qnn {

namespace {
struct DTypeInfo {
  DType Type;
  const char *Name;
  unsigned Bits;
  int32_t Onnx; // onnx::TensorProto_DataType
};

// ONNX numbers: FLOAT=1 UINT8=2 INT8=3 UINT16=4 INT16=5 INT32=6 INT64=7 BOOL=9
// FLOAT16=10 DOUBLE=11 UINT32=12 UINT64=13 BFLOAT16=16 FLOAT8E4M3FN=17
// FLOAT8E4M3FNUZ=18 FLOAT8E5M2=19 FLOAT8E5M2FNUZ=20 UINT4=21 INT4=22
// FLOAT4E2M1=23 UINT2=25 INT2=26.
constexpr DTypeInfo Infos[] = {
    {DType::F32, "f32", 32, 1},
    {DType::F16, "f16", 16, 10},
    {DType::F64, "f64", 64, 11},
    {DType::BF16, "bf16", 16, 16},
    {DType::I2, "i2", 2, 26},
    {DType::U2, "u2", 2, 25},
    {DType::I4, "i4", 4, 22},
    {DType::U4, "u4", 4, 21},
    {DType::I8, "i8", 8, 3},
    {DType::U8, "u8", 8, 2},
    {DType::I16, "i16", 16, 5},
    {DType::U16, "u16", 16, 4},
    {DType::I32, "i32", 32, 6},
    {DType::U32, "u32", 32, 12},
    {DType::I64, "i64", 64, 7},
    {DType::U64, "u64", 64, 13},
    {DType::Bool, "bool", 1, 9},
    {DType::F8E4M3FN, "f8e4m3fn", 8, 17},
    {DType::F8E4M3FNUZ, "f8e4m3fnuz", 8, 18},
    {DType::F8E5M2, "f8e5m2", 8, 19},
    {DType::F8E5M2FNUZ, "f8e5m2fnuz", 8, 20},
    {DType::F4E2M1, "f4e2m1", 4, 23},
};

const DTypeInfo &info(DType T) { return Infos[static_cast<unsigned>(T)]; }
} // namespace

llvm::StringRef dtypeName(DType T) { return info(T).Name; }

std::optional<DType> parseDType(llvm::StringRef Name) {
  for (const DTypeInfo &I : Infos)
    if (Name == I.Name)
      return I.Type;
  return std::nullopt;
}

/// Float formats qnn names but does not compute with.
static bool isUncomputedFloat(DType T) {
  switch (T) {
  case DType::BF16:
  case DType::F8E4M3FN:
  case DType::F8E4M3FNUZ:
  case DType::F8E5M2:
  case DType::F8E5M2FNUZ:
  case DType::F4E2M1:
    return true;
  default:
    return false;
  }
}

bool isFloat(DType T) {
  return T == DType::F32 || T == DType::F16 || T == DType::F64 || isUncomputedFloat(T);
}

bool isInteger(DType T) { return !isFloat(T) && T != DType::Bool; }

bool isSigned(DType T) {
  switch (T) {
  case DType::I2:
  case DType::I4:
  case DType::I8:
  case DType::I16:
  case DType::I32:
  case DType::I64:
    return true;
  default:
    return isFloat(T);
  }
}

unsigned bitWidth(DType T) { return info(T).Bits; }

int64_t minValue(DType T) {
  if (T == DType::Bool || !isSigned(T))
    return 0;
  if (bitWidth(T) == 64)
    return INT64_MIN;
  return -(int64_t(1) << (bitWidth(T) - 1));
}

int64_t maxValue(DType T) {
  if (T == DType::Bool)
    return 1;
  unsigned Bits = bitWidth(T);
  if (isSigned(T))
    return Bits == 64 ? INT64_MAX : (int64_t(1) << (Bits - 1)) - 1;
  return Bits >= 63 ? INT64_MAX : (int64_t(1) << Bits) - 1;
}

bool holdsInteger(DType T, double V) {
  // maxValue of a 64-bit type rounds up to 2^63 as a double, which int64_t
  // cannot hold; the bound is exclusive there.
  double Hi = static_cast<double>(maxValue(T));
  bool BelowTop = bitWidth(T) >= 63 ? V < Hi : V <= Hi;
  return V == std::trunc(V) && V >= static_cast<double>(minValue(T)) && BelowTop;
}

bool isSupported(DType T) { return !isUncomputedFloat(T); }

std::optional<DType> dtypeFromOnnx(int32_t OnnxType) {
  for (const DTypeInfo &I : Infos)
    if (I.Onnx == OnnxType)
      return I.Type;
  return std::nullopt;
}

int32_t dtypeToOnnx(DType T) { return info(T).Onnx; }

} // namespace qnn

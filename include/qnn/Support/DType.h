//===- DType.h - Element types of tensors ------------------------*- C++ -*-===//
///
/// \file
/// The element types that tensors may have anywhere in qnn: in the IR, in an
/// image's tensor descriptors and at the runtime's boundary. Types the chip
/// cannot take (float8, float4, bfloat16) are still named so that diagnostics
/// can say which type was refused.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_DTYPE_H
#define QNN_SUPPORT_DTYPE_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <optional>

namespace qnn {

enum class DType : uint8_t {
  F32 = 0,
  F16,
  F64,
  BF16,
  I2,
  U2,
  I4,
  U4,
  I8,
  U8,
  I16,
  U16,
  I32,
  U32,
  I64,
  U64,
  Bool,
  F8E4M3FN,
  F8E4M3FNUZ,
  F8E5M2,
  F8E5M2FNUZ,
  F4E2M1,
};

/// Short IR spelling: "f32", "u8", "i4", ...
llvm::StringRef dtypeName(DType T);
std::optional<DType> parseDType(llvm::StringRef Name);

bool isFloat(DType T);
bool isInteger(DType T); // signed or unsigned integer, not bool
bool isSigned(DType T);
/// Bit width of one element (1 for bool).
unsigned bitWidth(DType T);
/// Smallest and largest representable integer of an integer type.
int64_t minValue(DType T);
int64_t maxValue(DType T);
/// Whether V is a whole number within the range of integer (or bool) type T,
/// so that converting it to int64_t and storing it as T loses nothing.
bool holdsInteger(DType T, double V);
/// Whether values of T are computed by qnn at all (float8/float4/bf16 are not).
bool isSupported(DType T);

/// Mapping to and from onnx::TensorProto_DataType numbers.
std::optional<DType> dtypeFromOnnx(int32_t OnnxType);
int32_t dtypeToOnnx(DType T);

} // namespace qnn

#endif

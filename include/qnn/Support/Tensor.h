//===- Tensor.h - Dense tensor values ----------------------------*- C++ -*-===//
///
/// \file
/// A dense tensor as the compiler and the interpreters hold it: an element
/// type, a shape and the elements in row-major order. Every element is kept as
/// a double, which holds every float32 and every integer of up to 53 bits
/// exactly; producers of float32 values round through float themselves.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_TENSOR_H
#define QNN_SUPPORT_TENSOR_H

#include "qnn/Support/DType.h"
#include <cstdint>
#include <string>
#include <vector>

namespace qnn {

/// A dimension of -1 is the symbolic batch dimension (printed '?').
using Shape = std::vector<int64_t>;

/// Number of elements of a static shape (1 for a scalar).
int64_t numElements(const Shape &S);
/// "1x3x28x28" style rendering used in messages, '?' for the batch dimension.
std::string shapeToString(const Shape &S);
/// Row-major strides of a static shape.
std::vector<int64_t> stridesOf(const Shape &S);

struct Tensor {
  DType Type = DType::F32;
  Shape Dims;
  std::vector<double> Data;

  Tensor() = default;
  Tensor(DType T, Shape S) : Type(T), Dims(std::move(S)), Data(numElements(Dims)) {}
  Tensor(DType T, Shape S, std::vector<double> D)
      : Type(T), Dims(std::move(S)), Data(std::move(D)) {}

  int64_t size() const { return static_cast<int64_t>(Data.size()); }
  bool operator==(const Tensor &O) const {
    return Type == O.Type && Dims == O.Dims && Data == O.Data;
  }
};

/// Appends \p More to \p To along the first dimension: the outputs of runs
/// of successive batches. Both have a first dimension and the same others.
void appendRows(Tensor &To, const Tensor &More);

/// The int64 an integer element holds. INT64_MAX (a Slice's "to the end")
/// is 2^63 as a double, one past the range: the conversion saturates instead
/// of overflowing, so the extremes read back as themselves.
inline int64_t toInt64(double V) {
  if (V >= 0x1p63)
    return INT64_MAX;
  if (V < -0x1p63)
    return INT64_MIN;
  return V == V ? static_cast<int64_t>(V) : 0;
}

/// Rounds a double to the nearest float32 (what a float32 store does).
inline double roundToF32(double V) { return static_cast<double>(static_cast<float>(V)); }
/// Rounds \p V to what a store into \p T keeps: float32 / float16 rounding,
/// integer truncation with two's-complement wrap, bool as 0/1.
double storeAs(DType T, double V);
/// IEEE half precision conversions (round to nearest even).
uint16_t floatToHalf(float F);
float halfToFloat(uint16_t H);

} // namespace qnn

#endif

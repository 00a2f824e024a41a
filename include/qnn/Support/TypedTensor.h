//===- TypedTensor.h - Tensors stored as their element type ------*- C++ -*-===//
///
/// \file
/// The values a Session keeps between steps. qnn::Tensor holds every element
/// as a double, which suits the compiler; the runtime holds each element as
/// its type instead, so that a chunk of samples takes the memory its types
/// say (an int8 activation one byte, not eight) and kernels read and write
/// their elements without a conversion per element. Session::run converts at
/// its boundary: its inputs and outputs stay qnn::Tensor, and so do host
/// ops, whose kernels the reference interpreter shares.
///
/// Elements are stored as follows: bool, u2, u4 and u8 in a uint8_t; i2, i4
/// and i8 in an int8_t; 16-, 32- and 64-bit integers in their own type; f32
/// and f16 in a float; f64 in a double. A stored element is always the
/// element's value (sub-byte integers sign- or zero-extended, a half
/// widened), so a kernel reads it with a plain cast. Float32 is exact as a
/// float because every producer rounds to float32 anyway (qnn::storeAs);
/// a half is a float too, one conversion less per access than 16 bits, and
/// no model keeps large f16 tensors. A store wraps integers to the type's
/// width and rounds floats to the type, as qnn::storeAs does.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_TYPEDTENSOR_H
#define QNN_SUPPORT_TYPEDTENSOR_H

#include "qnn/Support/Tensor.h"
#include <algorithm>
#include <cassert>
#include <cstddef>
#include <type_traits>

namespace qnn {

/// Calls \p F with a value-initialized object of the type that stores the
/// elements of \p T, and returns what F returns. The image verifier refuses
/// the float types qnn does not compute (isSupported); they never get here.
template <typename Fn> decltype(auto) visitStorage(DType T, Fn &&F) {
  switch (T) {
  case DType::Bool:
  case DType::U2:
  case DType::U4:
  case DType::U8:
    return F(uint8_t());
  case DType::I2:
  case DType::I4:
  case DType::I8:
    return F(int8_t());
  case DType::I16:
    return F(int16_t());
  case DType::U16:
    return F(uint16_t());
  case DType::I32:
    return F(int32_t());
  case DType::U32:
    return F(uint32_t());
  case DType::I64:
    return F(int64_t());
  case DType::U64:
    return F(uint64_t());
  case DType::F64:
    return F(double());
  default:
    assert((T == DType::F32 || T == DType::F16) && "an uncomputed element type");
    return F(float());
  }
}

/// Bytes that store one element of \p T.
size_t storageBytes(DType T);

class TypedTensor {
public:
  TypedTensor() = default;
  /// Zeros of type \p T and static shape \p S.
  TypedTensor(DType T, Shape S);
  /// The elements of \p T, each stored as its type (a store, as above).
  explicit TypedTensor(const Tensor &T);
  /// The elements as doubles (exact: every stored value is one).
  Tensor toTensor() const;

  DType type() const { return Type; }
  const Shape &dims() const { return Dims; }
  int64_t size() const { return Elements; }
  /// The bytes the elements take.
  size_t bytes() const { return Storage.size(); }

  /// The elements as their storage type \p E (visitStorage).
  template <typename E> E *data() {
    assert(isStorage<E>() && "not the storage type");
    return reinterpret_cast<E *>(Storage.data());
  }
  template <typename E> const E *data() const {
    assert(isStorage<E>() && "not the storage type");
    return reinterpret_cast<const E *>(Storage.data());
  }

  /// Elements [Begin, Begin + Count) into \p To: as int64 (floats truncated
  /// and saturated, as qnn::toInt64) or as doubles.
  void read(int64_t Begin, int64_t Count, int64_t *To) const;
  void read(int64_t Begin, int64_t Count, double *To) const;
  /// Stores \p Count values from \p From at \p Begin.
  void write(int64_t Begin, int64_t Count, const int64_t *From);
  void write(int64_t Begin, int64_t Count, const double *From);
  int64_t intAt(int64_t I) const {
    int64_t V;
    read(I, 1, &V);
    return V;
  }
  /// Appends \p More along the first dimension (qnn::appendRows): both have
  /// a first dimension, the same others and the same type.
  void appendRows(const TypedTensor &More);

private:
  template <typename E> bool isStorage() const {
    return visitStorage(Type, [](auto Tag) { return std::is_same_v<decltype(Tag), E>; });
  }

  DType Type = DType::F32;
  Shape Dims;
  int64_t Elements = 0;
  /// operator new aligns it for every storage type.
  std::vector<std::byte> Storage;
};

/// Elements a kernel converts at a time (on the stack, twice).
constexpr int64_t MapBlock = 512;

/// Out[OutBegin + I] = F(I, In[InBegin + I]) for I in [0, Count), F taking
/// and returning \p InV and \p OutV (int64_t or double): elements pass
/// through blocks of MapBlock values, one dispatch on the types per block.
template <typename InV, typename OutV, typename Fn>
void mapElements(const TypedTensor &In, int64_t InBegin, TypedTensor &Out, int64_t OutBegin,
                 int64_t Count, Fn &&F) {
  InV Src[MapBlock];
  OutV Dst[MapBlock];
  for (int64_t Done = 0; Done < Count; Done += MapBlock) {
    const int64_t N = std::min(MapBlock, Count - Done);
    In.read(InBegin + Done, N, Src);
    for (int64_t I = 0; I < N; ++I)
      Dst[I] = F(Done + I, Src[I]);
    Out.write(OutBegin + Done, N, Dst);
  }
}

/// Copies \p Count elements: their bytes when both have the same type,
/// else each value stored as \p Dst's type.
void copyElements(const TypedTensor &Src, int64_t SrcBegin, TypedTensor &Dst, int64_t DstBegin,
                  int64_t Count);

} // namespace qnn

#endif

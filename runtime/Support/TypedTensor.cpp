//===- TypedTensor.cpp - Tensors stored as their element type -------------===//
#include "qnn/Support/TypedTensor.h"
#include <cmath>

namespace qnn {

namespace {

/// \p V wrapped to the width of integer type \p T (two's complement), or
/// for bool 0 or 1: what a store keeps (qnn::storeAs).
int64_t wrapInt(DType T, int64_t V) {
  if (T == DType::Bool)
    return V != 0;
  const unsigned Width = bitWidth(T);
  if (Width >= 64)
    return V;
  const uint64_t Low = uint64_t(V) & ((uint64_t(1) << Width) - 1);
  if (isSigned(T) && Low >> (Width - 1))
    return int64_t(Low) - (int64_t(1) << Width);
  return int64_t(Low);
}

/// Whether a plain cast to the storage type \p E stores an integer of \p T:
/// E is exactly as wide (bool and sub-byte types need wrapInt).
template <typename E> bool castWraps(DType T) {
  return T != DType::Bool && bitWidth(T) == 8 * sizeof(E);
}

} // namespace

size_t storageBytes(DType T) {
  return visitStorage(T, [](auto Tag) { return sizeof(Tag); });
}

TypedTensor::TypedTensor(DType T, Shape S)
    : Type(T), Dims(std::move(S)), Elements(numElements(Dims)),
      Storage(size_t(Elements) * storageBytes(T)) {}

TypedTensor::TypedTensor(const Tensor &T) : TypedTensor(T.Type, T.Dims) {
  assert(T.size() == Elements && "a tensor of its shape");
  write(0, Elements, T.Data.data());
}

Tensor TypedTensor::toTensor() const {
  Tensor T(Type, Dims);
  read(0, Elements, T.Data.data());
  return T;
}

void TypedTensor::read(int64_t Begin, int64_t Count, int64_t *To) const {
  visitStorage(Type, [&](auto Tag) {
    using E = decltype(Tag);
    const E *From = data<E>() + Begin;
    for (int64_t I = 0; I < Count; ++I)
      if constexpr (std::is_floating_point_v<E>)
        To[I] = toInt64(From[I]);
      else
        To[I] = static_cast<int64_t>(From[I]);
  });
}

void TypedTensor::read(int64_t Begin, int64_t Count, double *To) const {
  visitStorage(Type, [&](auto Tag) {
    using E = decltype(Tag);
    std::copy_n(data<E>() + Begin, Count, To);
  });
}

void TypedTensor::write(int64_t Begin, int64_t Count, const int64_t *From) {
  visitStorage(Type, [&](auto Tag) {
    using E = decltype(Tag);
    E *To = data<E>() + Begin;
    if constexpr (std::is_floating_point_v<E>) {
      for (int64_t I = 0; I < Count; ++I)
        To[I] = static_cast<E>(storeAs(Type, static_cast<double>(From[I])));
    } else if (castWraps<E>(Type)) {
      for (int64_t I = 0; I < Count; ++I)
        To[I] = static_cast<E>(From[I]);
    } else {
      for (int64_t I = 0; I < Count; ++I)
        To[I] = static_cast<E>(wrapInt(Type, From[I]));
    }
  });
}

void TypedTensor::write(int64_t Begin, int64_t Count, const double *From) {
  visitStorage(Type, [&](auto Tag) {
    using E = decltype(Tag);
    E *To = data<E>() + Begin;
    for (int64_t I = 0; I < Count; ++I) {
      const double V = From[I];
      if constexpr (std::is_floating_point_v<E>) {
        To[I] = static_cast<E>(Type == DType::F16 ? storeAs(Type, V) : V);
      } else if (Type != DType::Bool && std::isfinite(V) && std::abs(V) < 0x1p63) {
        // Truncated, then wrapped as storeAs does, without its fmod.
        To[I] = static_cast<E>(wrapInt(Type, static_cast<int64_t>(V)));
      } else {
        // storeAs keeps the value within the type: E holds it.
        To[I] = static_cast<E>(storeAs(Type, V));
      }
    }
  });
}

void TypedTensor::appendRows(const TypedTensor &More) {
  assert(!Dims.empty() && Dims.size() == More.Dims.size() && Type == More.Type &&
         "rows of the same shape and type");
  Storage.insert(Storage.end(), More.Storage.begin(), More.Storage.end());
  Dims[0] += More.Dims[0];
  Elements += More.Elements;
}

void copyElements(const TypedTensor &Src, int64_t SrcBegin, TypedTensor &Dst, int64_t DstBegin,
                  int64_t Count) {
  if (Src.type() != Dst.type()) {
    mapElements<double, double>(Src, SrcBegin, Dst, DstBegin, Count,
                                [](int64_t, double V) { return V; });
    return;
  }
  visitStorage(Src.type(), [&](auto Tag) {
    using E = decltype(Tag);
    std::copy_n(Src.data<E>() + SrcBegin, Count, Dst.data<E>() + DstBegin);
  });
}

} // namespace qnn

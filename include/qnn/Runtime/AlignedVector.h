//===- AlignedVector.h - Vectors that start on a cache line -------*- C++ -*-===//
///
/// \file
/// AlignedVector<T>: a std::vector whose storage starts on a 64-byte
/// boundary, a cache line and an AVX-512 register. The vector loops of the
/// batched reads (AnalogRead.h) load and store whole registers of rows
/// that are multiples of 64 bytes long; from malloc's 16-byte alignment
/// every such access spans two lines, which cost the row-table sums a
/// third of their time.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_ALIGNEDVECTOR_H
#define QNN_RUNTIME_ALIGNEDVECTOR_H

#include <cstddef>
#include <new>
#include <vector>

namespace qnn::runtime {

constexpr std::size_t CacheLine = 64;

/// The allocator of AlignedVector.
template <typename T> struct CacheLineAllocator {
  using value_type = T;
  CacheLineAllocator() = default;
  template <typename U> CacheLineAllocator(const CacheLineAllocator<U> &) {}
  T *allocate(std::size_t N) {
    return static_cast<T *>(::operator new(N * sizeof(T), std::align_val_t(CacheLine)));
  }
  void deallocate(T *P, std::size_t) { ::operator delete(P, std::align_val_t(CacheLine)); }
  template <typename U> bool operator==(const CacheLineAllocator<U> &) const { return true; }
  template <typename U> bool operator!=(const CacheLineAllocator<U> &) const { return false; }
};

template <typename T> using AlignedVector = std::vector<T, CacheLineAllocator<T>>;

} // namespace qnn::runtime

#endif

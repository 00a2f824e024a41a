//===- HugePageArray.h - Large uninitialized arrays on huge pages -*- C++ -*-===//
///
/// \file
/// An array that a run fills once and reads often, e.g. the cell currents of
/// every array of a chip instance (hundreds of MB for ResNet-18). It is not
/// zeroed, and on Linux its memory is offered for transparent huge pages
/// (madvise), so its first touch takes a page fault per 2 MiB rather than
/// per 4 KiB: on a virtual machine, zeroing and faulting in 4 KiB pages was
/// half of a one-image analog run.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_HUGEPAGEARRAY_H
#define QNN_RUNTIME_HUGEPAGEARRAY_H

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <type_traits>
#include <utility>

namespace qnn::runtime {

/// \p Bytes of memory aligned to a huge page, offered for huge pages where
/// the system has them; released with std::free.
void *allocateHugePages(size_t Bytes);

template <typename T> class HugePageArray {
  static_assert(std::is_trivially_copyable_v<T>, "elements are left uninitialized");

public:
  HugePageArray() = default;
  /// \p Count elements, uninitialized.
  explicit HugePageArray(size_t Count)
      : Elements(static_cast<T *>(allocateHugePages(Count * sizeof(T)))), Count(Count) {}

  HugePageArray(HugePageArray &&O) noexcept
      : Elements(std::move(O.Elements)), Count(std::exchange(O.Count, 0)) {}
  HugePageArray &operator=(HugePageArray &&O) noexcept {
    Elements = std::move(O.Elements);
    Count = std::exchange(O.Count, 0);
    return *this;
  }

  T *data() { return Elements.get(); }
  const T *data() const { return Elements.get(); }
  size_t size() const { return Count; }

private:
  struct Free {
    void operator()(T *P) const { std::free(P); }
  };
  std::unique_ptr<T[], Free> Elements;
  size_t Count = 0;
};

} // namespace qnn::runtime

#endif

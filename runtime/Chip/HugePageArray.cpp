//===- HugePageArray.cpp - Large uninitialized arrays on huge pages -------===//
#include "qnn/Runtime/HugePageArray.h"
#include <new>
#ifdef __linux__
#include <sys/mman.h>
#endif

namespace qnn::runtime {

void *allocateHugePages(size_t Bytes) {
  constexpr size_t HugePage = size_t(2) << 20;
  const size_t Rounded = (Bytes + HugePage - 1) / HugePage * HugePage;
  void *P = nullptr;
  if (Rounded > 0 && posix_memalign(&P, HugePage, Rounded) != 0)
    throw std::bad_alloc();
#ifdef MADV_HUGEPAGE
  // Only advice: without huge pages the memory is ordinary pages.
  if (P)
    madvise(P, Rounded, MADV_HUGEPAGE);
#endif
  return P;
}

} // namespace qnn::runtime

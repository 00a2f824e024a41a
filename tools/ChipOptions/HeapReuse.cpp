//===- HeapReuse.cpp - Keep freed memory for the next chunk ---------------===//
#include "HeapReuse.h"
#include <cstdlib> // defines __GLIBC__ where glibc is the C library
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace qnn::tools {

void keepFreedMemoryForReuse() {
#if defined(__GLIBC__)
  // 32 MiB is the largest threshold glibc's dynamic adjustment would reach;
  // setting it also stops that adjustment.
  mallopt(M_MMAP_THRESHOLD, 32 << 20);
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

} // namespace qnn::tools

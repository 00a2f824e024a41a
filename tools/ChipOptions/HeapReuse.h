//===- HeapReuse.h - Keep freed memory for the next chunk ---------*- C++ -*-===//
///
/// \file
/// A run of the chip model allocates and frees buffers of the same large
/// sizes over and over (per step and chunk: gathered inputs, column sums,
/// accumulators). glibc's malloc serves a block above its mmap threshold
/// (128 KiB at first) with a fresh mapping and gives freed memory at the top
/// of a heap back to the kernel, so each reuse faults its pages in and the
/// kernel zeroes them again (a third of the page faults of an analog
/// ResNet-18 run, docs/performance.md). qnn-run and qnn-eval keep freed
/// memory instead.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_CHIPOPTIONS_HEAPREUSE_H
#define QNN_TOOLS_CHIPOPTIONS_HEAPREUSE_H

namespace qnn::tools {

/// Makes malloc serve blocks up to 32 MiB from its heaps and keep up to
/// 1 GiB of freed memory for reuse (a no-op outside glibc). The peak memory
/// of a run stays what its largest step needs; the process returns the rest
/// when it ends.
void keepFreedMemoryForReuse();

} // namespace qnn::tools

#endif

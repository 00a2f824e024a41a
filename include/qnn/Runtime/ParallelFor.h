//===- ParallelFor.h - Independent work items on a few threads ---*- C++ -*-===//
///
/// \file
/// The runtime's one form of parallelism: independent items handed out in
/// order to a fixed number of threads. Callers keep each item's result in
/// its own slot and merge in item order, so what they compute never
/// depends on the thread count.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_PARALLELFOR_H
#define QNN_RUNTIME_PARALLELFOR_H

#include "llvm/ADT/STLFunctionalExtras.h"
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <thread>
#include <vector>

namespace qnn::runtime {

/// Calls \p Body(i, w) once for every i < \p Count, on up to \p Threads
/// threads (the calling one among them); w < min(Threads, Count) numbers
/// the thread, for scratch that each keeps.
inline void parallelFor(size_t Count, size_t Threads,
                        llvm::function_ref<void(size_t, size_t)> Body) {
  std::atomic<size_t> Next{0};
  auto work = [&](size_t Worker) {
    for (size_t I = Next++; I < Count; I = Next++)
      Body(I, Worker);
  };
  std::vector<std::thread> Workers;
  for (size_t W = 1; W < std::min(Threads, Count); ++W)
    Workers.emplace_back(work, W);
  work(0);
  for (std::thread &W : Workers)
    W.join();
}

} // namespace qnn::runtime

#endif

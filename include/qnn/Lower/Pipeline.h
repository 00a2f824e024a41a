//===- Pipeline.h - Images in flight: a modulo schedule of the layers -*- C++ -*-===//
///
/// \file
/// The chip runs several images at once: while layer 2 works on image i,
/// layer 1 already takes image i + 1. The schedule pass gives every op its
/// duration (cycles per image); this file places the ops of one image in
/// time so that the same placement, repeated every II cycles (the initiation
/// interval), never uses a resource twice at once. That is iterative modulo
/// scheduling (Rau, 1994) on the layer graph, which has no loop-carried
/// dependences, so II only has a resource bound:
///
///   II >= max over resources r of (sum of the cycles of the ops using r)
///
/// Resources: every array (an mvm op holds the arrays of its blocks while it
/// runs) and every tile's NMPU and buffer (every on-chip op holds its tile).
/// An op holds all its resources for its whole duration: the cost model does
/// not overlap a layer's array reads with its NMPU work (docs/cost-model.md).
/// Ops start when their producers have finished the whole image (layer
/// granularity, no line buffering), and buffers are assumed to hold what the
/// images in flight need (double buffering; not checked).
///
/// The scheduler starts at II = the resource bound and raises it while some
/// op finds no free slot; at II = the sum of all durations the back-to-back
/// schedule always fits, so it terminates. Deterministic.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_PIPELINE_H
#define QNN_LOWER_PIPELINE_H

#include "qnn/IR/Graph.h"
#include "qnn/Target/Target.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"
#include <string>

namespace qnn {

struct PipelineSchedule {
  /// Start cycle of every on-chip op for image 0; image i starts at
  /// Start + i * IntervalCycles. Host ops are not scheduled.
  llvm::DenseMap<const Op *, int64_t> Start;
  int64_t IntervalCycles = 0; ///< II: a new image every II cycles
  int64_t LatencyCycles = 0;  ///< one image, first start to last end
  /// One image when it has the chip to itself (no other image in flight):
  /// the ops overlap where they use different resources.
  int64_t AloneLatencyCycles = 0;
  int64_t SequentialCycles = 0; ///< every op back to back (sum of cycles)
  int64_t ResourceBound = 0;    ///< max over resources of their busy cycles
  /// The resource with the most busy cycles ("array 12", "tile 3") and its
  /// longest op.
  std::string Bottleneck, BottleneckOp;
};

/// Schedules the ops of a scheduled graph \p G (attributes `cycles`, `tile`,
/// and the mvm blocks' arrays).
llvm::Expected<PipelineSchedule> schedulePipeline(const Graph &G);

/// Nanoseconds of one cycle (one array read: DAC + array + ADC), 0 when the
/// target gives no latencies.
double cycleNs(const Target &T);

} // namespace qnn

#endif

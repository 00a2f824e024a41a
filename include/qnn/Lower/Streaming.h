//===- Streaming.h - Activations that stream through a tile buffer by rows -*- C++ -*-===//
///
/// \file
/// A tile's activation buffer (buffer_bytes) need not hold a whole tensor:
/// an [N, C, H, W] activation can pass through it row by row (line
/// buffering, as streaming dataflow accelerators do), each op keeping only
/// the rows its window needs. `partition` asks for the whole tensors only
/// when they fit, and otherwise for the streaming working set computed here;
/// it refuses an op only when that does not fit either, or the op cannot
/// stream (docs/passes.md, partition).
///
/// Working sets (bytes per sample; a row is C x W elements of an
/// [N, C, H, W] tensor):
/// - conv2d mvm, qmaxpool, qavgpool: ((kernel_h - 1) * dilation_h +
///   stride_h) input rows (the window and the rows the next output row
///   adds) plus one output row;
/// - quantize, dequantize, requantize, clamp, qadd, qconcat, threshold: one
///   row of every non-constant operand and result (all of the same height);
/// - qglobalavgpool: one input row, the output and 4-byte accumulators per
///   channel;
/// - rows mvm: one input vector (K elements) and its N outputs;
/// - reshape: nothing (it renames its operand's buffer; the reader of its
///   result decides whether that must be whole);
/// - anything else (slice, host ops): cannot stream.
/// Every element still passes through the buffer once, so the cost model
/// does not change.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_STREAMING_H
#define QNN_LOWER_STREAMING_H

#include "qnn/IR/Graph.h"
#include <optional>

namespace qnn {

/// The bytes op \p O holds in its tile's buffer when its activations stream
/// by rows; none if it cannot stream.
std::optional<int64_t> streamingBytes(const Op &O);

} // namespace qnn

#endif

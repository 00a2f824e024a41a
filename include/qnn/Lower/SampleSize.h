//===- SampleSize.h - Sizes of one sample of a value, for the mapping passes -*- C++ -*-===//
///
/// \file
/// The chip runs one sample at a time: a leading symbolic batch dimension
/// counts one. partition (buffers), schedule (costs) and the streaming rules
/// measure tensors this way.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_SAMPLESIZE_H
#define QNN_LOWER_SAMPLESIZE_H

#include "qnn/IR/Graph.h"

namespace qnn {

/// Bytes of \p Elements elements of type \p T, packed at its bit width.
int64_t bytesOfElements(int64_t Elements, DType T);
/// Elements of one sample of \p V (symbolic dimensions count one).
int64_t elementsPerSample(const Value &V);
/// Bytes of one sample of \p V.
int64_t bytesPerSample(const Value &V);

} // namespace qnn

#endif

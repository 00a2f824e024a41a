//===- ThresholdTable.h - Comparator tables of threshold read-outs -*- C++ -*-===//
///
/// \file
/// A "threshold" op and an mvm with a threshold read-out carry the same two
/// constants (docs/ir.md): thresholds [C, T], float, ascending per row, and
/// signs [C], i8 of +1 or -1. Both verify rules check them here.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IR_THRESHOLDTABLE_H
#define QNN_IR_THRESHOLDTABLE_H

#include "qnn/IR/Graph.h"
#include "llvm/Support/Error.h"

namespace qnn {

/// Checks \p Thresholds and \p Signs of op \p O (either may be null); the
/// error names the op, the constant and the offending channel.
llvm::Error verifyThresholdTable(const Op &O, const Value *Thresholds, const Value *Signs);

/// The channel axis of "threshold" op \p O in [0, rank of x), or -1 when its
/// table has one row (every element compares with it). \p O must have its
/// input and thresholds operands; the axis is checked by the op's rule.
int64_t thresholdAxis(const Op &O);

} // namespace qnn

#endif

//===- Packing.h - Diagonal packing of blocks onto arrays ---------*- C++ -*-===//
///
/// \file
/// Several small blocks of a layer share one array when they use disjoint
/// rows and disjoint columns: each array fills along its diagonal, the next
/// block starting below and right of the previous one. Blocks go first-fit
/// in decreasing area (ties in block order), so the result is deterministic.
/// Blocks on one array must share the read shift, since the full scale is a
/// property of the array. `partition` counts arrays with it, `place` assigns
/// the offsets it returns.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_LOWER_PACKING_H
#define QNN_LOWER_PACKING_H

#include "qnn/Lower/MvmLayer.h"
#include "qnn/Target/Target.h"

namespace qnn {

struct PackedBlock {
  int64_t Array = 0; ///< index among the layer's own arrays, from 0
  int64_t RowOffset = 0, ColOffset = 0;
};

/// One placement per block, in block order; \p NumArrays receives the count.
std::vector<PackedBlock> packBlocks(llvm::ArrayRef<MvmBlock> Blocks, const Target &T,
                                    int64_t &NumArrays);

} // namespace qnn

#endif

//===- ChipOps.cpp - Registers the op kinds of the lowered stage ----------===//
#include "qnn/Lower/MvmOp.h"

namespace qnn {

void registerChipOps(OpRegistry &R) {
  // Operands: input x, weight or cell-level matrix W [K, C], bias [N]; a
  // threshold read-out adds thresholds [N, T] and signs [N].
  R.add({"mvm", 3, 5, 1, verifyMvm, evalMvm});
}

} // namespace qnn

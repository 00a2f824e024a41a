//===- ChipOps.cpp - Registers the op kinds of the lowered stage ----------===//
#include "qnn/Lower/MvmOp.h"

namespace qnn {

void registerChipOps(OpRegistry &R) {
  // Operands: input x, weight or cell-level matrix W [K, C], bias [N].
  R.add({"mvm", 3, 3, 1, verifyMvm, evalMvm});
}

} // namespace qnn

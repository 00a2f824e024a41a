//===- Registration.cpp - Registers the op kinds of every stage -----------===//
#include "qnn/IR/OpRegistry.h"

namespace qnn {

void registerAllOps() {
  static const bool Done = [] {
    OpRegistry &R = OpRegistry::instance();
    registerOnnxOps(R);
    registerQuantOps(R);
    registerChipOps(R);
    return true;
  }();
  (void)Done;
}

} // namespace qnn

//===- ThresholdTable.cpp - Comparator tables of threshold read-outs ------===//
#include "qnn/IR/ThresholdTable.h"
#include <cmath>

namespace qnn {

llvm::Error verifyThresholdTable(const Op &O, const Value *Th, const Value *Signs) {
  if (!Th || !Signs)
    return opError(O, "needs thresholds and signs");
  if (!Th->isConstant() || !isFloat(Th->Type.Elem) || Th->Type.Dims.size() != 2)
    return opError(O, "thresholds '" + Th->Name + "' must be a float constant [channels, count]");
  int64_t C = Th->Type.Dims[0], T = Th->Type.Dims[1];
  if (C < 1 || T < 1)
    return opError(O, "thresholds '" + Th->Name + "' need at least one channel and one threshold");
  if (!Signs->isConstant() || Signs->Type.Elem != DType::I8 || Signs->Type.Dims != Shape{C})
    return opError(O, "signs '" + Signs->Name + "' must be an i8 constant of shape [" +
                          llvm::Twine(C) + "], one per threshold row");
  for (int64_t Ci = 0; Ci < C; ++Ci) {
    double S = Signs->Const->Data[Ci];
    if (S != 1 && S != -1)
      return opError(O, "signs '" + Signs->Name + "' must hold +1 or -1, channel " +
                            llvm::Twine(Ci) + " has " + llvm::Twine(static_cast<int64_t>(S)));
    const double *Row = &Th->Const->Data[Ci * T];
    for (int64_t I = 0; I < T; ++I)
      if (std::isnan(Row[I]) || (I > 0 && Row[I] < Row[I - 1]))
        return opError(O, "thresholds '" + Th->Name + "' of channel " + llvm::Twine(Ci) +
                              " must be ascending numbers; sort each row (a falling step "
                              "function takes sign -1)");
  }
  return llvm::Error::success();
}

int64_t thresholdAxis(const Op &O) {
  if (O.operand(1)->Type.Dims[0] == 1)
    return -1;
  int64_t Axis = O.Attrs.getInt("axis", -1);
  return Axis < 0 ? Axis + static_cast<int64_t>(O.operand(0)->Type.Dims.size()) : Axis;
}

} // namespace qnn

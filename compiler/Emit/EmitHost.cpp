//===- EmitHost.cpp - Float ONNX ops as host steps ------------------------===//
#include "EmitHost.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/HostOps.h"

namespace qnn {

bool isHostStepOp(const Op &O) { return !hostOpType(O.Kind).empty(); }

llvm::Error emitHostStep(const Op &O, llvm::function_ref<uint32_t(const Value &)> TensorIndex,
                         std::vector<image::Step> &Steps) {
  image::Step S;
  S.Kind = image::StepKind::Host;
  S.Layer = O.Name;
  // Off the chip: no tile of its own and no chip cycles.
  S.StartCycle = static_cast<uint64_t>(O.Attrs.getInt("start_cycle", 0));
  image::HostStep &H = S.Host;
  H.Op = hostOpType(O.Kind).str();
  HostAttrLists Attrs = hostOpAttrs(H.Op, O.Attrs);
  H.IntAttrs = std::move(Attrs.Ints);
  H.FloatAttrs = std::move(Attrs.Floats);
  for (const Value *V : O.Operands) {
    if (!V)
      return opError(O, "an absent optional operand has no host step operand");
    if (V->isConstant()) {
      H.Operands.push_back(-static_cast<int32_t>(H.Constants.size()) - 1);
      H.Constants.push_back({V->Const->Type, V->Const->Dims, V->Const->Data});
      continue;
    }
    H.Operands.push_back(static_cast<int32_t>(S.Inputs.size()));
    S.Inputs.push_back(TensorIndex(*V));
  }
  for (const Value *R : O.Results)
    S.Outputs.push_back(TensorIndex(*R));
  Steps.push_back(std::move(S));
  return llvm::Error::success();
}

} // namespace qnn

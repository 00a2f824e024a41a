//===- HostKernel.cpp - Float ops the runtime runs on the host ------------===//
#include "Kernels.h"
#include "qnn/Support/HostOps.h"

namespace qnn::runtime {

llvm::Error runHost(const image::HostStep &S, llvm::ArrayRef<const Tensor *> Inputs,
                    std::vector<Tensor> &Out) {
  std::vector<Tensor> Constants;
  Constants.reserve(S.Constants.size());
  for (const image::HostConstant &C : S.Constants)
    Constants.emplace_back(C.Type, C.Dims, C.Data);
  // The verifier keeps every operand index in range.
  std::vector<const Tensor *> Operands;
  for (int32_t O : S.Operands)
    Operands.push_back(O >= 0 ? Inputs[O] : &Constants[-O - 1]);
  return runHostOp(S.Op, {S.IntAttrs, S.FloatAttrs}, Operands, Out);
}

} // namespace qnn::runtime

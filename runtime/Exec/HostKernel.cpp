//===- HostKernel.cpp - Float ops the runtime runs on the host ------------===//
#include "Kernels.h"
#include "qnn/Support/HostOps.h"

namespace qnn::runtime {

llvm::Error runHost(const image::HostStep &S, llvm::ArrayRef<const TypedTensor *> Inputs,
                    std::vector<TypedTensor> &Out) {
  std::vector<Tensor> Constants, Converted;
  Constants.reserve(S.Constants.size());
  for (const image::HostConstant &C : S.Constants)
    Constants.emplace_back(C.Type, C.Dims, C.Data);
  Converted.reserve(Inputs.size());
  for (const TypedTensor *In : Inputs)
    Converted.push_back(In->toTensor());
  // The verifier keeps every operand index in range.
  std::vector<const Tensor *> Operands;
  for (int32_t O : S.Operands)
    Operands.push_back(O >= 0 ? &Converted[O] : &Constants[-O - 1]);
  std::vector<Tensor> Results;
  if (llvm::Error E = runHostOp(S.Op, {S.IntAttrs, S.FloatAttrs}, Operands, Results))
    return E;
  Out.clear();
  for (const Tensor &R : Results)
    Out.emplace_back(R);
  return llvm::Error::success();
}

} // namespace qnn::runtime

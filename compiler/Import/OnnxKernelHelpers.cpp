//===- OnnxKernelHelpers.cpp - Helpers shared by the ONNX kernel files ----===//
#include "OnnxOps.h"
#include "qnn/IR/Printer.h"
#include "qnn/Interp/KernelUtils.h"
#include <cmath>

namespace qnn::onnx_ops {

std::string typeString(DType Elem, const Shape &Dims) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  printType(TensorType{Elem, Dims, std::nullopt}, OS);
  return OS.str();
}

llvm::Expected<DType> dtypeAttr(int64_t OnnxType, llvm::StringRef What) {
  std::optional<DType> T = dtypeFromOnnx(static_cast<int32_t>(OnnxType));
  if (!T)
    return makeError("{} names ONNX element type {}, which qnnc does not know", What.str(),
                     OnnxType);
  if (!isSupported(*T))
    return makeError("{} is {}, which qnnc does not support", What.str(), dtypeName(*T).str());
  return *T;
}

llvm::Error checkScalar(InferContext &C, unsigned I, llvm::StringRef What) {
  if (numElements(C.shape(I)) != 1)
    return makeError("{} must hold one element, it has shape {}", What.str(),
                     shapeToString(C.shape(I)));
  return llvm::Error::success();
}

llvm::Error inferConcatResult(InferContext &C, llvm::ArrayRef<Shape> Inputs, DType Elem) {
  auto Axis = normalizeAxis(C.O.Attrs.getInt("axis", 0), Inputs[0].size(), "axis");
  if (!Axis)
    return Axis.takeError();
  auto S = concatShape(Inputs, *Axis);
  if (!S)
    return S.takeError();
  C.setResult(0, Elem, *S);
  return llvm::Error::success();
}

int64_t concatAxis(const Op &O, llvm::ArrayRef<Shape> Inputs) {
  int64_t Rank = static_cast<int64_t>(Inputs[0].size());
  return (O.Attrs.getInt("axis", 0) + Rank) % Rank;
}

int64_t zeroPoint(llvm::ArrayRef<const Tensor *> In, unsigned I, int64_t Index) {
  return In.size() > I && In[I] ? static_cast<int64_t>(In[I]->Data[Index]) : 0;
}

double perChannel(const Tensor *T, int64_t C, double Default) {
  if (!T)
    return Default;
  return T->Data[T->Data.size() == 1 ? 0 : C];
}

llvm::Error checkColumnParam(InferContext &C, unsigned I, int64_t N, llvm::StringRef What) {
  int64_t Count = numElements(C.shape(I));
  if (Count != 1 && (C.shape(I).size() != 1 || Count != N))
    return makeError("{} must hold one element or one per column ({}), it has shape {}", What.str(),
                     N, shapeToString(C.shape(I)));
  return llvm::Error::success();
}

llvm::Error checkRowParam(InferContext &C, unsigned I, int64_t M, llvm::StringRef What) {
  int64_t Count = numElements(C.shape(I));
  if (Count != 1 && (C.shape(I).size() != 1 || Count != M))
    return makeError("{} must hold one element or one per row ({}), it has shape {}", What.str(), M,
                     shapeToString(C.shape(I)));
  return llvm::Error::success();
}

} // namespace qnn::onnx_ops

//===- OnnxOpTable.cpp - Registration of the supported ONNX ops -----------===//
#include "OnnxOps.h"
#include "llvm/ADT/StringMap.h"

namespace qnn {
namespace onnx_ops {

const Shape &InferContext::shape(unsigned I) const {
  if (const Tensor *T = known(I))
    return T->Dims;
  return O.Operands[I]->Type.Dims;
}

DType InferContext::elem(unsigned I) const {
  if (const Tensor *T = known(I))
    return T->Type;
  return O.Operands[I]->Type.Elem;
}

llvm::Expected<const Tensor *> InferContext::require(unsigned I, llvm::StringRef What) {
  if (const Tensor *T = known(I))
    return T;
  MissingValue = true;
  return makeError("{} must be known when the model is compiled (computed from constants and "
                   "static shapes only); make it an initializer, bind the inputs it depends "
                   "on with --bind or fix their shapes with --shape",
                   What.str());
}

llvm::Expected<std::vector<int64_t>> InferContext::requireInts(unsigned I, llvm::StringRef What) {
  auto T = require(I, What);
  if (!T)
    return T.takeError();
  if (!isInteger((*T)->Type))
    return makeError("{} must be integers, it is {}", What.str(), dtypeName((*T)->Type).str());
  std::vector<int64_t> Ints;
  for (double V : (*T)->Data)
    Ints.push_back(toInt64(V));
  return Ints;
}

namespace {

const llvm::StringMap<OnnxOpInfo> &table() {
  static const llvm::StringMap<OnnxOpInfo> Table = [] {
    std::vector<OnnxOpInfo> Ops;
    appendQuantOps(Ops);
    appendConvOps(Ops);
    appendElementwiseOps(Ops);
    appendShapeOps(Ops);
    appendMicrosoftOps(Ops);
    appendQonnxOps(Ops);
    llvm::StringMap<OnnxOpInfo> Map;
    for (const OnnxOpInfo &Info : Ops)
      Map.try_emplace(Info.Kind, Info);
    return Map;
  }();
  return Table;
}

bool attributeHasKind(const Attribute &A, char Kind) {
  switch (Kind) {
  case 'i':
    return std::holds_alternative<int64_t>(A);
  case 'f':
    return std::holds_alternative<double>(A);
  case 's':
    return std::holds_alternative<std::string>(A);
  case 'I':
    return std::holds_alternative<std::vector<int64_t>>(A);
  case 'F':
    return std::holds_alternative<std::vector<double>>(A);
  default:
    llvm_unreachable("bad attribute kind in the ONNX op table");
  }
}

llvm::Error verifyOnnxOp(const Op &O) {
  const OnnxOpInfo *Info = lookupOnnxOp(O.Kind);
  assert(Info && "verifier called for an unregistered ONNX op");
  if (llvm::Error E = checkAttributes(*Info, O))
    return opError(O, llvm::toString(std::move(E)));
  std::vector<const Tensor *> Known;
  for (const Value *V : O.Operands)
    Known.push_back(V ? V->Const.get() : nullptr);
  InferContext C(O, Known, Info->NumResults);
  if (llvm::Error E = Info->Infer(C)) {
    if (C.MissingValue) {
      llvm::consumeError(std::move(E));
      return llvm::Error::success();
    }
    return opError(O, llvm::toString(std::move(E)));
  }
  for (size_t I = 0; I < C.Results.size(); ++I) {
    const TensorType &Have = O.Results[I]->Type;
    if (Have.Elem != C.Results[I].Elem || Have.Dims != C.Results[I].Dims)
      return opError(O, "result '" + O.Results[I]->Name + "' has type " +
                            typeString(Have.Elem, Have.Dims) + ", its operands give " +
                            typeString(C.Results[I].Elem, C.Results[I].Dims));
  }
  return llvm::Error::success();
}

llvm::Error evalOnnxOp(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out,
                       const EvalContext &) {
  const OnnxOpInfo *Info = lookupOnnxOp(O.Kind);
  assert(Info && "interpreter called for an unregistered ONNX op");
  if (llvm::Error E = evaluate(*Info, O, In, Out))
    return opError(O, llvm::toString(std::move(E)));
  return llvm::Error::success();
}

} // namespace

const OnnxOpInfo *lookupOnnxOp(llvm::StringRef Kind) {
  auto It = table().find(Kind);
  return It == table().end() ? nullptr : &It->second;
}

llvm::Error checkAttributes(const OnnxOpInfo &Info, const Op &O) {
  llvm::SmallVector<llvm::StringRef, 8> Specs;
  llvm::StringRef(Info.Attrs).split(Specs, ' ', -1, /*KeepEmpty=*/false);
  for (const auto &[Name, Value] : O.Attrs) {
    auto Spec = llvm::find_if(
        Specs, [&, &Name = Name](llvm::StringRef S) { return S.rsplit(':').first == Name; });
    if (Spec == Specs.end())
      return makeError("attribute '{}' is not supported", Name);
    char Kind = Spec->back();
    if (!attributeHasKind(Value, Kind))
      return makeError("attribute '{}' must be {}", Name,
                       Kind == 'i'   ? "an integer"
                       : Kind == 'f' ? "a float"
                       : Kind == 's' ? "a string"
                       : Kind == 'I' ? "a list of integers"
                                     : "a list of floats");
  }
  return llvm::Error::success();
}

llvm::Error evaluate(const OnnxOpInfo &Info, const Op &O, llvm::ArrayRef<const Tensor *> In,
                     std::vector<Tensor> &Out) {
  InferContext C(O, In, Info.NumResults);
  if (llvm::Error E = Info.Infer(C))
    return E;
  Out.resize(C.Results.size());
  for (size_t I = 0; I < C.Results.size(); ++I) {
    for (int64_t D : C.Results[I].Dims)
      if (D < 0)
        return makeError("result shape {} is not static", shapeToString(C.Results[I].Dims));
    Out[I] = Tensor(C.Results[I].Elem, C.Results[I].Dims);
  }
  return Info.Compute(O, In, Out);
}

} // namespace onnx_ops

void registerOnnxOps(OpRegistry &R) {
  for (const auto &Entry : onnx_ops::table()) {
    const onnx_ops::OnnxOpInfo &Info = Entry.getValue();
    R.add(OpDef{Info.Kind, Info.MinOperands, Info.MaxOperands, Info.NumResults,
                onnx_ops::verifyOnnxOp, onnx_ops::evalOnnxOp});
  }
}

} // namespace qnn

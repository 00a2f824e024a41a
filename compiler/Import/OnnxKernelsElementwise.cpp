//===- OnnxKernelsElementwise.cpp - Element-wise and reduction ops --------===//
//
// Results are rounded to their element type after each op (float32 stays
// float32, integers wrap), so a chain of float ops matches ONNX's float32
// evaluation.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/HostOps.h"
#include <cmath>

namespace qnn::onnx_ops {

namespace {

/// Every operand broadcast together; all of one element type.
llvm::Error inferBroadcast(InferContext &C) {
  Shape S = C.shape(0);
  for (unsigned I = 1; I < C.numOperands(); ++I) {
    if (C.elem(I) != C.elem(0))
      return makeError("operands have different types {} and {}", dtypeName(C.elem(0)).str(),
                       dtypeName(C.elem(I)).str());
    auto B = broadcastShapes(S, C.shape(I));
    if (!B)
      return B.takeError();
    S = *B;
  }
  C.setResult(0, C.elem(0), S);
  return llvm::Error::success();
}

/// Folds \p F over the broadcast operands, rounding each step to the type.
template <typename Fn>
llvm::Error foldBroadcast(llvm::ArrayRef<const Tensor *> In, Tensor &Out, Fn &&F) {
  std::vector<int64_t> First = broadcastIndices(In[0]->Dims, Out.Dims);
  for (size_t E = 0; E < First.size(); ++E)
    Out.Data[E] = In[0]->Data[First[E]];
  for (size_t I = 1; I < In.size(); ++I) {
    std::vector<int64_t> Index = broadcastIndices(In[I]->Dims, Out.Dims);
    for (size_t E = 0; E < Index.size(); ++E) {
      auto R = F(Out.Data[E], In[I]->Data[Index[E]]);
      if (!R)
        return R.takeError();
      Out.Data[E] = storeAs(Out.Type, *R);
    }
  }
  return llvm::Error::success();
}

/// The ops the runtime may also run on the host: one kernel for both
/// (qnn/Support/HostOps.h), fed the op's integer attributes.
llvm::Error computeHost(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  llvm::StringRef Type = hostOpType(O.Kind);
  return runHostOp(Type, hostOpAttrs(Type, O.Attrs), In, Out);
}

llvm::Error computeMin(const Op &, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  return foldBroadcast(In, Out[0], [](double A, double B) -> llvm::Expected<double> {
    return std::isnan(A) || std::isnan(B) ? NAN : std::min(A, B);
  });
}
llvm::Error computeMax(const Op &, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  return foldBroadcast(In, Out[0], [](double A, double B) -> llvm::Expected<double> {
    return std::isnan(A) || std::isnan(B) ? NAN : std::max(A, B);
  });
}

/// Pow: the exponent may have another numeric type; the result has the
/// base's.
llvm::Error inferPow(InferContext &C) {
  auto S = broadcastShapes(C.shape(0), C.shape(1));
  if (!S)
    return S.takeError();
  C.setResult(0, C.elem(0), *S);
  return llvm::Error::success();
}

llvm::Error computePow(const Op &, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  return foldBroadcast(In, Out[0],
                       [](double A, double B) -> llvm::Expected<double> { return std::pow(A, B); });
}

/// Same type and shape as operand 0.
llvm::Error inferUnary(InferContext &C) {
  C.setResult(0, C.elem(0), C.shape(0));
  return llvm::Error::success();
}

llvm::Error computeIdentity(const Op &, llvm::ArrayRef<const Tensor *> In,
                            std::vector<Tensor> &Out) {
  Out[0].Data = In[0]->Data;
  return llvm::Error::success();
}

llvm::Error computeRound(const Op &, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  for (int64_t I = 0; I < In[0]->size(); ++I)
    Out[0].Data[I] = storeAs(Out[0].Type, std::nearbyint(In[0]->Data[I]));
  return llvm::Error::success();
}

llvm::Error inferClip(InferContext &C) {
  for (unsigned I = 1; I < C.numOperands(); ++I)
    if (C.has(I) && (numElements(C.shape(I)) != 1 || C.elem(I) != C.elem(0)))
      return makeError("min and max must be {} scalars", dtypeName(C.elem(0)).str());
  return inferUnary(C);
}

llvm::Error computeClip(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  // Opset < 11 has min/max attributes, later opsets optional inputs.
  double Lo = O.Attrs.getFloat("min", -INFINITY), Hi = O.Attrs.getFloat("max", INFINITY);
  if (In.size() > 1 && In[1])
    Lo = In[1]->Data[0];
  if (In.size() > 2 && In[2])
    Hi = In[2]->Data[0];
  for (int64_t I = 0; I < In[0]->size(); ++I)
    Out[0].Data[I] = storeAs(Out[0].Type, std::min(std::max(In[0]->Data[I], Lo), Hi));
  return llvm::Error::success();
}

llvm::Error inferCast(InferContext &C) {
  auto T = dtypeAttr(C.O.Attrs.getInt("to", 0), "the target type 'to'");
  if (!T)
    return T.takeError();
  C.setResult(0, *T, C.shape(0));
  return llvm::Error::success();
}

llvm::Error computeCast(const Op &, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  for (int64_t I = 0; I < In[0]->size(); ++I)
    Out[0].Data[I] = storeAs(Out[0].Type, In[0]->Data[I]);
  return llvm::Error::success();
}

llvm::Error inferSoftmax(InferContext &C) {
  if (!isFloat(C.elem(0)))
    return makeError("input must be a float tensor, it is {}", dtypeName(C.elem(0)).str());
  if (auto A = normalizeAxis(C.O.Attrs.getInt("axis", -1), C.shape(0).size(), "axis"); !A)
    return A.takeError();
  return inferUnary(C);
}

/// Before opset 13 Softmax flattened the input to 2-D at `axis` (default 1);
/// that agrees with the current per-axis rule only when axis is the last one.
llvm::Error normalizeSoftmax(Op &O, int64_t Opset) {
  if (Opset >= 13)
    return llvm::Error::success();
  int64_t Rank = static_cast<int64_t>(O.Operands[0]->Type.Dims.size());
  int64_t Axis = O.Attrs.getInt("axis", 1);
  if (Axis < 0)
    Axis += Rank;
  if (Axis != Rank - 1)
    return makeError("Softmax of opset {} over axes {}.. of a rank-{} input is not supported; "
                     "only the last axis is",
                     Opset, Axis, Rank);
  O.Attrs.set("axis", int64_t(-1));
  return llvm::Error::success();
}

/// Reduction (ArgMax, ReduceMin, ReduceMax) over one axis or the given axes.
llvm::Expected<std::vector<int64_t>> reduceAxes(InferContext &C) {
  int64_t Rank = static_cast<int64_t>(C.shape(0).size());
  std::vector<int64_t> Axes;
  if (C.O.Attrs.has("axis"))
    Axes = {C.O.Attrs.getInt("axis")};
  else if (C.O.Attrs.has("axes"))
    Axes = C.O.Attrs.getInts("axes");
  else if (C.has(1)) {
    auto A = C.requireInts(1, "axes");
    if (!A)
      return A.takeError();
    Axes = *A;
  } else if (llvm::StringRef(C.O.Kind).endswith("ArgMax"))
    Axes = {0};
  if (Axes.empty() && !C.O.Attrs.getInt("noop_with_empty_axes", 0))
    for (int64_t D = 0; D < Rank; ++D)
      Axes.push_back(D);
  for (int64_t &A : Axes) {
    auto N = normalizeAxis(A, Rank, "axis");
    if (!N)
      return N.takeError();
    // normalizeAxis lets axis 0 name a scalar (as Concat and Gather read
    // it); a scalar has no axis to reduce over.
    if (*N >= Rank)
      return makeError("axis {} is out of range for the rank-{} input", A, Rank);
    A = *N;
  }
  return Axes;
}

llvm::Error inferReduce(InferContext &C) {
  auto Axes = reduceAxes(C);
  if (!Axes)
    return Axes.takeError();
  bool Keep = C.O.Attrs.getInt("keepdims", 1) != 0;
  Shape Out;
  for (size_t D = 0; D < C.shape(0).size(); ++D) {
    bool Reduced = llvm::is_contained(*Axes, static_cast<int64_t>(D));
    if (!Reduced)
      Out.push_back(C.shape(0)[D]);
    else if (Keep)
      Out.push_back(1);
  }
  bool Arg = llvm::StringRef(C.O.Kind).endswith("ArgMax");
  if (Arg && Axes->size() != 1)
    return makeError("ArgMax reduces exactly one axis");
  C.setResult(0, Arg ? DType::I64 : C.elem(0), Out);
  return llvm::Error::success();
}

/// Runs F(OutIndex, InIndex) over the input of a reduction of \p Axes.
template <typename Fn>
void forEachReduced(const Shape &In, const std::vector<int64_t> &Axes, Fn &&F) {
  std::vector<int64_t> Strides = stridesOf(In);
  Shape Kept = In;
  for (int64_t A : Axes)
    Kept[A] = 1;
  std::vector<int64_t> OutStrides = stridesOf(Kept);
  for (int64_t E = 0; E < numElements(In); ++E) {
    int64_t OutIndex = 0;
    for (size_t D = 0; D < In.size(); ++D)
      if (Kept[D] != 1)
        OutIndex += ((E / Strides[D]) % In[D]) * OutStrides[D];
    F(OutIndex, E);
  }
}

template <bool IsMax>
llvm::Error computeReduce(const Op &O, llvm::ArrayRef<const Tensor *> In,
                          std::vector<Tensor> &Out) {
  std::vector<const Tensor *> Known(In.begin(), In.end());
  InferContext C(O, Known, 1);
  auto Axes = reduceAxes(C);
  if (!Axes)
    return Axes.takeError();
  std::fill(Out[0].Data.begin(), Out[0].Data.end(), IsMax ? -INFINITY : INFINITY);
  forEachReduced(In[0]->Dims, *Axes, [&](int64_t To, int64_t From) {
    double V = In[0]->Data[From];
    Out[0].Data[To] = IsMax ? std::max(Out[0].Data[To], V) : std::min(Out[0].Data[To], V);
  });
  return llvm::Error::success();
}

/// TopK: values and i64 indices of the k largest (or smallest) along axis;
/// k must be known when the model is compiled.
llvm::Error inferTopK(InferContext &C) {
  int64_t Rank = static_cast<int64_t>(C.shape(0).size());
  auto Axis = normalizeAxis(C.O.Attrs.getInt("axis", -1), Rank, "axis");
  if (!Axis)
    return Axis.takeError();
  auto K = C.requireInts(1, "k");
  if (!K)
    return K.takeError();
  int64_t Dim = C.shape(0)[*Axis];
  if (K->size() != 1 || (*K)[0] < 0 || (Dim >= 0 && (*K)[0] > Dim))
    return makeError("k must be one integer in [0, {}], the size of axis {}", Dim, *Axis);
  Shape S = C.shape(0);
  S[*Axis] = (*K)[0];
  C.setResult(0, C.elem(0), S);
  C.setResult(1, DType::I64, S);
  return llvm::Error::success();
}

} // namespace

void appendElementwiseOps(std::vector<OnnxOpInfo> &Ops) {
  Ops.push_back({"onnx.Add", 2, 2, 1, "", inferBroadcast, computeHost});
  Ops.push_back({"onnx.Sub", 2, 2, 1, "", inferBroadcast, computeHost});
  Ops.push_back({"onnx.Mul", 2, 2, 1, "", inferBroadcast, computeHost});
  Ops.push_back({"onnx.Div", 2, 2, 1, "", inferBroadcast, computeHost});
  Ops.push_back({"onnx.Pow", 2, 2, 1, "", inferPow, computePow});
  Ops.push_back({"onnx.Min", 1, 1024, 1, "", inferBroadcast, computeMin});
  Ops.push_back({"onnx.Max", 1, 1024, 1, "", inferBroadcast, computeMax});
  Ops.push_back({"onnx.Relu", 1, 1, 1, "", inferUnary, computeHost});
  Ops.push_back({"onnx.Identity", 1, 1, 1, "", inferUnary, computeIdentity});
  Ops.push_back({"onnx.Round", 1, 1, 1, "", inferUnary, computeRound});
  Ops.push_back({"onnx.Clip", 1, 3, 1, "min:f max:f", inferClip, computeClip});
  Ops.push_back({"onnx.Cast", 1, 1, 1, "to:i saturate:i", inferCast, computeCast});
  Ops.push_back({"onnx.Softmax", 1, 1, 1, "axis:i", inferSoftmax, computeHost,
                 /*ShapeOnly=*/false, normalizeSoftmax});
  Ops.push_back(
      {"onnx.ArgMax", 1, 1, 1, "axis:i keepdims:i select_last_index:i", inferReduce, computeHost});
  Ops.push_back({"onnx.TopK", 2, 2, 2, "axis:i largest:i sorted:i", inferTopK, computeHost});
  const char *ReduceAttrs = "axes:I keepdims:i noop_with_empty_axes:i";
  Ops.push_back({"onnx.ReduceMin", 1, 2, 1, ReduceAttrs, inferReduce, computeReduce<false>});
  Ops.push_back({"onnx.ReduceMax", 1, 2, 1, ReduceAttrs, inferReduce, computeReduce<true>});
}

} // namespace qnn::onnx_ops

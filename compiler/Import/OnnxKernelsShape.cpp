//===- OnnxKernelsShape.cpp - Data movement and shape computation ops -----===//
//
// Concat, Flatten, Reshape, Transpose, Shape, Gather, Unsqueeze, Squeeze,
// ConstantOfShape and Slice. Operands that decide a result shape (Reshape's
// shape, Slice's starts, ...) must be known when the model is compiled.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Limits.h"
#include "llvm/ADT/STLExtras.h"
#include <fmt/ranges.h>

namespace qnn::onnx_ops {

namespace {

/// Copies elements: Out.Data[I] = In.Data[Map(I)].
template <typename Fn> void gatherElements(const Tensor &In, Tensor &Out, Fn &&Map) {
  for (int64_t I = 0; I < Out.size(); ++I)
    Out.Data[I] = In.Data[Map(I)];
}

llvm::Error inferConcat(InferContext &C) {
  std::vector<Shape> Shapes;
  for (unsigned I = 0; I < C.numOperands(); ++I) {
    if (C.elem(I) != C.elem(0))
      return makeError("inputs have different types {} and {}", dtypeName(C.elem(0)).str(),
                       dtypeName(C.elem(I)).str());
    Shapes.push_back(C.shape(I));
  }
  return inferConcatResult(C, Shapes, C.elem(0));
}

llvm::Error computeConcat(const Op &O, llvm::ArrayRef<const Tensor *> In,
                          std::vector<Tensor> &Out) {
  std::vector<Shape> Shapes;
  for (const Tensor *T : In)
    Shapes.push_back(T->Dims);
  forEachConcatElement(Shapes, concatAxis(O, Shapes), [&](size_t Input, int64_t From, int64_t To) {
    Out[0].Data[To] = In[Input]->Data[From];
  });
  return llvm::Error::success();
}

/// Product of dimensions, -1 when one of them is the batch.
int64_t product(llvm::ArrayRef<int64_t> Dims) {
  int64_t P = 1;
  for (int64_t D : Dims) {
    if (D < 0)
      return -1;
    P *= D;
  }
  return P;
}

llvm::Error inferFlatten(InferContext &C) {
  const Shape &X = C.shape(0);
  int64_t Rank = static_cast<int64_t>(X.size());
  int64_t Axis = C.O.Attrs.getInt("axis", 1);
  if (Axis < -Rank || Axis > Rank)
    return makeError("axis {} is out of range for rank {}", Axis, Rank);
  if (Axis < 0)
    Axis += Rank;
  llvm::ArrayRef<int64_t> Dims(X);
  C.setResult(0, C.elem(0), {product(Dims.take_front(Axis)), product(Dims.drop_front(Axis))});
  return llvm::Error::success();
}

/// Copies the data unchanged: Flatten, Reshape, Squeeze, Unsqueeze.
llvm::Error computeCopy(const Op &, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  Out[0].Data = In[0]->Data;
  return llvm::Error::success();
}

llvm::Error inferReshape(InferContext &C) {
  auto Target = C.requireInts(1, "the target shape of Reshape");
  if (!Target)
    return Target.takeError();
  const Shape &X = C.shape(0);
  bool AllowZero = C.O.Attrs.getInt("allowzero", 0) != 0;
  Shape Out;
  int64_t Infer = -1, Known = 1;
  for (size_t I = 0; I < Target->size(); ++I) {
    int64_t D = (*Target)[I];
    if (D == 0 && !AllowZero) {
      if (I >= X.size())
        return makeError("target dimension {} copies input dimension {}, the input has rank "
                         "{}",
                         I, I, X.size());
      D = X[I];
    } else if (D == -1) {
      if (Infer >= 0)
        return makeError("the target shape has more than one -1");
      Infer = static_cast<int64_t>(I);
    } else if (D < -1) {
      return makeError("target dimension {} is {}", I, D);
    } else if (D > 0 && Known > 0 && Known > limits::MaxElements / D) {
      // Checked before multiplying: the product would overflow, and no
      // input qnn holds has that many elements.
      return makeError("target shape {} has more than {} elements", shapeToString(*Target),
                       limits::MaxElements);
    }
    Out.push_back(D);
    if (static_cast<int64_t>(I) != Infer)
      Known = D < 0 || Known < 0 ? -1 : Known * D;
  }
  int64_t Total = product(X);
  if (Infer >= 0) {
    if (Total < 0 || Known < 0)
      Out[Infer] = -1;
    else if (Known == 0 || Total % Known != 0)
      return makeError("cannot reshape {} to {}", shapeToString(X), shapeToString(*Target));
    else
      Out[Infer] = Total / Known;
  } else if (Total >= 0 && Known >= 0 && Total != Known) {
    return makeError("cannot reshape {} ({} elements) to {} ({} elements)", shapeToString(X), Total,
                     shapeToString(Out), Known);
  }
  C.setResult(0, C.elem(0), Out);
  return llvm::Error::success();
}

llvm::Expected<std::vector<int64_t>> transposePerm(const Op &O, int64_t Rank) {
  std::vector<int64_t> Perm = O.Attrs.getInts("perm");
  if (Perm.empty())
    for (int64_t D = Rank - 1; D >= 0; --D)
      Perm.push_back(D);
  std::vector<int64_t> Sorted = Perm;
  llvm::sort(Sorted);
  bool IsPermutation = static_cast<int64_t>(Sorted.size()) == Rank;
  for (int64_t D = 0; IsPermutation && D < Rank; ++D)
    IsPermutation = Sorted[D] == D;
  if (!IsPermutation)
    return makeError("perm [{}] is not a permutation of the {} axes of the input",
                     fmt::join(Perm, ", "), Rank);
  return Perm;
}

llvm::Error inferTranspose(InferContext &C) {
  const Shape &X = C.shape(0);
  auto Perm = transposePerm(C.O, static_cast<int64_t>(X.size()));
  if (!Perm)
    return Perm.takeError();
  Shape Out;
  for (int64_t P : *Perm)
    Out.push_back(X[P]);
  C.setResult(0, C.elem(0), Out);
  return llvm::Error::success();
}

llvm::Error computeTranspose(const Op &O, llvm::ArrayRef<const Tensor *> In,
                             std::vector<Tensor> &Out) {
  const Shape &X = In[0]->Dims;
  auto Perm = transposePerm(O, static_cast<int64_t>(X.size()));
  if (!Perm)
    return Perm.takeError();
  std::vector<int64_t> InStrides = stridesOf(X), OutStrides = stridesOf(Out[0].Dims);
  gatherElements(*In[0], Out[0], [&](int64_t I) {
    int64_t From = 0;
    for (size_t D = 0; D < Perm->size(); ++D)
      From += ((I / OutStrides[D]) % Out[0].Dims[D]) * InStrides[(*Perm)[D]];
    return From;
  });
  return llvm::Error::success();
}

/// [start, end) of Shape's slice of a rank-\p Rank shape.
std::pair<int64_t, int64_t> shapeRange(const Op &O, int64_t Rank) {
  auto Clamp = [Rank](int64_t V) { return std::clamp(V < 0 ? V + Rank : V, int64_t(0), Rank); };
  return {Clamp(O.Attrs.getInt("start", 0)), Clamp(O.Attrs.getInt("end", Rank))};
}

llvm::Error inferShape(InferContext &C) {
  auto [Start, End] = shapeRange(C.O, static_cast<int64_t>(C.shape(0).size()));
  C.setResult(0, DType::I64, {std::max<int64_t>(0, End - Start)});
  return llvm::Error::success();
}

llvm::Error computeShape(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  auto [Start, End] = shapeRange(O, static_cast<int64_t>(In[0]->Dims.size()));
  for (int64_t D = Start; D < End; ++D)
    Out[0].Data[D - Start] = static_cast<double>(In[0]->Dims[D]);
  return llvm::Error::success();
}

llvm::Error inferGather(InferContext &C) {
  const Shape &X = C.shape(0);
  auto Axis = normalizeAxis(C.O.Attrs.getInt("axis", 0), X.size(), "axis");
  if (!Axis)
    return Axis.takeError();
  if (C.elem(1) != DType::I32 && C.elem(1) != DType::I64)
    return makeError("indices must be i32 or i64, they are {}", dtypeName(C.elem(1)).str());
  Shape Out(X.begin(), X.begin() + *Axis);
  Out.insert(Out.end(), C.shape(1).begin(), C.shape(1).end());
  Out.insert(Out.end(), X.begin() + *Axis + 1, X.end());
  C.setResult(0, C.elem(0), Out);
  return llvm::Error::success();
}

llvm::Error computeGather(const Op &O, llvm::ArrayRef<const Tensor *> In,
                          std::vector<Tensor> &Out) {
  const Shape &X = In[0]->Dims;
  int64_t Rank = static_cast<int64_t>(X.size());
  int64_t Axis = (O.Attrs.getInt("axis", 0) + Rank) % Rank;
  int64_t Len = X[Axis], Inner = product(llvm::ArrayRef<int64_t>(X).drop_front(Axis + 1));
  int64_t Outer = product(llvm::ArrayRef<int64_t>(X).take_front(Axis));
  const std::vector<double> &Indices = In[1]->Data;
  int64_t To = 0;
  for (int64_t O = 0; O < Outer; ++O)
    for (double IdxV : Indices) {
      int64_t Idx = static_cast<int64_t>(IdxV);
      if (Idx < -Len || Idx >= Len)
        return makeError("index {} is out of range for dimension {} of size {}", Idx, Axis, Len);
      if (Idx < 0)
        Idx += Len;
      for (int64_t I = 0; I < Inner; ++I)
        Out[0].Data[To++] = In[0]->Data[(O * Len + Idx) * Inner + I];
    }
  return llvm::Error::success();
}

/// Axes of Squeeze / Unsqueeze: the attribute (opset < 13) or operand 1.
llvm::Expected<std::vector<int64_t>> squeezeAxes(InferContext &C, bool &Given) {
  Given = true;
  if (C.O.Attrs.has("axes"))
    return C.O.Attrs.getInts("axes");
  if (C.has(1))
    return C.requireInts(1, "axes");
  Given = false;
  return std::vector<int64_t>();
}

llvm::Error inferUnsqueeze(InferContext &C) {
  bool Given;
  auto Axes = squeezeAxes(C, Given);
  if (!Axes)
    return Axes.takeError();
  if (!Given)
    return makeError("Unsqueeze needs axes");
  const Shape &X = C.shape(0);
  int64_t Rank = static_cast<int64_t>(X.size() + Axes->size());
  std::vector<bool> Inserted(Rank, false);
  for (int64_t A : *Axes) {
    auto N = normalizeAxis(A, Rank, "axis");
    if (!N)
      return N.takeError();
    if (Inserted[*N])
      return makeError("axis {} is repeated", A);
    Inserted[*N] = true;
  }
  Shape Out;
  size_t Next = 0;
  for (int64_t D = 0; D < Rank; ++D)
    Out.push_back(Inserted[D] ? 1 : X[Next++]);
  C.setResult(0, C.elem(0), Out);
  return llvm::Error::success();
}

llvm::Error inferSqueeze(InferContext &C) {
  bool Given;
  auto Axes = squeezeAxes(C, Given);
  if (!Axes)
    return Axes.takeError();
  const Shape &X = C.shape(0);
  std::vector<bool> Removed(X.size(), false);
  for (size_t D = 0; D < X.size(); ++D)
    Removed[D] = !Given && X[D] == 1;
  for (int64_t A : *Axes) {
    auto N = normalizeAxis(A, X.size(), "axis");
    if (!N)
      return N.takeError();
    if (X[*N] != 1)
      return makeError("dimension {} of {} is not 1", *N, shapeToString(X));
    Removed[*N] = true;
  }
  Shape Out;
  for (size_t D = 0; D < X.size(); ++D)
    if (!Removed[D])
      Out.push_back(X[D]);
  C.setResult(0, C.elem(0), Out);
  return llvm::Error::success();
}

llvm::Error inferConstantOfShape(InferContext &C) {
  auto S = C.requireInts(0, "the shape of ConstantOfShape");
  if (!S)
    return S.takeError();
  for (int64_t D : *S)
    if (D < 0)
      return makeError("shape {} has a negative dimension", shapeToString(*S));
  if (C.has(1) && numElements(C.shape(1)) != 1)
    return makeError("value must hold one element");
  C.setResult(0, C.has(1) ? C.elem(1) : DType::F32, *S);
  return llvm::Error::success();
}

llvm::Error computeConstantOfShape(const Op &, llvm::ArrayRef<const Tensor *> In,
                                   std::vector<Tensor> &Out) {
  double V = In.size() > 1 && In[1] ? In[1]->Data[0] : 0.0;
  std::fill(Out[0].Data.begin(), Out[0].Data.end(), V);
  return llvm::Error::success();
}

/// Per-dimension start and step of a Slice, after ONNX's clamping rules.
struct SliceRange {
  Shape Out;
  std::vector<int64_t> Start, Step;
};

llvm::Expected<SliceRange> sliceRange(InferContext &C) {
  const Shape &X = C.shape(0);
  int64_t Rank = static_cast<int64_t>(X.size());
  std::vector<int64_t> Starts, Ends, Axes, Steps;
  if (C.O.Attrs.has("starts")) { // opset < 10
    Starts = C.O.Attrs.getInts("starts");
    Ends = C.O.Attrs.getInts("ends");
    Axes = C.O.Attrs.getInts("axes");
  } else {
    auto S = C.requireInts(1, "starts");
    auto E = S ? C.requireInts(2, "ends") : S.takeError();
    if (!E)
      return E.takeError();
    Starts = *S;
    Ends = *E;
    if (C.has(3)) {
      auto A = C.requireInts(3, "axes");
      if (!A)
        return A.takeError();
      Axes = *A;
    }
    if (C.has(4)) {
      auto St = C.requireInts(4, "steps");
      if (!St)
        return St.takeError();
      Steps = *St;
    }
  }
  if (Axes.empty())
    for (size_t I = 0; I < Starts.size(); ++I)
      Axes.push_back(static_cast<int64_t>(I));
  if (Steps.empty())
    Steps.assign(Starts.size(), 1);
  if (Ends.size() != Starts.size() || Axes.size() != Starts.size() || Steps.size() != Starts.size())
    return makeError("starts, ends, axes and steps must have the same length");
  SliceRange R{X, std::vector<int64_t>(Rank, 0), std::vector<int64_t>(Rank, 1)};
  for (size_t I = 0; I < Starts.size(); ++I) {
    auto A = normalizeAxis(Axes[I], Rank, "axis");
    if (!A)
      return A.takeError();
    int64_t Dim = X[*A], Step = Steps[I];
    if (Step == 0)
      return makeError("slice step must not be 0");
    // A step longer than any dimension takes one element whatever its size:
    // bounding it keeps the arithmetic below from overflowing.
    Step = std::clamp(Step, -limits::MaxElements - 1, limits::MaxElements + 1);
    if (Dim < 0) {
      if (Starts[I] != 0 || Step != 1 || Ends[I] < INT32_MAX)
        return makeError("cannot slice the batch dimension {}; give it with --shape", *A);
      continue;
    }
    auto Clamp = [&](int64_t V, int64_t Lo, int64_t Hi) {
      return std::clamp(V < 0 ? V + Dim : V, Lo, Hi);
    };
    int64_t Begin = Step > 0 ? Clamp(Starts[I], 0, Dim) : Clamp(Starts[I], 0, Dim - 1);
    int64_t End = Step > 0 ? Clamp(Ends[I], 0, Dim) : Clamp(Ends[I], -1, Dim - 1);
    int64_t Count = Step > 0 ? (End - Begin + Step - 1) / Step : (Begin - End - Step - 1) / -Step;
    R.Out[*A] = std::max<int64_t>(0, Count);
    R.Start[*A] = Begin;
    R.Step[*A] = Step;
  }
  return R;
}

llvm::Error inferSlice(InferContext &C) {
  auto R = sliceRange(C);
  if (!R)
    return R.takeError();
  C.setResult(0, C.elem(0), R->Out);
  return llvm::Error::success();
}

llvm::Error computeSlice(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  std::vector<const Tensor *> Known(In.begin(), In.end());
  InferContext C(O, Known, 1);
  auto R = sliceRange(C);
  if (!R)
    return R.takeError();
  std::vector<int64_t> InStrides = stridesOf(In[0]->Dims), OutStrides = stridesOf(R->Out);
  gatherElements(*In[0], Out[0], [&](int64_t I) {
    int64_t From = 0;
    for (size_t D = 0; D < R->Out.size(); ++D)
      From += (R->Start[D] + ((I / OutStrides[D]) % R->Out[D]) * R->Step[D]) * InStrides[D];
    return From;
  });
  return llvm::Error::success();
}

} // namespace

void appendShapeOps(std::vector<OnnxOpInfo> &Ops) {
  Ops.push_back({"onnx.Concat", 1, 1024, 1, "axis:i", inferConcat, computeConcat});
  Ops.push_back({"onnx.Flatten", 1, 1, 1, "axis:i", inferFlatten, computeCopy});
  Ops.push_back({"onnx.Reshape", 2, 2, 1, "allowzero:i", inferReshape, computeCopy});
  Ops.push_back({"onnx.Transpose", 1, 1, 1, "perm:I", inferTranspose, computeTranspose});
  Ops.push_back({"onnx.Shape", 1, 1, 1, "start:i end:i", inferShape, computeShape,
                 /*ShapeOnly=*/true});
  Ops.push_back({"onnx.Gather", 2, 2, 1, "axis:i", inferGather, computeGather});
  Ops.push_back({"onnx.Unsqueeze", 1, 2, 1, "axes:I", inferUnsqueeze, computeCopy});
  Ops.push_back({"onnx.Squeeze", 1, 2, 1, "axes:I", inferSqueeze, computeCopy});
  Ops.push_back(
      {"onnx.ConstantOfShape", 1, 2, 1, "", inferConstantOfShape, computeConstantOfShape});
  Ops.push_back({"onnx.Slice", 1, 5, 1, "starts:I ends:I axes:I", inferSlice, computeSlice});
}

} // namespace qnn::onnx_ops

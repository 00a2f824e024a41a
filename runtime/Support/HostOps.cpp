//===- HostOps.cpp - Float ONNX ops run on the host -----------------------===//
#include "qnn/Support/HostOps.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/ShapeUtils.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallVector.h"
#include <algorithm>
#include <cmath>
#include <numeric>

namespace qnn {

namespace {

/// The largest result a host op makes: far beyond any model's glue, small
/// enough that a damaged image cannot exhaust memory.
constexpr int64_t MaxHostElements = int64_t(1) << 28;

int64_t attr(HostAttrs Attrs, llvm::StringRef Name, int64_t Default) {
  for (const auto &[Key, Value] : Attrs.Ints)
    if (Key == Name)
      return Value;
  return Default;
}

double floatAttr(HostAttrs Attrs, llvm::StringRef Name, double Default) {
  for (const auto &[Key, Value] : Attrs.Floats)
    if (Key == Name)
      return Value;
  return Default;
}

/// numpy-broadcast A op B, each result rounded to the (common) element type.
template <typename Fn>
llvm::Error broadcastBinary(llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out, Fn &&F) {
  const Tensor &A = *In[0], &B = *In[1];
  if (A.Type != B.Type)
    return makeError("operands have different types {} and {}", dtypeName(A.Type).str(),
                     dtypeName(B.Type).str());
  llvm::Expected<Shape> S = broadcastShapes(A.Dims, B.Dims);
  if (!S)
    return S.takeError();
  // Two broadcast operands can ask for far more than either holds.
  if (numElements(*S) > MaxHostElements)
    return makeError("the result {} has more than {} elements", shapeToString(*S),
                     MaxHostElements);
  Tensor R(A.Type, *S);
  std::vector<int64_t> IA = broadcastIndices(A.Dims, R.Dims), IB = broadcastIndices(B.Dims, R.Dims);
  for (size_t E = 0; E < IA.size(); ++E) {
    llvm::Expected<double> V = F(A.Data[IA[E]], B.Data[IB[E]]);
    if (!V)
      return V.takeError();
    R.Data[E] = storeAs(R.Type, *V);
  }
  Out.push_back(std::move(R));
  return llvm::Error::success();
}

/// Iterates the 1-D lanes of \p S along \p Axis: F(FirstIndex, Stride,
/// Length, LaneNumber), lanes in row-major order of the other dimensions.
template <typename Fn> void forEachLane(const Shape &S, int64_t Axis, Fn &&F) {
  int64_t Len = S[Axis], Inner = 1;
  for (size_t D = Axis + 1; D < S.size(); ++D)
    Inner *= S[D];
  int64_t Outer = Len * Inner != 0 ? numElements(S) / (Len * Inner) : 0;
  for (int64_t O = 0; O < Outer; ++O)
    for (int64_t I = 0; I < Inner; ++I)
      F(O * Len * Inner + I, Inner, Len, O * Inner + I);
}

llvm::Error runRelu(HostAttrs, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  Tensor R = *In[0];
  for (double &V : R.Data)
    V = std::max(0.0, V);
  Out.push_back(std::move(R));
  return llvm::Error::success();
}

llvm::Error runSoftmax(HostAttrs Attrs, llvm::ArrayRef<const Tensor *> In,
                       std::vector<Tensor> &Out) {
  const Tensor &X = *In[0];
  if (!isFloat(X.Type))
    return makeError("input must be a float tensor, it is {}", dtypeName(X.Type).str());
  llvm::Expected<int64_t> Axis = normalizeAxis(attr(Attrs, "axis", -1), X.Dims.size(), "axis");
  if (!Axis)
    return Axis.takeError();
  Tensor R(X.Type, X.Dims);
  forEachLane(X.Dims, *Axis, [&](int64_t First, int64_t Stride, int64_t Len, int64_t) {
    double Max = -INFINITY, Sum = 0;
    for (int64_t K = 0; K < Len; ++K)
      Max = std::max(Max, X.Data[First + K * Stride]);
    for (int64_t K = 0; K < Len; ++K)
      Sum += std::exp(X.Data[First + K * Stride] - Max);
    for (int64_t K = 0; K < Len; ++K)
      R.Data[First + K * Stride] =
          storeAs(R.Type, std::exp(X.Data[First + K * Stride] - Max) / Sum);
  });
  Out.push_back(std::move(R));
  return llvm::Error::success();
}

/// Y = (X - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1),
/// in double and rounded once to X's type, epsilon rounded to float32 first
/// as ONNX stores it.
llvm::Error runBatchNorm(HostAttrs Attrs, llvm::ArrayRef<const Tensor *> In,
                         std::vector<Tensor> &Out) {
  if (attr(Attrs, "training_mode", 0) != 0)
    return makeError("training_mode = 1 is not supported; export the model for inference");
  const Tensor &X = *In[0];
  if (!isFloat(X.Type))
    return makeError("X must be a float tensor, it is {}", dtypeName(X.Type).str());
  if (X.Dims.size() < 2)
    return makeError("X must have a rank of at least 2 (N, C, ...), its shape is {}",
                     shapeToString(X.Dims));
  int64_t Channels = X.Dims[1];
  static const char *const Names[] = {"X", "scale", "B", "mean", "var"};
  for (unsigned I = 1; I < 5; ++I)
    if (!isFloat(In[I]->Type) || In[I]->Dims != Shape{Channels})
      return makeError("{} must be a float tensor of shape {} (the channels of X), it is {} {}",
                       Names[I], Channels, dtypeName(In[I]->Type).str(),
                       shapeToString(In[I]->Dims));
  double Eps = static_cast<float>(floatAttr(Attrs, "epsilon", 1e-5));
  const Tensor &Scale = *In[1], &Bias = *In[2], &Mean = *In[3], &Var = *In[4];
  Tensor R(X.Type, X.Dims);
  int64_t Inner = numElements(Shape(X.Dims.begin() + 2, X.Dims.end()));
  for (int64_t I = 0; I < X.size(); ++I) {
    int64_t C = (I / Inner) % Channels;
    double Y =
        (X.Data[I] - Mean.Data[C]) / std::sqrt(Var.Data[C] + Eps) * Scale.Data[C] + Bias.Data[C];
    R.Data[I] = storeAs(R.Type, Y);
  }
  Out.push_back(std::move(R));
  return llvm::Error::success();
}

/// The shape of a reduction of \p Axis (kept as 1 or dropped).
Shape reducedShape(const Shape &In, int64_t Axis, bool Keep) {
  Shape S = In;
  if (Keep)
    S[Axis] = 1;
  else
    S.erase(S.begin() + Axis);
  return S;
}

llvm::Error runArgMax(HostAttrs Attrs, llvm::ArrayRef<const Tensor *> In,
                      std::vector<Tensor> &Out) {
  const Tensor &X = *In[0];
  if (X.Dims.empty())
    return makeError("input must have a rank of at least 1");
  llvm::Expected<int64_t> Axis = normalizeAxis(attr(Attrs, "axis", 0), X.Dims.size(), "axis");
  if (!Axis)
    return Axis.takeError();
  if (X.Dims[*Axis] == 0)
    return makeError("axis {} is empty; ArgMax needs at least one element", *Axis);
  bool Last = attr(Attrs, "select_last_index", 0) != 0;
  Tensor R(DType::I64, reducedShape(X.Dims, *Axis, attr(Attrs, "keepdims", 1) != 0));
  forEachLane(X.Dims, *Axis, [&](int64_t First, int64_t Stride, int64_t Len, int64_t Lane) {
    int64_t Best = 0;
    for (int64_t K = 1; K < Len; ++K) {
      double V = X.Data[First + K * Stride], B = X.Data[First + Best * Stride];
      if (V > B || (Last && V == B))
        Best = K;
    }
    R.Data[Lane] = static_cast<double>(Best);
  });
  Out.push_back(std::move(R));
  return llvm::Error::success();
}

llvm::Error runTopK(HostAttrs Attrs, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  const Tensor &X = *In[0], &KTensor = *In[1];
  if (X.Dims.empty())
    return makeError("input must have a rank of at least 1");
  llvm::Expected<int64_t> Axis = normalizeAxis(attr(Attrs, "axis", -1), X.Dims.size(), "axis");
  if (!Axis)
    return Axis.takeError();
  if (KTensor.Type != DType::I64 || KTensor.size() != 1)
    return makeError("k must be a one-element i64 tensor, it is {} {}",
                     dtypeName(KTensor.Type).str(), shapeToString(KTensor.Dims));
  int64_t Dim = X.Dims[*Axis];
  double KValue = KTensor.Data[0];
  if (!(KValue >= 0) || KValue > static_cast<double>(Dim))
    return makeError("k = {} is out of range for axis {} of size {}", KValue, *Axis, Dim);
  int64_t K = static_cast<int64_t>(KValue);
  bool Largest = attr(Attrs, "largest", 1) != 0;
  Shape S = X.Dims;
  S[*Axis] = K;
  Tensor Values(X.Type, S), Indices(DType::I64, S);
  // NaN ranks above every number (as numpy sorts it last); a stable sort
  // keeps the lower index first among equal values, as ONNX requires.
  auto Less = [](double A, double B) { return (!std::isnan(A) && std::isnan(B)) || A < B; };
  std::vector<int64_t> Order(Dim);
  forEachLane(X.Dims, *Axis, [&](int64_t First, int64_t Stride, int64_t, int64_t Lane) {
    std::iota(Order.begin(), Order.end(), 0);
    std::stable_sort(Order.begin(), Order.end(), [&](int64_t A, int64_t B) {
      double VA = X.Data[First + A * Stride], VB = X.Data[First + B * Stride];
      return Largest ? Less(VB, VA) : Less(VA, VB);
    });
    // Lane numbers index the lanes of the result as well (same outer and
    // inner extents), only the lane length differs.
    int64_t Inner = Stride, OutFirst = (Lane / Inner) * K * Inner + Lane % Inner;
    for (int64_t I = 0; I < K; ++I) {
      Values.Data[OutFirst + I * Inner] = X.Data[First + Order[I] * Stride];
      Indices.Data[OutFirst + I * Inner] = static_cast<double>(Order[I]);
    }
  });
  Out.push_back(std::move(Values));
  Out.push_back(std::move(Indices));
  return llvm::Error::success();
}

using HostFn = llvm::Error (*)(HostAttrs, llvm::ArrayRef<const Tensor *>, std::vector<Tensor> &);

struct HostOpInfo {
  const char *Name;
  HostOpArity Arity;
  HostFn Run;
  /// The integer and the float attributes the op reads, separated by spaces.
  const char *IntAttrs = "";
  const char *FloatAttrs = "";
};

llvm::Error runAdd(HostAttrs, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  return broadcastBinary(In, Out,
                         [](double A, double B) -> llvm::Expected<double> { return A + B; });
}
llvm::Error runSub(HostAttrs, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  return broadcastBinary(In, Out,
                         [](double A, double B) -> llvm::Expected<double> { return A - B; });
}
llvm::Error runMul(HostAttrs, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  return broadcastBinary(In, Out,
                         [](double A, double B) -> llvm::Expected<double> { return A * B; });
}
llvm::Error runDiv(HostAttrs, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  bool Int = isInteger(In[0]->Type);
  return broadcastBinary(In, Out, [Int](double A, double B) -> llvm::Expected<double> {
    if (!Int)
      return A / B;
    if (B == 0)
      return makeError("integer division by zero");
    return std::trunc(A / B);
  });
}

const HostOpInfo HostOps[] = {
    {"Add", {2, 1}, runAdd},
    {"Sub", {2, 1}, runSub},
    {"Mul", {2, 1}, runMul},
    {"Div", {2, 1}, runDiv},
    {"Relu", {1, 1}, runRelu},
    {"BatchNormalization", {5, 1}, runBatchNorm, "training_mode", "epsilon"},
    {"Softmax", {1, 1}, runSoftmax, "axis"},
    {"ArgMax", {1, 1}, runArgMax, "axis keepdims select_last_index"},
    {"TopK", {2, 2}, runTopK, "axis largest sorted"},
};

const HostOpInfo *findHostOp(llvm::StringRef OpType) {
  for (const HostOpInfo &I : HostOps)
    if (OpType == I.Name)
      return &I;
  return nullptr;
}

} // namespace

std::optional<HostOpArity> hostOpArity(llvm::StringRef OpType) {
  if (const HostOpInfo *I = findHostOp(OpType))
    return I->Arity;
  return std::nullopt;
}

std::optional<HostAttrKind> hostOpAttrKind(llvm::StringRef OpType, llvm::StringRef Name) {
  const HostOpInfo *I = findHostOp(OpType);
  if (!I)
    return std::nullopt;
  auto Reads = [&](llvm::StringRef List) {
    llvm::SmallVector<llvm::StringRef, 4> Names;
    List.split(Names, ' ', -1, /*KeepEmpty=*/false);
    return llvm::is_contained(Names, Name);
  };
  if (Reads(I->IntAttrs))
    return HostAttrKind::Int;
  if (Reads(I->FloatAttrs))
    return HostAttrKind::Float;
  return std::nullopt;
}

std::string hostOpNames() {
  std::string Names;
  for (const HostOpInfo &I : HostOps)
    Names += (Names.empty() ? "" : ", ") + std::string(I.Name);
  return Names;
}

llvm::Error runHostOp(llvm::StringRef OpType, HostAttrs Attrs, llvm::ArrayRef<const Tensor *> In,
                      std::vector<Tensor> &Out) {
  const HostOpInfo *I = findHostOp(OpType);
  if (!I)
    return makeError("'{}' is not a host op (host ops: {})", OpType.str(), hostOpNames());
  if (In.size() != I->Arity.Operands || llvm::is_contained(In, nullptr))
    return makeError("{} takes {} operands, {} given", OpType.str(), I->Arity.Operands,
                     In.size() - llvm::count(In, nullptr));
  for (const Tensor *T : In)
    if (T->size() != numElements(T->Dims))
      return makeError("{}: an operand holds {} values for the shape {}", OpType.str(), T->size(),
                       shapeToString(T->Dims));
  Out.clear();
  return I->Run(Attrs, In, Out);
}

} // namespace qnn

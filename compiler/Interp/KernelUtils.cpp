//===- KernelUtils.cpp - Index helpers shared by interpreter kernels ------===//
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/HostOps.h"
#include "qnn/Support/Limits.h"
#include "qnn/Support/ShapeUtils.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/ADT/STLExtras.h"

namespace qnn {

llvm::StringRef hostOpType(llvm::StringRef Kind) {
  llvm::StringRef Type = Kind;
  return Type.consume_front("onnx.") && isHostOp(Type) ? Type : llvm::StringRef();
}

HostAttrLists hostOpAttrs(llvm::StringRef OpType, const AttrMap &Attrs) {
  HostAttrLists Out;
  // AttrMap iterates in name order.
  for (const auto &[Name, Value] : Attrs) {
    std::optional<HostAttrKind> Kind = hostOpAttrKind(OpType, Name);
    const int64_t *I = std::get_if<int64_t>(&Value);
    const double *F = std::get_if<double>(&Value);
    if (Kind == HostAttrKind::Int && I)
      Out.Ints.emplace_back(Name, *I);
    else if (Kind == HostAttrKind::Float && (I || F))
      Out.Floats.emplace_back(Name, F ? *F : static_cast<double>(*I));
  }
  return Out;
}

Shape WindowGeometry::outputShape() const {
  Shape S{Batch, OutChannels};
  S.insert(S.end(), OutSpatial.begin(), OutSpatial.end());
  return S;
}

namespace {

/// Fills strides, dilations, pads and the output size from the attributes
/// once InSpatial and Kernel are known.
llvm::Error fillWindow(WindowGeometry &G, const AttrMap &Attrs, bool CeilMode) {
  size_t Rank = G.InSpatial.size();
  for (int64_t D : G.InSpatial)
    if (D < 0)
      return makeError("spatial dimensions must be static, input has {}",
                       shapeToString(G.InSpatial));
  G.Strides = Attrs.getInts("strides", Shape(Rank, 1));
  G.Dilations = Attrs.getInts("dilations", Shape(Rank, 1));
  Shape Pads = Attrs.getInts("pads", Shape(2 * Rank, 0));
  if (G.Strides.size() != Rank || G.Dilations.size() != Rank || Pads.size() != 2 * Rank)
    return makeError("strides, dilations and pads must have {}, {} and {} entries for {} "
                     "spatial dimensions",
                     Rank, Rank, 2 * Rank, Rank);
  for (size_t D = 0; D < Rank; ++D)
    if (G.Strides[D] < 1 || G.Dilations[D] < 1 || Pads[D] < 0 || Pads[Rank + D] < 0 ||
        G.Kernel[D] < 1)
      return makeError("kernel sizes, strides and dilations must be positive and pads "
                       "non-negative");
  // No window reaches past the largest dimension qnn holds; bounding every
  // parameter by it keeps the geometry below far from overflow.
  for (const Shape *Params : {&G.Kernel, &G.Strides, &G.Dilations, &Pads})
    if (llvm::any_of(*Params, [](int64_t P) { return P > limits::MaxElements; }))
      return makeError("kernel sizes, strides, dilations and pads must be at most {}",
                       limits::MaxElements);
  G.PadsBegin.assign(Pads.begin(), Pads.begin() + Rank);
  G.PadsEnd.assign(Pads.begin() + Rank, Pads.end());
  std::string AutoPad = Attrs.getString("auto_pad", "NOTSET");
  G.OutSpatial.resize(Rank);
  for (size_t D = 0; D < Rank; ++D) {
    int64_t In = G.InSpatial[D], S = G.Strides[D];
    int64_t Extent = (G.Kernel[D] - 1) * G.Dilations[D] + 1;
    if (AutoPad == "SAME_UPPER" || AutoPad == "SAME_LOWER") {
      int64_t Out = (In + S - 1) / S;
      int64_t Total = std::max<int64_t>(0, (Out - 1) * S + Extent - In);
      G.PadsBegin[D] = AutoPad == "SAME_UPPER" ? Total / 2 : Total - Total / 2;
      G.PadsEnd[D] = Total - G.PadsBegin[D];
    } else if (AutoPad == "VALID") {
      G.PadsBegin[D] = G.PadsEnd[D] = 0;
    } else if (AutoPad != "NOTSET") {
      return makeError("auto_pad '{}' is not one of NOTSET, SAME_UPPER, SAME_LOWER, VALID",
                       AutoPad);
    }
    G.OutSpatial[D] = windowOutputSize(In, G.PadsBegin[D], G.PadsEnd[D], G.Kernel[D], S,
                                       G.Dilations[D], CeilMode);
    if (G.OutSpatial[D] < 0)
      return makeError("the window ({} with dilation {}) is larger than the padded input "
                       "dimension {}",
                       G.Kernel[D], G.Dilations[D], In + G.PadsBegin[D] + G.PadsEnd[D]);
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<WindowGeometry> convGeometry(const Shape &X, const Shape &W, const AttrMap &Attrs) {
  if (X.size() < 3 || W.size() != X.size())
    return makeError("input {} and weight {} must both be [N, C, spatial...] of the same "
                     "rank (at least 3)",
                     shapeToString(X), shapeToString(W));
  WindowGeometry G;
  G.Batch = X[0];
  G.InChannels = X[1];
  G.OutChannels = W[0];
  G.Group = Attrs.getInt("group", 1);
  G.InSpatial.assign(X.begin() + 2, X.end());
  G.Kernel.assign(W.begin() + 2, W.end());
  if (Attrs.has("kernel_shape") && Attrs.getInts("kernel_shape") != G.Kernel)
    return makeError("kernel_shape does not match the weight shape {}", shapeToString(W));
  if (G.Group < 1 || G.InChannels % G.Group != 0 || G.OutChannels % G.Group != 0 ||
      W[1] * G.Group != G.InChannels)
    return makeError("group {} does not divide input channels {} and output channels {} "
                     "(weight {})",
                     G.Group, G.InChannels, G.OutChannels, shapeToString(W));
  if (llvm::Error E = fillWindow(G, Attrs, /*CeilMode=*/false))
    return E;
  return G;
}

llvm::Expected<WindowGeometry> poolGeometry(const Shape &X, const AttrMap &Attrs) {
  if (X.size() < 3)
    return makeError("input {} must be [N, C, spatial...]", shapeToString(X));
  WindowGeometry G;
  G.Batch = X[0];
  G.InChannels = G.OutChannels = G.Group = X[1];
  G.InSpatial.assign(X.begin() + 2, X.end());
  G.Kernel = Attrs.getInts("kernel_shape");
  if (G.Kernel.size() != G.InSpatial.size())
    return makeError("kernel_shape must have one entry per spatial dimension ({})",
                     G.InSpatial.size());
  if (llvm::Error E = fillWindow(G, Attrs, Attrs.getInt("ceil_mode", 0) != 0))
    return E;
  return G;
}

llvm::Expected<MatMulGeometry> matMulGeometry(const Shape &A, const Shape &B) {
  if (A.empty() || B.empty())
    return makeError("matmul operands must not be scalars");
  Shape A2 = A, B2 = B;
  if (A2.size() == 1)
    A2.insert(A2.begin(), 1);
  if (B2.size() == 1)
    B2.push_back(1);
  MatMulGeometry G;
  G.M = A2[A2.size() - 2];
  G.K = A2.back();
  G.N = B2.back();
  if (B2[B2.size() - 2] != G.K)
    return makeError("inner dimensions of {} and {} differ", shapeToString(A), shapeToString(B));
  Shape ABatch(A2.begin(), A2.end() - 2), BBatch(B2.begin(), B2.end() - 2);
  auto Batch = broadcastShapes(ABatch, BBatch);
  if (!Batch)
    return Batch.takeError();
  G.OutShape = *Batch;
  if (A.size() > 1)
    G.OutShape.push_back(G.M);
  if (B.size() > 1)
    G.OutShape.push_back(G.N);
  if (llvm::all_of(*Batch, [](int64_t D) { return D >= 0; })) {
    for (int64_t I : broadcastIndices(ABatch, *Batch))
      G.AOffsets.push_back(I * G.M * G.K);
    for (int64_t I : broadcastIndices(BBatch, *Batch))
      G.BOffsets.push_back(I * G.K * G.N);
  }
  return G;
}

llvm::Expected<Shape> concatShape(llvm::ArrayRef<Shape> Inputs, int64_t Axis) {
  if (Inputs.empty())
    return makeError("concatenation needs at least one input");
  Shape Out = Inputs.front();
  if (Axis < 0 || Axis >= static_cast<int64_t>(Out.size()))
    return makeError("axis {} is out of range for rank {}", Axis, Out.size());
  for (const Shape &S : Inputs.drop_front()) {
    if (S.size() != Out.size())
      return makeError("inputs of rank {} and {} cannot be concatenated", Out.size(), S.size());
    for (size_t D = 0; D < S.size(); ++D) {
      if (static_cast<int64_t>(D) == Axis)
        continue;
      if (S[D] != Out[D])
        return makeError("shapes {} and {} differ outside axis {}", shapeToString(Out),
                         shapeToString(S), Axis);
    }
    Out[Axis] = (Out[Axis] < 0 || S[Axis] < 0) ? -1 : Out[Axis] + S[Axis];
  }
  return Out;
}

llvm::Expected<std::vector<int64_t>> quantParamIndices(const Shape &Dims, const Shape &ParamDims,
                                                       int64_t Axis, int64_t BlockSize) {
  int64_t Count = numElements(Dims);
  int64_t Rank = static_cast<int64_t>(Dims.size());
  if (numElements(ParamDims) == 1)
    return std::vector<int64_t>(Count, 0);
  if (Axis < 0)
    Axis += Rank;
  if (Axis < 0 || Axis >= Rank)
    return makeError("axis {} is out of range for rank {}", Axis, Rank);
  std::vector<int64_t> Strides = stridesOf(Dims);
  std::vector<int64_t> Result(Count);
  if (BlockSize <= 0) {
    if (ParamDims.size() != 1 || ParamDims[0] != Dims[Axis])
      return makeError("per-axis scale has shape {}, expected [{}]", shapeToString(ParamDims),
                       Dims[Axis]);
    for (int64_t I = 0; I < Count; ++I)
      Result[I] = (I / Strides[Axis]) % Dims[Axis];
    return Result;
  }
  Shape Expected = Dims;
  Expected[Axis] = (Dims[Axis] + BlockSize - 1) / BlockSize;
  if (ParamDims != Expected)
    return makeError("blocked scale has shape {}, expected {}", shapeToString(ParamDims),
                     shapeToString(Expected));
  std::vector<int64_t> ParamStrides = stridesOf(ParamDims);
  for (int64_t I = 0; I < Count; ++I) {
    int64_t Index = 0;
    for (int64_t D = 0; D < Rank; ++D) {
      int64_t C = (I / Strides[D]) % Dims[D];
      Index += (D == Axis ? C / BlockSize : C) * ParamStrides[D];
    }
    Result[I] = Index;
  }
  return Result;
}

namespace {

/// Calls F(I, Scale, ZeroPoint) for each element I of a tensor of \p Dims,
/// with the scale and zero point (0 without \p ZeroPoint) that apply to it.
template <typename Fn>
llvm::Error forEachQuantElement(const Shape &Dims, const Tensor &Scale, const Tensor *ZeroPoint,
                                int64_t Axis, int64_t BlockSize, Fn &&F) {
  auto Index = quantParamIndices(Dims, Scale.Dims, Axis, BlockSize);
  if (!Index)
    return Index.takeError();
  for (size_t I = 0; I < Index->size(); ++I) {
    int64_t P = (*Index)[I];
    int64_t Zp = ZeroPoint ? static_cast<int64_t>(ZeroPoint->Data[P]) : 0;
    F(static_cast<int64_t>(I), static_cast<float>(Scale.Data[P]), Zp);
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<Tensor> quantizeLinearTensor(const Tensor &X, const Tensor &Scale,
                                            const Tensor *ZeroPoint, int64_t Axis,
                                            int64_t BlockSize, DType Elem) {
  if (ZeroPoint && ZeroPoint->Dims != Scale.Dims && ZeroPoint->size() != Scale.size())
    return makeError("zero point has shape {}, the scale {}", shapeToString(ZeroPoint->Dims),
                     shapeToString(Scale.Dims));
  Tensor Y(Elem, X.Dims);
  int64_t Lo = minValue(Elem), Hi = maxValue(Elem);
  if (llvm::Error E = forEachQuantElement(
          X.Dims, Scale, ZeroPoint, Axis, BlockSize, [&](int64_t I, float S, int64_t Zp) {
            Y.Data[I] = static_cast<double>(
                nmpu::quantizeLinear(static_cast<float>(X.Data[I]), S, Zp, Lo, Hi));
          }))
    return E;
  return Y;
}

llvm::Expected<Tensor> dequantizeLinearTensor(const Tensor &Q, const Tensor &Scale,
                                              const Tensor *ZeroPoint, int64_t Axis,
                                              int64_t BlockSize, DType Elem) {
  Tensor Y(Elem, Q.Dims);
  if (llvm::Error E = forEachQuantElement(
          Q.Dims, Scale, ZeroPoint, Axis, BlockSize, [&](int64_t I, float S, int64_t Zp) {
            float F = nmpu::dequantizeLinear(static_cast<int64_t>(Q.Data[I]), S, Zp);
            Y.Data[I] = Elem == DType::F16 ? halfToFloat(floatToHalf(F)) : F;
          }))
    return E;
  return Y;
}

} // namespace qnn

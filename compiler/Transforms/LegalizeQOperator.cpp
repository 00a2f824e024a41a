//===- LegalizeQOperator.cpp - QOperator and integer ops to canonical ops -===//
//
// QOperator ops carry their quantization as operands; legalize-quant has
// already put it into the operand and result types, so each rewrite here
// only moves weights into quantized constants and picks the canonical kind.
//
//===----------------------------------------------------------------------===//
#include "qnn/Support/Diagnostics.h"
#include "qnn/Transforms/LegalizeUtils.h"
#include "llvm/ADT/StringMap.h"

namespace qnn {

namespace {

llvm::Error checkResult(const Op &O) {
  const Value *R = O.result();
  if (!isMvmType(R->Type.Elem) || !R->Type.Quant)
    return opError(O, "result '" + R->Name + "' has type " + dtypeName(R->Type.Elem) +
                          "; the chip produces u8 and i8 activations only for now");
  return llvm::Error::success();
}

MvmSpec fullRangeSpec(Op *O, Value *X, QuantWeight W) {
  MvmSpec S;
  S.Input = X;
  S.Weight = std::move(W);
  S.Result = O->result();
  S.ActMin = minValue(S.Result->Type.Elem);
  S.ActMax = maxValue(S.Result->Type.Elem);
  return S;
}

float inputScale(const Value *X) { return static_cast<float>(X->Type.Quant->Scale[0]); }

llvm::Error rewriteQLinearConv(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  if (llvm::Error E = checkActivation(*O, X, "input"))
    return E;
  if (llvm::Error E = checkResult(*O))
    return E;
  auto W = constantWeight(*O, O->operand(3), O->operand(4), O->operand(5), 0);
  if (!W)
    return W.takeError();
  int64_t M = W->Data.Dims[0];
  auto Bias = quantizedBias(*O, O->operand(8), inputScale(X), W->Quant, M, 1.0);
  if (!Bias)
    return Bias.takeError();
  MvmSpec S = fullRangeSpec(O, X, std::move(*W));
  S.Bias = std::move(*Bias);
  S.ConvAttrs = O->Attrs;
  if (llvm::Error E = L.emitConv(O, std::move(S)))
    return E;
  L.erase(O);
  return llvm::Error::success();
}

/// The [K, N] weight of a matrix product, quantized per tensor or per column.
llvm::Expected<QuantWeight> matMulWeight(const Op &O, const Value *W, const Value *Scale,
                                         const Value *ZeroPoint, bool Transposed) {
  if (W && W->isConstant() && W->Type.Dims.size() != 2)
    return notMatrixWeight(O, W->Name, W->Type.Dims);
  auto Weight = constantWeight(O, W, Scale, ZeroPoint, Transposed ? 0 : 1);
  if (!Weight || !Transposed)
    return Weight;
  Weight->Data = transpose2D(Weight->Data);
  if (Weight->Quant.Axis == 0)
    Weight->Quant.Axis = 1;
  return Weight;
}

/// Group \p G of a weight [G, K, N] as a [K, N] weight with the same
/// parameters (per tensor, or per column: axis 2 becomes axis 1).
QuantWeight weightGroup(const QuantWeight &W, int64_t G) {
  int64_t K = W.Data.Dims[1], N = W.Data.Dims[2];
  Tensor Data(W.Data.Type, {K, N});
  std::copy_n(W.Data.Data.begin() + G * K * N, K * N, Data.Data.begin());
  QuantParams Q = W.Quant;
  if (!Q.isPerTensor())
    Q.Axis = 1;
  return QuantWeight{std::move(Data), std::move(Q), W.Name + "_" + std::to_string(G)};
}

/// x [G, M, K] (or [M, K], shared by every group) times a constant weight
/// [G, K, N]: the chip stores one matrix per layer, so each group is its own
/// qmatmul on [1, M, K] (a slice of x, or x reshaped), and a qconcat along
/// axis 0 with the same quantization copies the [1, M, N] parts together.
llvm::Error rewriteBatchedQLinearMatMul(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  const Value *B = O->operand(3);
  const Shape &XDims = X->Type.Dims;
  int64_t Groups = B->Type.Dims[0];
  bool Shared = XDims.size() == 2;
  if (!Shared && (XDims.size() != 3 || XDims[0] != Groups))
    return opError(*O, "input '" + X->Name + "' has shape " + shapeToString(XDims) +
                           "; a batch of " + llvm::Twine(Groups) + " weights in '" + B->Name +
                           "' needs an input [" + llvm::Twine(Groups) +
                           ", M, K] with a static first dimension, or [M, K]");
  auto W = constantWeight(*O, B, O->operand(4), O->operand(5), 2);
  if (!W)
    return W.takeError();
  int64_t K = W->Data.Dims[1], N = W->Data.Dims[2], M = XDims[XDims.size() - 2];
  if (XDims.back() != K || O->result()->Type.Dims != Shape{Groups, M, N})
    return opError(*O, "input " + shapeToString(XDims) + " times weight " +
                           shapeToString(W->Data.Dims) + " does not give the result " +
                           shapeToString(O->result()->Type.Dims));
  TensorType PartIn = X->Type;
  PartIn.Dims = {1, M, K};
  TensorType PartOut = O->result()->Type;
  PartOut.Dims = {1, M, N};
  Value *WholeX = nullptr;
  if (Shared) {
    WholeX = L.newValue(X->Name + "_3d", PartIn);
    L.emit(O, "reshape", {X}, WholeX);
  }
  std::vector<Value *> Parts;
  for (int64_t G = 0; G < Groups; ++G) {
    Value *XG = WholeX;
    if (!XG) {
      XG = L.newValue(X->Name + "_" + std::to_string(G), PartIn);
      AttrMap A;
      A.set("axis", int64_t(0));
      A.set("start", G);
      A.set("size", int64_t(1));
      L.emit(O, "slice", {X}, XG, std::move(A));
    }
    MvmSpec S = fullRangeSpec(O, XG, weightGroup(*W, G));
    S.Result = L.newValue(O->result()->Name + "_" + std::to_string(G), PartOut);
    Parts.push_back(S.Result);
    L.emitMatMul(O, std::move(S));
  }
  AttrMap A;
  A.set("axis", int64_t(0));
  L.emit(O, "qconcat", std::move(Parts), O->result(), std::move(A));
  L.erase(O);
  return llvm::Error::success();
}

llvm::Error rewriteQLinearMatMul(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  if (llvm::Error E = checkActivation(*O, X, "input"))
    return E;
  if (llvm::Error E = checkResult(*O))
    return E;
  const Value *B = O->operand(3);
  if (B && B->isConstant() && B->Type.Dims.size() == 3)
    return rewriteBatchedQLinearMatMul(L, O);
  auto W = matMulWeight(*O, O->operand(3), O->operand(4), O->operand(5), false);
  if (!W)
    return W.takeError();
  L.emitMatMul(O, fullRangeSpec(O, X, std::move(*W)));
  L.erase(O);
  return llvm::Error::success();
}

llvm::Error rewriteQGemm(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  if (!O->operand(7))
    return opError(*O, "QGemm without y_scale produces float; the chip needs a quantized "
                       "output (give y_scale and y_zero_point)");
  if (O->Attrs.getInt("transA", 0))
    return opError(*O, "transA = 1 is not supported; transpose the input in the model");
  if (llvm::Error E = checkActivation(*O, X, "input"))
    return E;
  if (X->Type.Dims.size() != 2)
    return opError(*O, "input '" + X->Name + "' must be 2-D");
  if (llvm::Error E = checkResult(*O))
    return E;
  auto W = matMulWeight(*O, O->operand(3), O->operand(4), O->operand(5),
                        O->Attrs.getInt("transB", 0) != 0);
  if (!W)
    return W.takeError();
  // y = alpha * (A B + C): alpha joins the weight scale, where C's scale
  // (alpha * a_scale * b_scale) already expects it.
  double Alpha = O->Attrs.getFloat("alpha", 1.0);
  if (!(Alpha > 0))
    return opError(*O, "alpha must be positive to fold into the weight scale");
  for (double &S : W->Quant.Scale)
    S = static_cast<float>(static_cast<float>(S) * static_cast<float>(Alpha));
  int64_t N = W->Data.Dims[1];
  auto Bias = quantizedBias(*O, O->operand(6), inputScale(X), W->Quant, N, 1.0);
  if (!Bias)
    return Bias.takeError();
  MvmSpec S = fullRangeSpec(O, X, std::move(*W));
  S.Bias = std::move(*Bias);
  L.emitMatMul(O, std::move(S));
  L.erase(O);
  return llvm::Error::success();
}

/// ConvInteger / MatMulInteger weights: scale 1, the zero point per tensor or
/// per output channel.
llvm::Expected<QuantWeight> integerWeight(const Op &O, const Value *W, const Value *ZeroPoint,
                                          int64_t Axis) {
  if (!W || !W->isConstant())
    return notConstantWeight(O, W);
  if (!isMvmType(W->Type.Elem))
    return opError(O, "weight '" + W->Name + "' has type " + dtypeName(W->Type.Elem) +
                          "; the chip takes u8 and i8 weights only for now");
  QuantWeight Q{*W->Const, QuantParams{{1.0}, {0}, -1}, W->Name};
  if (!ZeroPoint)
    return Q;
  if (!ZeroPoint->isConstant())
    return opError(O, "zero point '" + ZeroPoint->Name + "' must be a constant");
  const Tensor &Z = *ZeroPoint->Const;
  if (Z.size() == 1) {
    Q.Quant.ZeroPoint = {static_cast<int64_t>(Z.Data[0])};
    return Q;
  }
  if (Z.size() != W->Type.Dims[Axis])
    return opError(O, "weight zero point '" + ZeroPoint->Name +
                          "' must have one entry or one per output channel");
  Q.Quant.Scale.assign(Z.size(), 1.0);
  Q.Quant.ZeroPoint.clear();
  for (double V : Z.Data)
    Q.Quant.ZeroPoint.push_back(static_cast<int64_t>(V));
  Q.Quant.Axis = Axis;
  return Q;
}

MvmSpec integerSpec(Op *O, Value *X, QuantWeight W) {
  MvmSpec S;
  S.Input = X;
  S.Weight = std::move(W);
  S.Result = O->result();
  S.Result->Type.Quant.reset();
  return S;
}

llvm::Error rewriteConvInteger(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  if (llvm::Error E = checkActivation(*O, X, "input"))
    return E;
  auto W = integerWeight(*O, O->operand(1), O->operand(3), 0);
  if (!W)
    return W.takeError();
  MvmSpec S = integerSpec(O, X, std::move(*W));
  S.ConvAttrs = O->Attrs;
  if (llvm::Error E = L.emitConv(O, std::move(S)))
    return E;
  L.erase(O);
  return llvm::Error::success();
}

llvm::Error rewriteMatMulInteger(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  if (O->operand(2) && O->operand(2)->isConstant() && O->operand(2)->Const->size() > 1)
    return opError(*O, "a per-row a_zero_point is not supported; use one zero point for the "
                       "whole input");
  if (llvm::Error E = checkActivation(*O, X, "input"))
    return E;
  const Value *B = O->operand(1);
  if (B && B->isConstant() && B->Type.Dims.size() != 2)
    return notMatrixWeight(*O, B->Name, B->Type.Dims);
  auto W = integerWeight(*O, B, O->operand(3), 1);
  if (!W)
    return W.takeError();
  L.emitMatMul(O, integerSpec(O, X, std::move(*W)));
  L.erase(O);
  return llvm::Error::success();
}

llvm::Error rewriteQLinearAdd(Legalizer &L, Op *O) {
  for (unsigned I : {0u, 3u})
    if (llvm::Error E = checkActivation(*O, O->operand(I), "input"))
      return E;
  if (llvm::Error E = checkResult(*O))
    return E;
  L.emit(O, "qadd", {O->operand(0), O->operand(3)}, O->result());
  L.erase(O);
  return llvm::Error::success();
}

llvm::Error rewriteQLinearGlobalAveragePool(Legalizer &L, Op *O) {
  if (O->Attrs.getInt("channels_last", 0))
    return opError(*O, "channels_last = 1 is not supported; the chip's layout is NCHW");
  if (llvm::Error E = checkActivation(*O, O->operand(0), "input"))
    return E;
  if (llvm::Error E = checkResult(*O))
    return E;
  L.emit(O, "qglobalavgpool", {O->operand(0)}, O->result());
  L.erase(O);
  return llvm::Error::success();
}

llvm::Error rewriteQLinearConcat(Legalizer &L, Op *O) {
  std::vector<Value *> Inputs;
  for (size_t I = 2; I < O->Operands.size(); I += 3) {
    if (llvm::Error E = checkActivation(*O, O->operand(I), "input"))
      return E;
    Inputs.push_back(O->operand(I));
  }
  if (llvm::Error E = checkResult(*O))
    return E;
  AttrMap A;
  A.set("axis", O->Attrs.getInt("axis", 0));
  L.emit(O, "qconcat", Inputs, O->result(), std::move(A));
  L.erase(O);
  return llvm::Error::success();
}

/// MaxPool applied to quantized integers (opset 12 allows it): same data,
/// same quantization.
llvm::Error rewriteIntegerMaxPool(Legalizer &L, Op *O) {
  if (O->Results.size() > 1 && !L.graph().users(O->result(1)).empty())
    return opError(*O, "the Indices output of MaxPool is not supported");
  if (llvm::Error E = checkActivation(*O, O->operand(0), "input"))
    return E;
  auto A = poolAttrs(*O, O->operand(0)->Type.Dims, true);
  if (!A)
    return A.takeError();
  if (O->Results.size() > 1) {
    O->result(1)->Def = nullptr;
    O->Results.resize(1);
  }
  L.emit(O, "qmaxpool", {O->operand(0)}, O->result(), std::move(*A));
  L.erase(O);
  return llvm::Error::success();
}

/// Flatten, Reshape, Squeeze, Unsqueeze and Identity of quantized integers.
llvm::Error rewriteIntegerReshape(Legalizer &L, Op *O) {
  if (!O->operand(0)->Type.Quant)
    return opError(*O, "input '" + O->operand(0)->Name +
                           "' is an integer tensor without "
                           "quantization; " +
                           ChipOnlyHint);
  L.emit(O, "reshape", {O->operand(0)}, O->result());
  L.erase(O);
  return llvm::Error::success();
}

} // namespace

RewriteFn qoperatorRewrite(llvm::StringRef Kind) {
  static const llvm::StringMap<RewriteFn> Table = {
      {"onnx.QLinearConv", rewriteQLinearConv},
      {"onnx.QLinearMatMul", rewriteQLinearMatMul},
      {"ms.QGemm", rewriteQGemm},
      {"ms.QLinearAdd", rewriteQLinearAdd},
      {"ms.QLinearGlobalAveragePool", rewriteQLinearGlobalAveragePool},
      {"ms.QLinearConcat", rewriteQLinearConcat},
      {"onnx.ConvInteger", rewriteConvInteger},
      {"onnx.MatMulInteger", rewriteMatMulInteger},
      {"onnx.MaxPool", rewriteIntegerMaxPool},
      {"onnx.Flatten", rewriteIntegerReshape},
      {"onnx.Reshape", rewriteIntegerReshape},
      {"onnx.Squeeze", rewriteIntegerReshape},
      {"onnx.Unsqueeze", rewriteIntegerReshape},
      {"onnx.Identity", rewriteIntegerReshape},
  };
  auto It = Table.find(Kind);
  return It == Table.end() ? nullptr : It->second;
}

} // namespace qnn

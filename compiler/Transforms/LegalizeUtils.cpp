//===- LegalizeUtils.cpp - Shared pieces of legalize-quant ----------------===//
#include "qnn/Transforms/LegalizeUtils.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"
#include <cmath>

namespace qnn {

const char *const ChipOnlyHint =
    "the chip computes only quantized ops; quantize this op's inputs and output (QDQ) "
    "or export a QOperator model";

bool isMvmType(DType T) { return T == DType::U8 || T == DType::I8; }

llvm::Expected<QuantParams> paramsFromOperands(const Op &O, const Value *Scale,
                                               const Value *ZeroPoint, int64_t Axis, int64_t Rank) {
  // Node tests pass quantization parameters as graph inputs: point at --bind.
  auto NotConstant = [&](const Value *V, llvm::StringRef Role) {
    std::string Fix = V->Def ? "" : "; bind it with --bind " + V->Name + "=FILE.pb";
    return opError(O, Role + " '" + V->Name + "' must be a constant" + Fix);
  };
  if (!Scale)
    return opError(O, "the scale operand is missing");
  if (!Scale->isConstant())
    return NotConstant(Scale, "scale");
  if (ZeroPoint && !ZeroPoint->isConstant())
    return NotConstant(ZeroPoint, "zero point");
  QuantParams Q;
  for (double S : Scale->Const->Data)
    Q.Scale.push_back(S);
  if (ZeroPoint) {
    if (ZeroPoint->Const->size() != Scale->Const->size())
      return opError(O, "zero point '" + ZeroPoint->Name + "' and scale '" + Scale->Name +
                            "' differ in size");
    for (double Z : ZeroPoint->Const->Data)
      Q.ZeroPoint.push_back(static_cast<int64_t>(Z));
  } else {
    Q.ZeroPoint.assign(Q.Scale.size(), 0);
  }
  if (Q.Scale.empty())
    return opError(O, "scale '" + Scale->Name + "' is empty");
  if (Q.Scale.size() > 1) {
    auto A = normalizeAxis(Axis, Rank, "axis");
    if (!A)
      return opError(O, llvm::toString(A.takeError()));
    Q.Axis = *A;
  }
  for (double S : Q.Scale)
    if (!(S > 0) || !std::isfinite(S))
      return opError(O, "scale '" + Scale->Name + "' has an entry that is not positive");
  return Q;
}

void Legalizer::erase(Op *O) {
  Erased.insert(O);
  G.eraseOp(O);
}

Op *Legalizer::emit(Op *Anchor, llvm::StringRef Kind, std::vector<Value *> Operands, Value *Result,
                    AttrMap Attrs) {
  return G.addOp(Kind, Anchor->Name, std::move(Operands), {Result}, std::move(Attrs), Anchor);
}

namespace {

AttrMap actAttrs(const MvmSpec &Spec) {
  AttrMap A;
  if (Spec.Result->Type.Quant) {
    A.set("act_min", Spec.ActMin);
    A.set("act_max", Spec.ActMax);
  }
  return A;
}

Shape insertUnitH(Shape S) {
  S.insert(S.begin() + 2, 1);
  return S;
}

} // namespace

llvm::Error Legalizer::emitConv(Op *Anchor, MvmSpec Spec) {
  const Shape &XDims = Spec.Input->Type.Dims;
  const Shape &WDims = Spec.Weight.Data.Dims;
  if (XDims.size() != 3 && XDims.size() != 4)
    return opError(*Anchor, "only 1-D and 2-D convolutions are supported, input '" +
                                Spec.Input->Name + "' is " + shapeToString(XDims));
  auto Geo = convGeometry(XDims, WDims, Spec.ConvAttrs);
  if (!Geo)
    return opError(*Anchor, llvm::toString(Geo.takeError()));
  AttrMap Attrs = actAttrs(Spec);
  Attrs.set("group", Geo->Group);
  bool OneD = XDims.size() == 3;
  if (OneD) {
    Attrs.set("strides", std::vector<int64_t>{1, Geo->Strides[0]});
    Attrs.set("dilations", std::vector<int64_t>{1, Geo->Dilations[0]});
    Attrs.set("pads", std::vector<int64_t>{0, Geo->PadsBegin[0], 0, Geo->PadsEnd[0]});
  } else {
    Attrs.set("strides", Geo->Strides);
    Attrs.set("dilations", Geo->Dilations);
    Attrs.set("pads", std::vector<int64_t>{Geo->PadsBegin[0], Geo->PadsBegin[1], Geo->PadsEnd[0],
                                           Geo->PadsEnd[1]});
  }
  Tensor W = std::move(Spec.Weight.Data);
  if (OneD)
    W.Dims = insertUnitH(W.Dims);
  Value *WV = G.addConstant(Spec.Weight.Name, std::move(W), Spec.Weight.Quant);
  Value *BV = Spec.Bias ? G.addConstant(Anchor->Name + "_bias", std::move(*Spec.Bias)) : nullptr;
  if (!OneD) {
    emit(Anchor, "qconv", {Spec.Input, WV, BV}, Spec.Result, std::move(Attrs));
    return llvm::Error::success();
  }
  TensorType In2D = Spec.Input->Type;
  In2D.Dims = insertUnitH(In2D.Dims);
  Value *X2D = newValue(Spec.Input->Name + "_2d", In2D);
  emit(Anchor, "reshape", {Spec.Input}, X2D);
  TensorType Out2D = Spec.Result->Type;
  Out2D.Dims = insertUnitH(Out2D.Dims);
  Value *Y2D = newValue(Spec.Result->Name + "_2d", Out2D);
  emit(Anchor, "qconv", {X2D, WV, BV}, Y2D, std::move(Attrs));
  emit(Anchor, "reshape", {Y2D}, Spec.Result);
  return llvm::Error::success();
}

void Legalizer::emitMatMul(Op *Anchor, MvmSpec Spec) {
  Value *WV = G.addConstant(Spec.Weight.Name, std::move(Spec.Weight.Data), Spec.Weight.Quant);
  Value *BV = Spec.Bias ? G.addConstant(Anchor->Name + "_bias", std::move(*Spec.Bias)) : nullptr;
  emit(Anchor, "qmatmul", {Spec.Input, WV, BV}, Spec.Result, actAttrs(Spec));
}

bool canForwardValue(const Graph &G, const Value *Result, const Value *Source) {
  return !G.isOutput(Result) || Source->isConstant() || (Source->Def && !G.isOutput(Source));
}

bool forwardValue(Graph &G, Value *Result, Value *Source) {
  assert(!Result->Def && "the producer of a forwarded value must be gone");
  if (!canForwardValue(G, Result, Source))
    return false;
  // A fresh value (defined, unused) gives its producer to Result, so the
  // model's name stays; so does a graph output.
  bool Fresh = Source->Def && !G.isOutput(Source) && G.users(Source).empty();
  if (!G.isOutput(Result) && !Fresh) {
    G.replaceAllUsesWith(Result, Source);
    return true;
  }
  Result->Type = Source->Type;
  if (Source->isConstant()) {
    Result->Const = Source->Const;
  } else {
    Op *P = Source->Def;
    std::replace(P->Results.begin(), P->Results.end(), Source, Result);
    Result->Def = P;
    Source->Def = nullptr;
  }
  G.replaceAllUsesWith(Source, Result);
  return true;
}

void Legalizer::defineAs(Op *Anchor, Value *Result, Value *Source, int64_t Lo, int64_t Hi) {
  DType Elem = Result->Type.Elem;
  bool FullRange = Lo <= minValue(Elem) && Hi >= maxValue(Elem);
  bool SameType = Result->Type.Quant == Source->Type.Quant && Elem == Source->Type.Elem;
  if (!SameType) {
    AttrMap A;
    A.set("act_min", Lo);
    A.set("act_max", Hi);
    emit(Anchor, "requantize", {Source}, Result, std::move(A));
    return;
  }
  if (FullRange) {
    if (!forwardValue(G, Result, Source))
      emit(Anchor, "reshape", {Source}, Result);
    return;
  }
  AttrMap A;
  A.set("min", Lo);
  A.set("max", Hi);
  emit(Anchor, "clamp", {Source}, Result, std::move(A));
}

llvm::Expected<std::optional<Tensor>> quantizedBias(const Op &Anchor, const Value *Bias,
                                                    float InScale, const QuantParams &W,
                                                    int64_t Channels, double Beta) {
  if (!Bias)
    return std::optional<Tensor>();
  // The bias in real numbers: b_f = (b - zp) * scale, or a float constant.
  const Tensor *Data = nullptr;
  std::optional<QuantParams> BQ;
  if (Bias->isConstant() && isFloat(Bias->Type.Elem)) {
    Data = Bias->Const.get();
  } else if (Bias->Def && Bias->Def->Kind == "onnx.DequantizeLinear" &&
             Bias->Def->operand(0)->isConstant()) {
    const Op &DQ = *Bias->Def;
    Data = DQ.operand(0)->Const.get();
    auto P = paramsFromOperands(DQ, DQ.operand(1), DQ.operand(2), DQ.Attrs.getInt("axis", 1),
                                static_cast<int64_t>(Data->Dims.size()));
    if (!P)
      return P.takeError();
    BQ = std::move(*P);
  } else if (Bias->isConstant() && Bias->Type.Elem == DType::I32) {
    Data = Bias->Const.get();
    BQ = QuantParams{{}, {0}, -1};
  } else {
    return opError(Anchor, "bias '" + Bias->Name +
                               "' must be a constant (an i32 constant through "
                               "DequantizeLinear, or a float constant)");
  }
  if (Data->size() != 1 && Data->size() != Channels)
    return opError(Anchor, "bias '" + Bias->Name + "' has shape " + shapeToString(Data->Dims) +
                               ", expected [" + llvm::Twine(Channels) + "]");
  auto At = [&](const std::vector<double> &V, int64_t C) { return V[V.size() == 1 ? 0 : C]; };
  auto ZpAt = [&](int64_t C) { return BQ->ZeroPoint[BQ->ZeroPoint.size() == 1 ? 0 : C]; };
  Tensor Out(DType::I32, {Channels});
  bool Exact = BQ && !BQ->Scale.empty() && Beta == 1.0;
  bool WasQuantized = BQ.has_value();
  for (int64_t C = 0; C < Channels && Exact; ++C) {
    float Expected = InScale * static_cast<float>(At(W.Scale, C));
    float Given = static_cast<float>(At(BQ->Scale, C));
    Exact = ZpAt(C) == 0 && std::fabs(Given - Expected) <= 1e-6f * Expected;
  }
  for (int64_t C = 0; C < Channels; ++C) {
    double Raw = Data->Data[Data->size() == 1 ? 0 : C];
    double Value;
    if (Exact || (BQ && BQ->Scale.empty())) {
      Value = Raw - (BQ ? ZpAt(C) : 0);
    } else {
      float Real = BQ ? nmpu::dequantizeLinear(static_cast<int64_t>(Raw),
                                               static_cast<float>(At(BQ->Scale, C)), ZpAt(C))
                      : static_cast<float>(Raw);
      Real = static_cast<float>(Real * Beta);
      float Step = InScale * static_cast<float>(At(W.Scale, C));
      Value = nmpu::roundHalfEven(Real / Step);
    }
    if (Value < minValue(DType::I32) || Value > maxValue(DType::I32))
      return opError(Anchor, "bias '" + Bias->Name +
                                 "' does not fit in i32 at scale x_scale "
                                 "* w_scale");
    Out.Data[C] = Value;
  }
  // A float bias quantized at x_scale * w_scale is the usual export (PyTorch
  // leaves biases in float); an integer bias at another scale is a surprise.
  if (WasQuantized && !Exact && !BQ->Scale.empty())
    emitWarning(Anchor.describe() + ": bias '" + Bias->Name +
                "' has a scale other than x_scale * w_scale; re-quantized as "
                "round(b / (x_scale * w_scale)), which may differ from the model's float "
                "arithmetic");
  return std::optional<Tensor>(std::move(Out));
}

Tensor transpose2D(const Tensor &T) {
  int64_t R = T.Dims[0], C = T.Dims[1];
  Tensor Out(T.Type, {C, R});
  for (int64_t I = 0; I < R; ++I)
    for (int64_t J = 0; J < C; ++J)
      Out.Data[J * R + I] = T.Data[I * C + J];
  return Out;
}

} // namespace qnn

namespace qnn {

llvm::Error checkActivation(const Op &O, const Value *X, llvm::StringRef Role) {
  if (!X)
    return opError(O, Role + " is missing");
  if (!isInteger(X->Type.Elem) || !X->Type.Quant)
    return opError(O, Role + " '" + X->Name + "' is not a quantized tensor; " + ChipOnlyHint);
  if (!isMvmType(X->Type.Elem))
    return opError(O, Role + " '" + X->Name + "' has type " + dtypeName(X->Type.Elem) +
                          "; the chip takes u8 and i8 activations only for now");
  if (!X->Type.Quant->isPerTensor())
    return opError(O, Role + " '" + X->Name +
                          "' is quantized per channel; activations must be quantized per tensor");
  return llvm::Error::success();
}

llvm::Error notMatrixWeight(const Op &O, llvm::StringRef Name, const Shape &Dims) {
  return opError(O, "weight '" + Name + "' must be 2-D [K, N], it is " + shapeToString(Dims) +
                        "; the chip stores one matrix per layer, not a batch of them");
}

llvm::Error notConstantWeight(const Op &O, const Value *W) {
  // Name the graph input the weight comes from, if any, so --bind can fix it.
  if (!W)
    return opError(O, "the weight operand is missing");
  const Value *Root = W;
  while (Root->Def && Root->Def->operand(0) &&
         (Root->Def->Kind == "onnx.DequantizeLinear" || Root->Def->Kind == "onnx.QuantizeLinear"))
    Root = Root->Def->operand(0);
  return opError(O, "weight '" + Root->Name + "' is not a constant; bind it with --bind " +
                        Root->Name + "=FILE.pb");
}

llvm::Expected<QuantWeight> quantWeight(const Op &O, const Tensor &Data, llvm::StringRef Name,
                                        const Value *Scale, const Value *ZeroPoint,
                                        int64_t ParamAxis, int64_t Axis) {
  if (!isMvmType(Data.Type))
    return opError(O, "weight '" + Name + "' has type " + dtypeName(Data.Type) +
                          "; the chip takes u8 and i8 weights only for now");
  int64_t Rank = static_cast<int64_t>(Data.Dims.size());
  auto Q = paramsFromOperands(O, Scale, ZeroPoint, ParamAxis, Rank);
  if (!Q)
    return Q.takeError();
  if (!Q->isPerTensor() &&
      (Q->Axis != Axis || static_cast<int64_t>(Q->Scale.size()) != Data.Dims[Axis]))
    return opError(O, "weight '" + Name +
                          "' must be quantized per tensor or per output "
                          "channel (axis " +
                          llvm::Twine(Axis) + ")");
  return QuantWeight{Data, std::move(*Q), Name.str()};
}

llvm::Expected<QuantWeight> constantWeight(const Op &O, const Value *W, const Value *Scale,
                                           const Value *ZeroPoint, int64_t Axis) {
  if (!W || !W->isConstant())
    return notConstantWeight(O, W);
  return quantWeight(O, *W->Const, W->Name, Scale, ZeroPoint, Axis, Axis);
}

llvm::Expected<AttrMap> poolAttrs(const Op &O, const Shape &X, bool Max) {
  if (X.size() != 4)
    return opError(O, "only 2-D pooling (NCHW) is supported, input is " + shapeToString(X));
  auto Geo = poolGeometry(X, O.Attrs);
  if (!Geo)
    return opError(O, llvm::toString(Geo.takeError()));
  AttrMap A;
  A.set("kernel_shape", Geo->Kernel);
  A.set("strides", Geo->Strides);
  A.set("pads", std::vector<int64_t>{Geo->PadsBegin[0], Geo->PadsBegin[1], Geo->PadsEnd[0],
                                     Geo->PadsEnd[1]});
  A.set("ceil_mode", O.Attrs.getInt("ceil_mode", 0));
  if (Max)
    A.set("dilations", Geo->Dilations);
  else if (Geo->Dilations != std::vector<int64_t>{1, 1})
    return opError(O, "AveragePool with dilations is not supported");
  else
    A.set("count_include_pad", O.Attrs.getInt("count_include_pad", 0));
  return A;
}

} // namespace qnn

//===- LegalizeQdq.cpp - QDQ patterns to canonical ops --------------------===//
//
// In QDQ form a float op computes between DequantizeLinear (its inputs) and
// QuantizeLinear (its output, possibly through Relu or Clip). Each rewrite
// here starts at the float op (the anchor), checks that every input comes
// from a DequantizeLinear and every use of its result ends in a
// QuantizeLinear, and emits one canonical op per such exit, defining the
// QuantizeLinear's result so that names and later uses stay.
//
//===----------------------------------------------------------------------===//
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"
#include "qnn/Transforms/LegalizeUtils.h"
#include "qnn/Transforms/QuantKernels.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace qnn {

namespace {

bool isKind(const Value *V, llvm::StringRef Kind) { return V && V->Def && V->Def->Kind == Kind; }

/// The quantized tensor that a DequantizeLinear turns into \p F.
llvm::Expected<Value *> dequantizedFrom(const Op &Anchor, Value *F, llvm::StringRef Role) {
  if (!F)
    return opError(Anchor, Role + " is missing");
  if (!isKind(F, "onnx.DequantizeLinear") || F->Def->operand(0)->isConstant())
    return opError(Anchor, Role + " '" + F->Name +
                               "' is not dequantized from a quantized tensor "
                               "(DequantizeLinear); " +
                               ChipOnlyHint);
  Value *Q = F->Def->operand(0);
  if (llvm::Error E = checkActivation(Anchor, Q, Role))
    return E;
  return Q;
}

/// The quantized constant weight behind \p F: DequantizeLinear of an integer
/// constant, or of QuantizeLinear of a float constant (evaluated here).
llvm::Expected<QuantWeight> dequantizedWeight(const Op &Anchor, Value *F, int64_t Axis) {
  if (F && F->isConstant())
    return opError(Anchor, "weight '" + F->Name +
                               "' is a float constant; quantize it (QuantizeLinear + "
                               "DequantizeLinear) or export a QOperator model");
  if (!isKind(F, "onnx.DequantizeLinear"))
    return F && (!F->Def) ? notConstantWeight(Anchor, F)
                          : opError(Anchor, "weight '" + (F ? F->Name : std::string("_")) +
                                                "' is not dequantized from a constant "
                                                "(DequantizeLinear of an integer constant)");
  const Op &DQ = *F->Def;
  if (DQ.Attrs.getInt("block_size", 0) > 0)
    return opError(Anchor, "weight '" + F->Name +
                               "' is quantized in blocks; the chip takes "
                               "per-tensor or per-channel weights");
  const Value *Q = DQ.operand(0);
  Tensor Data;
  if (Q->isConstant()) {
    Data = *Q->Const;
  } else if (isKind(Q, "onnx.QuantizeLinear") && Q->Def->operand(0)->isConstant() &&
             Q->Def->operand(1)->isConstant() &&
             (!Q->Def->operand(2) || Q->Def->operand(2)->isConstant())) {
    const Op &QL = *Q->Def;
    auto T = quantizeLinearTensor(*QL.operand(0)->Const, *QL.operand(1)->Const,
                                  QL.operand(2) ? QL.operand(2)->Const.get() : nullptr,
                                  QL.Attrs.getInt("axis", 1), QL.Attrs.getInt("block_size", 0),
                                  Q->Type.Elem);
    if (!T)
      return opError(QL, llvm::toString(T.takeError()));
    Data = std::move(*T);
  } else {
    return notConstantWeight(Anchor, Q);
  }
  return quantWeight(Anchor, Data, Q->Name, DQ.operand(1), DQ.operand(2),
                     DQ.Attrs.getInt("axis", 1), Axis);
}

/// One way the anchor's float result leaves the float world.
struct Exit {
  Op *Activation = nullptr; // Relu or Clip between the anchor and Quant
  Op *Quant = nullptr;
  int64_t Lo = 0, Hi = 0; // activation range in the quantized domain
};

bool isActivation(const Op *O) { return O->Kind == "onnx.Relu" || O->Kind == "onnx.Clip"; }

/// Narrows [Lo, Hi] by a Relu or Clip whose output is quantized with \p Q.
llvm::Error narrowByActivation(const Op &Act, const QuantParams &Q, DType Elem, int64_t &Lo,
                               int64_t &Hi) {
  float Scale = static_cast<float>(Q.Scale[0]);
  int64_t Zp = Q.ZeroPoint[0];
  auto Quantize = [&](float V) {
    return nmpu::quantizeLinear(V, Scale, Zp, minValue(Elem), maxValue(Elem));
  };
  if (Act.Kind == "onnx.Relu") {
    Lo = std::max(Lo, Zp);
    return llvm::Error::success();
  }
  // Clip: bounds as operands (opset 11+) or attributes (before).
  for (unsigned I : {1u, 2u}) {
    const Value *B = Act.operand(I);
    std::optional<float> Bound;
    if (B) {
      if (!B->isConstant() || B->Const->size() != 1)
        return opError(Act, "bound '" + B->Name + "' must be a constant scalar");
      Bound = static_cast<float>(B->Const->Data[0]);
    } else if (Act.Attrs.has(I == 1 ? "min" : "max")) {
      Bound = static_cast<float>(Act.Attrs.getFloat(I == 1 ? "min" : "max"));
    }
    if (!Bound)
      continue;
    if (I == 1)
      Lo = std::max(Lo, Quantize(*Bound));
    else
      Hi = std::min(Hi, Quantize(*Bound));
  }
  if (Lo > Hi)
    return opError(Act, "the clip range is empty once quantized");
  return llvm::Error::success();
}

llvm::Error checkQuantExit(const Op &Anchor, const Op &Q) {
  const Value *Y = Q.result();
  if (!Y->Type.Quant || !Y->Type.Quant->isPerTensor())
    return opError(Q, "the output of " + Anchor.describe() + " must be quantized per tensor");
  if (!isMvmType(Y->Type.Elem))
    return opError(Q, "output type " + dtypeName(Y->Type.Elem).str() + " of " + Anchor.describe() +
                          " is not supported; the chip produces u8 and i8 activations only "
                          "for now");
  return llvm::Error::success();
}

/// Every use of \p Anchor's result must be a QuantizeLinear, or (when
/// \p FuseActivation) a Relu/Clip used only by QuantizeLinear ops.
llvm::Expected<std::vector<Exit>> exitsOf(Legalizer &L, Op *Anchor, bool FuseActivation) {
  Graph &G = L.graph();
  Value *Y = Anchor->result();
  auto FloatUse = [&](const Value *V, const Op *User) {
    return opError(*Anchor, "result '" + V->Name + "' " +
                                (User ? "feeds " + User->describe() + " in float"
                                      : std::string("is a float graph output")) +
                                "; " + ChipOnlyHint);
  };
  auto AddExit = [&](std::vector<Exit> &Exits, Op *Act, Op *Q) -> llvm::Error {
    if (llvm::Error E = checkQuantExit(*Anchor, *Q))
      return E;
    const TensorType &T = Q->result()->Type;
    Exit X{Act, Q, minValue(T.Elem), maxValue(T.Elem)};
    if (Act)
      if (llvm::Error E = narrowByActivation(*Act, *T.Quant, T.Elem, X.Lo, X.Hi))
        return E;
    Exits.push_back(X);
    return llvm::Error::success();
  };
  if (G.isOutput(Y))
    return FloatUse(Y, nullptr);
  std::vector<Exit> Exits;
  for (Op *U : G.users(Y)) {
    if (U->Kind == "onnx.QuantizeLinear" && U->operand(0) == Y) {
      if (llvm::Error E = AddExit(Exits, nullptr, U))
        return E;
      continue;
    }
    if (!FuseActivation || !isActivation(U) || U->operand(0) != Y)
      return FloatUse(Y, U);
    if (G.isOutput(U->result()))
      return FloatUse(U->result(), nullptr);
    for (Op *Q : G.users(U->result())) {
      if (Q->Kind != "onnx.QuantizeLinear" || Q->operand(0) != U->result())
        return FloatUse(U->result(), Q);
      if (llvm::Error E = AddExit(Exits, U, Q))
        return E;
    }
  }
  return Exits;
}

/// Erases the exits' QuantizeLinear and activation ops and the anchor; their
/// results have been redefined or are no longer used.
void eraseMatched(Legalizer &L, Op *Anchor, const std::vector<Exit> &Exits) {
  for (const Exit &X : Exits)
    L.erase(X.Quant);
  for (const Exit &X : Exits)
    if (X.Activation && !L.isErased(X.Activation))
      L.erase(X.Activation);
  L.erase(Anchor);
}

/// Detaches the QuantizeLinear of \p X from its result, which the caller
/// then defines.
Value *takeResult(const Exit &X) {
  Value *R = X.Quant->result();
  R->Def = nullptr;
  return R;
}

float scaleOf(const Value *Q) { return static_cast<float>(Q->Type.Quant->Scale[0]); }

llvm::Error rewriteConv(Legalizer &L, Op *O) {
  auto X = dequantizedFrom(*O, O->operand(0), "input");
  if (!X)
    return X.takeError();
  auto W = dequantizedWeight(*O, O->operand(1), 0);
  if (!W)
    return W.takeError();
  int64_t M = W->Data.Dims.empty() ? 0 : W->Data.Dims[0];
  auto Bias = quantizedBias(*O, O->operand(2), scaleOf(*X), W->Quant, M, 1.0);
  if (!Bias)
    return Bias.takeError();
  auto Exits = exitsOf(L, O, true);
  if (!Exits)
    return Exits.takeError();
  for (const Exit &E : *Exits) {
    MvmSpec S{*X, *W, *Bias, E.Quant->result(), O->Attrs, E.Lo, E.Hi};
    if (llvm::Error Err = L.emitConv(O, std::move(S)))
      return Err;
  }
  eraseMatched(L, O, *Exits);
  return llvm::Error::success();
}

/// Emits qmatmul per exit for x [.., K] times weight [K, N] plus bias.
llvm::Error emitMatMulExits(Legalizer &L, Op *O, Value *X, const QuantWeight &W,
                            const std::optional<Tensor> &Bias) {
  auto Exits = exitsOf(L, O, true);
  if (!Exits)
    return Exits.takeError();
  for (const Exit &E : *Exits)
    L.emitMatMul(O, MvmSpec{X, W, Bias, E.Quant->result(), {}, E.Lo, E.Hi});
  eraseMatched(L, O, *Exits);
  return llvm::Error::success();
}

llvm::Error rewriteGemm(Legalizer &L, Op *O) {
  if (O->Attrs.getInt("transA", 0))
    return opError(*O, "transA = 1 is not supported; transpose the input in the model");
  auto X = dequantizedFrom(*O, O->operand(0), "input");
  if (!X)
    return X.takeError();
  bool TransB = O->Attrs.getInt("transB", 0) != 0;
  auto W = dequantizedWeight(*O, O->operand(1), TransB ? 0 : 1);
  if (!W)
    return W.takeError();
  if (W->Data.Dims.size() != 2)
    return notMatrixWeight(*O, W->Name, W->Data.Dims);
  if (TransB) {
    W->Data = transpose2D(W->Data);
    if (W->Quant.Axis == 0)
      W->Quant.Axis = 1;
  }
  double Alpha = O->Attrs.getFloat("alpha", 1.0), Beta = O->Attrs.getFloat("beta", 1.0);
  if (!(Alpha > 0))
    return opError(*O, "alpha must be positive to fold into the weight scale");
  if (Alpha != 1.0)
    for (double &S : W->Quant.Scale)
      S = static_cast<float>(static_cast<float>(S) * static_cast<float>(Alpha));
  auto Bias = quantizedBias(*O, O->operand(2), scaleOf(*X), W->Quant, W->Data.Dims[1], Beta);
  if (!Bias)
    return Bias.takeError();
  return emitMatMulExits(L, O, *X, *W, *Bias);
}

llvm::Error rewriteMatMul(Legalizer &L, Op *O) {
  auto IsConstantWeight = [](const Value *V) {
    return V && (V->isConstant() ||
                 (isKind(V, "onnx.DequantizeLinear") && V->Def->operand(0)->isConstant()));
  };
  if (IsConstantWeight(O->operand(0)) && !IsConstantWeight(O->operand(1)))
    return opError(*O, "the constant is the first operand of MatMul; the chip multiplies "
                       "activations by a constant second operand (rewrite as x * W)");
  auto X = dequantizedFrom(*O, O->operand(0), "input");
  if (!X)
    return X.takeError();
  auto W = dequantizedWeight(*O, O->operand(1), 1);
  if (!W)
    return W.takeError();
  if (W->Data.Dims.size() != 2)
    return notMatrixWeight(*O, W->Name, W->Data.Dims);
  return emitMatMulExits(L, O, *X, *W, std::nullopt);
}

/// For ops without act_min/act_max: per exit, \p Core emits the op into a
/// value of the given type and defineAs adds the requantize or clamp.
template <typename CoreFn> llvm::Error emitPerExit(Legalizer &L, Op *O, CoreFn Core) {
  auto Exits = exitsOf(L, O, true);
  if (!Exits)
    return Exits.takeError();
  for (const Exit &E : *Exits) {
    Value *R = takeResult(E);
    Value *V = Core(R);
    L.defineAs(O, R, V, E.Lo, E.Hi);
  }
  eraseMatched(L, O, *Exits);
  return llvm::Error::success();
}

/// A fresh value with \p Like's element type and quantization and \p Dims.
Value *valueLike(Legalizer &L, const Value *Like, const Shape &Dims, llvm::StringRef Base) {
  return L.newValue(Base, TensorType{Like->Type.Elem, Dims, Like->Type.Quant});
}

/// AveragePool and GlobalAveragePool quantize their mean straight to the
/// output's parameters.
llvm::Error rewriteAveragePool(Legalizer &L, Op *O, llvm::StringRef Kind) {
  auto X = dequantizedFrom(*O, O->operand(0), "input");
  if (!X)
    return X.takeError();
  AttrMap Attrs;
  if (Kind == "qavgpool") {
    auto A = poolAttrs(*O, (*X)->Type.Dims, false);
    if (!A)
      return A.takeError();
    Attrs = std::move(*A);
  }
  const Shape &Dims = O->result()->Type.Dims;
  return emitPerExit(L, O, [&](Value *R) {
    Value *V = valueLike(L, R, Dims, R->Name + "_pool");
    L.emit(O, Kind, {*X}, V, Attrs);
    return V;
  });
}

llvm::Error rewriteAveragePool(Legalizer &L, Op *O) { return rewriteAveragePool(L, O, "qavgpool"); }
llvm::Error rewriteGlobalAveragePool(Legalizer &L, Op *O) {
  return rewriteAveragePool(L, O, "qglobalavgpool");
}

llvm::Error rewriteAdd(Legalizer &L, Op *O) {
  auto A = dequantizedFrom(*O, O->operand(0), "input");
  if (!A)
    return A.takeError();
  auto B = dequantizedFrom(*O, O->operand(1), "input");
  if (!B)
    return B.takeError();
  auto Exits = exitsOf(L, O, true);
  if (!Exits)
    return Exits.takeError();
  for (const Exit &E : *Exits) {
    AttrMap Attrs;
    Attrs.set("act_min", E.Lo);
    Attrs.set("act_max", E.Hi);
    L.emit(O, "qadd", {*A, *B}, E.Quant->result(), std::move(Attrs));
  }
  eraseMatched(L, O, *Exits);
  return llvm::Error::success();
}

llvm::Error rewriteConcat(Legalizer &L, Op *O) {
  std::vector<Value *> Inputs;
  for (Value *F : O->Operands) {
    auto X = dequantizedFrom(*O, F, "input");
    if (!X)
      return X.takeError();
    Inputs.push_back(*X);
  }
  AttrMap Attrs;
  Attrs.set("axis", O->Attrs.getInt("axis", 0));
  const Shape &Dims = O->result()->Type.Dims;
  return emitPerExit(L, O, [&](Value *R) {
    Value *V = valueLike(L, R, Dims, R->Name + "_concat");
    L.emit(O, "qconcat", Inputs, V, Attrs);
    return V;
  });
}

/// A Relu or Clip between DequantizeLinear and QuantizeLinear that did not
/// fuse into a producer: a clamp (or a requantize with a range).
llvm::Error rewriteActivation(Legalizer &L, Op *O) {
  auto X = dequantizedFrom(*O, O->operand(0), "input");
  if (!X)
    return X.takeError();
  auto Exits = exitsOf(L, O, false);
  if (!Exits)
    return Exits.takeError();
  for (Exit &E : *Exits) {
    const TensorType &T = E.Quant->result()->Type;
    if (llvm::Error Err = narrowByActivation(*O, *T.Quant, T.Elem, E.Lo, E.Hi))
      return Err;
    L.defineAs(O, takeResult(E), *X, E.Lo, E.Hi);
  }
  eraseMatched(L, O, *Exits);
  return llvm::Error::success();
}

} // namespace

void hoistAboveDequantize(Legalizer &L) {
  Graph &G = L.graph();
  static const llvm::StringSet<> Kinds = {"onnx.MaxPool", "onnx.Flatten", "onnx.Reshape",
                                          "onnx.Squeeze", "onnx.Unsqueeze"};
  std::vector<Op *> Ops;
  for (const auto &O : G.ops())
    Ops.push_back(O.get());
  for (Op *O : Ops) {
    Value *F = O->operand(0);
    if (!Kinds.contains(O->Kind) || !isKind(F, "onnx.DequantizeLinear"))
      continue;
    Op *DQ = F->Def;
    Value *X = DQ->operand(0);
    if (X->isConstant() || llvm::errorToBool(checkActivation(*O, X, "input")))
      continue;
    bool Max = O->Kind == "onnx.MaxPool";
    if (Max && O->Results.size() > 1 && !G.users(O->result(1)).empty())
      continue;
    AttrMap Attrs;
    if (Max) {
      auto A = poolAttrs(*O, X->Type.Dims, true);
      if (!A) {
        llvm::consumeError(A.takeError()); // the QDQ check refuses it later
        continue;
      }
      Attrs = std::move(*A);
      if (O->Results.size() > 1) {
        O->result(1)->Def = nullptr;
        O->Results.resize(1);
      }
    }
    Value *R = O->result();
    Value *V = valueLike(L, X, R->Type.Dims, R->Name + "_q");
    L.emit(O, Max ? "qmaxpool" : "reshape", {X}, V, std::move(Attrs));
    G.addOp("onnx.DequantizeLinear", DQ->Name, {V, DQ->operand(1), DQ->operand(2)}, {R}, DQ->Attrs,
            O);
    L.erase(O);
  }
}

RewriteFn qdqRewrite(llvm::StringRef Kind) {
  static const llvm::StringMap<RewriteFn> Table = {
      {"onnx.Conv", rewriteConv},
      {"onnx.Gemm", rewriteGemm},
      {"onnx.MatMul", rewriteMatMul},
      {"onnx.AveragePool", rewriteAveragePool},
      {"onnx.GlobalAveragePool", rewriteGlobalAveragePool},
      {"onnx.Add", rewriteAdd},
      {"onnx.Concat", rewriteConcat},
      {"onnx.Relu", rewriteActivation},
      {"onnx.Clip", rewriteActivation},
  };
  auto It = Table.find(Kind);
  return It == Table.end() ? nullptr : It->second;
}

} // namespace qnn

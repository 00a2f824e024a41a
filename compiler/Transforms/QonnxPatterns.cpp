//===- QonnxPatterns.cpp - What legalize-qonnx reads from a graph ---------===//
#include "QonnxPatterns.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/Support/ShapeUtils.h"
#include "llvm/ADT/StringSet.h"
#include <cmath>
#include <fmt/format.h>

namespace qnn::qonnx {

bool isMvmKind(llvm::StringRef Kind) {
  return Kind == "onnx.MatMul" || Kind == "onnx.Gemm" || Kind == "onnx.Conv";
}

bool isActivationQuantizer(const Op &O) {
  static const llvm::StringSet<> Kinds = {"qonnx.Quant", "qonnx.BipolarQuant",
                                          "qonnx.MultiThreshold"};
  return Kinds.contains(O.Kind) && O.operand(0) && !O.operand(0)->isConstant();
}

namespace {

/// The operands of \p O other than \p Act are constants (or absent).
bool othersConstant(const Op &O, int Act) {
  for (size_t I = 0; I < O.Operands.size(); ++I)
    if (static_cast<int>(I) != Act && O.Operands[I] && !O.Operands[I]->isConstant())
      return false;
  return true;
}

/// The one non-constant operand of \p O, or -1.
int activationOperand(const Op &O) {
  int Act = -1;
  for (size_t I = 0; I < O.Operands.size(); ++I)
    if (O.Operands[I] && !O.Operands[I]->isConstant()) {
      if (Act >= 0)
        return -1;
      Act = static_cast<int>(I);
    }
  return Act;
}

bool isScalarConstant(const Value *V) { return V && V->isConstant() && V->Const->size() == 1; }

} // namespace

int monotoneOperand(const Op &O) {
  static const llvm::StringSet<> Either = {"onnx.Mul", "onnx.Add", "onnx.Sub"};
  static const llvm::StringSet<> First = {"onnx.Div", "onnx.BatchNormalization", "onnx.Relu",
                                          "onnx.Clip", "onnx.Identity"};
  int Act = activationOperand(O);
  if (Act < 0)
    return -1;
  if (Either.contains(O.Kind) || (First.contains(O.Kind) && Act == 0))
    return Act;
  return -1;
}

bool isShapeOp(const Op &O) {
  static const llvm::StringSet<> Kinds = {"onnx.Flatten", "onnx.Reshape", "onnx.Squeeze",
                                          "onnx.Unsqueeze"};
  return Kinds.contains(O.Kind) && O.operand(0) && othersConstant(O, 0);
}

llvm::Expected<Chain> chainBefore(const Graph &G, Op &Q) {
  Chain C;
  Value *V = Q.operand(0);
  for (;;) {
    if (G.users(V).size() != 1 || G.isOutput(V))
      return opError(Q, "quantizes '" + V->Name +
                            "', a float value that other ops also read; the chip only has the "
                            "quantized value (quantize it before it is shared)");
    Op *P = V->Def;
    if (!P || isMvmKind(P->Kind))
      break;
    int Act = isShapeOp(*P) ? 0 : monotoneOperand(*P);
    if (Act < 0)
      return opError(Q, "quantizes the result of " + P->describe() +
                            ", which is not a monotone element-wise op of one computed input; "
                            "the ops between an MVM and a quantizer fold into comparators only "
                            "when they are Mul, Div, Add, Sub by constants, "
                            "BatchNormalization, Relu or Clip");
    C.Links.insert(C.Links.begin(), P);
    V = P->operand(Act);
  }
  C.Source = V;
  return C;
}

std::vector<Op *> affineAfter(const Graph &G, const Op &Q) {
  std::vector<Op *> Ops;
  const Value *V = Q.result();
  for (;;) {
    std::vector<Op *> Users = G.users(V);
    if (Users.size() != 1 || G.isOutput(V))
      return Ops;
    Op *U = Users[0];
    bool Commutes = U->Kind == "onnx.Add" || U->Kind == "onnx.Mul";
    bool Ordered = U->Kind == "onnx.Sub" || U->Kind == "onnx.Div";
    int Act = U->operand(0) == V ? 0 : U->operand(1) == V ? 1 : -1;
    if (!(Commutes || (Ordered && Act == 0)) || Act < 0 || U->Operands.size() != 2 ||
        !isScalarConstant(U->operand(1 - Act)))
      return Ops;
    Ops.push_back(U);
    V = U->result();
  }
}

llvm::Expected<Tensor> evalWith(const Op &O, int Act, const Tensor &In) {
  const OpDef *Def = OpRegistry::instance().lookup(O.Kind);
  if (!Def || !Def->Eval)
    return opError(O, "has no reference kernel");
  std::vector<const Tensor *> Operands;
  for (size_t I = 0; I < O.Operands.size(); ++I)
    Operands.push_back(static_cast<int>(I) == Act ? &In
                       : O.Operands[I]            ? O.Operands[I]->Const.get()
                                                  : nullptr);
  std::vector<Tensor> Results(O.Results.size());
  if (llvm::Error E = Def->Eval(O, Operands, Results, EvalContext{}))
    return opError(O, llvm::toString(std::move(E)));
  return std::move(Results[0]);
}

int64_t QuantizerLevels::levelOf(double Y) const {
  double Q = std::nearbyint(Y / Scale + ZeroPoint);
  // NaN, or beyond every integer a quantizer of at most 8 bits gives (an
  // infinite scale or a huge zero point): no level, and no cast that
  // overflows.
  if (!(std::abs(Q) <= 0x1p53))
    return -1;
  return (static_cast<int64_t>(Q) - QMin) / QStep;
}

namespace {

llvm::Expected<double> scalarOperand(const Op &Q, unsigned I, llvm::StringRef Role) {
  const Value *V = Q.operand(I);
  if (!V || !V->isConstant())
    return opError(Q, "the " + Role + " must be a constant");
  if (V->Const->size() != 1)
    return opError(Q, "has a " + Role + " of " + llvm::Twine(V->Const->size()) +
                          " elements; the chip keeps one " + Role +
                          " per activation tensor (quantize activations per tensor)");
  return V->Const->Data[0];
}

bool isInteger(double V) { return std::isfinite(V) && V == std::nearbyint(V); }

} // namespace

llvm::Expected<QuantizerLevels> quantizerLevels(const Op &Q) {
  QuantizerLevels L;
  if (Q.Kind == "qonnx.MultiThreshold") {
    const Value *Th = Q.operand(1);
    if (!Th->isConstant() || Th->Type.Dims.size() != 2)
      return opError(Q, "the thresholds must be a constant [C, T] tensor");
    L.Count = Th->Type.Dims[1];
    L.Scale = Q.Attrs.getFloat("out_scale", 1.0);
    double Bias = Q.Attrs.getFloat("out_bias", 0.0);
    if (!(L.Scale > 0) || !std::isfinite(L.Scale) || !std::isfinite(Bias))
      return opError(Q, "out_scale must be positive and finite, and out_bias finite, for an "
                        "activation the chip stores");
    L.ZeroPoint = -Bias / L.Scale;
    // The kernel's output for k reached thresholds, rounded as it rounds.
    for (int64_t K = 0; K <= L.Count; ++K)
      L.Values.push_back(roundToF32(roundToF32(L.Scale * static_cast<double>(K)) + Bias));
    return L;
  }
  auto Scale = scalarOperand(Q, 1, "scale");
  if (!Scale)
    return Scale.takeError();
  L.Scale = *Scale;
  if (!(L.Scale > 0) || !std::isfinite(L.Scale))
    return opError(Q, "the scale must be positive and finite");
  if (Q.Kind == "qonnx.BipolarQuant") {
    L.Count = 1;
    L.QMin = -1;
    L.QStep = 2;
  } else {
    auto Zp = scalarOperand(Q, 2, "zero point");
    if (!Zp)
      return Zp.takeError();
    auto Bits = scalarOperand(Q, 3, "bit width");
    if (!Bits)
      return Bits.takeError();
    if (!isInteger(*Zp) || !isInteger(*Bits) || *Bits < 1 || *Bits > 8)
      return opError(Q, fmt::format("needs an integer zero point and a bit width of 1 to 8 for "
                                    "the chip, it has zero point {} and bit width {}",
                                    *Zp, *Bits));
    L.ZeroPoint = *Zp;
    bool Signed = Q.Attrs.getInt("signed", 1) != 0, Narrow = Q.Attrs.getInt("narrow", 0) != 0;
    int64_t B = static_cast<int64_t>(*Bits);
    if (Signed && B == 1) { // the old bipolar convention (see the Quant kernel)
      L.QMin = -1;
      L.QStep = 2;
      L.Count = 1;
    } else {
      L.QMin = Signed ? -(int64_t(1) << (B - 1)) + Narrow : 0;
      int64_t QMax = Signed ? (int64_t(1) << (B - 1)) - 1 : (int64_t(1) << B) - 1 - Narrow;
      L.Count = QMax - L.QMin;
    }
  }
  // Level k is the kernel's output for the input that quantizes to it.
  Tensor In(DType::F32, {L.Count + 1});
  for (int64_t K = 0; K <= L.Count; ++K)
    In.Data[K] = roundToF32(L.Scale * static_cast<double>(L.QMin + L.QStep * K - L.ZeroPoint));
  auto Out = evalWith(Q, 0, In);
  if (!Out)
    return Out.takeError();
  L.Values = Out->Data;
  for (int64_t K = 0; K <= L.Count; ++K)
    if (L.levelOf(L.Values[K]) != K)
      return opError(Q, "level " + llvm::Twine(K) + " does not map back to itself");
  return L;
}

namespace {

/// The transposes between a weight quantizer and its MVM, innermost first.
struct WeightSource {
  const Op *Quantizer = nullptr;
  std::vector<const Op *> Transposes;
};

llvm::Expected<WeightSource> weightSource(const Op &M) {
  WeightSource S;
  const Value *V = M.operand(1);
  while (V->Def && V->Def->Kind == "onnx.Transpose") {
    S.Transposes.insert(S.Transposes.begin(), V->Def);
    V = V->Def->operand(0);
  }
  const Op *Q = V->Def;
  if (!Q || (Q->Kind != "qonnx.Quant" && Q->Kind != "qonnx.BipolarQuant"))
    return opError(M, "weight '" + M.operand(1)->Name +
                          "' is not a QONNX Quant or BipolarQuant of a constant; the chip "
                          "stores integer weights (quantize them in the exporter)");
  for (const Value *O : Q->Operands)
    if (O && !O->isConstant())
      return opError(*Q, "quantizes weight '" + M.operand(1)->Name +
                             "' with non-constant operands; weights and their quantization must "
                             "be constants (use --bind for a weight given as an input)");
  for (const Op *T : S.Transposes)
    if (T->result(0)->Type.Dims.size() != 2)
      return opError(*T, "transposes a weight of rank other than 2; only matrix transposes fold "
                         "into the weights");
  S.Quantizer = Q;
  return S;
}

/// \p Per (one value per element of a tensor of \p Dims) as values per
/// index along \p Axis; nullopt when it varies along another axis.
std::optional<std::vector<double>> perAxis(const std::vector<double> &Per, const Shape &Dims,
                                           int64_t Axis) {
  std::vector<int64_t> Strides = stridesOf(Dims);
  std::vector<double> Out(Dims[Axis]);
  std::vector<bool> Seen(Dims[Axis]);
  for (size_t E = 0; E < Per.size(); ++E) {
    int64_t I = (static_cast<int64_t>(E) / Strides[Axis]) % Dims[Axis];
    if (!Seen[I]) {
      Seen[I] = true;
      Out[I] = Per[E];
    } else if (Out[I] != Per[E]) {
      return std::nullopt;
    }
  }
  return Out;
}

} // namespace

llvm::Expected<QuantWeight> quantizedWeight(const Op &M) {
  auto S = weightSource(M);
  if (!S)
    return S.takeError();
  const Op &Q = *S->Quantizer;
  auto Real = evalWith(Q, 0, *Q.operand(0)->Const);
  if (!Real)
    return Real.takeError();
  // Integers, scales and zero points per element, transposed together.
  Tensor Ints(DType::I8, Real->Dims), Scales(DType::F32, Real->Dims), Zeros(DType::F32, Real->Dims);
  std::vector<int64_t> SI = broadcastIndices(Q.operand(1)->Type.Dims, Real->Dims);
  std::vector<int64_t> ZI;
  bool HasZp = Q.Kind == "qonnx.Quant";
  if (HasZp)
    ZI = broadcastIndices(Q.operand(2)->Type.Dims, Real->Dims);
  for (int64_t E = 0; E < Real->size(); ++E) {
    double Scale = Q.operand(1)->Const->Data[SI[E]];
    double Zp = HasZp ? Q.operand(2)->Const->Data[ZI[E]] : 0;
    double Exact = Real->Data[E] / Scale + Zp, Int = std::nearbyint(Exact);
    if (!(Scale > 0) || !isInteger(Zp) || std::abs(Exact - Int) > 1e-3 || Int < -128 ||
        Int > 127)
      return opError(Q, "weight element " + llvm::Twine(E) +
                            " is not an 8-bit integer level of a positive scale and an "
                            "integer zero point");
    Ints.Data[E] = Int;
    Scales.Data[E] = Scale;
    Zeros.Data[E] = Zp;
  }
  auto TransposeAll = [&] {
    Ints = transpose2D(Ints);
    Scales = transpose2D(Scales);
    Zeros = transpose2D(Zeros);
  };
  for (size_t I = 0; I < S->Transposes.size(); ++I)
    TransposeAll();
  if (M.Kind == "onnx.Gemm" && M.Attrs.getInt("transB", 0))
    TransposeAll();
  int64_t Axis = M.Kind == "onnx.Conv" ? 0 : 1;
  if (Ints.Dims.size() != (M.Kind == "onnx.Conv" ? 3u : 2u) &&
      !(M.Kind == "onnx.Conv" && Ints.Dims.size() == 4))
    return notMatrixWeight(M, M.operand(1)->Name, Ints.Dims);
  auto ScalePer = perAxis(Scales.Data, Ints.Dims, Axis);
  auto ZeroPer = perAxis(Zeros.Data, Ints.Dims, Axis);
  if (!ScalePer || !ZeroPer)
    return opError(Q, "quantizes weight '" + M.operand(1)->Name +
                          "' with parameters that vary along an input axis; the chip takes one "
                          "scale per output channel");
  QuantWeight W;
  W.Name = M.Name + ".weight";
  bool PerTensor = llvm::is_splat(*ScalePer) && llvm::is_splat(*ZeroPer);
  W.Quant.Axis = PerTensor ? -1 : Axis;
  for (size_t I = 0; I < (PerTensor ? 1 : ScalePer->size()); ++I) {
    W.Quant.Scale.push_back((*ScalePer)[I]);
    W.Quant.ZeroPoint.push_back(static_cast<int64_t>((*ZeroPer)[I]));
  }
  W.Data = std::move(Ints);
  return W;
}

} // namespace qnn::qonnx

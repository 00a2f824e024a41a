//===- LegalizeQonnx.cpp - The legalize-qonnx pass ------------------------===//
//
// QONNX graphs keep every tensor in float: a quantizer (Quant, BipolarQuant,
// MultiThreshold) rounds a float to one of a few levels and returns the
// level's float value. The chip keeps the level's integer. This pass
//  - gives each activation quantizer an integer result (its levels, evenly
//    spaced multiples of one scale, after any scalar affine ops that follow
//    it, such as the "(x + 1) / 2" of a bipolar input read as {0, 1});
//  - turns MatMul, Gemm and Conv of such integers by quantized constant
//    weights (through Transposes) into qmatmul / qconv with an int32
//    accumulator;
//  - folds the float ops between an accumulator (or a float graph input)
//    and the next quantizer, BatchNormalization, Mul, Div, Add, Sub, Relu,
//    Clip, and the quantizer itself into a `threshold` op: a monotone step
//    function per channel, found with the reference kernels
//    (StepThresholds.h), so a binary neuron becomes one comparator;
//  - dequantizes what float consumers still read (graph outputs, the float
//    de-normalization after the last MVM, which stays for the host).
// docs/legalize.md describes the rewrites.
//
//===----------------------------------------------------------------------===//
#include "QonnxPatterns.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Support/ShapeUtils.h"
#include "qnn/Transforms/Passes.h"
#include "qnn/Transforms/StepThresholds.h"
#include "llvm/ADT/DenseMap.h"
#include <cmath>
#include <optional>

namespace qnn {

namespace {

using namespace qonnx;

/// How the integers of a quantizer's result encode its levels: level k is
/// the integer Lo + Step * k, whose real value is Scale * (it - ZeroPoint).
struct LevelEncoding {
  double Scale = 1;
  int64_t ZeroPoint = 0;
  int64_t Lo = 0, Step = 1, Count = 0;
  DType Elem = DType::U8;
};

/// \p QuantizerScale is the quantizer's own scale when no op follows it:
/// its levels are exact multiples of it, when their spacing, a rounded
/// difference, may not be.
llvm::Expected<LevelEncoding> encodeLevels(const Op &Q, llvm::ArrayRef<double> Values,
                                           std::optional<double> QuantizerScale) {
  LevelEncoding E;
  E.Count = static_cast<int64_t>(Values.size()) - 1;
  double Delta = E.Count > 0 ? Values[1] - Values[0] : 0;
  if (!(Delta > 0))
    return opError(Q, "has fewer than two rising levels; the chip stores activations that "
                      "rise with the quantizer's input");
  // Power-of-two steps encode levels that a scale alone cannot: {-1, +1} is
  // step 2, {-1, 3, 7} step 4 (the DAC divides them out).
  std::vector<std::pair<int64_t, double>> Candidates;
  for (int64_t Step = 1; Step <= 128; Step *= 2) {
    if (QuantizerScale)
      Candidates.push_back({Step, *QuantizerScale});
    Candidates.push_back({Step, roundToF32(Delta / static_cast<double>(Step))});
  }
  for (auto [Step, Scale] : Candidates) {
    if (Step * E.Count > 255)
      break;
    // The levels are checked exactly below: a rounded level value need not
    // divide back to an exact integer.
    double First = std::nearbyint(Values[0] / Scale);
    if (std::abs(First) > 1 << 20)
      continue;
    bool Exact = true;
    for (int64_t K = 0; K <= E.Count; ++K)
      Exact &= roundToF32(Scale * (First + static_cast<double>(Step * K))) == Values[K];
    if (!Exact)
      continue;
    E.Scale = Scale;
    E.Step = Step;
    int64_t Lo = static_cast<int64_t>(First), Hi = Lo + Step * E.Count;
    // Levels beyond 8 bits shift by a zero point to start at 0.
    E.ZeroPoint = (Lo >= 0 && Hi <= 255) || (Lo >= -128 && Hi <= 127) ? 0 : -Lo;
    E.Lo = Lo + E.ZeroPoint;
    E.Elem = E.Lo >= 0 && E.Lo + Step * E.Count <= 255 ? DType::U8 : DType::I8;
    return E;
  }
  return opError(Q, "has levels that are not evenly spaced integer multiples of one scale "
                    "within 8 bits; the chip stores each level as an integer");
}

TensorType levelType(const LevelEncoding &E, const Shape &Dims) {
  TensorType T;
  T.Elem = E.Elem;
  T.Dims = Dims;
  T.Quant = QuantParams{{E.Scale}, {E.ZeroPoint}, -1};
  T.Range = ValueRange{E.Lo, E.Lo + E.Step * E.Count, E.Step};
  return T;
}

/// A probe tensor of \p Rows x \p Channels values laid along dimension
/// \p Axis (not the batch) of a tensor of rank \p Rank (every other
/// dimension 1).
Tensor probeTensor(llvm::ArrayRef<double> Values, int64_t Rows, int64_t Channels, size_t Rank,
                   int64_t Axis) {
  Shape Dims(Rank, 1);
  Dims[0] = Rows;
  Dims[Axis] = Channels;
  return Tensor(DType::F32, Dims, Values.vec());
}

class QonnxLegalizer {
public:
  explicit QonnxLegalizer(Graph &G) : G(G), L(G) {}
  llvm::Error run();

private:
  llvm::Error rewriteQuantizer(Op &Q);
  llvm::Error rewriteTailMvm(Op &M);
  llvm::Error rewriteIntegerMove(Op &O);
  /// Whether the result of MVM op \p M reaches a quantizer through chain ops.
  bool feedsQuantizer(const Op &M) const;
  /// Levels of \p Q's outputs for probe \p Out.
  static llvm::Expected<std::vector<int64_t>> levelsOf(const Op &Q, const QuantizerLevels &QL,
                                                       const std::vector<Op *> &Links,
                                                       Tensor Probe);
  /// What MatMul, Gemm or Conv \p M computes on the integers of its input.
  struct MvmSource {
    Value *Input = nullptr; ///< the integer tensor standing for M's input
    QuantWeight Weight;
    bool Conv = false;
    int64_t Axis = 1; ///< channel axis of M's result
    double Alpha = 1, Beta = 1;
    const Value *Bias = nullptr; ///< a float constant, or null
  };
  llvm::Expected<MvmSource> readMvm(const Op &M) const;
  /// Emits \p Src as a qmatmul / qconv before \p M; returns its int32
  /// accumulator.
  llvm::Expected<Value *> emitAccumulator(Op &M, MvmSource Src);
  Op *emitThreshold(Op &Anchor, llvm::StringRef Name, Value *X, const StepThresholds &S,
                    int64_t Axis, const LevelEncoding &E, Value *Result);

  Graph &G;
  Legalizer L;
  /// Float values replaced by integer ones (real = scale * integer).
  llvm::DenseMap<Value *, Value *> IntOf;
};

llvm::Expected<std::vector<int64_t>> QonnxLegalizer::levelsOf(const Op &Q,
                                                              const QuantizerLevels &QL,
                                                              const std::vector<Op *> &Links,
                                                              Tensor Probe) {
  Shape Dims = Probe.Dims;
  for (const Op *Link : Links) {
    if (isShapeOp(*Link))
      continue; // element-wise ops with per-tensor constants commute with it
    auto Next = evalWith(*Link, monotoneOperand(*Link), Probe);
    if (!Next)
      return Next.takeError();
    if (Next->Dims != Dims)
      return opError(*Link, "has constants that vary within a channel; only per-tensor or "
                            "per-channel constants fold into comparators");
    Probe = std::move(*Next);
  }
  auto Y = evalWith(Q, 0, Probe);
  if (!Y)
    return Y.takeError();
  std::vector<int64_t> Levels(Y->size());
  for (int64_t I = 0; I < Y->size(); ++I) {
    Levels[I] = QL.levelOf(Y->Data[I]);
    if (Levels[I] < 0 || Levels[I] > QL.Count)
      return opError(Q, "produced a value outside its levels");
  }
  return Levels;
}

Op *QonnxLegalizer::emitThreshold(Op &Anchor, llvm::StringRef Name, Value *X,
                                  const StepThresholds &S, int64_t Axis, const LevelEncoding &E,
                                  Value *Result) {
  Value *Th = G.addConstant(Name.str() + ".thresholds",
                          Tensor(DType::F64, {S.Channels, S.Count}, S.Thresholds));
  Tensor SignData(DType::I8, {S.Channels});
  for (int64_t C = 0; C < S.Channels; ++C)
    SignData.Data[C] = S.Signs[C];
  Value *Signs = G.addConstant(Name.str() + ".signs", std::move(SignData));
  AttrMap A;
  A.set("axis", Axis);
  A.set("out_min", E.Lo);
  A.set("out_step", E.Step);
  return G.addOp("threshold", Name, {X, Th, Signs}, {Result}, std::move(A), &Anchor);
}

/// The accumulator range of each output channel of an MVM with weights
/// \p W (channel axis \p Axis) on inputs in \p In (zero point \p Zx);
/// \p Padded adds the zero a padded tap contributes.
void accumulatorRange(const QuantWeight &W, int64_t Axis, const ValueRange &In, int64_t Zx,
                      bool Padded, std::vector<int64_t> &Lo, std::vector<int64_t> &Hi) {
  const Shape &D = W.Data.Dims;
  int64_t N = D[Axis];
  std::vector<int64_t> Strides = stridesOf(D);
  Lo.assign(N, 0);
  Hi.assign(N, 0);
  for (int64_t E = 0; E < W.Data.size(); ++E) {
    int64_t C = (E / Strides[Axis]) % N;
    int64_t Zw = W.Quant.ZeroPoint[W.Quant.isPerTensor() ? 0 : C];
    int64_t Wv = static_cast<int64_t>(W.Data.Data[E]) - Zw;
    int64_t A = (In.Lo - Zx) * Wv, B = (In.Hi - Zx) * Wv;
    Lo[C] += std::min({A, B, Padded ? int64_t(0) : std::min(A, B)});
    Hi[C] += std::max({A, B, Padded ? int64_t(0) : std::max(A, B)});
  }
}

llvm::Expected<QonnxLegalizer::MvmSource> QonnxLegalizer::readMvm(const Op &M) const {
  MvmSource Src;
  Src.Input = IntOf.lookup(M.operand(0));
  if (!Src.Input)
    return opError(M, "reads '" + M.operand(0)->Name +
                          "', which is not the result of a QONNX activation quantizer; "
                          "quantize the input of every MatMul, Gemm and Conv");
  bool Gemm = M.Kind == "onnx.Gemm";
  if (Gemm && M.Attrs.getInt("transA", 0))
    return opError(M, "has transA = 1; only transB folds into the weights");
  auto W = quantizedWeight(M);
  if (!W)
    return W.takeError();
  Src.Weight = std::move(*W);
  Src.Conv = M.Kind == "onnx.Conv";
  Src.Axis = Src.Conv ? 1 : static_cast<int64_t>(M.result()->Type.Dims.size()) - 1;
  if (Gemm) {
    Src.Alpha = M.Attrs.getFloat("alpha", 1.0);
    Src.Beta = M.Attrs.getFloat("beta", 1.0);
  }
  Src.Bias = M.operand(2);
  if (Src.Bias && !Src.Bias->isConstant())
    return opError(M, "has a bias that is not a constant");
  return Src;
}

llvm::Expected<Value *> QonnxLegalizer::emitAccumulator(Op &M, MvmSource Src) {
  Value *Acc = G.addValue(M.Name + ".acc",
                          TensorType{DType::I32, M.result()->Type.Dims, std::nullopt});
  MvmSpec Spec;
  Spec.Input = Src.Input;
  Spec.Weight = std::move(Src.Weight);
  Spec.Result = Acc;
  if (!Src.Conv) {
    L.emitMatMul(&M, std::move(Spec));
    return Acc;
  }
  Spec.ConvAttrs = M.Attrs;
  if (llvm::Error E = L.emitConv(&M, std::move(Spec)))
    return E;
  return Acc;
}

llvm::Error QonnxLegalizer::rewriteQuantizer(Op &Q) {
  auto C = chainBefore(G, Q);
  if (!C)
    return C.takeError();
  auto QL = quantizerLevels(Q);
  if (!QL)
    return QL.takeError();
  std::vector<Op *> After = affineAfter(G, Q);
  std::vector<double> Values = QL->Values;
  for (Op *A : After) {
    int Act = monotoneOperand(*A);
    auto V = evalWith(*A, Act, Tensor(DType::F32, {QL->Count + 1}, Values));
    if (!V)
      return V.takeError();
    Values = V->Data;
  }
  auto Enc = encodeLevels(After.empty() ? Q : *After.back(), Values,
                          After.empty() ? std::optional<double>(QL->Scale) : std::nullopt);
  if (!Enc)
    return Enc.takeError();
  Value *Final = After.empty() ? Q.result() : After.back()->result();
  Value *Source = C->Source;
  Op *M = Source->Def;
  Value *Int = nullptr;

  if (!M) {
    // A float graph input: thresholds on float32 values.
    if (Source->isConstant() || !isFloat(Source->Type.Elem) || Source->Type.Dims.size() < 2)
      return opError(Q, "quantizes '" + Source->Name +
                            "', which is neither a float graph input of rank 2 or more nor the "
                            "result of an MVM");
    bool PerTensor = llvm::all_of(Q.Operands, [](const Value *V) {
      return !V || !V->isConstant() || V->Const->size() == 1;
    });
    bool Reshaped = false;
    for (const Op *Link : C->Links) {
      Reshaped |= isShapeOp(*Link);
      for (const Value *V : Link->Operands)
        PerTensor &= !V || !V->isConstant() || V->Const->size() == 1 || isShapeOp(*Link);
    }
    if (!PerTensor && (Reshaped || Source->Type.Dims[1] < 0))
      return opError(Q, "folds per-channel constants across a reshape of input '" +
                            Source->Name + "'; only per-tensor constants may cross it");
    int64_t Channels = PerTensor ? 1 : Source->Type.Dims[1];
    size_t Rank = Source->Type.Dims.size();
    auto S = floatStepThresholds(
        [&](llvm::ArrayRef<double> In, int64_t Rows) {
          return levelsOf(Q, *QL, C->Links, probeTensor(In, Rows, Channels, Rank, 1));
        },
        QL->Count, Channels);
    if (!S)
      return opError(Q, llvm::toString(S.takeError()));
    Int = G.addValue(Q.Name + ".levels", levelType(*Enc, Source->Type.Dims));
    emitThreshold(Q, Q.Name, Source, *S, 1, *Enc, Int);
    for (Op *Link : C->Links)
      if (isShapeOp(*Link)) {
        Value *Moved = G.addValue(Link->result()->Name + ".levels",
                                  levelType(*Enc, Link->result()->Type.Dims));
        G.addOp("reshape", Link->Name, {Int}, {Moved}, {}, &Q);
        Int = Moved;
      }
  } else {
    for (const Op *Link : C->Links)
      if (isShapeOp(*Link))
        return opError(*Link, "reshapes between " + M->describe() + " and quantizer '" + Q.Name +
                                  "'; move the reshape after the quantizer");
    auto Src = readMvm(*M);
    if (!Src)
      return Src.takeError();
    const Value *X = Src->Input;
    const QuantParams &WQ = Src->Weight.Quant;
    std::vector<int64_t> Lo, Hi;
    accumulatorRange(Src->Weight, Src->Conv ? 0 : 1, *X->Type.Range, X->Type.Quant->ZeroPoint[0],
                     Src->Conv, Lo, Hi);
    int64_t N = static_cast<int64_t>(Lo.size());
    std::vector<int64_t> BiasIndex;
    if (Src->Bias)
      BiasIndex = broadcastIndices(Src->Bias->Type.Dims, {N});
    double InScale = X->Type.Quant->Scale[0];
    // The reference sums products of the quantized floats and rounds once;
    // with power-of-two scales that is this product exactly.
    auto RealOf = [&](double Acc, int64_t Ch) {
      double WScale = WQ.Scale[WQ.isPerTensor() ? 0 : Ch];
      double Y = Src->Alpha * (InScale * WScale * Acc);
      if (Src->Bias)
        Y += Src->Beta * Src->Bias->Const->Data[BiasIndex[Ch]];
      return roundToF32(Y);
    };
    const Shape &OutDims = M->result()->Type.Dims;
    size_t Rank = OutDims.size();
    auto S = integerStepThresholds(
        [&](llvm::ArrayRef<double> Acc, int64_t Rows) {
          std::vector<double> Real(Acc.size());
          for (size_t I = 0; I < Acc.size(); ++I)
            Real[I] = RealOf(Acc[I], static_cast<int64_t>(I) % N);
          return levelsOf(Q, *QL, C->Links, probeTensor(Real, Rows, N, Rank, Src->Axis));
        },
        QL->Count, Lo, Hi);
    if (!S)
      return opError(Q, "cannot fold the ops after " + M->describe() + ": " +
                            llvm::toString(S.takeError()));
    int64_t Axis = Src->Axis;
    auto Acc = emitAccumulator(*M, std::move(*Src));
    if (!Acc)
      return Acc.takeError();
    Int = G.addValue(Q.Name + ".levels", levelType(*Enc, OutDims));
    emitThreshold(*M, Q.Name, *Acc, *S, Axis, *Enc, Int);
  }
  IntOf[Final] = Int;
  for (Op *A : llvm::reverse(After))
    L.erase(A);
  L.erase(&Q);
  for (Op *Link : llvm::reverse(C->Links))
    L.erase(Link);
  if (M)
    L.erase(M);
  return llvm::Error::success();
}

bool QonnxLegalizer::feedsQuantizer(const Op &M) const {
  const Value *V = M.result();
  for (;;) {
    std::vector<Op *> Users = G.users(V);
    if (Users.size() != 1 || G.isOutput(V))
      return false;
    const Op &U = *Users[0];
    if (isActivationQuantizer(U) && U.operand(0) == V)
      return true;
    int Act = monotoneOperand(U);
    if (Act < 0 || U.operand(Act) != V)
      return false;
    V = U.result();
  }
}

llvm::Error QonnxLegalizer::rewriteTailMvm(Op &M) {
  auto Src = readMvm(M);
  if (!Src)
    return Src.takeError();
  // The accumulator times its scale is the float result; a bias is added
  // after it on the host.
  const QuantParams &WQ = Src->Weight.Quant;
  double InScale = Src->Input->Type.Quant->Scale[0];
  Tensor Scale(DType::F32, {static_cast<int64_t>(WQ.Scale.size())});
  for (size_t C = 0; C < WQ.Scale.size(); ++C)
    Scale.Data[C] = roundToF32(Src->Alpha * InScale * WQ.Scale[C]);
  Tensor Zero(DType::I32, Scale.Dims);
  if (WQ.isPerTensor()) {
    Scale.Dims.clear();
    Zero.Dims.clear();
  }
  const Value *Bias = Src->Bias;
  double Beta = Src->Beta;
  AttrMap A;
  A.set("axis", Src->Axis);
  auto Acc = emitAccumulator(M, std::move(*Src));
  if (!Acc)
    return Acc.takeError();
  Value *Out = M.result();
  Value *Real = Bias ? G.addValue(M.Name + ".real", Out->Type) : Out;
  G.addOp("dequantize", M.Name + ".real",
          {*Acc, G.addConstant(M.Name + ".scale", std::move(Scale)),
           G.addConstant(M.Name + ".zero_point", std::move(Zero))},
          {Real}, std::move(A), &M);
  if (Bias) {
    Tensor B = *Bias->Const;
    for (double &V : B.Data)
      V = roundToF32(Beta * V);
    G.addOp("onnx.Add", M.Name + ".bias", {Real, G.addConstant(M.Name + ".bias", std::move(B))},
            {Out}, {}, &M);
  }
  L.erase(&M);
  return llvm::Error::success();
}

/// Reshapes and max pooling move integers as they move floats.
llvm::Error QonnxLegalizer::rewriteIntegerMove(Op &O) {
  Value *X = IntOf.lookup(O.operand(0));
  TensorType T = X->Type;
  T.Dims = O.result()->Type.Dims;
  Value *R = G.addValue(O.result()->Name + ".levels", T);
  if (O.Kind == "onnx.MaxPool") {
    if (O.Results.size() > 1 && !G.users(O.result(1)).empty())
      return opError(O, "the Indices output of MaxPool is not supported");
    auto A = poolAttrs(O, X->Type.Dims, true);
    if (!A)
      return A.takeError();
    L.emit(&O, "qmaxpool", {X}, R, std::move(*A));
  } else {
    L.emit(&O, "reshape", {X}, R);
  }
  IntOf[O.result()] = R;
  L.erase(&O);
  return llvm::Error::success();
}

llvm::Error QonnxLegalizer::run() {
  std::vector<Op *> Ops;
  for (const auto &O : G.ops())
    Ops.push_back(O.get());
  for (Op *O : Ops) {
    if (L.isErased(O))
      continue;
    llvm::Error E = llvm::Error::success();
    if (isActivationQuantizer(*O))
      E = rewriteQuantizer(*O);
    else if (isMvmKind(O->Kind) && IntOf.count(O->operand(0)) && !feedsQuantizer(*O))
      E = rewriteTailMvm(*O);
    else if ((isShapeOp(*O) || O->Kind == "onnx.MaxPool") && IntOf.count(O->operand(0)))
      E = rewriteIntegerMove(*O);
    if (E)
      return E;
  }
  // Float readers of the integers that are left (graph outputs, host ops)
  // read them dequantized, exactly the levels' float values.
  for (auto &[Float, Int] : IntOf) {
    if (Float->Def || (G.users(Float).empty() && !G.isOutput(Float)))
      continue;
    AttrMap A;
    A.set("axis", int64_t(1));
    const QuantParams &Q = *Int->Type.Quant;
    G.addOp("dequantize", Float->Name,
            {Int, G.addConstant(Float->Name + ".scale", Tensor(DType::F32, {}, {Q.Scale[0]})),
             G.addConstant(Float->Name + ".zero_point",
                         Tensor(Int->Type.Elem, {}, {static_cast<double>(Q.ZeroPoint[0])}))},
            {Float}, std::move(A));
  }
  G.sortTopologically();
  G.eraseDeadCode();
  for (const auto &O : G.ops())
    if (llvm::StringRef(O->Kind).startswith("qonnx."))
      return opError(*O, "is left after folding QONNX quantizers; the chip takes Quant, "
                         "BipolarQuant and MultiThreshold of activations and of constant "
                         "weights read by MatMul, Gemm and Conv");
  return llvm::Error::success();
}

class LegalizeQonnxPass : public Pass {
public:
  llvm::StringRef name() const override { return "legalize-qonnx"; }
  llvm::Error run(Graph &G, PassContext &) override { return QonnxLegalizer(G).run(); }
};

} // namespace

std::unique_ptr<Pass> createLegalizeQonnxPass() { return std::make_unique<LegalizeQonnxPass>(); }

} // namespace qnn

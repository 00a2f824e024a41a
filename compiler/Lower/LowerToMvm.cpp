//===- LowerToMvm.cpp - qconv/qmatmul to matrix-vector products -----------===//
//
// Each qconv group and each qmatmul becomes one "mvm" op whose weight matrix
// is W_eff[k][n] = (w - w_zp[n]) << s (k in (channel, kh, kw) order) and whose
// bias folds in the input zero point, so that the chip sees unsigned inputs
// and the NMPU adds one constant per output. Groups are joined by a qconcat.
//
// The rows are driven with u = (x + shift) >> s: shift makes x unsigned (the
// type's minimum, or -lo of the input's range) and s = log2(step) of the
// range. With x = (u << s) - shift and izp = zx + shift,
//   acc = sum (x - zx)(w - zw) = sum u * ((w - zw) << s) - izp * colsum(w - zw).
// An i32 result whose only user is a threshold on its channel axis becomes
// the mvm's threshold read-out.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/ThresholdTable.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/Support/MathExtras.h"
#include <cmath>
#include <fmt/format.h>

namespace qnn {

namespace {

/// What the canonical op says about quantization, independent of its kind.
struct QuantView {
  double InScale = 1;
  int64_t InZeroPoint = 0;
  std::vector<double> WeightScale; ///< per output
  std::vector<int64_t> WeightZero; ///< per output
  double OutScale = 1;
  int64_t OutZeroPoint = 0;
  bool Requant = true;
};

llvm::Expected<QuantView> readQuant(const Op &O, int64_t N, int64_t WeightAxis) {
  const Value *X = O.operand(0), *W = O.operand(1), *Y = O.result();
  QuantView Q;
  if (!X->Type.Quant || !X->Type.Quant->isPerTensor())
    return opError(O, "the input needs per-tensor quantization");
  Q.InScale = X->Type.Quant->Scale[0];
  Q.InZeroPoint = X->Type.Quant->ZeroPoint[0];
  if (!W->Type.Quant)
    return opError(O, "the weights carry no quantization");
  const QuantParams &WQ = *W->Type.Quant;
  bool PerChannel = !WQ.isPerTensor();
  if (PerChannel && (WQ.Axis != WeightAxis || static_cast<int64_t>(WQ.Scale.size()) != N))
    return opError(O, "per-channel weight quantization must run along the output axis");
  for (int64_t I = 0; I < N; ++I) {
    Q.WeightScale.push_back(WQ.Scale[PerChannel ? I : 0]);
    Q.WeightZero.push_back(WQ.ZeroPoint.empty() ? 0 : WQ.ZeroPoint[PerChannel ? I : 0]);
  }
  if (Y->Type.Quant) {
    if (!Y->Type.Quant->isPerTensor())
      return opError(O, "the result needs per-tensor quantization");
    Q.OutScale = Y->Type.Quant->Scale[0];
    Q.OutZeroPoint = Y->Type.Quant->ZeroPoint[0];
  } else if (Y->Type.Elem == DType::I32) {
    Q.Requant = false; // ConvInteger / MatMulInteger: the accumulator is the result
  } else {
    return opError(O, "the result needs quantization or type i32");
  }
  return Q;
}

/// Bits of an unsigned value, at least 1 (a DAC phase drives even zeros).
int64_t bitsFor(int64_t V) {
  return V <= 0 ? 1 : 64 - llvm::countLeadingZeros(static_cast<uint64_t>(V));
}

/// How the input drives the rows: InputShift, InputStepShift, InputBits and
/// InputZeroPoint, from the input's type and value range; padding (set in
/// \p L before) must drive the zero point.
llvm::Error fillInput(const Op &O, const Target &T, const QuantView &Q, MvmLayer &L) {
  const TensorType &X = O.operand(0)->Type;
  if (!isInteger(X.Elem))
    return opError(O, "the input must be an integer tensor");
  if (X.Range) {
    const ValueRange &R = *X.Range;
    L.InputShift = -R.Lo;
    // Only a power-of-two step divides out as a shift on the chip; any other
    // step drives x - lo with step 1, exact but on more input bits.
    L.InputStepShift = llvm::isPowerOf2_64(static_cast<uint64_t>(R.Step))
                           ? llvm::Log2_64(static_cast<uint64_t>(R.Step))
                           : 0;
    L.InputBits = bitsFor((R.Hi - R.Lo) >> L.InputStepShift);
  } else {
    L.InputShift = isSigned(X.Elem) ? -minValue(X.Elem) : 0;
    L.InputBits = bitWidth(X.Elem);
  }
  L.InputZeroPoint = Q.InZeroPoint + L.InputShift;
  bool Padded = L.PadTop || L.PadLeft || L.PadBottom || L.PadRight;
  if (Padded && X.Range) {
    // Padding stands for x = zx, which the rows must be able to drive.
    int64_t Step = int64_t(1) << L.InputStepShift;
    if (L.InputZeroPoint < 0 || L.InputZeroPoint % Step != 0)
      return opError(O, "the padding value, the input zero point " + llvm::Twine(Q.InZeroPoint) +
                            ", is not a level of the input's range(" + llvm::Twine(X.Range->Lo) +
                            ":" + llvm::Twine(X.Range->Hi) + ":" + llvm::Twine(X.Range->Step) +
                            ") and cannot be driven on the rows; pad the input explicitly "
                            "or use a zero point on the range's grid");
    L.InputBits = std::max(L.InputBits, bitsFor(L.InputZeroPoint >> L.InputStepShift));
  }
  if (L.InputBits > static_cast<int64_t>(T.ActBits))
    return opError(O, llvm::Twine(L.InputBits) + "-bit activations do not fit target '" + T.Name +
                          "', whose rows take " + llvm::Twine(T.ActBits) +
                          " bits (act_bits); quantize the activations to fewer bits");
  return llvm::Error::success();
}

/// Attributes shared by every group: input handling, NMPU, target widths.
llvm::Error fillCommon(const Op &O, const Target &T, const QuantView &Q, const Op *Threshold,
                       MvmLayer &L) {
  if (llvm::Error E = fillInput(O, T, Q, L))
    return E;
  L.Requant = Q.Requant ? image::RequantMode::Scale : image::RequantMode::None;
  DType OutType = O.result()->Type.Elem;
  L.ActMin = O.Attrs.getInt("act_min", minValue(OutType));
  L.ActMax = O.Attrs.getInt("act_max", maxValue(OutType));
  if (Threshold) {
    // The comparators replace re-quantization; the result is the
    // threshold's, whose range bounds the outputs.
    const ValueRange &R = *Threshold->result()->Type.Range;
    L.Requant = image::RequantMode::Threshold;
    L.ThresholdCount = Threshold->operand(1)->Type.Dims[1];
    L.OutMin = R.Lo;
    L.OutStep = R.Step;
    L.ActMin = R.Lo;
    L.ActMax = R.Hi;
  }
  L.OutZeroPoint = Q.OutZeroPoint;
  L.AccBits = T.AccBits;
  L.MultBits = T.MultBits;
  return llvm::Error::success();
}

/// The threshold op that lower-to-mvm fuses into the read-out of \p O: the
/// only user of O's i32 accumulator, comparing along O's output channel
/// axis \p ChannelAxis (or with one table row). Null when there is none.
Op *fusableThreshold(const Graph &G, const Op &O, int64_t ChannelAxis) {
  const Value *Y = O.result();
  if (Y->Type.Elem != DType::I32 || Y->Type.Quant || G.isOutput(Y))
    return nullptr;
  std::vector<Op *> Users = G.users(Y);
  if (Users.size() != 1 || Users[0]->Kind != "threshold" || Users[0]->operand(0) != Y)
    return nullptr;
  int64_t Axis = thresholdAxis(*Users[0]);
  return Axis < 0 || Axis == ChannelAxis ? Users[0] : nullptr;
}

/// Adds the threshold table of outputs [NBegin, NBegin + L.N) to \p Operands,
/// a row per output (a one-row table repeated).
void addThresholdOperands(Graph &G, const Op &Threshold, const MvmLayer &L, int64_t NBegin,
                          llvm::StringRef Name, std::vector<Value *> &Operands) {
  const Tensor &Th = *Threshold.operand(1)->Const, &Signs = *Threshold.operand(2)->Const;
  int64_t T = L.ThresholdCount;
  bool OneRow = Th.Dims[0] == 1;
  Tensor Rows(DType::F64, {L.N, T}), RowSigns(DType::I8, {L.N});
  for (int64_t N = 0; N < L.N; ++N) {
    int64_t Row = OneRow ? 0 : NBegin + N;
    std::copy_n(&Th.Data[Row * T], T, &Rows.Data[N * T]);
    RowSigns.Data[N] = Signs.Data[Row];
  }
  Operands.push_back(G.addConstant(Name.str() + ".thresholds", std::move(Rows)));
  Operands.push_back(G.addConstant(Name.str() + ".signs", std::move(RowSigns)));
}

/// Sets multipliers, W_eff-derived bias and checks the target's limits for
/// the outputs [NBegin, NBegin + L.N) of the canonical op.
llvm::Error finishLayer(const Op &O, const Target &T, const QuantView &Q, const Tensor &WEff,
                        const Tensor *Bias, int64_t NBegin, MvmLayer &L, Tensor &BiasEff) {
  BiasEff = Tensor(DType::I64, {L.N});
  // Of w - w_zp: the step factor of W_eff is a common power of two, which
  // split-polarity moves into the column shifts, so cells never store it.
  int64_t MaxMagnitude = 0;
  int64_t InMax = (int64_t(1) << L.InputBits) - 1;
  int64_t AccMax = T.AccBits >= 64 ? INT64_MAX : (int64_t(1) << (T.AccBits - 1)) - 1;
  double MultLimit = std::ldexp(1.0, static_cast<int>(T.MultBits) - 1);
  for (int64_t N = 0; N < L.N; ++N) {
    int64_t Sum = 0, SumPos = 0, SumNeg = 0;
    for (int64_t K = 0; K < L.K; ++K) {
      int64_t V = static_cast<int64_t>(WEff.Data[K * L.N + N]);
      Sum += V >> L.InputStepShift;
      (V > 0 ? SumPos : SumNeg) += V;
      MaxMagnitude = std::max(MaxMagnitude, std::abs(V) >> L.InputStepShift);
    }
    int64_t B = (Bias ? static_cast<int64_t>(Bias->Data[NBegin + N]) : 0) - L.InputZeroPoint * Sum;
    BiasEff.Data[N] = static_cast<double>(B);
    // The accumulator holds sum_k x[k] * W_eff[k][n] + bias with 0 <= x <= InMax.
    int64_t Hi = InMax * SumPos + B, Lo = InMax * SumNeg + B;
    if (Hi > AccMax || Lo < -AccMax - 1)
      return opError(O, "output " + llvm::Twine(NBegin + N) + " can reach an accumulator of " +
                            llvm::Twine(Hi > AccMax ? Hi : Lo) + ", beyond the " +
                            llvm::Twine(T.AccBits) + "-bit accumulator of target '" + T.Name +
                            "' (acc_bits)");
    if (L.Requant == image::RequantMode::Scale) {
      float M = nmpu::requantMultiplier(static_cast<float>(Q.InScale),
                                        static_cast<float>(Q.WeightScale[NBegin + N]),
                                        static_cast<float>(Q.OutScale));
      if (!(M > 0) || !(M < MultLimit))
        return opError(O, "output " + llvm::Twine(NBegin + N) +
                              " needs re-quantization "
                              "multiplier " +
                              fmt::format("{}", M) + ", outside (0, 2^" +
                              llvm::Twine(T.MultBits - 1) + ") of target '" + T.Name +
                              "' (mult_bits)");
      L.Multipliers.push_back(M);
    }
  }
  unsigned Bits = MaxMagnitude == 0 ? 0 : 64 - llvm::countLeadingZeros(uint64_t(MaxMagnitude));
  if (Bits > T.WeightBits)
    return opError(O, "weights of magnitude up to " + llvm::Twine(MaxMagnitude) + " need " +
                          llvm::Twine(Bits) + " bits; target '" + T.Name + "' stores " +
                          llvm::Twine(T.WeightBits) + " (weight_bits)");
  return llvm::Error::success();
}

/// Adds the mvm of outputs [NBegin, NBegin + L.N) before \p O (the op it
/// replaces), with the table of \p Threshold when it is fused.
Op *addMvm(Graph &G, Op &O, llvm::StringRef Name, const MvmLayer &L, Tensor WEff, Tensor BiasEff,
           const Op *Threshold, int64_t NBegin, Value *Result) {
  std::vector<Value *> Operands{O.operand(0), G.addConstant(Name.str() + ".w_eff", std::move(WEff)),
                                G.addConstant(Name.str() + ".bias_eff", std::move(BiasEff))};
  if (Threshold)
    addThresholdOperands(G, *Threshold, L, NBegin, Name, Operands);
  AttrMap Attrs;
  writeMvmLayer(L, Attrs);
  return G.addOp("mvm", Name, std::move(Operands), {Result}, std::move(Attrs), &O);
}

/// W_eff[k][n] = (w - w_zp[n]) << L.InputStepShift of a [K, N] weight read
/// by \p At(k, n).
template <typename AtFn>
Tensor effectiveWeights(const MvmLayer &L, const QuantView &Q, int64_t NBegin, AtFn At) {
  Tensor WEff(DType::I32, {L.K, L.N});
  for (int64_t K = 0; K < L.K; ++K)
    for (int64_t N = 0; N < L.N; ++N)
      WEff.Data[K * L.N + N] =
          static_cast<double>((static_cast<int64_t>(At(K, N)) - Q.WeightZero[NBegin + N]) *
                              (int64_t(1) << L.InputStepShift));
  return WEff;
}

llvm::Error lowerConv(Graph &G, Op &O, const Target &T, Op *&Threshold) {
  const Value *X = O.operand(0), *WV = O.operand(1), *BV = O.operand(2);
  if (!WV->isConstant() || (BV && !BV->isConstant()))
    return opError(O, "weights and bias must be constants");
  const Tensor &W = *WV->Const;
  const Shape &XD = X->Type.Dims;
  if (XD.size() != 4 || W.Dims.size() != 4)
    return opError(O, "expects a 4-D input and 4-D weights (1-D convolutions have H = 1)");
  int64_t Groups = O.Attrs.getInt("group", 1);
  int64_t M = W.Dims[0], Cg = W.Dims[1], KH = W.Dims[2], KW = W.Dims[3];
  if (Groups < 1 || M % Groups != 0 || Cg * Groups != XD[1])
    return opError(O, "group " + llvm::Twine(Groups) + " does not divide the channels");
  llvm::Expected<QuantView> Q = readQuant(O, M, 0);
  if (!Q)
    return Q.takeError();
  Threshold = fusableThreshold(G, O, 1);
  // Groups are joined by a qconcat, which needs quantized tensors.
  Value *Joined = Threshold ? Threshold->result() : O.result();
  if (Groups > 1 && !Threshold && !Q->Requant)
    return opError(O, "a grouped convolution with an int32 result (ConvInteger) cannot be "
                      "mapped: its groups cannot be concatenated on the NMPU; use group 1 or "
                      "a quantized output");
  if (Groups > 1 && !Joined->Type.Quant)
    return opError(*Threshold, "the groups of '" + O.Name +
                                   "' cannot be concatenated on the NMPU; give the threshold's "
                                   "result a quantization");
  std::vector<int64_t> Strides = O.Attrs.getInts("strides", {1, 1});
  std::vector<int64_t> Dil = O.Attrs.getInts("dilations", {1, 1});
  std::vector<int64_t> Pads = O.Attrs.getInts("pads", {0, 0, 0, 0});
  if (Strides.size() != 2 || Dil.size() != 2 || Pads.size() != 4)
    return opError(O, "strides and dilations need 2 entries, pads 4");
  const Value *Y = O.result();
  if (Y->Type.Dims.size() != 4)
    return opError(O, "expects a 4-D result");

  MvmLayer Base;
  Base.Window = image::WindowKind::Conv2d;
  Base.InC = XD[1], Base.InH = XD[2], Base.InW = XD[3];
  Base.Channels = Cg;
  Base.KernelH = KH, Base.KernelW = KW;
  Base.StrideH = Strides[0], Base.StrideW = Strides[1];
  Base.DilationH = Dil[0], Base.DilationW = Dil[1];
  Base.PadTop = Pads[0], Base.PadLeft = Pads[1], Base.PadBottom = Pads[2], Base.PadRight = Pads[3];
  Base.OutH = Y->Type.Dims[2], Base.OutW = Y->Type.Dims[3];
  Base.K = Cg * KH * KW;
  Base.N = M / Groups;
  if (llvm::Error E = fillCommon(O, T, *Q, Threshold, Base))
    return E;

  std::vector<Value *> Parts;
  for (int64_t Gi = 0; Gi < Groups; ++Gi) {
    MvmLayer L = Base;
    L.ChannelBegin = Gi * Cg;
    int64_t NBegin = Gi * L.N;
    Tensor WEff = effectiveWeights(
        L, *Q, NBegin, [&](int64_t K, int64_t N) { return W.Data[(NBegin + N) * L.K + K]; });
    Tensor BiasEff;
    if (llvm::Error E =
            finishLayer(O, T, *Q, WEff, BV ? BV->Const.get() : nullptr, NBegin, L, BiasEff))
      return E;
    std::string Name = Groups == 1 ? O.Name : O.Name + "/group" + std::to_string(Gi);
    Value *Result = Joined;
    if (Groups > 1) {
      TensorType PartType = Joined->Type;
      PartType.Dims[1] = L.N;
      Result = G.addValue(Joined->Name + ".group" + std::to_string(Gi), PartType);
      Parts.push_back(Result);
    }
    addMvm(G, O, Name, L, std::move(WEff), std::move(BiasEff), Threshold, NBegin, Result);
  }
  if (Groups > 1) {
    AttrMap Attrs;
    Attrs.set("axis", int64_t(1));
    G.addOp("qconcat", O.Name + "/concat", Parts, {Joined}, std::move(Attrs), &O);
  }
  return llvm::Error::success();
}

llvm::Error lowerMatMul(Graph &G, Op &O, const Target &T, Op *&Threshold) {
  const Value *X = O.operand(0), *WV = O.operand(1), *BV = O.operand(2);
  if (!WV->isConstant() || (BV && !BV->isConstant()))
    return opError(O, "weights and bias must be constants");
  const Tensor &W = *WV->Const;
  if (W.Dims.size() != 2 || X->Type.Dims.empty() || X->Type.Dims.back() != W.Dims[0])
    return opError(O, "expects weights [K, N] and an input [..., K]");
  MvmLayer L;
  L.Window = image::WindowKind::Rows;
  L.K = W.Dims[0];
  L.N = W.Dims[1];
  llvm::Expected<QuantView> Q = readQuant(O, L.N, 1);
  if (!Q)
    return Q.takeError();
  Threshold = fusableThreshold(G, O, static_cast<int64_t>(X->Type.Dims.size()) - 1);
  if (llvm::Error E = fillCommon(O, T, *Q, Threshold, L))
    return E;
  Tensor WEff =
      effectiveWeights(L, *Q, 0, [&](int64_t K, int64_t N) { return W.Data[K * L.N + N]; });
  Tensor BiasEff;
  if (llvm::Error E = finishLayer(O, T, *Q, WEff, BV ? BV->Const.get() : nullptr, 0, L, BiasEff))
    return E;
  addMvm(G, O, O.Name, L, std::move(WEff), std::move(BiasEff), Threshold, 0,
         Threshold ? Threshold->result() : O.result());
  return llvm::Error::success();
}

class LowerToMvmPass : public Pass {
public:
  llvm::StringRef name() const override { return "lower-to-mvm"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> T = Ctx.requireTarget(name());
    if (!T)
      return T.takeError();
    std::vector<Op *> Worklist;
    for (const auto &O : G.ops())
      if (O->Kind == "qconv" || O->Kind == "qmatmul")
        Worklist.push_back(O.get());
    for (Op *O : Worklist) {
      Op *Threshold = nullptr;
      llvm::Error E = O->Kind == "qconv" ? lowerConv(G, *O, **T, Threshold)
                                         : lowerMatMul(G, *O, **T, Threshold);
      if (E)
        return E;
      G.eraseOp(O);
      if (Threshold)
        G.eraseOp(Threshold);
    }
    G.eraseDeadCode();
    return llvm::Error::success();
  }
};

} // namespace

std::unique_ptr<Pass> createLowerToMvmPass() { return std::make_unique<LowerToMvmPass>(); }

} // namespace qnn

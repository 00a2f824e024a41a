//===- LowerToMvm.cpp - qconv/qmatmul to matrix-vector products -----------===//
//
// Each qconv group and each qmatmul becomes one "mvm" op whose weight matrix
// is W_eff[k][n] = w - w_zp[n] (k in (channel, kh, kw) order) and whose bias
// folds in the input zero point, so that the chip sees unsigned inputs and
// the NMPU adds one constant per output. Groups are joined by a qconcat.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Target/NmpuArith.h"
#include <fmt/format.h>
#include "llvm/Support/MathExtras.h"
#include <cmath>

namespace qnn {

namespace {

/// What the canonical op says about quantization, independent of its kind.
struct QuantView {
  double InScale = 1;
  int64_t InZeroPoint = 0;
  std::vector<double> WeightScale;    ///< per output
  std::vector<int64_t> WeightZero;    ///< per output
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

/// Attributes shared by every group: input handling, NMPU, target widths.
llvm::Error fillCommon(const Op &O, const Target &T, const QuantView &Q, MvmLayer &L) {
  DType InType = O.operand(0)->Type.Elem;
  if (!isInteger(InType))
    return opError(O, "the input must be an integer tensor");
  L.InputBits = bitWidth(InType);
  if (L.InputBits > static_cast<int64_t>(T.ActBits))
    return opError(O, llvm::Twine(L.InputBits) + "-bit activations do not fit target '" +
                          T.Name + "', whose rows take " + llvm::Twine(T.ActBits) +
                          " bits (act_bits); quantize the activations to fewer bits");
  L.InputShift = isSigned(InType) ? -minValue(InType) : 0;
  L.InputZeroPoint = Q.InZeroPoint + L.InputShift;
  L.Requant = Q.Requant;
  DType OutType = O.result()->Type.Elem;
  L.ActMin = O.Attrs.getInt("act_min", minValue(OutType));
  L.ActMax = O.Attrs.getInt("act_max", maxValue(OutType));
  L.OutZeroPoint = Q.OutZeroPoint;
  L.AccBits = T.AccBits;
  L.MultBits = T.MultBits;
  return llvm::Error::success();
}

/// Sets multipliers, W_eff-derived bias and checks the target's limits for
/// the outputs [NBegin, NBegin + L.N) of the canonical op.
llvm::Error finishLayer(const Op &O, const Target &T, const QuantView &Q, const Tensor &WEff,
                        const Tensor *Bias, int64_t NBegin, MvmLayer &L, Tensor &BiasEff) {
  BiasEff = Tensor(DType::I64, {L.N});
  int64_t MaxMagnitude = 0;
  int64_t InMax = (int64_t(1) << L.InputBits) - 1;
  int64_t AccMax = T.AccBits >= 64 ? INT64_MAX : (int64_t(1) << (T.AccBits - 1)) - 1;
  double MultLimit = std::ldexp(1.0, static_cast<int>(T.MultBits) - 1);
  for (int64_t N = 0; N < L.N; ++N) {
    int64_t Sum = 0, SumPos = 0, SumNeg = 0;
    for (int64_t K = 0; K < L.K; ++K) {
      int64_t V = static_cast<int64_t>(WEff.Data[K * L.N + N]);
      Sum += V;
      (V > 0 ? SumPos : SumNeg) += V;
      MaxMagnitude = std::max(MaxMagnitude, std::abs(V));
    }
    int64_t B = (Bias ? static_cast<int64_t>(Bias->Data[NBegin + N]) : 0) -
                L.InputZeroPoint * Sum;
    BiasEff.Data[N] = static_cast<double>(B);
    // The accumulator holds sum_k x[k] * W_eff[k][n] + bias with 0 <= x <= InMax.
    int64_t Hi = InMax * SumPos + B, Lo = InMax * SumNeg + B;
    if (Hi > AccMax || Lo < -AccMax - 1)
      return opError(O, "output " + llvm::Twine(NBegin + N) + " can reach an accumulator of " +
                            llvm::Twine(Hi > AccMax ? Hi : Lo) + ", beyond the " +
                            llvm::Twine(T.AccBits) + "-bit accumulator of target '" + T.Name +
                            "' (acc_bits)");
    if (Q.Requant) {
      float M = nmpu::requantMultiplier(static_cast<float>(Q.InScale),
                                        static_cast<float>(Q.WeightScale[NBegin + N]),
                                        static_cast<float>(Q.OutScale));
      if (!(M > 0) || !(M < MultLimit))
        return opError(O, "output " + llvm::Twine(NBegin + N) + " needs re-quantization "
                              "multiplier " + fmt::format("{}", M) +
                              ", outside (0, 2^" + llvm::Twine(T.MultBits - 1) +
                              ") of target '" + T.Name + "' (mult_bits)");
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

/// Adds the mvm before \p O (the op it replaces).
Op *addMvm(Graph &G, Op &O, llvm::StringRef Name, const MvmLayer &L, Tensor WEff,
           Tensor BiasEff, Value *Result) {
  Value *W = G.addConstant(Name.str() + ".w_eff", std::move(WEff));
  Value *B = G.addConstant(Name.str() + ".bias_eff", std::move(BiasEff));
  AttrMap Attrs;
  writeMvmLayer(L, Attrs);
  return G.addOp("mvm", Name, {O.operand(0), W, B}, {Result}, std::move(Attrs), &O);
}

llvm::Error lowerConv(Graph &G, Op &O, const Target &T) {
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
  // Groups are joined by a qconcat, which needs quantized tensors.
  if (Groups > 1 && !Q->Requant)
    return opError(O, "a grouped convolution with an int32 result (ConvInteger) cannot be "
                      "mapped: its groups cannot be concatenated on the NMPU; use group 1 or "
                      "a quantized output");
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
  if (llvm::Error E = fillCommon(O, T, *Q, Base))
    return E;

  std::vector<Value *> Parts;
  for (int64_t Gi = 0; Gi < Groups; ++Gi) {
    MvmLayer L = Base;
    L.ChannelBegin = Gi * Cg;
    int64_t NBegin = Gi * L.N;
    Tensor WEff(DType::I32, {L.K, L.N});
    for (int64_t N = 0; N < L.N; ++N)
      for (int64_t K = 0; K < L.K; ++K)
        WEff.Data[K * L.N + N] = W.Data[(NBegin + N) * L.K + K] - Q->WeightZero[NBegin + N];
    Tensor BiasEff;
    if (llvm::Error E = finishLayer(O, T, *Q, WEff, BV ? BV->Const.get() : nullptr, NBegin, L,
                                    BiasEff))
      return E;
    std::string Name = Groups == 1 ? O.Name : O.Name + "/group" + std::to_string(Gi);
    Value *Result = O.result();
    if (Groups > 1) {
      TensorType PartType = Y->Type;
      PartType.Dims[1] = L.N;
      Result = G.addValue(Y->Name + ".group" + std::to_string(Gi), PartType);
      Parts.push_back(Result);
    }
    addMvm(G, O, Name, L, std::move(WEff), std::move(BiasEff), Result);
  }
  if (Groups > 1) {
    AttrMap Attrs;
    Attrs.set("axis", int64_t(1));
    G.addOp("qconcat", O.Name + "/concat", Parts, {O.result()}, std::move(Attrs), &O);
  }
  return llvm::Error::success();
}

llvm::Error lowerMatMul(Graph &G, Op &O, const Target &T) {
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
  if (llvm::Error E = fillCommon(O, T, *Q, L))
    return E;
  Tensor WEff(DType::I32, {L.K, L.N});
  for (int64_t K = 0; K < L.K; ++K)
    for (int64_t N = 0; N < L.N; ++N)
      WEff.Data[K * L.N + N] = W.Data[K * L.N + N] - Q->WeightZero[N];
  Tensor BiasEff;
  if (llvm::Error E =
          finishLayer(O, T, *Q, WEff, BV ? BV->Const.get() : nullptr, 0, L, BiasEff))
    return E;
  addMvm(G, O, O.Name, L, std::move(WEff), std::move(BiasEff), O.result());
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
      llvm::Error E = O->Kind == "qconv" ? lowerConv(G, *O, **T) : lowerMatMul(G, *O, **T);
      if (E)
        return E;
      G.eraseOp(O);
    }
    G.eraseDeadCode();
    return llvm::Error::success();
  }
};

} // namespace

std::unique_ptr<Pass> createLowerToMvmPass() { return std::make_unique<LowerToMvmPass>(); }

} // namespace qnn

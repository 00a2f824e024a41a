//===- MvmKernel.cpp - Interpreter kernel of the "mvm" op -----------------===//
//
// Follows docs/chip-model.md step by step: gather, input phases, per-block
// column sums with the ideal read-out, shift-add, polarity correction, bias,
// accumulator saturation and re-quantization.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/MvmOp.h"
#include "qnn/Target/NmpuArith.h"

namespace qnn {

namespace {

/// The unsigned value that drives the rows for stored input \p X.
int64_t driven(const MvmLayer &L, double X) {
  return (static_cast<int64_t>(X) + L.InputShift) >> L.InputStepShift;
}

/// Fills \p Vec with the unsigned input vector of output pixel (OH, OW) of
/// sample \p Sample, in (channel, kh, kw) order.
void gatherConv(const MvmLayer &L, const Tensor &X, int64_t Sample, int64_t OH, int64_t OW,
                std::vector<int64_t> &Vec) {
  int64_t K = 0;
  for (int64_t C = L.ChannelBegin; C < L.ChannelBegin + L.Channels; ++C)
    for (int64_t I = 0; I < L.KernelH; ++I)
      for (int64_t J = 0; J < L.KernelW; ++J, ++K) {
        int64_t H = OH * L.StrideH - L.PadTop + I * L.DilationH;
        int64_t W = OW * L.StrideW - L.PadLeft + J * L.DilationW;
        if (H < 0 || H >= L.InH || W < 0 || W >= L.InW) {
          Vec[K] = L.InputZeroPoint >> L.InputStepShift;
          continue;
        }
        size_t Index = ((Sample * L.InC + C) * L.InH + H) * L.InW + W;
        Vec[K] = driven(L, X.Data[Index]);
      }
}

/// Adds Sign * (sum_k In[k] * W[k][c]) << (Shift + InShift) of the columns
/// [ColBegin, ColBegin + ColCount) over rows [KBegin, KBegin + KCount) to
/// \p Acc, the sum of column ColBegin + j read out with \p ReadOut(j, sum)
/// first.
template <typename ReadOutFn>
void addColumns(const MvmLayer &L, const Tensor &W, llvm::ArrayRef<int64_t> In, int64_t KBegin,
                int64_t KCount, int64_t ColBegin, int64_t ColCount, int64_t InShift,
                ReadOutFn ReadOut, std::vector<int64_t> &Sums, std::vector<int64_t> &Acc) {
  int64_t C = L.physicalColumns();
  Sums.assign(ColCount, 0);
  for (int64_t K = KBegin; K < KBegin + KCount; ++K) {
    int64_t X = In[K];
    if (X == 0)
      continue;
    const double *Row = &W.Data[K * C + ColBegin];
    for (int64_t J = 0; J < ColCount; ++J)
      Sums[J] += X * static_cast<int64_t>(Row[J]);
  }
  for (int64_t J = 0; J < ColCount; ++J) {
    MvmColumn M = L.column(ColBegin + J);
    Acc[M.Output] += M.Sign * ReadOut(J, Sums[J]) * (int64_t(1) << (M.Shift + InShift));
  }
}

/// Whether every read of block \p B is exact whatever the input: then the
/// input phases sum back to the plain product and need not be split.
bool alwaysExact(const MvmLayer &L, const Tensor &W, const MvmBlock &B) {
  if (B.hasLossyRange())
    return false;
  int64_t C = L.physicalColumns(), DacMax = (int64_t(1) << L.DacBits) - 1;
  for (int64_t J = 0; J < B.ColCount; ++J) {
    int64_t Sum = 0;
    for (int64_t K = B.KBegin; K < B.KBegin + B.KCount; ++K)
      Sum += static_cast<int64_t>(W.Data[K * C + B.ColBegin + J]);
    for (int64_t P = 0; P < L.InputPhases; ++P)
      if (!nmpu::readsExactly(DacMax * Sum, L.AdcBits, int(B.readShift(P, J))))
        return false;
  }
  return true;
}

/// The accumulators (before polarity correction and bias) of one vector.
/// \p Exact flags the blocks for which alwaysExact holds.
void accumulate(const MvmLayer &L, const Tensor &W, llvm::ArrayRef<int64_t> Vec,
                const std::vector<bool> &Exact, std::vector<int64_t> &Acc) {
  std::vector<int64_t> Sums;
  auto Identity = [](int64_t, int64_t V) { return V; };
  if (L.Blocks.empty()) {
    addColumns(L, W, Vec, 0, L.K, 0, L.physicalColumns(), 0, Identity, Sums, Acc);
    return;
  }
  int64_t Mask = (int64_t(1) << L.DacBits) - 1;
  std::vector<int64_t> Phase(Vec.size());
  // Copies of a replicated layer hold the same levels: one computes it.
  llvm::ArrayRef<MvmBlock> Blocks = L.replica(0);
  for (size_t I = 0; I < Blocks.size(); ++I) {
    const MvmBlock &B = Blocks[I];
    if (Exact[I]) {
      addColumns(L, W, Vec, B.KBegin, B.KCount, B.ColBegin, B.ColCount, 0, Identity, Sums, Acc);
      continue;
    }
    for (int64_t P = 0; P < L.InputPhases; ++P) {
      auto ReadOut = [&](int64_t J, int64_t Sum) {
        return nmpu::idealReadout(Sum, L.AdcBits, int(B.readShift(P, J)));
      };
      for (int64_t K = B.KBegin; K < B.KBegin + B.KCount; ++K)
        Phase[K] = (Vec[K] >> (P * L.DacBits)) & Mask;
      addColumns(L, W, Phase, B.KBegin, B.KCount, B.ColBegin, B.ColCount, P * L.DacBits, ReadOut,
                 Sums, Acc);
    }
  }
}

/// The NMPU's per-output constants: bias and, for a threshold read-out, the
/// comparator table.
struct Readout {
  const Tensor &Bias;
  const Tensor *Thresholds = nullptr, *Signs = nullptr;
};

/// Polarity correction, bias, saturation and re-quantization of one vector;
/// writes output n at Out[n * Stride].
void finish(const MvmLayer &L, const Readout &R, llvm::ArrayRef<int64_t> Vec,
            std::vector<int64_t> &Acc, const EvalContext &Ctx, double *Out, int64_t Stride) {
  const Tensor &Bias = R.Bias;
  int64_t Correction = 0;
  if (L.Polarity == image::PolarityMode::Offset)
    for (int64_t X : Vec)
      Correction += L.Offset * X;
  for (int64_t N = 0; N < L.N; ++N) {
    int64_t A = nmpu::saturateAccumulator(Acc[N] - Correction + static_cast<int64_t>(Bias.Data[N]),
                                          L.AccBits);
    int64_t Y = A; // the int32 result of ConvInteger/MatMulInteger, as the chip stores it
    if (L.Requant == image::RequantMode::Scale)
      Y = nmpu::requantize(Ctx.Nmpu, A, static_cast<float>(L.Multipliers[N]),
                           nmpu::quantizeMultiplier(L.Multipliers[N], L.MultBits), L.OutZeroPoint,
                           L.ActMin, L.ActMax);
    else if (L.Requant == image::RequantMode::Threshold)
      Y = nmpu::thresholdLevel(static_cast<double>(A), &R.Thresholds->Data[N * L.ThresholdCount],
                               static_cast<size_t>(L.ThresholdCount),
                               static_cast<int>(R.Signs->Data[N]), L.OutMin, L.OutStep);
    Out[N * Stride] = static_cast<double>(Y);
  }
}

} // namespace

llvm::Error evalMvm(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                    std::vector<Tensor> &Results, const EvalContext &Ctx) {
  llvm::Expected<MvmLayer> Layer = readMvmLayer(O);
  if (!Layer)
    return Layer.takeError();
  const MvmLayer &L = *Layer;
  const Tensor &X = *Operands[0], &W = *Operands[1];
  Readout R{*Operands[2]};
  if (L.Requant == image::RequantMode::Threshold) {
    if (Operands.size() != 5 || !Operands[3] || !Operands[4] ||
        Operands[3]->Dims != Shape{L.N, L.ThresholdCount} || Operands[4]->Dims != Shape{L.N})
      return opError(O, "a threshold read-out needs thresholds [n, threshold_count] and signs "
                        "[n] operands");
    R.Thresholds = Operands[3];
    R.Signs = Operands[4];
  }
  Tensor &Y = Results[0];
  Y.Type = O.result()->Type.Elem;
  std::vector<bool> Exact;
  for (const MvmBlock &B : L.replica(0))
    Exact.push_back(alwaysExact(L, W, B));
  std::vector<int64_t> Vec(L.K), Acc(L.N);

  if (L.Window == image::WindowKind::Conv2d) {
    if (X.Dims.size() != 4 || X.Dims[1] != L.InC || X.Dims[2] != L.InH || X.Dims[3] != L.InW)
      return opError(O, "input of shape " + shapeToString(X.Dims) + " does not match in_chw");
    int64_t Batch = X.Dims[0];
    Y.Dims = {Batch, L.N, L.OutH, L.OutW};
    Y.Data.assign(numElements(Y.Dims), 0);
    int64_t Plane = L.OutH * L.OutW;
    for (int64_t B = 0; B < Batch; ++B)
      for (int64_t OH = 0; OH < L.OutH; ++OH)
        for (int64_t OW = 0; OW < L.OutW; ++OW) {
          gatherConv(L, X, B, OH, OW, Vec);
          if (Ctx.OnMvmInput)
            Ctx.OnMvmInput(O, Vec);
          std::fill(Acc.begin(), Acc.end(), 0);
          accumulate(L, W, Vec, Exact, Acc);
          finish(L, R, Vec, Acc, Ctx, &Y.Data[B * L.N * Plane + OH * L.OutW + OW], Plane);
        }
    return llvm::Error::success();
  }

  if (X.Dims.empty() || X.Dims.back() != L.K)
    return opError(O, "input of shape " + shapeToString(X.Dims) + " does not end in k");
  Y.Dims = X.Dims;
  Y.Dims.back() = L.N;
  Y.Data.assign(numElements(Y.Dims), 0);
  int64_t RowsCount = X.size() / L.K;
  for (int64_t Row = 0; Row < RowsCount; ++Row) {
    for (int64_t K = 0; K < L.K; ++K)
      Vec[K] = driven(L, X.Data[Row * L.K + K]);
    if (Ctx.OnMvmInput)
      Ctx.OnMvmInput(O, Vec);
    std::fill(Acc.begin(), Acc.end(), 0);
    accumulate(L, W, Vec, Exact, Acc);
    finish(L, R, Vec, Acc, Ctx, &Y.Data[Row * L.N], 1);
  }
  return llvm::Error::success();
}

} // namespace qnn

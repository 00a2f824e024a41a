//===- MvmVerify.cpp - Checks of the "mvm" op at every stage --------------===//
#include "qnn/IR/ThresholdTable.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/MvmOp.h"
#include "qnn/Support/ShapeUtils.h"
#include <cmath>

namespace qnn {

namespace {

llvm::Error verifyGeometry(const Op &O, const MvmLayer &L) {
  const Value *X = O.operand(0);
  const Value *Y = O.result();
  if (L.Window == image::WindowKind::Conv2d) {
    if (L.Channels < 1 || L.ChannelBegin < 0 || L.ChannelBegin + L.Channels > L.InC)
      return opError(O, "channel slice is outside the input channels");
    if (L.KernelH < 1 || L.KernelW < 1 || L.StrideH < 1 || L.StrideW < 1 || L.DilationH < 1 ||
        L.DilationW < 1 || L.PadTop < 0 || L.PadLeft < 0 || L.PadBottom < 0 || L.PadRight < 0)
      return opError(O, "kernel, strides and dilations must be positive, pads non-negative");
    if (L.K != L.Channels * L.KernelH * L.KernelW)
      return opError(O, "k must be channels * kernel height * kernel width");
    int64_t OutH =
        windowOutputSize(L.InH, L.PadTop, L.PadBottom, L.KernelH, L.StrideH, L.DilationH);
    int64_t OutW =
        windowOutputSize(L.InW, L.PadLeft, L.PadRight, L.KernelW, L.StrideW, L.DilationW);
    if (L.OutH != OutH || L.OutW != OutW || OutH < 1 || OutW < 1)
      return opError(O, "out_hw does not follow from the input, kernel, pads and strides");
    Shape In{-1, L.InC, L.InH, L.InW}, Out{-1, L.N, L.OutH, L.OutW};
    if (X->Type.Dims.size() != 4 || !std::equal(In.begin() + 1, In.end(), X->Type.Dims.begin() + 1))
      return opError(O, "input type " + shapeToString(X->Type.Dims) + " does not match in_chw");
    if (Y->Type.Dims.size() != 4 ||
        !std::equal(Out.begin() + 1, Out.end(), Y->Type.Dims.begin() + 1) ||
        Y->Type.Dims[0] != X->Type.Dims[0])
      return opError(O, "result type " + shapeToString(Y->Type.Dims) +
                            " is not [batch, n, out_h, out_w]");
    return llvm::Error::success();
  }
  if (X->Type.Dims.empty() || X->Type.Dims.back() != L.K)
    return opError(O, "the input's last dimension must be k");
  Shape Out = X->Type.Dims;
  Out.back() = L.N;
  if (Y->Type.Dims != Out)
    return opError(O, "result type " + shapeToString(Y->Type.Dims) + " should be " +
                          shapeToString(Out));
  return llvm::Error::success();
}

llvm::Error verifyInput(const Op &O, const MvmLayer &L) {
  if (L.InputBits < 1 || L.InputBits > 16 || L.InputStepShift < 0 || L.InputStepShift > 30)
    return opError(O, "input_bits must be in [1, 16] and input_step_shift in [0, 30]");
  bool Padded =
      L.Window == image::WindowKind::Conv2d && (L.PadTop || L.PadLeft || L.PadBottom || L.PadRight);
  // Padding drives input_zp >> input_step_shift, which must be an input value.
  int64_t Step = int64_t(1) << L.InputStepShift;
  if (Padded && (L.InputZeroPoint < 0 || L.InputZeroPoint % Step != 0 ||
                 (L.InputZeroPoint >> L.InputStepShift) >= (int64_t(1) << L.InputBits)))
    return opError(O, "padding needs input_zp to be a non-negative multiple of "
                      "2^input_step_shift whose quotient fits input_bits");
  return llvm::Error::success();
}

llvm::Error verifyThresholdReadout(const Op &O, const MvmLayer &L) {
  bool Threshold = L.Requant == image::RequantMode::Threshold;
  if (O.Operands.size() != (Threshold ? 5u : 3u))
    return opError(O, Threshold ? "a threshold read-out needs thresholds and signs operands"
                                : "only a threshold read-out takes thresholds and signs");
  if (!Threshold)
    return llvm::Error::success();
  if (llvm::Error E = verifyThresholdTable(O, O.operand(3), O.operand(4)))
    return E;
  if (O.operand(3)->Type.Dims != Shape{L.N, L.ThresholdCount})
    return opError(O, "thresholds must be [n, threshold_count] = " +
                          shapeToString({L.N, L.ThresholdCount}));
  if (L.OutStep <= 0)
    return opError(O, "out_step must be positive");
  const std::optional<ValueRange> &R = O.result()->Type.Range;
  if (!R || R->Lo != L.OutMin || R->Step != L.OutStep ||
      R->Hi != L.OutMin + L.ThresholdCount * L.OutStep)
    return opError(O, "the result's range must be the levels of out_min, out_step and "
                      "threshold_count");
  return llvm::Error::success();
}

llvm::Error verifyNmpu(const Op &O, const MvmLayer &L) {
  if (llvm::Error E = verifyInput(O, L))
    return E;
  if (L.AccBits < 8 || L.AccBits > 64 || L.MultBits < 2 || L.MultBits > 32)
    return opError(O, "acc_bits must be in [8, 64] and mult_bits in [2, 32]");
  if (L.ActMin > L.ActMax)
    return opError(O, "act_min is above act_max");
  if (llvm::Error E = verifyThresholdReadout(O, L))
    return E;
  if (L.Requant == image::RequantMode::Scale) {
    if (static_cast<int64_t>(L.Multipliers.size()) != L.N)
      return opError(O, "needs one multiplier per output");
    double Limit = std::ldexp(1.0, static_cast<int>(L.MultBits) - 1);
    for (double M : L.Multipliers)
      if (!(M > 0) || !(M < Limit))
        return opError(O, "multipliers must be positive and below 2^(mult_bits-1)");
  }
  return llvm::Error::success();
}

llvm::Error verifyColumns(const Op &O, const MvmLayer &L, const Tensor &W) {
  int64_t C = L.physicalColumns();
  if (W.Dims != Shape{L.K, C})
    return opError(O, "weight matrix " + shapeToString(W.Dims) + " should be " +
                          shapeToString({L.K, C}));
  if (!L.Polarity)
    return llvm::Error::success();
  for (const MvmColumn &Col : L.Columns)
    if (Col.Output < 0 || Col.Output >= L.N || (Col.Sign != 1 && Col.Sign != -1) || Col.Shift < 0 ||
        Col.Shift > 62)
      return opError(O, "column map entries need an output in [0, n), a sign of +1 or -1 and "
                        "a shift in [0, 62]");
  if (L.Offset < 0 || (L.Offset != 0 && *L.Polarity != image::PolarityMode::Offset))
    return opError(O, "offset must be non-negative and is only used in offset mode");
  double MaxValue = L.Slices > 0 ? (1 << L.CellBits) - 1 : INFINITY;
  if (L.Slices > 0 && (L.CellBits < 1 || L.CellBits > 4))
    return opError(O, "cell_bits must be in [1, 4]");
  for (double V : W.Data)
    if (V < 0 || V > MaxValue)
      return opError(O, L.Slices > 0 ? "cell levels must lie in [0, 2^cell_bits - 1]"
                                     : "weight magnitudes must be non-negative");
  return llvm::Error::success();
}

llvm::Error verifyBlocks(const Op &O, const MvmLayer &L) {
  if (L.Blocks.empty())
    return llvm::Error::success();
  if (L.Slices == 0)
    return opError(O, "blocks need sliced columns (slice-bits before tile)");
  if (L.DacBits < 1 || L.AdcBits < 1 || L.AdcBits > 30 || L.InputPhases * L.DacBits < L.InputBits)
    return opError(O, "input_phases * dac_bits must cover input_bits and adc_bits be in [1, 30]");
  if (L.Replicas > 1 && L.Window != image::WindowKind::Conv2d)
    return opError(O, "only a conv2d layer is replicated (its output pixels are spread over the "
                      "copies)");
  // Copy 0 covers the matrix once; every other copy repeats it block by
  // block. Exact copies may lie on arrays of different read gains.
  llvm::ArrayRef<MvmBlock> Copy = L.replica(0);
  for (size_t I = Copy.size(); I < L.Blocks.size(); ++I) {
    const MvmBlock &B = L.Blocks[I], &P = Copy[I % Copy.size()];
    if (B.KBegin != P.KBegin || B.KCount != P.KCount || B.ColBegin != P.ColBegin ||
        B.ColCount != P.ColCount || !interchangeableReadShifts(B.ReadShift, P.ReadShift) ||
        B.PhaseShifts != P.PhaseShifts)
      return opError(O, "block " + llvm::Twine(I) + " is not a copy of block " +
                            llvm::Twine(I % Copy.size()) + " (replicas)");
  }
  int64_t Area = 0, C = L.physicalColumns();
  for (size_t I = 0; I < L.Blocks.size(); ++I) {
    const MvmBlock &B = L.Blocks[I];
    if (B.KBegin < 0 || B.KCount < 1 || B.KBegin + B.KCount > L.K || B.ColBegin < 0 ||
        B.ColCount < 1 || B.ColBegin + B.ColCount > C || B.ReadShift < -16 || B.ReadShift > 30)
      return opError(O, "block " + llvm::Twine(I) + " lies outside the weight matrix");
    if (llvm::any_of(B.PhaseShifts, [](int64_t S) { return S < -16 || S > 30; }))
      return opError(O, "block " + llvm::Twine(I) + " has a phase read shift outside [-16, 30]");
    if ((B.Array < 0) != (L.Blocks.front().Array < 0) || B.RowOffset < 0 || B.ColOffset < 0)
      return opError(O, "block " + llvm::Twine(I) + " has an invalid placement");
    if (I >= Copy.size())
      continue;
    Area += B.KCount * B.ColCount;
    for (size_t J = 0; J < I; ++J) {
      const MvmBlock &P = L.Blocks[J];
      if (B.KBegin < P.KBegin + P.KCount && P.KBegin < B.KBegin + B.KCount &&
          B.ColBegin < P.ColBegin + P.ColCount && P.ColBegin < B.ColBegin + B.ColCount)
        return opError(O, "blocks " + llvm::Twine(J) + " and " + llvm::Twine(I) + " overlap");
    }
  }
  if (Area != L.K * C)
    return opError(O, "the blocks do not cover the weight matrix");
  if (L.Tile >= 0) {
    for (const MvmBlock &B : L.Blocks)
      if (B.Array >= 0 && (B.Array < L.ArrayBegin || B.Array >= L.ArrayBegin + L.ArrayCount))
        return opError(O, "a block is placed outside the arrays partition gave the layer");
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error verifyMvm(const Op &O) {
  const Value *X = O.operand(0), *W = O.operand(1), *Bias = O.operand(2);
  if (!X || !W || !Bias)
    return opError(O, "needs an input, a weight matrix and a bias");
  if (!W->isConstant() || !Bias->isConstant())
    return opError(O, "the weight matrix and the bias must be constants");
  llvm::Expected<MvmLayer> L = readMvmLayer(O);
  if (!L)
    return L.takeError();
  if (L->K < 1 || L->N < 1)
    return opError(O, "k and n must be positive");
  if (Bias->Type.Dims != Shape{L->N})
    return opError(O, "bias must have n elements");
  if (llvm::Error E = verifyGeometry(O, *L))
    return E;
  if (llvm::Error E = verifyNmpu(O, *L))
    return E;
  if (llvm::Error E = verifyColumns(O, *L, *W->Const))
    return E;
  return verifyBlocks(O, *L);
}

} // namespace qnn

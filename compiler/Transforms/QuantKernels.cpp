//===- QuantKernels.cpp - Reference kernels of the canonical ops ----------===//
//
// Semantics are those of docs/ir.md, stage 2. Accumulation is exact in int64;
// every float step is float32 and rounds through qnn::nmpu, so that the chip
// model's fp32 NMPU can match these kernels bit for bit.
//
//===----------------------------------------------------------------------===//
#include "qnn/Transforms/QuantKernels.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"
#include <limits>

namespace qnn {

namespace {

/// Quantization of an operand or result type; the verifier guarantees it is
/// present wherever a kernel reads it.
const QuantParams &quantOf(const Value *V) {
  assert(V && V->Type.Quant && "verifier admits only quantized operands here");
  return *V->Type.Quant;
}

float scaleAt(const QuantParams &Q, int64_t C) {
  return static_cast<float>(Q.Scale[Q.isPerTensor() ? 0 : C]);
}
int64_t zeroPointAt(const QuantParams &Q, int64_t C) {
  return Q.ZeroPoint[Q.ZeroPoint.size() == 1 ? 0 : C];
}

/// The [act_min, act_max] of \p O, defaulting to the range of its result.
std::pair<int64_t, int64_t> activationRange(const Op &O) {
  DType Elem = O.result()->Type.Elem;
  return {O.Attrs.getInt("act_min", minValue(Elem)), O.Attrs.getInt("act_max", maxValue(Elem))};
}

} // namespace

llvm::Error evalQuantize(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                         std::vector<Tensor> &Results, const EvalContext &) {
  auto Y = quantizeLinearTensor(*Operands[0], *Operands[1], Operands[2], O.Attrs.getInt("axis", 1),
                                O.Attrs.getInt("block_size", 0), O.result()->Type.Elem);
  if (!Y)
    return opError(O, llvm::toString(Y.takeError()));
  Results[0] = std::move(*Y);
  return llvm::Error::success();
}

llvm::Error evalDequantize(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                           std::vector<Tensor> &Results, const EvalContext &) {
  auto Y =
      dequantizeLinearTensor(*Operands[0], *Operands[1], Operands[2], O.Attrs.getInt("axis", 1),
                             O.Attrs.getInt("block_size", 0), O.result()->Type.Elem);
  if (!Y)
    return opError(O, llvm::toString(Y.takeError()));
  Results[0] = std::move(*Y);
  return llvm::Error::success();
}

namespace {

/// Turns accumulators into the result: requantized to the result type, or the
/// raw accumulator for an unquantized i32 result (ConvInteger, MatMulInteger).
class Requantizer {
public:
  explicit Requantizer(const Op &O) {
    std::tie(ActMin, ActMax) = activationRange(O);
    const Value *Result = O.result();
    if (!Result->Type.Quant)
      return;
    const QuantParams &X = quantOf(O.operand(0));
    const QuantParams &W = quantOf(O.operand(1));
    const QuantParams &Y = *Result->Type.Quant;
    for (size_t C = 0; C < W.Scale.size(); ++C)
      Multipliers.push_back(
          nmpu::requantMultiplier(scaleAt(X, 0), static_cast<float>(W.Scale[C]), scaleAt(Y, 0)));
    OutZeroPoint = Y.ZeroPoint[0];
  }
  double operator()(int64_t Acc, int64_t Channel) const {
    if (Multipliers.empty())
      return static_cast<double>(Acc);
    float M = Multipliers[Multipliers.size() == 1 ? 0 : Channel];
    return static_cast<double>(nmpu::requantFloat(Acc, M, OutZeroPoint, ActMin, ActMax));
  }

private:
  std::vector<float> Multipliers;
  int64_t OutZeroPoint = 0;
  int64_t ActMin = 0, ActMax = 0;
};

} // namespace

llvm::Error evalQConv(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                      std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0], &W = *Operands[1];
  const Tensor *Bias = Operands[2];
  auto G = convGeometry(X.Dims, W.Dims, O.Attrs);
  if (!G)
    return opError(O, llvm::toString(G.takeError()));
  const QuantParams &WQ = quantOf(O.operand(1));
  int64_t Zx = quantOf(O.operand(0)).ZeroPoint[0];
  Tensor Y(O.result()->Type.Elem, G->outputShape());
  Requantizer Requant(O);
  convolve<int64_t>(
      *G,
      [&](int64_t XI, int64_t WI) {
        int64_t Zw = zeroPointAt(WQ, WI / (W.size() / W.Dims[0]));
        return (static_cast<int64_t>(X.Data[XI]) - Zx) * (static_cast<int64_t>(W.Data[WI]) - Zw);
      },
      [&](int64_t OutIndex, int64_t Channel, int64_t Acc) {
        if (Bias)
          Acc += static_cast<int64_t>(Bias->Data[Channel]);
        Y.Data[OutIndex] = Requant(Acc, Channel);
      });
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

llvm::Error evalQMatMul(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                        std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0], &W = *Operands[1];
  const Tensor *Bias = Operands[2];
  auto G = matMulGeometry(X.Dims, W.Dims);
  if (!G)
    return opError(O, llvm::toString(G.takeError()));
  const QuantParams &WQ = quantOf(O.operand(1));
  int64_t Zx = quantOf(O.operand(0)).ZeroPoint[0];
  int64_t N = W.Dims[1];
  Tensor Y(O.result()->Type.Elem, G->OutShape);
  Requantizer Requant(O);
  matMul<int64_t>(
      *G,
      [&](int64_t XI, int64_t WI) {
        return (static_cast<int64_t>(X.Data[XI]) - Zx) *
               (static_cast<int64_t>(W.Data[WI]) - zeroPointAt(WQ, WI % N));
      },
      [&](int64_t OutIndex, int64_t, int64_t Col, int64_t Acc) {
        if (Bias)
          Acc += static_cast<int64_t>(Bias->Data[Col]);
        Y.Data[OutIndex] = Requant(Acc, Col);
      });
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

namespace {

/// quantize(dequantize(Q)) with the result's parameters, in float32.
int64_t requantizeOne(int64_t Q, const QuantParams &From, const QuantParams &To, int64_t Lo,
                      int64_t Hi) {
  float F = nmpu::dequantizeLinear(Q, scaleAt(From, 0), From.ZeroPoint[0]);
  return nmpu::quantizeLinear(F, scaleAt(To, 0), To.ZeroPoint[0], Lo, Hi);
}

} // namespace

llvm::Error evalQAdd(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                     std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &A = *Operands[0], &B = *Operands[1];
  auto OutDims = broadcastShapes(A.Dims, B.Dims);
  if (!OutDims)
    return opError(O, llvm::toString(OutDims.takeError()));
  const QuantParams &AQ = quantOf(O.operand(0)), &BQ = quantOf(O.operand(1));
  const QuantParams &YQ = quantOf(O.result());
  auto [Lo, Hi] = activationRange(O);
  Tensor Y(O.result()->Type.Elem, *OutDims);
  std::vector<int64_t> IA = broadcastIndices(A.Dims, Y.Dims);
  std::vector<int64_t> IB = broadcastIndices(B.Dims, Y.Dims);
  for (int64_t I = 0; I < Y.size(); ++I) {
    float Sum = nmpu::dequantizeLinear(static_cast<int64_t>(A.Data[IA[I]]), scaleAt(AQ, 0),
                                       AQ.ZeroPoint[0]) +
                nmpu::dequantizeLinear(static_cast<int64_t>(B.Data[IB[I]]), scaleAt(BQ, 0),
                                       BQ.ZeroPoint[0]);
    Y.Data[I] =
        static_cast<double>(nmpu::quantizeLinear(Sum, scaleAt(YQ, 0), YQ.ZeroPoint[0], Lo, Hi));
  }
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

llvm::Error evalQConcat(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                        std::vector<Tensor> &Results, const EvalContext &) {
  std::vector<Shape> Shapes;
  for (const Tensor *T : Operands)
    Shapes.push_back(T->Dims);
  auto Axis = normalizeAxis(O.Attrs.getInt("axis"), static_cast<int64_t>(Shapes[0].size()), "axis");
  if (!Axis)
    return opError(O, llvm::toString(Axis.takeError()));
  auto OutDims = concatShape(Shapes, *Axis);
  if (!OutDims)
    return opError(O, llvm::toString(OutDims.takeError()));
  DType Elem = O.result()->Type.Elem;
  const QuantParams &YQ = quantOf(O.result());
  Tensor Y(Elem, *OutDims);
  forEachConcatElement(Shapes, *Axis, [&](size_t Input, int64_t InIndex, int64_t OutIndex) {
    const QuantParams &XQ = quantOf(O.operand(Input));
    int64_t Q = static_cast<int64_t>(Operands[Input]->Data[InIndex]);
    bool Copy = XQ == YQ && O.operand(Input)->Type.Elem == Elem;
    Y.Data[OutIndex] =
        static_cast<double>(Copy ? Q : requantizeOne(Q, XQ, YQ, minValue(Elem), maxValue(Elem)));
  });
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

llvm::Error evalRequantize(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                           std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0];
  const QuantParams &XQ = quantOf(O.operand(0)), &YQ = quantOf(O.result());
  auto [Lo, Hi] = activationRange(O);
  Tensor Y(O.result()->Type.Elem, X.Dims);
  for (int64_t I = 0; I < X.size(); ++I)
    Y.Data[I] = static_cast<double>(requantizeOne(static_cast<int64_t>(X.Data[I]), XQ, YQ, Lo, Hi));
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

namespace {

/// Taps of the window at flattened output position \p OutPos that lie inside
/// the padded input: the divisor of an average with count_include_pad. Taps
/// past the end padding (ceil_mode) never count.
int64_t paddedWindowSize(const WindowGeometry &G, int64_t OutPos) {
  int64_t Count = 1;
  for (size_t D = G.InSpatial.size(); D-- > 0;) {
    int64_t Origin = (OutPos % G.OutSpatial[D]) * G.Strides[D] - G.PadsBegin[D];
    OutPos /= G.OutSpatial[D];
    int64_t Taps = 0;
    for (int64_t T = 0; T < G.Kernel[D]; ++T)
      if (Origin + T * G.Dilations[D] < G.InSpatial[D] + G.PadsEnd[D])
        ++Taps;
    Count *= Taps;
  }
  return Count;
}

/// Sets every element of the pooled result to \p Reduce(Plane, OutPos), Plane
/// being the input's (n, c) plane and OutPos the flattened output position.
template <typename Fn>
llvm::Error poolLoop(const Op &O, const Tensor &X, std::vector<Tensor> &Results, Fn Reduce) {
  auto G = poolGeometry(X.Dims, O.Attrs);
  if (!G)
    return opError(O, llvm::toString(G.takeError()));
  Tensor Y(O.result()->Type.Elem, G->outputShape());
  int64_t InSize = G->inSpatialSize(), OutSize = G->outSpatialSize();
  for (int64_t Plane = 0; Plane < G->Batch * G->InChannels; ++Plane)
    for (int64_t P = 0; P < OutSize; ++P)
      Y.Data[Plane * OutSize + P] = Reduce(*G, &X.Data[Plane * InSize], P);
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

} // namespace

llvm::Error evalQMaxPool(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                         std::vector<Tensor> &Results, const EvalContext &) {
  double Lowest = static_cast<double>(minValue(O.result()->Type.Elem));
  return poolLoop(O, *Operands[0], Results,
                  [&](const WindowGeometry &G, const double *Plane, int64_t P) {
                    double Max = Lowest;
                    forEachWindowTap(G, P, [&](int64_t, int64_t In) {
                      if (In >= 0)
                        Max = std::max(Max, Plane[In]);
                    });
                    return Max;
                  });
}

llvm::Error evalQAvgPool(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                         std::vector<Tensor> &Results, const EvalContext &) {
  const QuantParams &XQ = quantOf(O.operand(0)), &YQ = quantOf(O.result());
  bool IncludePad = O.Attrs.getInt("count_include_pad", 0) != 0;
  DType Elem = O.result()->Type.Elem;
  return poolLoop(
      O, *Operands[0], Results, [&](const WindowGeometry &G, const double *Plane, int64_t P) {
        double Sum = 0.0; // exact: the dequantized values span few binades
        int64_t Valid = 0;
        forEachWindowTap(G, P, [&](int64_t, int64_t In) {
          if (In < 0)
            return;
          Sum += nmpu::dequantizeLinear(static_cast<int64_t>(Plane[In]), scaleAt(XQ, 0),
                                        XQ.ZeroPoint[0]);
          ++Valid;
        });
        int64_t Count = IncludePad ? paddedWindowSize(G, P) : Valid;
        float Mean = Count ? static_cast<float>(Sum / static_cast<double>(Count)) : 0.0f;
        return static_cast<double>(nmpu::quantizeLinear(Mean, scaleAt(YQ, 0), YQ.ZeroPoint[0],
                                                        minValue(Elem), maxValue(Elem)));
      });
}

llvm::Error evalQGlobalAvgPool(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                               std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0];
  const QuantParams &XQ = quantOf(O.operand(0)), &YQ = quantOf(O.result());
  DType Elem = O.result()->Type.Elem;
  Shape OutDims(X.Dims.size(), 1);
  OutDims[0] = X.Dims[0];
  OutDims[1] = X.Dims[1];
  Tensor Y(Elem, OutDims);
  int64_t Spatial = X.size() / (X.Dims[0] * X.Dims[1]);
  for (int64_t Plane = 0; Plane < Y.size(); ++Plane) {
    double Sum = 0.0; // exact: the dequantized values span few binades
    for (int64_t I = 0; I < Spatial; ++I)
      Sum += nmpu::dequantizeLinear(static_cast<int64_t>(X.Data[Plane * Spatial + I]),
                                    scaleAt(XQ, 0), XQ.ZeroPoint[0]);
    float Mean = static_cast<float>(Sum / static_cast<double>(Spatial));
    Y.Data[Plane] = static_cast<double>(nmpu::quantizeLinear(Mean, scaleAt(YQ, 0), YQ.ZeroPoint[0],
                                                             minValue(Elem), maxValue(Elem)));
  }
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

llvm::Error evalReshape(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                        std::vector<Tensor> &Results, const EvalContext &) {
  const Tensor &X = *Operands[0];
  Shape OutDims = O.result()->Type.Dims;
  int64_t Known = 1;
  for (int64_t D : OutDims)
    if (D >= 0)
      Known *= D;
  for (int64_t &D : OutDims)
    if (D < 0)
      D = Known ? X.size() / Known : 0;
  if (numElements(OutDims) != X.size())
    return opError(O, "cannot reshape " + shapeToString(X.Dims) + " into " +
                          shapeToString(O.result()->Type.Dims));
  Results[0] = Tensor(O.result()->Type.Elem, OutDims, X.Data);
  return llvm::Error::success();
}

llvm::Error evalClamp(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                      std::vector<Tensor> &Results, const EvalContext &) {
  Tensor Y = *Operands[0];
  double Lo = static_cast<double>(O.Attrs.getInt("min"));
  double Hi = static_cast<double>(O.Attrs.getInt("max"));
  for (double &V : Y.Data)
    V = std::clamp(V, Lo, Hi);
  Y.Type = O.result()->Type.Elem;
  Results[0] = std::move(Y);
  return llvm::Error::success();
}

} // namespace qnn

//===- NmpuKernels.cpp - Steps that run on the NMPU alone -----------------===//
//
// fp32 mode computes exactly as the reference interpreter (docs/ir.md); fixed
// mode uses the integer multipliers of the image or derives them with
// nmpu::quantizeMultiplier. fp16 mode only changes MVM re-quantization.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "qnn/Image/PoolGeometry.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"

namespace qnn::runtime {

using namespace qnn::image;

namespace {

/// Rounds a float result to the precision of its element type.
double storeFloat(DType Type, float V) {
  return Type == DType::F16 ? halfToFloat(floatToHalf(V)) : static_cast<double>(V);
}

/// Maps an element index to its scale index under per-tensor, per-axis or
/// blocked quantization along Axis.
class ScaleIndexer {
public:
  static llvm::Expected<ScaleIndexer> create(const QuantizeStep &S, const Shape &Dims) {
    ScaleIndexer I;
    size_t Count = S.Scale.size();
    if (S.Axis < 0 || (Count == 1 && S.BlockSize == 0))
      return I;
    if (S.Axis >= static_cast<int64_t>(Dims.size()))
      return makeError("quantization axis {} is out of range for a {} tensor", S.Axis,
                       shapeToString(Dims));
    I.Dim = Dims[S.Axis];
    I.Inner = stridesOf(Dims)[S.Axis];
    I.Block = S.BlockSize ? S.BlockSize : 1;
    I.Blocks = (I.Dim + I.Block - 1) / I.Block;
    // An empty dimension after the axis makes Inner 0: no element, no block.
    int64_t Outer = I.Dim && I.Inner ? numElements(Dims) / (I.Dim * I.Inner) : 0;
    size_t Need = S.BlockSize ? static_cast<size_t>(Outer * I.Blocks * I.Inner) : I.Dim;
    if (Count != Need)
      return makeError("{} scales for a {} tensor along axis {} (expected {})", Count,
                       shapeToString(Dims), S.Axis, Need);
    I.Blocked = S.BlockSize != 0;
    I.PerAxis = true;
    return I;
  }
  size_t operator()(int64_t E) const {
    if (!PerAxis)
      return 0;
    int64_t Along = (E / Inner) % Dim;
    if (!Blocked)
      return Along;
    int64_t Outer = E / (Inner * Dim);
    return (Outer * Blocks + Along / Block) * Inner + E % Inner;
  }

private:
  bool PerAxis = false, Blocked = false;
  int64_t Dim = 1, Inner = 1, Block = 1, Blocks = 1;
};

llvm::Error sameElements(const Tensor &In, const Tensor &Out) {
  if (In.size() != Out.size())
    return makeError("input {} and output {} differ in size", shapeToString(In.Dims),
                     shapeToString(Out.Dims));
  return llvm::Error::success();
}

/// Re-quantizes q from (InScale, InZp) to the output's parameters.
int64_t rescale(int64_t Q, const CombineStep &S, size_t Input, NmpuMode Nmpu) {
  float InScale = S.InScale[Input];
  int32_t InZp = S.InZeroPoint[Input];
  if (InScale == S.OutScale && InZp == S.OutZeroPoint)
    return nmpu::saturate(Q, S.ClampMin, S.ClampMax);
  if (Nmpu == NmpuMode::Fixed)
    return nmpu::saturate(
        nmpu::applyFixedMultiplier(Q - InZp, {S.InFixedMultiplier[Input], S.InFixedShift[Input]}) +
            S.OutZeroPoint,
        S.ClampMin, S.ClampMax);
  return nmpu::quantizeLinear(nmpu::dequantizeLinear(Q, InScale, InZp), S.OutScale, S.OutZeroPoint,
                              S.ClampMin, S.ClampMax);
}

llvm::Error runAdd(const CombineStep &S, llvm::ArrayRef<const Tensor *> In, Tensor &Out,
                   NmpuMode Nmpu) {
  const size_t Rank = Out.Dims.size();
  // Numpy broadcasting: right-aligned, a dimension of 1 repeats.
  std::vector<std::vector<int64_t>> Strides;
  for (const Tensor *T : In) {
    if (T->Dims.size() > Rank)
      return makeError("input {} does not broadcast to the output {}", shapeToString(T->Dims),
                       shapeToString(Out.Dims));
    std::vector<int64_t> St(Rank, 0), Own = stridesOf(T->Dims);
    for (size_t D = 0; D < T->Dims.size(); ++D) {
      size_t OD = Rank - T->Dims.size() + D;
      if (T->Dims[D] != Out.Dims[OD] && T->Dims[D] != 1)
        return makeError("input {} does not broadcast to the output {}", shapeToString(T->Dims),
                         shapeToString(Out.Dims));
      St[OD] = T->Dims[D] == 1 ? 0 : Own[D];
    }
    Strides.push_back(std::move(St));
  }
  std::vector<int64_t> OutStrides = stridesOf(Out.Dims);
  // Residual adds take two tensors of the output's shape: the element
  // itself, without a division per dimension.
  const bool Same = In[0]->Dims == Out.Dims && In[1]->Dims == Out.Dims;
  for (int64_t E = 0; E < Out.size(); ++E) {
    int64_t IA = Same ? E : 0, IB = IA;
    for (size_t D = 0; D < Rank && !Same; ++D) {
      int64_t Idx = (E / OutStrides[D]) % Out.Dims[D];
      IA += Idx * Strides[0][D];
      IB += Idx * Strides[1][D];
    }
    int64_t A = static_cast<int64_t>(In[0]->Data[IA]), B = static_cast<int64_t>(In[1]->Data[IB]);
    int64_t Y;
    if (Nmpu == NmpuMode::Fixed) {
      int64_t Sum =
          nmpu::addFixed(A - S.InZeroPoint[0], {S.InFixedMultiplier[0], S.InFixedShift[0]},
                         B - S.InZeroPoint[1], {S.InFixedMultiplier[1], S.InFixedShift[1]});
      Y = nmpu::saturate(Sum + S.OutZeroPoint, S.ClampMin, S.ClampMax);
    } else {
      float Sum = nmpu::dequantizeLinear(A, S.InScale[0], S.InZeroPoint[0]) +
                  nmpu::dequantizeLinear(B, S.InScale[1], S.InZeroPoint[1]);
      Y = nmpu::quantizeLinear(Sum, S.OutScale, S.OutZeroPoint, S.ClampMin, S.ClampMax);
    }
    Out.Data[E] = static_cast<double>(Y);
  }
  return llvm::Error::success();
}

llvm::Error runConcat(const CombineStep &S, llvm::ArrayRef<const Tensor *> In, Tensor &Out,
                      NmpuMode Nmpu) {
  int64_t Rank = Out.Dims.size();
  int64_t Axis = S.Axis < 0 ? S.Axis + Rank : S.Axis;
  if (Axis < 0 || Axis >= Rank)
    return makeError("concat axis {} is out of range for the output {}", S.Axis,
                     shapeToString(Out.Dims));
  int64_t Along = 0;
  for (const Tensor *T : In) {
    bool Fits = static_cast<int64_t>(T->Dims.size()) == Rank;
    for (int64_t D = 0; Fits && D < Rank; ++D)
      Fits = D == Axis || T->Dims[D] == Out.Dims[D];
    if (!Fits)
      return makeError("input {} does not concatenate into the output {} along axis {}",
                       shapeToString(T->Dims), shapeToString(Out.Dims), Axis);
    Along += T->Dims[Axis];
  }
  if (Along != Out.Dims[Axis])
    return makeError("inputs add up to {} along axis {}, the output has {}", Along, Axis,
                     Out.Dims[Axis]);
  int64_t Inner = stridesOf(Out.Dims)[Axis];
  int64_t Outer = Out.Dims[Axis] ? Out.size() / (Out.Dims[Axis] * Inner) : 0;
  int64_t Dst = 0;
  for (int64_t O = 0; O < Outer; ++O)
    for (size_t I = 0; I < In.size(); ++I) {
      int64_t Chunk = In[I]->Dims[Axis] * Inner;
      for (int64_t E = 0; E < Chunk; ++E)
        Out.Data[Dst++] = static_cast<double>(
            rescale(static_cast<int64_t>(In[I]->Data[O * Chunk + E]), S, I, Nmpu));
    }
  return llvm::Error::success();
}

} // namespace

llvm::Error runQuantize(const QuantizeStep &S, bool Dequantize, const Tensor &In, Tensor &Out) {
  if (In.Dims != Out.Dims)
    return makeError("input {} and output {} differ", shapeToString(In.Dims),
                     shapeToString(Out.Dims));
  llvm::Expected<ScaleIndexer> Index = ScaleIndexer::create(S, In.Dims);
  if (!Index)
    return Index.takeError();
  int64_t Lo = isInteger(Out.Type) ? minValue(Out.Type) : 0;
  int64_t Hi = isInteger(Out.Type) ? maxValue(Out.Type) : 0;
  for (int64_t E = 0; E < In.size(); ++E) {
    size_t I = (*Index)(E);
    if (Dequantize)
      Out.Data[E] = storeFloat(Out.Type, nmpu::dequantizeLinear(static_cast<int64_t>(In.Data[E]),
                                                                S.Scale[I], S.ZeroPoint[I]));
    else
      Out.Data[E] = static_cast<double>(
          nmpu::quantizeLinear(static_cast<float>(In.Data[E]), S.Scale[I], S.ZeroPoint[I], Lo, Hi));
  }
  return llvm::Error::success();
}

llvm::Error runPool(const PoolStep &S, const Tensor &In, Tensor &Out, KernelEnv &Env) {
  // The verifier checked the NCHW shapes and the window (verifyPoolShapes).
  const int64_t H = In.Dims[2], W = In.Dims[3], OutH = Out.Dims[2], OutW = Out.Dims[3];
  const int64_t KH = S.Global ? H : S.KernelH, KW = S.Global ? W : S.KernelW;
  const int64_t SH = S.Global ? 1 : S.StrideH, SW = S.Global ? 1 : S.StrideW;
  const int64_t DH = S.Global ? 1 : S.DilationH, DW = S.Global ? 1 : S.DilationW;
  const int64_t PT = S.Global ? 0 : S.PadTop, PL = S.Global ? 0 : S.PadLeft;
  const int64_t PB = S.Global ? 0 : S.PadBottom, PR = S.Global ? 0 : S.PadRight;
  // The taps inside the input (and inside the padded input, the divisor
  // of an average with count_include_pad) of every output row and column,
  // once per step (PoolGeometry.h): only those are visited.
  std::vector<TapRange> InsideH(OutH), InsideW(OutW);
  std::vector<int64_t> PaddedH(OutH), PaddedW(OutW);
  for (int64_t OH = 0; OH < OutH; ++OH) {
    InsideH[OH] = tapsWithin(OH * SH - PT, KH, DH, 0, H);
    PaddedH[OH] = tapsWithin(OH * SH - PT, KH, DH, -PT, H + PB).size();
  }
  for (int64_t OW = 0; OW < OutW; ++OW) {
    InsideW[OW] = tapsWithin(OW * SW - PL, KW, DW, 0, W);
    PaddedW[OW] = tapsWithin(OW * SW - PL, KW, DW, -PL, W + PR).size();
  }
  const int64_t Planes = In.Dims[0] * In.Dims[1];
  for (int64_t Plane = 0; Plane < Planes; ++Plane) {
    const double *Src = In.Data.data() + Plane * H * W;
    double *Dst = Out.Data.data() + Plane * OutH * OutW;
    for (int64_t OH = 0; OH < OutH; ++OH)
      for (int64_t OW = 0; OW < OutW; ++OW) {
        const int64_t OriginH = OH * SH - PT, OriginW = OW * SW - PL;
        const TapRange &RowsIn = InsideH[OH], &ColsIn = InsideW[OW];
        const int64_t Valid = RowsIn.size() * ColsIn.size();
        const int64_t Padded = PaddedH[OH] * PaddedW[OW];
        int64_t Max = INT64_MIN, Sum = 0;
        float FloatSum = 0;
        for (int64_t I = RowsIn.Begin; I < RowsIn.End; ++I)
          for (int64_t J = ColsIn.Begin; J < ColsIn.End; ++J) {
            int64_t Q = static_cast<int64_t>(Src[(OriginH + I * DH) * W + OriginW + J * DW]);
            if (S.IsMax) { // the sums are for averages only
              Max = std::max(Max, Q);
              continue;
            }
            Sum += Q - S.InZeroPoint;
            FloatSum += nmpu::dequantizeLinear(Q, S.InScale, S.InZeroPoint);
          }
        int64_t Y;
        if (!Valid) {
          Y = nmpu::saturate(S.OutZeroPoint, S.ClampMin, S.ClampMax);
        } else if (S.IsMax) {
          Y = nmpu::saturate(Max, S.ClampMin, S.ClampMax);
        } else {
          int64_t Count = S.CountIncludePad ? Padded : Valid;
          if (Env.Nmpu == NmpuMode::Fixed) {
            nmpu::FixedMultiplier M = nmpu::quantizeMultiplier(
                double(S.InScale) / (double(S.OutScale) * double(Count)), Env.T.MultBits);
            Y = nmpu::saturate(nmpu::applyFixedMultiplier(Sum, M) + S.OutZeroPoint, S.ClampMin,
                               S.ClampMax);
          } else {
            Y = nmpu::quantizeLinear(FloatSum / static_cast<float>(Count), S.OutScale,
                                     S.OutZeroPoint, S.ClampMin, S.ClampMax);
          }
        }
        Dst[OH * OutW + OW] = static_cast<double>(Y);
      }
  }
  return llvm::Error::success();
}

llvm::Error runCombine(const CombineStep &S, llvm::ArrayRef<const Tensor *> In, Tensor &Out,
                       KernelEnv &Env) {
  llvm::Error E = llvm::Error::success();
  switch (S.Kind) {
  case CombineStep::Op::Add:
    E = runAdd(S, In, Out, Env.Nmpu);
    break;
  case CombineStep::Op::Concat:
    E = runConcat(S, In, Out, Env.Nmpu);
    break;
  case CombineStep::Op::Rescale:
    if ((E = sameElements(*In[0], Out)))
      break;
    for (int64_t I = 0; I < Out.size(); ++I)
      Out.Data[I] =
          static_cast<double>(rescale(static_cast<int64_t>(In[0]->Data[I]), S, 0, Env.Nmpu));
    break;
  }
  return E;
}

llvm::Error runReshape(const Tensor &In, Tensor &Out) {
  if (llvm::Error E = sameElements(In, Out))
    return E;
  Out.Data = In.Data;
  return llvm::Error::success();
}

llvm::Error runSlice(const SliceStep &S, const Tensor &In, Tensor &Out) {
  int64_t Rank = static_cast<int64_t>(In.Dims.size());
  bool Fits = S.Axis >= 0 && S.Axis < Rank && static_cast<int64_t>(Out.Dims.size()) == Rank &&
              S.Start >= 0 && S.Size >= 0 && S.Start <= In.Dims[S.Axis] &&
              S.Size <= In.Dims[S.Axis] - S.Start && Out.Dims[S.Axis] == S.Size;
  for (int64_t D = 0; Fits && D < Rank; ++D)
    Fits = D == S.Axis || In.Dims[D] == Out.Dims[D];
  if (!Fits)
    return makeError("slice [{}, {}) along axis {} of the input {} does not give the output {}",
                     S.Start, S.Start + S.Size, S.Axis, shapeToString(In.Dims),
                     shapeToString(Out.Dims));
  // Each outer index copies one contiguous run of Size * Inner elements.
  int64_t Inner = stridesOf(In.Dims)[S.Axis];
  int64_t Run = S.Size * Inner;
  int64_t Outer = Run ? Out.size() / Run : 0;
  for (int64_t O = 0; O < Outer; ++O)
    std::copy_n(In.Data.begin() + (O * In.Dims[S.Axis] + S.Start) * Inner, Run,
                Out.Data.begin() + O * Run);
  return llvm::Error::success();
}

llvm::Error runClamp(const ClampStep &S, const Tensor &In, Tensor &Out) {
  if (llvm::Error E = sameElements(In, Out))
    return E;
  for (int64_t I = 0; I < In.size(); ++I)
    Out.Data[I] = static_cast<double>(
        nmpu::saturate(static_cast<int64_t>(In.Data[I]), S.ClampMin, S.ClampMax));
  return llvm::Error::success();
}

} // namespace qnn::runtime

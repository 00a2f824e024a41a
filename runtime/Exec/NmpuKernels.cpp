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

llvm::Error sameElements(const TypedTensor &In, const TypedTensor &Out) {
  if (In.size() != Out.size())
    return makeError("input {} and output {} differ in size", shapeToString(In.dims()),
                     shapeToString(Out.dims()));
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

llvm::Error runAdd(const CombineStep &S, llvm::ArrayRef<const TypedTensor *> In, TypedTensor &Out,
                   NmpuMode Nmpu) {
  const size_t Rank = Out.dims().size();
  // Numpy broadcasting: right-aligned, a dimension of 1 repeats.
  std::vector<std::vector<int64_t>> Strides;
  for (const TypedTensor *T : In) {
    if (T->dims().size() > Rank)
      return makeError("input {} does not broadcast to the output {}", shapeToString(T->dims()),
                       shapeToString(Out.dims()));
    std::vector<int64_t> St(Rank, 0), Own = stridesOf(T->dims());
    for (size_t D = 0; D < T->dims().size(); ++D) {
      size_t OD = Rank - T->dims().size() + D;
      if (T->dims()[D] != Out.dims()[OD] && T->dims()[D] != 1)
        return makeError("input {} does not broadcast to the output {}", shapeToString(T->dims()),
                         shapeToString(Out.dims()));
      St[OD] = T->dims()[D] == 1 ? 0 : Own[D];
    }
    Strides.push_back(std::move(St));
  }
  std::vector<int64_t> OutStrides = stridesOf(Out.dims());
  // The operands a block of outputs at a time, as integers. Residual adds
  // take two tensors of the output's shape: the elements themselves,
  // without a division per dimension.
  const bool Same = In[0]->dims() == Out.dims() && In[1]->dims() == Out.dims();
  int64_t A[MapBlock], B[MapBlock], Y[MapBlock];
  for (int64_t First = 0; First < Out.size(); First += MapBlock) {
    const int64_t Count = std::min(MapBlock, Out.size() - First);
    if (Same) {
      In[0]->read(First, Count, A);
      In[1]->read(First, Count, B);
    } else {
      for (int64_t I = 0; I < Count; ++I) {
        int64_t IA = 0, IB = 0;
        for (size_t D = 0; D < Rank; ++D) {
          int64_t Idx = ((First + I) / OutStrides[D]) % Out.dims()[D];
          IA += Idx * Strides[0][D];
          IB += Idx * Strides[1][D];
        }
        A[I] = In[0]->intAt(IA);
        B[I] = In[1]->intAt(IB);
      }
    }
    for (int64_t I = 0; I < Count; ++I) {
      if (Nmpu == NmpuMode::Fixed) {
        int64_t Sum =
            nmpu::addFixed(A[I] - S.InZeroPoint[0], {S.InFixedMultiplier[0], S.InFixedShift[0]},
                           B[I] - S.InZeroPoint[1], {S.InFixedMultiplier[1], S.InFixedShift[1]});
        Y[I] = nmpu::saturate(Sum + S.OutZeroPoint, S.ClampMin, S.ClampMax);
      } else {
        float Sum = nmpu::dequantizeLinear(A[I], S.InScale[0], S.InZeroPoint[0]) +
                    nmpu::dequantizeLinear(B[I], S.InScale[1], S.InZeroPoint[1]);
        Y[I] = nmpu::quantizeLinear(Sum, S.OutScale, S.OutZeroPoint, S.ClampMin, S.ClampMax);
      }
    }
    Out.write(First, Count, Y);
  }
  return llvm::Error::success();
}

llvm::Error runConcat(const CombineStep &S, llvm::ArrayRef<const TypedTensor *> In,
                      TypedTensor &Out, NmpuMode Nmpu) {
  int64_t Rank = Out.dims().size();
  int64_t Axis = S.Axis < 0 ? S.Axis + Rank : S.Axis;
  if (Axis < 0 || Axis >= Rank)
    return makeError("concat axis {} is out of range for the output {}", S.Axis,
                     shapeToString(Out.dims()));
  int64_t Along = 0;
  for (const TypedTensor *T : In) {
    bool Fits = static_cast<int64_t>(T->dims().size()) == Rank;
    for (int64_t D = 0; Fits && D < Rank; ++D)
      Fits = D == Axis || T->dims()[D] == Out.dims()[D];
    if (!Fits)
      return makeError("input {} does not concatenate into the output {} along axis {}",
                       shapeToString(T->dims()), shapeToString(Out.dims()), Axis);
    Along += T->dims()[Axis];
  }
  if (Along != Out.dims()[Axis])
    return makeError("inputs add up to {} along axis {}, the output has {}", Along, Axis,
                     Out.dims()[Axis]);
  int64_t Inner = stridesOf(Out.dims())[Axis];
  int64_t Outer = Out.dims()[Axis] ? Out.size() / (Out.dims()[Axis] * Inner) : 0;
  int64_t Dst = 0;
  for (int64_t O = 0; O < Outer; ++O)
    for (size_t I = 0; I < In.size(); ++I) {
      int64_t Chunk = In[I]->dims()[Axis] * Inner;
      mapElements<int64_t, int64_t>(*In[I], O * Chunk, Out, Dst, Chunk,
                                    [&](int64_t, int64_t Q) { return rescale(Q, S, I, Nmpu); });
      Dst += Chunk;
    }
  return llvm::Error::success();
}

} // namespace

llvm::Error runQuantize(const QuantizeStep &S, bool Dequantize, const TypedTensor &In,
                        TypedTensor &Out) {
  if (In.dims() != Out.dims())
    return makeError("input {} and output {} differ", shapeToString(In.dims()),
                     shapeToString(Out.dims()));
  llvm::Expected<ScaleIndexer> Index = ScaleIndexer::create(S, In.dims());
  if (!Index)
    return Index.takeError();
  int64_t Lo = isInteger(Out.type()) ? minValue(Out.type()) : 0;
  int64_t Hi = isInteger(Out.type()) ? maxValue(Out.type()) : 0;
  // Float inputs are read as doubles, as quantizeLinear's float takes them;
  // dequantized floats round to the output's type when stored.
  if (Dequantize)
    mapElements<int64_t, double>(In, 0, Out, 0, In.size(), [&](int64_t E, int64_t Q) {
      size_t I = (*Index)(E);
      return static_cast<double>(nmpu::dequantizeLinear(Q, S.Scale[I], S.ZeroPoint[I]));
    });
  else
    mapElements<double, int64_t>(In, 0, Out, 0, In.size(), [&](int64_t E, double X) {
      size_t I = (*Index)(E);
      return nmpu::quantizeLinear(static_cast<float>(X), S.Scale[I], S.ZeroPoint[I], Lo, Hi);
    });
  return llvm::Error::success();
}

llvm::Error runPool(const PoolStep &S, const TypedTensor &In, TypedTensor &Out, KernelEnv &Env) {
  // The verifier checked the NCHW shapes and the window (verifyPoolShapes).
  const int64_t H = In.dims()[2], W = In.dims()[3], OutH = Out.dims()[2], OutW = Out.dims()[3];
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
  const int64_t Planes = In.dims()[0] * In.dims()[1];
  // A plane at a time as integers (pooled tensors are quantized).
  std::vector<int64_t> Src(H * W), Dst(OutH * OutW);
  for (int64_t Plane = 0; Plane < Planes; ++Plane) {
    In.read(Plane * H * W, H * W, Src.data());
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
            int64_t Q = Src[(OriginH + I * DH) * W + OriginW + J * DW];
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
        Dst[OH * OutW + OW] = Y;
      }
    Out.write(Plane * OutH * OutW, OutH * OutW, Dst.data());
  }
  return llvm::Error::success();
}

llvm::Error runCombine(const CombineStep &S, llvm::ArrayRef<const TypedTensor *> In,
                       TypedTensor &Out, KernelEnv &Env) {
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
    mapElements<int64_t, int64_t>(*In[0], 0, Out, 0, Out.size(),
                                  [&](int64_t, int64_t Q) { return rescale(Q, S, 0, Env.Nmpu); });
    break;
  }
  return E;
}

llvm::Error runReshape(const TypedTensor &In, TypedTensor &Out) {
  if (llvm::Error E = sameElements(In, Out))
    return E;
  copyElements(In, 0, Out, 0, In.size());
  return llvm::Error::success();
}

llvm::Error runSlice(const SliceStep &S, const TypedTensor &In, TypedTensor &Out) {
  int64_t Rank = static_cast<int64_t>(In.dims().size());
  bool Fits = S.Axis >= 0 && S.Axis < Rank && static_cast<int64_t>(Out.dims().size()) == Rank &&
              S.Start >= 0 && S.Size >= 0 && S.Start <= In.dims()[S.Axis] &&
              S.Size <= In.dims()[S.Axis] - S.Start && Out.dims()[S.Axis] == S.Size;
  for (int64_t D = 0; Fits && D < Rank; ++D)
    Fits = D == S.Axis || In.dims()[D] == Out.dims()[D];
  if (!Fits)
    return makeError("slice [{}, {}) along axis {} of the input {} does not give the output {}",
                     S.Start, S.Start + S.Size, S.Axis, shapeToString(In.dims()),
                     shapeToString(Out.dims()));
  // Each outer index copies one contiguous run of Size * Inner elements.
  int64_t Inner = stridesOf(In.dims())[S.Axis];
  int64_t Run = S.Size * Inner;
  int64_t Outer = Run ? Out.size() / Run : 0;
  for (int64_t O = 0; O < Outer; ++O)
    copyElements(In, (O * In.dims()[S.Axis] + S.Start) * Inner, Out, O * Run, Run);
  return llvm::Error::success();
}

llvm::Error runClamp(const ClampStep &S, const TypedTensor &In, TypedTensor &Out) {
  if (llvm::Error E = sameElements(In, Out))
    return E;
  mapElements<int64_t, int64_t>(In, 0, Out, 0, In.size(), [&](int64_t, int64_t Q) {
    return nmpu::saturate(Q, S.ClampMin, S.ClampMax);
  });
  return llvm::Error::success();
}

} // namespace qnn::runtime

//===- MvmKernel.cpp - Gathers input vectors for the chip's MVMs ----------===//
//
// In ideal mode a step whose exact matrix exists (ExactMatrix.h) runs as
// GEMMs over chunks of the batch's vectors; an input outside the matrix's
// range, or a step without one (lossy read-outs, calibrated read-outs),
// runs through the chip model block by block (ChipModel::mvmBlocks), as
// every step does in analog mode. Both give the outputs and count the
// statistics of the step-by-step model, which --step-by-step runs vector
// by vector.
//
//===----------------------------------------------------------------------===//
#include "Kernels.h"
#include "qnn/Support/Diagnostics.h"
#include <type_traits>

namespace qnn::runtime {

using namespace qnn::image;

namespace {

/// Vectors per GEMM: enough to amortize its set-up, few enough that the
/// gathered inputs stay small (K <= 65000 bytes each).
constexpr int64_t ChunkVectors = 512;

/// The largest input gathered as a byte.
constexpr int64_t ByteMax = 255;

/// The stored input as the arrays see it: shifted to unsigned, then cut to
/// the layer's input step. Inputs are read as their storage type \p E
/// (TypedTensor.h): the kernels below are instantiated for each.
template <typename E> int64_t arrayInput(const MvmStep &S, E Stored) {
  return (static_cast<int64_t>(Stored) + S.InputShift) >> S.InputStepShift;
}

/// Calls Put(k, x) for the K inputs of output pixel (OH, OW) of one sample
/// (\p Src: its C x H x W input), padding with the zero point.
template <typename E, typename PutFn>
void gatherPixel(const MvmStep &S, const E *Src, int64_t OH, int64_t OW, PutFn &&Put) {
  const int64_t H = S.InH, W = S.InW, Plane = H * W;
  const int64_t Padding = S.InputZeroPoint >> S.InputStepShift;
  size_t K = 0;
  for (uint32_t C = S.ChannelBegin; C < S.ChannelBegin + S.Channels; ++C)
    for (int64_t KH = 0; KH < S.KernelH; ++KH)
      for (int64_t KW = 0; KW < S.KernelW; ++KW) {
        int64_t IH = OH * S.StrideH - int64_t(S.PadTop) + KH * S.DilationH;
        int64_t IW = OW * S.StrideW - int64_t(S.PadLeft) + KW * S.DilationW;
        bool Inside = IH >= 0 && IH < H && IW >= 0 && IW < W;
        Put(K++, Inside ? arrayInput(S, Src[C * Plane + IH * W + IW]) : Padding);
      }
}

/// The K inputs of output pixel (OH, OW) into \p Row from one sample's
/// driven inputs \p Driven (C x H x W): whole kernel rows are copied where
/// they lie inside the input, padding elsewhere.
void gatherWindow(const MvmStep &S, const uint8_t *Driven, int64_t OH, int64_t OW, uint8_t Padding,
                  uint8_t *Row) {
  const int64_t H = S.InH, W = S.InW;
  const int64_t IW0 = OW * S.StrideW - int64_t(S.PadLeft);
  const bool RowInside = S.DilationW == 1 && IW0 >= 0 && IW0 + S.KernelW <= W;
  for (uint32_t C = S.ChannelBegin; C < S.ChannelBegin + S.Channels; ++C)
    for (int64_t KH = 0; KH < S.KernelH; ++KH, Row += S.KernelW) {
      int64_t IH = OH * S.StrideH - int64_t(S.PadTop) + KH * S.DilationH;
      if (IH < 0 || IH >= H) {
        std::fill_n(Row, S.KernelW, Padding);
        continue;
      }
      const uint8_t *Line = Driven + (int64_t(C) * H + IH) * W;
      if (RowInside) {
        std::copy_n(Line + IW0, S.KernelW, Row);
        continue;
      }
      for (int64_t KW = 0; KW < S.KernelW; ++KW) {
        int64_t IW = IW0 + KW * S.DilationW;
        Row[KW] = IW >= 0 && IW < W ? Line[IW] : Padding;
      }
    }
}

/// A convolution's windows as bytes: one sample at a time, the inputs of
/// the step's channels as the arrays see them, then each output pixel's
/// window copied out of them (gatherWindow). Only where every input and
/// the padding lie in [0, Max]: gather() returns false on a sample that
/// leaves it.
template <typename E> class ByteWindows {
public:
  ByteWindows(const MvmStep &S, const TypedTensor &In, int64_t Max)
      : S(S), Src(In.data<E>()), Plane(int64_t(S.InH) * S.InW), Pixels(int64_t(S.OutH) * S.OutW),
        Max(Max), Padding(S.InputZeroPoint >> S.InputStepShift),
        Driven(size_t(S.InChannels) * Plane) {}

  /// Whether the padding and every input of \p Samples samples fit.
  bool allFit(int64_t Samples) {
    for (int64_t B = 0; B < Samples; ++B)
      if (!drive(B))
        return false;
    return paddingFits();
  }

  /// Vector \p V's window (pixel V mod Pixels of sample V / Pixels).
  bool gather(int64_t V, uint8_t *Row) {
    if (!paddingFits() || (V / Pixels != DrivenSample && !drive(V / Pixels)))
      return false;
    gatherWindow(S, Driven.data(), V % Pixels / S.OutW, V % Pixels % S.OutW,
                 static_cast<uint8_t>(Padding), Row);
    return true;
  }

private:
  bool paddingFits() const { return Padding >= 0 && Padding <= Max; }

  bool drive(int64_t B) {
    const E *Sample = Src + B * S.InChannels * Plane;
    bool InRange = true;
    // Only the step's channels are driven (grouped convolutions).
    for (int64_t I = S.ChannelBegin * Plane; I < (S.ChannelBegin + S.Channels) * Plane; ++I) {
      const int64_t X = arrayInput(S, Sample[I]);
      InRange &= X >= 0 && X <= Max;
      Driven[I] = static_cast<uint8_t>(X);
    }
    DrivenSample = B;
    return InRange;
  }

  const MvmStep &S;
  const E *Src;
  const int64_t Plane, Pixels, Max, Padding;
  std::vector<uint8_t> Driven;
  int64_t DrivenSample = -1;
};

/// The MVMs of \p Vectors vectors as GEMMs of ChunkVectors: Gather(v, Row)
/// fills vector v's K inputs and returns false when one leaves the
/// matrix's range; Store(First, Count, Outputs) takes the N outputs of each
/// vector of a chunk. False, with nothing counted, when some input left the
/// range.
template <typename GatherFn, typename StoreFn>
bool batched(const MvmStep &S, const ExactMatrix &M, int64_t Vectors, KernelEnv &Env,
             GatherFn &&Gather, StoreFn &&Store) {
  std::vector<uint8_t> X(size_t(std::min(Vectors, ChunkVectors)) * S.K);
  std::vector<int64_t> Y(size_t(std::min(Vectors, ChunkVectors)) * S.N);
  for (int64_t First = 0; First < Vectors; First += ChunkVectors) {
    const int64_t Count = std::min(ChunkVectors, Vectors - First);
    for (int64_t V = 0; V < Count; ++V)
      if (!Gather(First + V, X.data() + V * S.K))
        return false;
    Env.Chip.mvmBatch(S, M, X.data(), Count, Y.data(), Env.FixedDiffs);
    Store(First, Count, Y.data());
  }
  return true;
}

/// The MVMs of \p Vectors vectors through ChipModel::mvmBlocks, the first
/// being vector \p FirstVector of the session, in chunks: Gather(v, Row)
/// fills vector v's K inputs (as Input: int64_t, or uint8_t where every
/// input fits a byte), CopyOf(v) names the copy of the weights that reads
/// it and Store(First, Count, Outputs) takes the N outputs of each vector
/// of a chunk.
template <typename Input, typename GatherFn, typename CopyFn, typename StoreFn>
void blocksBatched(const MvmStep &S, int64_t Vectors, uint64_t FirstVector, KernelEnv &Env,
                   GatherFn &&Gather, CopyFn &&CopyOf, StoreFn &&Store) {
  // About 2 MiB of gathered inputs per chunk: each chunk sets every block
  // up again (its constants and row table), so byte inputs, which fit
  // eight times the vectors, pay that far less often.
  const int64_t Chunk =
      std::min(Vectors, std::clamp<int64_t>((int64_t(1) << 21) / (int64_t(S.K) * sizeof(Input)), 1,
                                            ChunkVectors));
  std::vector<Input> X(size_t(Chunk) * S.K);
  std::vector<int64_t> Y(size_t(Chunk) * S.N);
  std::vector<uint32_t> Copies(Chunk);
  for (int64_t First = 0; First < Vectors; First += Chunk) {
    const int64_t Count = std::min(Chunk, Vectors - First);
    for (int64_t V = 0; V < Count; ++V) {
      Gather(First + V, X.data() + V * S.K);
      Copies[V] = CopyOf(First + V);
    }
    Env.Chip.mvmBlocks(S, X.data(), Count, FirstVector + First, Copies.data(), Y.data(),
                       Env.FixedDiffs);
    Store(First, Count, Y.data());
  }
}

/// Counts the MVMs of a convolution over \p Samples samples of \p Pixels
/// output pixels: pixel v is read by copy v % Replicas of the weights.
void countConvMvms(const MvmStep &S, int64_t Samples, int64_t Pixels, KernelEnv &Env,
                   StepStats &Stats) {
  for (uint32_t Copy = 0; Copy < S.Replicas; ++Copy) {
    uint64_t PerSample = Pixels / S.Replicas + (Copy < Pixels % S.Replicas ? 1 : 0);
    Env.Chip.countMvms(S, Copy, PerSample * Samples, Stats);
  }
}

template <typename E>
llvm::Error runConv(const MvmStep &S, const TypedTensor &In, TypedTensor &Out, KernelEnv &Env,
                    StepStats &Stats) {
  if (In.dims().size() != 4 || In.dims()[1] != S.InChannels || In.dims()[2] != S.InH ||
      In.dims()[3] != S.InW)
    return makeError("input is {}, the convolution needs Bx{}x{}x{}", shapeToString(In.dims()),
                     S.InChannels, S.InH, S.InW);
  Shape Expected = {In.dims()[0], S.N, S.OutH, S.OutW};
  if (Out.dims() != Expected)
    return makeError("output is {}, the convolution makes {}", shapeToString(Out.dims()),
                     shapeToString(Expected));
  const int64_t Plane = int64_t(S.InH) * S.InW, Pixels = int64_t(S.OutH) * S.OutW;
  const int64_t Samples = In.dims()[0];
  auto source = [&](int64_t B) { return In.data<E>() + B * S.InChannels * Plane; };
  // Vectors V, V + 1, ... are pixels of a sample in order: the outputs of a
  // run of them go out channel by channel, as the NCHW output lies.
  std::vector<int64_t> Line(Pixels);
  auto output = [&](int64_t V, int64_t Run, const int64_t *Y) {
    const int64_t B = V / Pixels, Pixel = V % Pixels;
    for (uint32_t N = 0; N < S.N; ++N) {
      for (int64_t I = 0; I < Run; ++I)
        Line[I] = Y[I * S.N + N];
      Out.write((B * S.N + N) * Pixels + Pixel, Run, Line.data());
    }
  };
  auto outputChunk = [&](int64_t First, int64_t Count, const int64_t *Y) {
    for (int64_t V = First; V < First + Count;) {
      const int64_t Run = std::min(First + Count - V, Pixels - V % Pixels);
      output(V, Run, Y + (V - First) * S.N);
      V += Run;
    }
  };

  if (const ExactMatrix *M = Env.Chip.exactMatrix(S)) {
    ByteWindows<E> Windows(S, In, M->maxInput());
    if (batched(
            S, *M, Samples * Pixels, Env,
            [&](int64_t V, uint8_t *Row) { return Windows.gather(V, Row); }, outputChunk)) {
      countConvMvms(S, Samples, Pixels, Env, Stats);
      ++Env.BatchedMvmRuns;
      return llvm::Error::success();
    }
  }

  if (!Env.StepByStep) {
    auto copyOf = [&](int64_t V) { return static_cast<uint32_t>(V % Pixels % S.Replicas); };
    ByteWindows<E> Windows(S, In, ByteMax);
    // Every sample fits, so no gather below fails.
    if (Windows.allFit(Samples))
      blocksBatched<uint8_t>(
          S, Samples * Pixels, Env.FirstSample * Pixels, Env,
          [&](int64_t V, uint8_t *Row) { Windows.gather(V, Row); }, copyOf, outputChunk);
    else
      blocksBatched<int64_t>(
          S, Samples * Pixels, Env.FirstSample * Pixels, Env,
          [&](int64_t V, int64_t *Row) {
            gatherPixel(S, source(V / Pixels), V % Pixels / S.OutW, V % Pixels % S.OutW,
                        [&](size_t K, int64_t X) { Row[K] = X; });
          },
          copyOf, outputChunk);
    countConvMvms(S, Samples, Pixels, Env, Stats);
    ++Env.BatchedMvmRuns;
    return llvm::Error::success();
  }

  std::vector<int64_t> X(S.K), Y(S.N);
  for (int64_t B = 0; B < Samples; ++B)
    for (int64_t Pixel = 0; Pixel < Pixels; ++Pixel) {
      gatherPixel(S, source(B), Pixel / S.OutW, Pixel % S.OutW,
                  [&](size_t K, int64_t V) { X[K] = V; });
      Env.Chip.mvm(S, X, Y, Stats, Env.FixedDiffs, static_cast<uint32_t>(Pixel % S.Replicas),
                   (Env.FirstSample + B) * Pixels + Pixel);
      output(B * Pixels + Pixel, 1, Y.data());
    }
  return llvm::Error::success();
}

template <typename E>
llvm::Error runRows(const MvmStep &S, const TypedTensor &In, TypedTensor &Out, KernelEnv &Env,
                    StepStats &Stats) {
  if (In.dims().empty() || In.dims().back() != S.K)
    return makeError("input is {}, the matrix product needs ...x{}", shapeToString(In.dims()), S.K);
  int64_t Rows = In.size() / S.K;
  if (Out.dims().empty() || Out.dims().back() != S.N || Out.size() != Rows * S.N)
    return makeError("output is {}, the matrix product of a {} input makes {} rows of {}",
                     shapeToString(Out.dims()), shapeToString(In.dims()), Rows, S.N);
  const E *Src = In.data<E>();
  auto output = [&](int64_t First, int64_t Count, const int64_t *Y) {
    Out.write(First * S.N, Count * S.N, Y);
  };

  // Rows of one sample follow each other (the batch is the first dimension).
  const uint64_t FirstRow = Env.FirstSample * uint64_t(Rows / std::max<int64_t>(Env.Samples, 1));
  if (const ExactMatrix *M = Env.Chip.exactMatrix(S)) {
    const int64_t Max = M->maxInput();
    bool Done = batched(
        S, *M, Rows, Env,
        [&](int64_t R, uint8_t *Row) {
          bool InRange = true;
          for (uint32_t K = 0; K < S.K; ++K) {
            int64_t X = arrayInput(S, Src[R * S.K + K]);
            InRange &= X >= 0 && X <= Max;
            Row[K] = static_cast<uint8_t>(X);
          }
          return InRange;
        },
        output);
    if (Done) {
      Env.Chip.countMvms(S, 0, static_cast<uint64_t>(Rows), Stats);
      ++Env.BatchedMvmRuns;
      return llvm::Error::success();
    }
  }

  if (!Env.StepByStep) {
    bool Bytes = true;
    for (int64_t I = 0; I < Rows * S.K; ++I) {
      const int64_t X = arrayInput(S, Src[I]);
      Bytes &= X >= 0 && X <= ByteMax;
    }
    auto copyOf = [](int64_t) { return 0u; };
    auto gatherRow = [&](int64_t R, auto *Row) {
      using Input = std::remove_pointer_t<decltype(Row)>;
      for (uint32_t K = 0; K < S.K; ++K)
        Row[K] = static_cast<Input>(arrayInput(S, Src[R * S.K + K]));
    };
    if (Bytes)
      blocksBatched<uint8_t>(S, Rows, FirstRow, Env, gatherRow, copyOf, output);
    else
      blocksBatched<int64_t>(S, Rows, FirstRow, Env, gatherRow, copyOf, output);
    Env.Chip.countMvms(S, 0, static_cast<uint64_t>(Rows), Stats);
    ++Env.BatchedMvmRuns;
    return llvm::Error::success();
  }

  std::vector<int64_t> X(S.K), Y(S.N);
  for (int64_t R = 0; R < Rows; ++R) {
    for (uint32_t K = 0; K < S.K; ++K)
      X[K] = arrayInput(S, Src[R * S.K + K]);
    Env.Chip.mvm(S, X, Y, Stats, Env.FixedDiffs, 0, FirstRow + R);
    output(R, 1, Y.data());
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error runMvm(const MvmStep &S, const TypedTensor &In, TypedTensor &Out, KernelEnv &Env,
                   StepStats &Stats) {
  llvm::Error E = visitStorage(In.type(), [&](auto Tag) {
    using Elem = decltype(Tag);
    return S.Window == WindowKind::Conv2d ? runConv<Elem>(S, In, Out, Env, Stats)
                                          : runRows<Elem>(S, In, Out, Env, Stats);
  });
  if (!E && S.Requant == RequantMode::Scale && Env.RequantOutputs)
    *Env.RequantOutputs += Out.size();
  return E;
}

} // namespace qnn::runtime

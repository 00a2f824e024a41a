//===- MvmKernel.cpp - Gathers input vectors for the chip's MVMs ----------===//
#include "Kernels.h"
#include "qnn/Support/Diagnostics.h"

namespace qnn::runtime {

using namespace qnn::image;

namespace {

llvm::Error runConv(const MvmStep &S, const Tensor &In, Tensor &Out, KernelEnv &Env,
                    StepStats &Stats) {
  if (In.Dims.size() != 4 || In.Dims[1] != S.InChannels || In.Dims[2] != S.InH ||
      In.Dims[3] != S.InW)
    return makeError("input is {}, the convolution needs Bx{}x{}x{}", shapeToString(In.Dims),
                     S.InChannels, S.InH, S.InW);
  Shape Expected = {In.Dims[0], S.N, S.OutH, S.OutW};
  if (Out.Dims != Expected)
    return makeError("output is {}, the convolution makes {}", shapeToString(Out.Dims),
                     shapeToString(Expected));
  std::vector<int64_t> X(S.K), Y(S.N);
  const int64_t H = S.InH, W = S.InW, Plane = H * W, Pixels = int64_t(S.OutH) * S.OutW;
  for (int64_t B = 0; B < In.Dims[0]; ++B) {
    const double *Src = In.Data.data() + B * S.InChannels * Plane;
    double *Dst = Out.Data.data() + B * S.N * Pixels;
    for (int64_t OH = 0; OH < S.OutH; ++OH)
      for (int64_t OW = 0; OW < S.OutW; ++OW) {
        size_t K = 0;
        for (uint32_t C = S.ChannelBegin; C < S.ChannelBegin + S.Channels; ++C)
          for (int64_t KH = 0; KH < S.KernelH; ++KH)
            for (int64_t KW = 0; KW < S.KernelW; ++KW) {
              int64_t IH = OH * S.StrideH - int64_t(S.PadTop) + KH * S.DilationH;
              int64_t IW = OW * S.StrideW - int64_t(S.PadLeft) + KW * S.DilationW;
              bool Inside = IH >= 0 && IH < H && IW >= 0 && IW < W;
              X[K++] = Inside
                           ? (static_cast<int64_t>(Src[C * Plane + IH * W + IW]) + S.InputShift) >>
                                 S.InputStepShift
                           : S.InputZeroPoint >> S.InputStepShift;
            }
        // Output pixel v is read by copy v % Replicas of the weights.
        Env.Chip.mvm(S, X, Y, Stats, Env.FixedDiffs,
                     static_cast<uint32_t>((OH * S.OutW + OW) % S.Replicas));
        for (uint32_t N = 0; N < S.N; ++N)
          Dst[N * Pixels + OH * S.OutW + OW] = static_cast<double>(Y[N]);
      }
  }
  return llvm::Error::success();
}

llvm::Error runRows(const MvmStep &S, const Tensor &In, Tensor &Out, KernelEnv &Env,
                    StepStats &Stats) {
  if (In.Dims.empty() || In.Dims.back() != S.K)
    return makeError("input is {}, the matrix product needs ...x{}", shapeToString(In.Dims), S.K);
  int64_t Rows = In.size() / S.K;
  if (Out.Dims.empty() || Out.Dims.back() != S.N || Out.size() != Rows * S.N)
    return makeError("output is {}, the matrix product of a {} input makes {} rows of {}",
                     shapeToString(Out.Dims), shapeToString(In.Dims), Rows, S.N);
  std::vector<int64_t> X(S.K), Y(S.N);
  for (int64_t R = 0; R < Rows; ++R) {
    for (uint32_t K = 0; K < S.K; ++K)
      X[K] = (static_cast<int64_t>(In.Data[R * S.K + K]) + S.InputShift) >> S.InputStepShift;
    Env.Chip.mvm(S, X, Y, Stats, Env.FixedDiffs);
    for (uint32_t N = 0; N < S.N; ++N)
      Out.Data[R * S.N + N] = static_cast<double>(Y[N]);
  }
  return llvm::Error::success();
}

} // namespace

llvm::Error runMvm(const MvmStep &S, const Tensor &In, Tensor &Out, KernelEnv &Env,
                   StepStats &Stats) {
  llvm::Error E = S.Window == WindowKind::Conv2d ? runConv(S, In, Out, Env, Stats)
                                                 : runRows(S, In, Out, Env, Stats);
  if (!E && S.Requant == RequantMode::Scale && Env.RequantOutputs)
    *Env.RequantOutputs += Out.size();
  return E;
}

} // namespace qnn::runtime

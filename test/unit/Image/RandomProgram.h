//===- RandomProgram.h - Random valid Programs for tests ----------*- C++ -*-===//
///
/// \file
/// Random but valid Programs: every field takes a random value within what
/// verifyProgram accepts. The image tests round-trip them (a field the writer
/// or reader drops shows up); the runtime tests execute them (no input may
/// crash the executor). Threshold banks and host steps take random but
/// consistent values too. pickConvWindow and setConvOutput also serve tests
/// that build their own MVM steps.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TEST_UNIT_IMAGE_RANDOMPROGRAM_H
#define QNN_TEST_UNIT_IMAGE_RANDOMPROGRAM_H

#include "qnn/Image/Program.h"
#include "qnn/Support/HostOps.h"
#include "qnn/Support/Tensor.h"
#include "qnn/Target/Target.h"
#include <algorithm>
#include <climits>
#include <random>

namespace qnn::image {

/// Draws the Conv2d window of \p M: its slice of 1 to 4 input channels,
/// kernel (1 to 3), strides and dilations (1 or 2) and pads (0 to 2).
/// \p Pick(Lo, Hi) draws an integer in [Lo, Hi]. The caller then chooses
/// InH and InW and calls setConvOutput.
template <typename PickFn> void pickConvWindow(MvmStep &M, PickFn &&Pick) {
  M.InChannels = Pick(1, 4);
  M.ChannelBegin = Pick(0, M.InChannels - 1);
  M.Channels = Pick(1, M.InChannels - M.ChannelBegin);
  M.KernelH = Pick(1, 3);
  M.KernelW = Pick(1, 3);
  M.StrideH = Pick(1, 2);
  M.StrideW = Pick(1, 2);
  M.DilationH = Pick(1, 2);
  M.DilationW = Pick(1, 2);
  M.PadTop = Pick(0, 2);
  M.PadLeft = Pick(0, 2);
  M.PadBottom = Pick(0, 2);
  M.PadRight = Pick(0, 2);
}

/// An empty Program for a one-tile target of \p Arrays arrays of 4x4 cells
/// of 2 bits: the start of the hand-written programs of the image tests.
inline Program tinyProgram(unsigned Arrays) {
  Target T;
  T.Name = "t";
  T.Tiles = 1;
  T.ArraysPerTile = Arrays;
  T.Rows = 4;
  T.Cols = 4;
  T.Neurons = 4;
  T.CellBits = 2;
  Program P;
  P.TargetJson = targetToJson(T);
  P.TargetFingerprint = targetFingerprint(T);
  return P;
}

/// Sets OutH, OutW and K of the Conv2d window of \p M from its input size.
inline void setConvOutput(MvmStep &M) {
  M.OutH = (M.InH + M.PadTop + M.PadBottom - M.DilationH * (M.KernelH - 1) - 1) / M.StrideH + 1;
  M.OutW = (M.InW + M.PadLeft + M.PadRight - M.DilationW * (M.KernelW - 1) - 1) / M.StrideW + 1;
  M.K = M.Channels * M.KernelH * M.KernelW;
}

class RandomProgram {
public:
  explicit RandomProgram(uint64_t Seed) : Rng(Seed) {}

  Program make() {
    Target T;
    T.Name = "rand" + std::to_string(pick(0, 999));
    T.Tiles = pick(1, 3);
    T.ArraysPerTile = pick(1, 3);
    T.Rows = pick(1, 9);
    T.Cols = pick(1, 11);
    T.Neurons = pick(1, T.Cols);
    T.CellBits = pick(1, 4);
    T.AdcBits = pick(1, 12);
    T.ReadGainBits = pick(0, 4);
    T.DacBits = pick(1, 4);
    T.ActBits = pick(T.DacBits, 8);
    T.Analog.SigmaRead = pick(0, 100) / 1000.0;
    T.Cost.AdcEnergy = pick(0, 100) / 7.0;
    Program P;
    P.TargetJson = targetToJson(T);
    P.TargetFingerprint = targetFingerprint(T);
    P.ModelName = "model" + std::to_string(pick(0, 99));
    P.Chips = pick(1, 3); // tiles and arrays are numbered across chips
    unsigned NumTensors = pick(2, 6);
    for (unsigned I = 0; I < NumTensors; ++I)
      P.Tensors.push_back(tensor(I));
    P.Inputs = {0};
    P.Outputs = {NumTensors - 1};
    unsigned NumArrays = pick(0, T.totalArrays() * P.Chips);
    for (unsigned I = 0; I < NumArrays; ++I) {
      ArrayImage A;
      A.Tile = I / T.ArraysPerTile;
      A.IndexInTile = I % T.ArraysPerTile;
      A.Rows = T.Rows;
      A.Cols = T.Cols;
      A.ReadShift = pick(-int(T.ReadGainBits), 24 - std::min(24u, T.AdcBits));
      for (unsigned C = 0; C < A.Rows * A.Cols; ++C)
        A.Levels.push_back(pick(0, T.maxCellLevel()));
      P.Arrays.push_back(std::move(A));
    }
    unsigned NumSteps = pick(1, 8);
    for (unsigned I = 0; I < NumSteps; ++I)
      P.Steps.push_back(step(P, T, NumTensors));
    return P;
  }

private:
  std::mt19937_64 Rng;

  int64_t pick(int64_t Lo, int64_t Hi) {
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
  }
  float real() { return std::uniform_real_distribution<float>(0.001f, 4.0f)(Rng); }
  template <typename T> std::vector<T> ints(size_t N, int64_t Lo, int64_t Hi) {
    std::vector<T> V;
    for (size_t I = 0; I < N; ++I)
      V.push_back(static_cast<T>(pick(Lo, Hi)));
    return V;
  }
  std::vector<float> reals(size_t N) {
    std::vector<float> V;
    for (size_t I = 0; I < N; ++I)
      V.push_back(real());
    return V;
  }

  TensorDesc tensor(unsigned I) {
    static const DType Types[] = {DType::F32, DType::F16, DType::U8,  DType::I8,
                                  DType::I4,  DType::U2,  DType::I16, DType::I32};
    TensorDesc D;
    D.Name = I % 3 ? "t" + std::to_string(I) : "shared name";
    D.Type = Types[pick(0, 7)];
    unsigned Rank = pick(0, 4);
    for (unsigned R = 0; R < Rank; ++R)
      D.Dims.push_back(R == 0 && pick(0, 1) ? -1 : pick(0, 9));
    if (Rank && pick(0, 1)) {
      D.Axis = pick(-1, Rank - 1);
      size_t N = D.Axis < 0 ? 1 : pick(1, 5);
      D.Scale = reals(N);
      D.ZeroPoint = ints<int32_t>(N, -128, 255);
    }
    return D;
  }

  Step step(const Program &P, const Target &T, unsigned NumTensors) {
    Step S;
    S.Kind = static_cast<StepKind>(pick(P.Arrays.empty() ? 1 : 0, 9));
    S.Layer = "layer" + std::to_string(pick(0, 5));
    S.Inputs = {static_cast<uint32_t>(pick(0, NumTensors - 1))};
    S.Outputs = {static_cast<uint32_t>(pick(0, NumTensors - 1))};
    S.Tile = pick(0, T.Tiles * P.Chips - 1);
    S.StartCycle = pick(0, 1) ? pick(0, 1 << 20) : (uint64_t(1) << 40) + 7;
    S.Cycles = pick(1, 1000);
    switch (S.Kind) {
    case StepKind::Mvm:
      S.Mvm = mvm(P, T, P.Tensors[S.Outputs[0]].Type);
      break;
    case StepKind::Quantize:
    case StepKind::Dequantize: {
      size_t N = pick(1, 4);
      S.Quant.Axis = N == 1 ? pick(-1, 2) : pick(0, 2);
      S.Quant.Scale = reals(N);
      S.Quant.ZeroPoint = ints<int32_t>(N, -8, 8);
      S.Quant.BlockSize = S.Quant.Axis < 0 ? 0 : pick(0, 4);
      break;
    }
    case StepKind::Pool:
      if (!poolStep(P, S))
        S.Kind = StepKind::Reshape;
      break;
    case StepKind::Combine: {
      CombineStep &C = S.Combine;
      C.Kind = static_cast<CombineStep::Op>(pick(0, 2));
      size_t N = C.Kind == CombineStep::Op::Add      ? 2
                 : C.Kind == CombineStep::Op::Concat ? pick(1, 4)
                                                     : 1;
      S.Inputs = ints<uint32_t>(N, 0, NumTensors - 1);
      C.Axis = pick(-3, 3);
      C.InScale = reals(N);
      C.InZeroPoint = ints<int32_t>(N, -100, 100);
      C.InFixedMultiplier = ints<int32_t>(N, 1, INT32_MAX);
      C.InFixedShift = ints<int8_t>(N, 0, 62);
      C.OutScale = real();
      C.OutZeroPoint = pick(-9, 9);
      C.ClampMin = pick(-128, 0);
      C.ClampMax = pick(0, 255);
      break;
    }
    case StepKind::Clamp:
      S.Clamp.ClampMin = pick(-10, 0);
      S.Clamp.ClampMax = pick(0, 10);
      break;
    case StepKind::Reshape:
      break;
    case StepKind::Slice:
      if (!slice(P, S))
        S.Kind = StepKind::Reshape;
      break;
    case StepKind::Threshold:
      if (!thresholdStep(P, S))
        S.Kind = StepKind::Reshape;
      break;
    case StepKind::Host:
      host(S, NumTensors);
      break;
    }
    return S;
  }

  /// Makes \p S a pooling step from its input, if it is NCHW, into a tensor
  /// of the same N and C: global when that tensor is 1x1, else with a
  /// random kernel, strides and dilations and the pads that make its size;
  /// false when no tensor fits.
  bool poolStep(const Program &P, Step &S) {
    const Shape &In = P.Tensors[S.Inputs[0]].Dims;
    if (In.size() != 4)
      return false;
    for (uint32_t O = 0; O < P.Tensors.size(); ++O) {
      const Shape &Out = P.Tensors[O].Dims;
      if (Out.size() != 4 || Out[0] != In[0] || Out[1] != In[1] || Out[2] < 1 || Out[3] < 1)
        continue;
      S.Outputs = {O};
      PoolStep &Q = S.Pool;
      Q.IsMax = pick(0, 1);
      Q.Global = Out[2] == 1 && Out[3] == 1 && pick(0, 1);
      Q.CountIncludePad = pick(0, 1);
      poolWindow(In[2], Out[2], Q.KernelH, Q.StrideH, Q.DilationH, Q.PadTop, Q.PadBottom);
      poolWindow(In[3], Out[3], Q.KernelW, Q.StrideW, Q.DilationW, Q.PadLeft, Q.PadRight);
      Q.InScale = real();
      Q.OutScale = real();
      Q.InZeroPoint = pick(-5, 5);
      Q.OutZeroPoint = pick(-5, 5);
      Q.ClampMin = pick(-128, 0);
      Q.ClampMax = pick(1, 255);
      return true;
    }
    return false;
  }

  /// A window over \p In elements with \p Out outputs (floor rounding):
  /// random stride and dilation, a kernel just large enough that the pads
  /// are not negative, plus up to 2.
  void poolWindow(int64_t In, int64_t Out, uint32_t &Kernel, uint32_t &Stride, uint32_t &Dilation,
                  uint32_t &PadBegin, uint32_t &PadEnd) {
    Stride = pick(1, 3);
    Dilation = pick(1, 2);
    int64_t Short = In - (Out - 1) * Stride - 1; // what the kernel's extent must cover
    Kernel = 1 + (Short > 0 ? (Short + Dilation - 1) / Dilation : 0) + pick(0, 2);
    int64_t Pads = (Out - 1) * Stride + Dilation * (Kernel - 1) + 1 - In + pick(0, Stride - 1);
    PadBegin = pick(0, Pads);
    PadEnd = Pads - PadBegin;
  }

  /// A bank of \p Channels channels whose levels fit \p OutType (an
  /// integer type): ascending thresholds, signs +-1, a step of +-1 or 2.
  ThresholdStep bank(uint32_t Channels, DType OutType) {
    ThresholdStep B;
    B.Channels = Channels;
    int64_t Lo = std::max<int64_t>(minValue(OutType), -1000),
            Hi = std::min<int64_t>(maxValue(OutType), 1000);
    B.OutStep = static_cast<int32_t>(pick(0, 2) == 0 ? -1 : pick(1, 2));
    B.Count = pick(0, std::min<int64_t>(4, (Hi - Lo) / 2));
    int64_t Span = int64_t(B.Count) * std::abs(B.OutStep);
    B.OutMin = static_cast<int32_t>(B.OutStep > 0 ? pick(Lo, Hi - Span) : pick(Lo + Span, Hi));
    for (uint32_t C = 0; C < Channels; ++C) {
      std::vector<double> T;
      for (uint32_t I = 0; I < B.Count; ++I)
        T.push_back(pick(-4000, 4000) / 8.0);
      std::sort(T.begin(), T.end());
      B.Thresholds.insert(B.Thresholds.end(), T.begin(), T.end());
      B.Signs.push_back(static_cast<int8_t>(pick(0, 1) ? 1 : -1));
    }
    return B;
  }

  /// Makes \p S a threshold step from its input into an integer tensor of
  /// the same shape, per channel along a static axis or for the whole
  /// tensor; false when no tensor fits.
  bool thresholdStep(const Program &P, Step &S) {
    const TensorDesc &In = P.Tensors[S.Inputs[0]];
    for (uint32_t O = 0; O < P.Tensors.size(); ++O) {
      const TensorDesc &Out = P.Tensors[O];
      if (!isInteger(Out.Type) || Out.Dims != In.Dims)
        continue;
      S.Outputs = {O};
      std::vector<int32_t> Axes;
      for (size_t A = 0; A < In.Dims.size(); ++A)
        if (In.Dims[A] > 1)
          Axes.push_back(static_cast<int32_t>(A));
      bool PerChannel = !Axes.empty() && pick(0, 1);
      int32_t Axis = PerChannel ? Axes[pick(0, Axes.size() - 1)] : -1;
      S.Threshold = bank(PerChannel ? In.Dims[Axis] : 1, Out.Type);
      S.Threshold.Axis = PerChannel ? Axis : static_cast<int32_t>(pick(-1, 3));
      return true;
    }
    return false;
  }

  /// A host op with random attributes, operands (step inputs or embedded
  /// constants of random shapes) and results.
  void host(Step &S, unsigned NumTensors) {
    struct HostOpDesc {
      const char *Name;
      unsigned Operands, Results;
      std::vector<const char *> Attrs;
    };
    static const HostOpDesc Ops[] = {{"Add", 2, 1, {}},
                                     {"Sub", 2, 1, {}},
                                     {"Mul", 2, 1, {}},
                                     {"Div", 2, 1, {}},
                                     {"Relu", 1, 1, {}},
                                     {"BatchNormalization", 5, 1, {"epsilon", "training_mode"}},
                                     {"Softmax", 1, 1, {"axis"}},
                                     {"ArgMax", 1, 1, {"axis", "keepdims", "select_last_index"}},
                                     {"TopK", 2, 2, {"axis", "largest", "sorted"}}};
    const HostOpDesc &D = Ops[pick(0, std::size(Ops) - 1)];
    HostStep &H = S.Host;
    H.Op = D.Name;
    for (const char *A : D.Attrs) { // already sorted by name
      if (!pick(0, 1))
        continue;
      if (hostOpAttrKind(D.Name, A) == HostAttrKind::Float)
        H.FloatAttrs.emplace_back(A, real());
      else
        H.IntAttrs.emplace_back(A, pick(-2, 2));
    }
    S.Inputs.clear();
    for (unsigned I = 0; I < D.Operands; ++I) {
      if (pick(0, 1)) {
        H.Operands.push_back(static_cast<int32_t>(S.Inputs.size()));
        S.Inputs.push_back(static_cast<uint32_t>(pick(0, NumTensors - 1)));
        continue;
      }
      HostConstant C;
      C.Type = pick(0, 1) ? DType::F32 : DType::I64;
      for (int64_t R = pick(0, 2); R > 0; --R)
        C.Dims.push_back(pick(0, 3));
      for (int64_t E = numElements(C.Dims); E > 0; --E)
        C.Data.push_back(pick(-8, 8) / 2.0);
      H.Operands.push_back(-static_cast<int32_t>(H.Constants.size()) - 1);
      H.Constants.push_back(std::move(C));
    }
    S.Outputs = ints<uint32_t>(D.Results, 0, NumTensors - 1);
  }

  /// Makes \p S a slice of its input into a tensor that is the input with
  /// one static dimension cut (at worst the input itself, whole); false when
  /// the input has no static dimension.
  bool slice(const Program &P, Step &S) {
    const TensorDesc &In = P.Tensors[S.Inputs[0]];
    for (uint32_t O = 0; O < P.Tensors.size(); ++O) {
      const TensorDesc &Out = P.Tensors[O];
      if (Out.Type != In.Type || Out.Dims.size() != In.Dims.size() || Out.Scale != In.Scale ||
          Out.ZeroPoint != In.ZeroPoint || Out.Axis != In.Axis)
        continue;
      for (size_t A = 0; A < In.Dims.size(); ++A) {
        bool Fits = Out.Dims[A] >= 0 && Out.Dims[A] <= In.Dims[A];
        for (size_t D = 0; Fits && D < In.Dims.size(); ++D)
          Fits = D == A || In.Dims[D] == Out.Dims[D];
        if (Fits) {
          S.Outputs = {O};
          S.Slice = {static_cast<int32_t>(A), pick(0, In.Dims[A] - Out.Dims[A]), Out.Dims[A]};
          return true;
        }
      }
    }
    return false;
  }

  MvmStep mvm(const Program &P, const Target &T, DType OutType) {
    MvmStep M;
    M.Window = static_cast<WindowKind>(pick(0, 1));
    M.N = pick(1, 6);
    if (M.Window == WindowKind::Conv2d) {
      pickConvWindow(M, [this](int64_t Lo, int64_t Hi) { return pick(Lo, Hi); });
      M.InH = pick(M.DilationH * (M.KernelH - 1) + 1, 9);
      M.InW = pick(M.DilationW * (M.KernelW - 1) + 1, 9);
      setConvOutput(M);
    } else {
      M.K = pick(1, 20);
    }
    M.InputShift = pick(0, 1) ? 128 : 0;
    M.InputZeroPoint = pick(0, (1 << T.ActBits) - 1);
    M.InputStepShift = pick(0, T.ActBits - 1);
    M.InputBits = static_cast<uint8_t>(pick(1, T.ActBits));
    M.Polarity = static_cast<PolarityMode>(pick(0, 2));
    M.Offset = M.Polarity == PolarityMode::Offset ? pick(1, 128) : 0;
    unsigned Cols = pick(1, 12);
    for (unsigned C = 0; C < Cols; ++C)
      M.Columns.push_back({static_cast<uint32_t>(pick(0, M.N - 1)),
                           static_cast<int8_t>(pick(0, 1) ? 1 : -1),
                           static_cast<uint8_t>(pick(0, 16))});
    unsigned Blocks = pick(1, 3);
    for (unsigned B = 0; B < Blocks; ++B) {
      Block Bl;
      Bl.Array = pick(0, P.Arrays.size() - 1);
      Bl.KCount = pick(0, std::min<int64_t>(M.K, T.Rows));
      Bl.KBegin = pick(0, M.K - Bl.KCount);
      Bl.RowOffset = pick(0, T.Rows - Bl.KCount);
      Bl.ColCount = pick(0, std::min<int64_t>(Cols, T.Cols));
      Bl.ColBegin = pick(0, Cols - Bl.ColCount);
      Bl.ColOffset = pick(0, T.Cols - Bl.ColCount);
      // Half the blocks read at ranges of their own (read-ranges).
      if (pick(0, 1))
        for (size_t R = 0; R < size_t(T.inputPhases(M.InputBits)) * Bl.ColCount; ++R)
          Bl.PhaseShifts.push_back(
              static_cast<int8_t>(pick(-int(T.ReadGainBits), 24 - std::min(24u, T.AdcBits))));
      M.Blocks.push_back(Bl);
    }
    // Copies of the blocks elsewhere (replication): conv windows only.
    if (M.Window == WindowKind::Conv2d && pick(0, 1)) {
      M.Replicas = static_cast<uint32_t>(pick(2, 3));
      const std::vector<Block> One = M.Blocks;
      for (uint32_t C = 1; C < M.Replicas; ++C)
        for (Block Bl : One) {
          Bl.Array = pick(0, P.Arrays.size() - 1);
          Bl.RowOffset = pick(0, T.Rows - Bl.KCount);
          Bl.ColOffset = pick(0, T.Cols - Bl.ColCount);
          M.Blocks.push_back(Bl);
        }
    }
    M.Bias = ints<int64_t>(M.N, -(int64_t(1) << 40), int64_t(1) << 40);
    M.Requant = static_cast<RequantMode>(pick(0, isInteger(OutType) ? 2 : 1));
    if (M.Requant == RequantMode::Threshold)
      M.Threshold = bank(M.N, OutType);
    if (M.Requant == RequantMode::Scale) {
      M.Multiplier = reals(M.N);
      M.FixedMultiplier = ints<int32_t>(M.N, 1, INT32_MAX);
      M.FixedShift = ints<int8_t>(M.N, 0, 62);
    }
    M.OutZeroPoint = pick(-128, 255);
    M.ClampMin = pick(-128, 0);
    M.ClampMax = pick(0, 255);
    return M;
  }
};

} // namespace qnn::image

#endif

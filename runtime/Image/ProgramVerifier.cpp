//===- ProgramVerifier.cpp - Every index and size of a Program in range ---===//
//
// The runtime indexes arrays, tensors and columns with the values checked
// here and nowhere else, so anything an image can say must be checked.
//
//===----------------------------------------------------------------------===//
#include "qnn/Image/PoolGeometry.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/HostOps.h"
#include "qnn/Support/Limits.h"
#include "qnn/Support/ShapeUtils.h"
#include "qnn/Support/Tensor.h"
#include "llvm/ADT/DenseSet.h"
#include <cmath>
#include <cstring>
#include <optional>

namespace qnn::image {

namespace {

/// The bitwise OR of \p Bytes.
uint8_t orOfBytes(llvm::ArrayRef<uint8_t> Bytes) {
  uint64_t Words = 0;
  size_t I = 0;
  for (; I + 8 <= Bytes.size(); I += 8) {
    uint64_t Word;
    std::memcpy(&Word, Bytes.data() + I, 8);
    Words |= Word;
  }
  uint8_t Or = 0;
  for (; I < Bytes.size(); ++I)
    Or |= Bytes[I];
  for (int Shift = 0; Shift < 64; Shift += 8)
    Or |= static_cast<uint8_t>(Words >> Shift);
  return Or;
}

class ProgramVerifier {
public:
  ProgramVerifier(const Program &P, const Target &T, llvm::StringRef Name)
      : P(P), T(T), Name(Name.str()) {}

  llvm::Error verify() {
    if (targetFingerprint(T) != P.TargetFingerprint)
      return makeError("{}: target fingerprint mismatch (the image says {:#018x}, its target "
                       "'{}' hashes to {:#018x}); the image is damaged or was built for another "
                       "target",
                       Name, P.TargetFingerprint, T.Name, targetFingerprint(T));
    if (llvm::Error E = verifyTensors())
      return E;
    if (llvm::Error E = verifyArrays())
      return E;
    for (size_t I = 0; I < P.Steps.size(); ++I)
      if (llvm::Error E = verifyStep(I, P.Steps[I]))
        return E;
    return llvm::Error::success();
  }

private:
  const Program &P;
  const Target &T;
  std::string Name;
  /// What running the image holds at once: every tensor of one chunk, the
  /// host constants and the arrays' cells.
  limits::TotalBytes Held;

  llvm::Error tensorIndices(const std::vector<uint32_t> &Indices, llvm::StringRef What) {
    for (uint32_t I : Indices)
      if (I >= P.Tensors.size())
        return makeError("{}: {} tensor index {} out of range ({} tensors)", Name, What.str(), I,
                         P.Tensors.size());
    return llvm::Error::success();
  }

  llvm::Error verifyTensors() {
    for (size_t I = 0; I < P.Tensors.size(); ++I) {
      const TensorDesc &D = P.Tensors[I];
      auto Bad = [&](const std::string &Why) {
        return makeError("{}: tensor {} ('{}'): {}", Name, I, D.Name, Why);
      };
      if (!isSupported(D.Type))
        return Bad(fmt::format("element type {} is not supported", dtypeName(D.Type).str()));
      // Only the first dimension may be the symbolic batch; the runtime
      // holds one sample of it at a time.
      if (D.Dims.size() > 1 && llvm::is_contained(llvm::makeArrayRef(D.Dims).drop_front(), -1))
        return Bad("only the first dimension may be the symbolic batch (-1)");
      llvm::Expected<int64_t> Elements =
          limits::checkShape(D.Dims, "the tensor", /*AllowBatch=*/true);
      if (!Elements)
        return Bad(llvm::toString(Elements.takeError()));
      if (llvm::Error E = Held.add(*Elements, "the tensor"))
        return Bad(llvm::toString(std::move(E)));
      if (D.ZeroPoint.size() != D.Scale.size())
        return Bad(fmt::format("{} scales but {} zero points", D.Scale.size(), D.ZeroPoint.size()));
      if (D.Axis < -1 || D.Axis >= static_cast<int64_t>(D.Dims.size()) ||
          (D.Axis == -1 && D.Scale.size() > 1))
        return Bad(fmt::format("quantization axis {} does not fit its rank {} and {} scales",
                               D.Axis, D.Dims.size(), D.Scale.size()));
    }
    if (llvm::Error E = tensorIndices(P.Inputs, "graph input"))
      return E;
    return tensorIndices(P.Outputs, "graph output");
  }

  llvm::Error verifyArrays() {
    if (P.Chips < 1 || P.Chips > MaxChips)
      return makeError("{}: {} chips, expected 1 to {}", Name, P.Chips, MaxChips);
    if (P.Arrays.size() > uint64_t(T.totalArrays()) * P.Chips)
      return makeError("{}: {} arrays, {} chip(s) of target '{}' have {}", Name, P.Arrays.size(),
                       P.Chips, T.Name, uint64_t(T.totalArrays()) * P.Chips);
    llvm::DenseSet<uint64_t> Seen;
    for (size_t I = 0; I < P.Arrays.size(); ++I) {
      const ArrayImage &A = P.Arrays[I];
      auto Bad = [&](const std::string &Why) {
        return makeError("{}: array {}: {}", Name, I, Why);
      };
      if (uint64_t(A.Tile) >= uint64_t(T.Tiles) * P.Chips || A.IndexInTile >= T.ArraysPerTile)
        return Bad(fmt::format("position tile {} array {} is outside the target ({} chip(s) of "
                               "{} tiles of {})",
                               A.Tile, A.IndexInTile, P.Chips, T.Tiles, T.ArraysPerTile));
      if (!Seen.insert((uint64_t(A.Tile) << 32) | A.IndexInTile).second)
        return Bad(fmt::format("tile {} array {} is programmed twice", A.Tile, A.IndexInTile));
      if (A.Rows != T.Rows || A.Cols != T.Cols)
        return Bad(fmt::format("size {}x{} differs from the target's {}x{}", A.Rows, A.Cols, T.Rows,
                               T.Cols));
      if (A.Levels.size() != uint64_t(A.Rows) * A.Cols)
        return Bad(fmt::format("{} levels for {} cells", A.Levels.size(), A.Rows * A.Cols));
      // Analog mode keeps a conductance per cell.
      if (llvm::Error E = Held.add(A.Levels.size(), "the array"))
        return Bad(llvm::toString(std::move(E)));
      // A level fits cell_bits when it has no bit above them: one OR over
      // all the levels, eight at a time (ResNet-18 has 24 M cells).
      if (uint8_t Bits = orOfBytes(A.Levels); Bits > T.maxCellLevel())
        return Bad(fmt::format("level {} does not fit cell_bits = {}",
                               *std::max_element(A.Levels.begin(), A.Levels.end()), T.CellBits));
      if (std::optional<std::string> Why = badReadShift(A.ReadShift))
        return Bad(*Why);
    }
    return llvm::Error::success();
  }

  /// Why read shift \p Shift is out of the target's range, if it is.
  std::optional<std::string> badReadShift(int Shift) const {
    // Keeps every shifted read-out far inside the 64-bit accumulator.
    if (Shift + int(T.AdcBits) > 24)
      return fmt::format("read shift {} is too large for {}-bit ADCs (at most {})", Shift,
                         T.AdcBits, 24 - int(std::min(24u, T.AdcBits)));
    if (-Shift > int(T.ReadGainBits))
      return fmt::format("read shift {} asks for a read gain of 2^{}; the target's read-out "
                         "amplifies by at most 2^{} (read_gain_bits)",
                         Shift, -Shift, T.ReadGainBits);
    return std::nullopt;
  }

  llvm::Error verifyStep(size_t Index, const Step &S) {
    auto Bad = [&](const std::string &Why) {
      return makeError("{}: step {} ('{}'): {}", Name, Index, S.Layer, Why);
    };
    if (llvm::Error E = tensorIndices(S.Inputs, "step " + std::to_string(Index) + " input"))
      return E;
    if (llvm::Error E = tensorIndices(S.Outputs, "step " + std::to_string(Index) + " output"))
      return E;
    if (uint64_t(S.Tile) >= uint64_t(T.Tiles) * P.Chips)
      return Bad(fmt::format("runs on tile {}, {} chip(s) of the target have {}", S.Tile, P.Chips,
                             uint64_t(T.Tiles) * P.Chips));
    size_t MinInputs = 1, MaxInputs = 1, Outputs = 1;
    if (S.Kind == StepKind::Combine && S.Combine.Kind == CombineStep::Op::Add)
      MinInputs = MaxInputs = 2;
    if (S.Kind == StepKind::Combine && S.Combine.Kind == CombineStep::Op::Concat)
      MaxInputs = 1u << 16;
    if (S.Kind == StepKind::Host) {
      std::optional<HostOpArity> Arity = hostOpArity(S.Host.Op);
      if (!Arity)
        return Bad(fmt::format("unknown host op '{}' (host ops: {})", S.Host.Op, hostOpNames()));
      MinInputs = 0;
      MaxInputs = Arity->Operands;
      Outputs = Arity->Results;
    }
    if (S.Inputs.size() < MinInputs || S.Inputs.size() > MaxInputs || S.Outputs.size() != Outputs)
      return Bad(fmt::format("has {} inputs and {} outputs", S.Inputs.size(), S.Outputs.size()));
    switch (S.Kind) {
    case StepKind::Mvm:
      return verifyMvm(S.Mvm, P.Tensors[S.Outputs[0]].Type, Bad);
    case StepKind::Quantize:
    case StepKind::Dequantize:
      if (S.Quant.Scale.empty() || S.Quant.ZeroPoint.size() != S.Quant.Scale.size())
        return Bad(fmt::format("{} scales and {} zero points", S.Quant.Scale.size(),
                               S.Quant.ZeroPoint.size()));
      if (S.Quant.Axis < -1 || S.Quant.BlockSize < 0 ||
          (S.Quant.Axis == -1 && (S.Quant.Scale.size() != 1 || S.Quant.BlockSize != 0)))
        return Bad(fmt::format("quantization axis {} block size {} with {} scales", S.Quant.Axis,
                               S.Quant.BlockSize, S.Quant.Scale.size()));
      return llvm::Error::success();
    case StepKind::Pool: {
      const PoolStep &Q = S.Pool;
      if (!Q.Global &&
          (!Q.KernelH || !Q.KernelW || !Q.StrideH || !Q.StrideW || !Q.DilationH || !Q.DilationW))
        return Bad("pooling kernel, strides and dilations must be positive");
      if (!(Q.InScale > 0) || !(Q.OutScale > 0) || Q.ClampMin > Q.ClampMax)
        return Bad("pooling scales must be positive and clamp_min <= clamp_max");
      return verifyPoolShapes(Q, P.Tensors[S.Inputs[0]].Dims, P.Tensors[S.Outputs[0]].Dims, Bad);
    }
    case StepKind::Combine: {
      const CombineStep &C = S.Combine;
      size_t N = S.Inputs.size();
      if (C.InScale.size() != N || C.InZeroPoint.size() != N || C.InFixedMultiplier.size() != N ||
          C.InFixedShift.size() != N)
        return Bad(fmt::format("{} inputs but {}/{}/{}/{} input scales/zero points/multipliers/"
                               "shifts",
                               N, C.InScale.size(), C.InZeroPoint.size(),
                               C.InFixedMultiplier.size(), C.InFixedShift.size()));
      if (C.ClampMin > C.ClampMax)
        return Bad("clamp_min > clamp_max");
      return verifyFixedShifts(C.InFixedShift, Bad);
    }
    case StepKind::Clamp:
      if (S.Clamp.ClampMin > S.Clamp.ClampMax)
        return Bad("clamp_min > clamp_max");
      return llvm::Error::success();
    case StepKind::Reshape:
      return llvm::Error::success();
    case StepKind::Slice:
      return verifySlice(S.Slice, P.Tensors[S.Inputs[0]], P.Tensors[S.Outputs[0]], Bad);
    case StepKind::Threshold:
      return verifyThresholdStep(S.Threshold, P.Tensors[S.Inputs[0]], P.Tensors[S.Outputs[0]], Bad);
    case StepKind::Host:
      return verifyHost(S, Bad);
    }
    llvm_unreachable("step kinds are checked when decoding");
  }

  /// The output follows from the input and the window (floor or ceil
  /// rounding), and the taps stay within limits::MaxPoolTaps: a window far
  /// larger than its input used to make one step run for hours.
  template <typename BadFn>
  llvm::Error verifyPoolShapes(const PoolStep &Q, const Shape &In, const Shape &Out, BadFn Bad) {
    if (In.size() != 4 || Out.size() != 4 || In[0] != Out[0] || In[1] != Out[1])
      return Bad(fmt::format("input {} and output {} are not the NCHW shapes of a pooling",
                             shapeToString(In), shapeToString(Out)));
    auto Follows = [&](int64_t InDim, int64_t OutDim, uint32_t PadA, uint32_t PadB, uint32_t Kernel,
                       uint32_t Stride, uint32_t Dilation) {
      if (Q.Global)
        return OutDim == 1;
      return OutDim == windowOutputSize(InDim, PadA, PadB, Kernel, Stride, Dilation, false) ||
             OutDim == windowOutputSize(InDim, PadA, PadB, Kernel, Stride, Dilation, true);
    };
    if (!Follows(In[2], Out[2], Q.PadTop, Q.PadBottom, Q.KernelH, Q.StrideH, Q.DilationH) ||
        !Follows(In[3], Out[3], Q.PadLeft, Q.PadRight, Q.KernelW, Q.StrideW, Q.DilationW))
      return Bad(fmt::format("output {} does not follow from input {}, kernel {}x{}, pads, "
                             "strides and dilations",
                             shapeToString(Out), shapeToString(In), Q.KernelH, Q.KernelW));
    uint64_t Taps = poolTapBound(Q, In, Out);
    if (Taps > limits::MaxPoolTaps)
      return Bad(fmt::format("visits up to {} window taps per sample, more than the {} allowed",
                             Taps, limits::MaxPoolTaps));
    return llvm::Error::success();
  }

  /// Fixed multipliers come from nmpu::quantizeMultiplier, whose shifts lie
  /// in [0, 62]; the fixed NMPU's 128-bit products rely on that bound.
  template <typename BadFn>
  llvm::Error verifyFixedShifts(llvm::ArrayRef<int8_t> Shifts, BadFn Bad) {
    for (int8_t Shift : Shifts)
      if (Shift < 0 || Shift > 62)
        return Bad(fmt::format("fixed-point shift {} is outside [0, 62]", Shift));
    return llvm::Error::success();
  }

  /// Per channel: ascending thresholds and a sign of +-1; every level the
  /// comparators can give fits the output's element type.
  template <typename BadFn>
  llvm::Error verifyThreshold(const ThresholdStep &S, DType OutType, BadFn Bad) {
    if (S.Channels == 0 || S.Count > (1u << 16))
      return Bad(fmt::format("threshold bank of {} channels and {} thresholds per channel (at "
                             "least one channel, at most 65536 thresholds)",
                             S.Channels, S.Count));
    if (S.Thresholds.size() != uint64_t(S.Channels) * S.Count || S.Signs.size() != S.Channels)
      return Bad(fmt::format("{} thresholds and {} signs for {} channels of {} thresholds",
                             S.Thresholds.size(), S.Signs.size(), S.Channels, S.Count));
    for (uint32_t C = 0; C < S.Channels; ++C) {
      if (S.Signs[C] != 1 && S.Signs[C] != -1)
        return Bad(fmt::format("threshold channel {} has sign {}, not +1 or -1", C, S.Signs[C]));
      const double *T = S.Thresholds.data() + uint64_t(C) * S.Count;
      for (uint32_t I = 0; I < S.Count; ++I)
        if (std::isnan(T[I]) || (I > 0 && !(T[I - 1] <= T[I])))
          return Bad(fmt::format("thresholds of channel {} are not ascending (threshold {} is "
                                 "{}{})",
                                 C, I, T[I], I > 0 ? fmt::format(" after {}", T[I - 1]) : ""));
    }
    int64_t Last = int64_t(S.OutMin) + int64_t(S.Count) * S.OutStep;
    if (S.OutStep == 0 || !isInteger(OutType) ||
        std::min<int64_t>(S.OutMin, Last) < minValue(OutType) ||
        std::max<int64_t>(S.OutMin, Last) > maxValue(OutType))
      return Bad(fmt::format("threshold levels {} + {} * [0, {}] do not fit the output type {} "
                             "(an integer type and a non-zero step are needed)",
                             S.OutMin, S.OutStep, S.Count, dtypeName(OutType).str()));
    return llvm::Error::success();
  }

  /// A standalone threshold step: its channels lie along a static axis of
  /// the input, and the output has the input's shape.
  template <typename BadFn>
  llvm::Error verifyThresholdStep(const ThresholdStep &S, const TensorDesc &In,
                                  const TensorDesc &Out, BadFn Bad) {
    if (llvm::Error E = verifyThreshold(S, Out.Type, Bad))
      return E;
    if (!isFloat(In.Type) && !isInteger(In.Type))
      return Bad(fmt::format("threshold input must be float or integer, it is {}",
                             dtypeName(In.Type).str()));
    if (Out.Dims != In.Dims)
      return Bad(fmt::format("threshold output is {}, the input {}", shapeToString(Out.Dims),
                             shapeToString(In.Dims)));
    if (S.Channels > 1 && (S.Axis < 0 || S.Axis >= static_cast<int64_t>(In.Dims.size()) ||
                           In.Dims[S.Axis] != S.Channels))
      return Bad(fmt::format("{} threshold channels along axis {} of a {} input", S.Channels,
                             S.Axis, shapeToString(In.Dims)));
    return llvm::Error::success();
  }

  /// Operands name step inputs or embedded constants, each constant holds
  /// as many values as its dimensions say, attributes are the op's, of
  /// their kind and sorted.
  template <typename BadFn> llvm::Error verifyHost(const Step &S, BadFn Bad) {
    const HostStep &H = S.Host;
    if (H.Operands.size() != hostOpArity(H.Op)->Operands)
      return Bad(fmt::format("host op {} has {} operands, it takes {}", H.Op, H.Operands.size(),
                             hostOpArity(H.Op)->Operands));
    for (size_t I = 0; I < H.Operands.size(); ++I) {
      int64_t O = H.Operands[I];
      if (O >= static_cast<int64_t>(S.Inputs.size()) ||
          -O - 1 >= static_cast<int64_t>(H.Constants.size()))
        return Bad(fmt::format("host operand {} is {}, out of range ({} inputs, {} constants)", I,
                               O, S.Inputs.size(), H.Constants.size()));
    }
    for (size_t I = 0; I < H.Constants.size(); ++I) {
      const HostConstant &C = H.Constants[I];
      llvm::Expected<int64_t> Elements =
          limits::checkShape(C.Dims, "host constant " + llvm::Twine(I));
      if (!Elements)
        return Bad(llvm::toString(Elements.takeError()));
      if (!isSupported(C.Type) || uint64_t(*Elements) != C.Data.size())
        return Bad(fmt::format("host constant {} is {} {} but holds {} values", I,
                               dtypeName(C.Type).str(), shapeToString(C.Dims), C.Data.size()));
      if (llvm::Error E = Held.add(C.Data.size(), "host constant " + llvm::Twine(I)))
        return Bad(llvm::toString(std::move(E)));
    }
    if (llvm::Error E = verifyHostAttrs(H.Op, H.IntAttrs, HostAttrKind::Int, Bad))
      return E;
    return verifyHostAttrs(H.Op, H.FloatAttrs, HostAttrKind::Float, Bad);
  }

  /// Every attribute is one \p Op reads, of kind \p Kind; sorted by name.
  template <typename AttrT, typename BadFn>
  llvm::Error verifyHostAttrs(const std::string &Op,
                              const std::vector<std::pair<std::string, AttrT>> &Attrs,
                              HostAttrKind Kind, BadFn Bad) {
    auto KindName = [](HostAttrKind K) {
      return K == HostAttrKind::Int ? "an integer" : "a float";
    };
    for (const auto &[AttrName, Value] : Attrs) {
      std::optional<HostAttrKind> Reads = hostOpAttrKind(Op, AttrName);
      if (!Reads)
        return Bad(fmt::format("host op {} has no attribute '{}'", Op, AttrName));
      if (*Reads != Kind)
        return Bad(fmt::format("host op {} attribute '{}' is stored as {} but is {}", Op, AttrName,
                               KindName(Kind), KindName(*Reads)));
    }
    for (size_t I = 1; I < Attrs.size(); ++I)
      if (!(Attrs[I - 1].first < Attrs[I].first))
        return Bad(fmt::format("host op attributes are not sorted by name ('{}' after '{}')",
                               Attrs[I].first, Attrs[I - 1].first));
    return llvm::Error::success();
  }

  /// The slice lies inside a static dimension of the input, and the output
  /// is the input with that dimension cut to Size.
  template <typename BadFn>
  llvm::Error verifySlice(const SliceStep &S, const TensorDesc &In, const TensorDesc &Out,
                          BadFn Bad) {
    int64_t Rank = static_cast<int64_t>(In.Dims.size());
    if (S.Axis < 0 || S.Axis >= Rank)
      return Bad(
          fmt::format("slice axis {} is out of range for the input's rank {}", S.Axis, Rank));
    int64_t Dim = In.Dims[S.Axis];
    if (Dim < 0)
      return Bad(
          fmt::format("slice axis {} is the batch; only static dimensions can be sliced", S.Axis));
    if (S.Start < 0 || S.Size < 0 || S.Start > Dim || S.Size > Dim - S.Start)
      return Bad(fmt::format("slice [{}, {}) does not fit dimension {} of size {}", S.Start,
                             S.Start + S.Size, S.Axis, Dim));
    Shape Expected = In.Dims;
    Expected[S.Axis] = S.Size;
    if (Out.Dims != Expected || Out.Type != In.Type)
      return Bad(fmt::format("slice output is {} {}, expected {} {}", dtypeName(Out.Type).str(),
                             shapeToString(Out.Dims), dtypeName(In.Type).str(),
                             shapeToString(Expected)));
    if (Out.Scale != In.Scale || Out.ZeroPoint != In.ZeroPoint || Out.Axis != In.Axis)
      return Bad("slice output quantization differs from the input's; a slice copies the data");
    return llvm::Error::success();
  }

  template <typename BadFn> llvm::Error verifyMvm(const MvmStep &M, DType OutType, BadFn Bad) {
    if (M.K == 0 || M.N == 0)
      return Bad(fmt::format("K = {} and N = {} must be positive", M.K, M.N));
    if (M.InputBits < 1 || M.InputBits > T.ActBits)
      return Bad(fmt::format("input bits {} outside 1..act_bits = {}", M.InputBits, T.ActBits));
    if (M.InputStepShift >= T.ActBits)
      return Bad(fmt::format("input step shift {} leaves no bit of act_bits = {}", M.InputStepShift,
                             T.ActBits));
    // The shift maps the input's lowest level to 0 (a range above 0 makes it
    // negative); it only has to keep the arithmetic far from overflow. Only
    // padding drives the zero point itself.
    int64_t DacMax = (int64_t(1) << T.ActBits) - 1;
    constexpr int64_t ShiftLimit = int64_t(1) << 16;
    if (M.InputShift < -ShiftLimit || M.InputShift > ShiftLimit)
      return Bad(fmt::format("input shift {} is beyond +-{}", M.InputShift, ShiftLimit));
    bool Padded =
        M.Window == WindowKind::Conv2d && (M.PadTop || M.PadLeft || M.PadBottom || M.PadRight);
    int64_t PadLevel = M.InputZeroPoint >> M.InputStepShift;
    if (Padded && (M.InputZeroPoint < 0 || PadLevel > DacMax))
      return Bad(fmt::format("padding drives zero point {} (level {}), outside the levels of "
                             "act_bits = {}",
                             M.InputZeroPoint, PadLevel, T.ActBits));
    if (M.Window == WindowKind::Conv2d) {
      if (!M.StrideH || !M.StrideW || !M.DilationH || !M.DilationW || !M.KernelH || !M.KernelW)
        return Bad("kernel, strides and dilations must be positive");
      if (uint64_t(M.ChannelBegin) + M.Channels > M.InChannels ||
          uint64_t(M.Channels) * M.KernelH * M.KernelW != M.K)
        return Bad(fmt::format("channels [{}, {}) of {} with a {}x{} kernel do not make K = {}",
                               M.ChannelBegin, M.ChannelBegin + M.Channels, M.InChannels, M.KernelH,
                               M.KernelW, M.K));
      if (windowOutputSize(M.InH, M.PadTop, M.PadBottom, M.KernelH, M.StrideH, M.DilationH) !=
              M.OutH ||
          windowOutputSize(M.InW, M.PadLeft, M.PadRight, M.KernelW, M.StrideW, M.DilationW) !=
              M.OutW)
        return Bad(fmt::format("output {}x{} does not follow from input {}x{}, kernel, pads, "
                               "strides and dilations",
                               M.OutH, M.OutW, M.InH, M.InW));
    }
    if ((M.Polarity != PolarityMode::Offset && M.Offset != 0) || M.Offset < 0 ||
        M.Offset > (1 << 16))
      return Bad(fmt::format("polarity correction offset {} is out of range", M.Offset));
    for (size_t C = 0; C < M.Columns.size(); ++C) {
      const PhysColumn &Col = M.Columns[C];
      if (Col.Output >= M.N || (Col.Sign != 1 && Col.Sign != -1) || Col.Shift > 16)
        return Bad(fmt::format("column {} (output {}, sign {}, shift {}) is out of range (N = "
                               "{}, sign +-1, shift <= 16)",
                               C, Col.Output, Col.Sign, Col.Shift, M.N));
    }
    if (M.Replicas < 1 || M.Replicas > MaxReplicas || M.Blocks.size() % M.Replicas != 0)
      return Bad(fmt::format("{} replicas of {} blocks: replicas must be 1..{}, blocks a multiple "
                             "of them",
                             M.Replicas, M.Blocks.size(), MaxReplicas));
    const size_t PerCopy = M.Blocks.size() / M.Replicas;
    for (size_t B = 0; B < M.Blocks.size(); ++B) {
      const Block &Bl = M.Blocks[B];
      const Block &Orig = M.Blocks[B % PerCopy];
      if (Bl.KBegin != Orig.KBegin || Bl.KCount != Orig.KCount || Bl.ColBegin != Orig.ColBegin ||
          Bl.ColCount != Orig.ColCount)
        return Bad(fmt::format("block {} is not a copy of block {} (replicas)", B, B % PerCopy));
      if (!Bl.PhaseShifts.empty() &&
          Bl.PhaseShifts.size() != uint64_t(T.inputPhases(M.InputBits)) * Bl.ColCount)
        return Bad(fmt::format("block {} has {} phase read shifts for {} input phases x {} "
                               "columns",
                               B, Bl.PhaseShifts.size(), T.inputPhases(M.InputBits), Bl.ColCount));
      for (int8_t Shift : Bl.PhaseShifts)
        if (std::optional<std::string> Why = badReadShift(Shift))
          return Bad(fmt::format("block {}: {}", B, *Why));
      if (Bl.Array >= P.Arrays.size())
        return Bad(
            fmt::format("block {} uses array {}, the image has {}", B, Bl.Array, P.Arrays.size()));
      const ArrayImage &A = P.Arrays[Bl.Array];
      if (uint64_t(Bl.RowOffset) + Bl.KCount > A.Rows ||
          uint64_t(Bl.ColOffset) + Bl.ColCount > A.Cols)
        return Bad(fmt::format("block {} (rows [{}, {}), columns [{}, {})) does not fit its "
                               "{}x{} array {}",
                               B, Bl.RowOffset, uint64_t(Bl.RowOffset) + Bl.KCount, Bl.ColOffset,
                               uint64_t(Bl.ColOffset) + Bl.ColCount, A.Rows, A.Cols, Bl.Array));
      if (uint64_t(Bl.KBegin) + Bl.KCount > M.K ||
          uint64_t(Bl.ColBegin) + Bl.ColCount > M.Columns.size())
        return Bad(fmt::format("block {} (K rows [{}, {}), layer columns [{}, {})) exceeds K = {} "
                               "or the {} columns",
                               B, Bl.KBegin, uint64_t(Bl.KBegin) + Bl.KCount, Bl.ColBegin,
                               uint64_t(Bl.ColBegin) + Bl.ColCount, M.K, M.Columns.size()));
    }
    if (M.Replicas > 1 && M.Window != WindowKind::Conv2d)
      return Bad("only a conv2d layer may have replicas");
    if (M.Bias.size() != M.N)
      return Bad(fmt::format("{} biases for N = {}", M.Bias.size(), M.N));
    for (int64_t B : M.Bias)
      if (B < -(int64_t(1) << 48) || B > (int64_t(1) << 48))
        return Bad(fmt::format("bias {} is out of range", B));
    if (M.Requant == RequantMode::Scale &&
        (M.Multiplier.size() != M.N || M.FixedMultiplier.size() != M.N ||
         M.FixedShift.size() != M.N))
      return Bad(fmt::format("{}/{}/{} multipliers/fixed multipliers/shifts for N = {}",
                             M.Multiplier.size(), M.FixedMultiplier.size(), M.FixedShift.size(),
                             M.N));
    if (M.ClampMin > M.ClampMax)
      return Bad("clamp_min > clamp_max");
    if (auto E = verifyFixedShifts(M.FixedShift, Bad))
      return E;
    if (M.Requant != RequantMode::Threshold)
      return llvm::Error::success();
    if (M.Threshold.Channels != M.N)
      return Bad(
          fmt::format("threshold read-out has {} channels for N = {}", M.Threshold.Channels, M.N));
    return verifyThreshold(M.Threshold, OutType, Bad);
  }
};

} // namespace

llvm::Error verifyProgram(const Program &P, const Target &T, llvm::StringRef Name) {
  return ProgramVerifier(P, T, Name).verify();
}

} // namespace qnn::image

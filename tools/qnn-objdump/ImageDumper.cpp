//===- ImageDumper.cpp - Prints an image's contents -----------------------===//
#include "ImageDumper.h"
#include "qnn/Support/Tensor.h"
#include <fmt/format.h>
#include <fmt/ranges.h>

namespace qnn::image {

namespace {

llvm::StringRef stepKindName(StepKind K) {
  switch (K) {
  case StepKind::Mvm:
    return "mvm";
  case StepKind::Quantize:
    return "quantize";
  case StepKind::Dequantize:
    return "dequantize";
  case StepKind::Pool:
    return "pool";
  case StepKind::Combine:
    return "combine";
  case StepKind::Reshape:
    return "reshape";
  case StepKind::Clamp:
    return "clamp";
  case StepKind::Slice:
    return "slice";
  case StepKind::Threshold:
    return "threshold";
  case StepKind::Host:
    return "host";
  }
  llvm_unreachable("unknown step kind");
}

llvm::StringRef polarityName(PolarityMode M) {
  switch (M) {
  case PolarityMode::Differential:
    return "differential";
  case PolarityMode::Offset:
    return "offset";
  case PolarityMode::Unipolar:
    return "unipolar";
  }
  llvm_unreachable("unknown polarity mode");
}

std::string hex(uint64_t V, int Digits) { return fmt::format("{:#0{}x}", V, Digits + 2); }

/// Floats print as strings: ScopedPrinter has no floating-point fields.
std::vector<std::string> floatList(const std::vector<float> &V) {
  std::vector<std::string> Out;
  for (float F : V)
    Out.push_back(fmt::format("{}", F));
  return Out;
}

llvm::StringRef requantName(RequantMode M) {
  switch (M) {
  case RequantMode::None:
    return "none";
  case RequantMode::Scale:
    return "scale";
  case RequantMode::Threshold:
    return "threshold";
  }
  llvm_unreachable("unknown requantization mode");
}

/// How many thresholds of each channel, and how many channels, are printed:
/// enough to recognize a bank without flooding the dump.
constexpr uint32_t ShownThresholds = 4, ShownChannels = 8;

void dumpThreshold(llvm::ScopedPrinter &W, const ThresholdStep &T) {
  llvm::DictScope D(W, "Threshold");
  W.printNumber("Axis", T.Axis);
  W.printNumber("Channels", T.Channels);
  W.printNumber("Count", T.Count);
  W.printString("Levels", fmt::format("{} + {} * [0, {}]", T.OutMin, T.OutStep, T.Count));
  llvm::ListScope L(W, "Banks");
  for (uint32_t C = 0; C < std::min(T.Channels, ShownChannels); ++C) {
    std::vector<std::string> First;
    for (uint32_t I = 0; I < std::min(T.Count, ShownThresholds); ++I)
      First.push_back(fmt::format("{}", T.Thresholds[uint64_t(C) * T.Count + I]));
    if (T.Count > ShownThresholds)
      First.push_back("...");
    W.printString(
        fmt::format("channel {} sign {:+d}: [{}]", C, T.Signs[C], fmt::join(First, ", ")));
  }
  if (T.Channels > ShownChannels)
    W.printString(fmt::format("... {} more channels", T.Channels - ShownChannels));
}

void dumpHost(llvm::ScopedPrinter &W, const HostStep &H, const std::vector<std::string> &Inputs) {
  W.printString("Op", H.Op);
  {
    llvm::DictScope D(W, "Attributes");
    for (const auto &[Name, Value] : H.IntAttrs)
      W.printNumber(Name, Value);
    // Strings, as in floatList: ScopedPrinter has no floating-point fields.
    for (const auto &[Name, Value] : H.FloatAttrs)
      W.printString(Name, fmt::format("{}", Value));
  }
  std::vector<std::string> Operands;
  for (int32_t O : H.Operands) {
    if (O >= 0) {
      Operands.push_back(Inputs[O]);
      continue;
    }
    const HostConstant &C = H.Constants[-O - 1];
    std::vector<std::string> Values;
    for (size_t I = 0; I < std::min<size_t>(C.Data.size(), ShownThresholds); ++I)
      Values.push_back(fmt::format("{}", C.Data[I]));
    if (C.Data.size() > ShownThresholds)
      Values.push_back("...");
    Operands.push_back(fmt::format("const {}[{}] [{}]", dtypeName(C.Type).str(),
                                   shapeToString(C.Dims), fmt::join(Values, ", ")));
  }
  W.printList("Operands", Operands);
}

std::vector<std::string> tensorNames(const Program &P, const std::vector<uint32_t> &Indices) {
  std::vector<std::string> Out;
  for (uint32_t I : Indices)
    Out.push_back(P.Tensors[I].Name);
  return Out;
}

void dumpSections(llvm::ScopedPrinter &W, const ImageHeader &H) {
  llvm::ListScope L(W, "Sections");
  for (const SectionEntry &E : H.Sections) {
    llvm::DictScope D(W);
    W.printString("Name", sectionName(E.Id));
    W.printNumber("Offset", E.Offset);
    W.printNumber("Size", E.Size);
    W.printString("CRC32", hex(E.Crc, 8));
  }
}

void dumpTensors(llvm::ScopedPrinter &W, const Program &P) {
  llvm::ListScope L(W, "Tensors");
  for (size_t I = 0; I < P.Tensors.size(); ++I) {
    const TensorDesc &T = P.Tensors[I];
    llvm::DictScope D(W);
    W.printNumber("Index", static_cast<uint64_t>(I));
    W.printString("Name", T.Name);
    W.printString("Type", dtypeName(T.Type));
    W.printString("Shape", shapeToString(T.Dims));
    if (!T.Scale.empty()) {
      W.printList("Scale", floatList(T.Scale));
      W.printList("ZeroPoint", T.ZeroPoint);
      W.printNumber("Axis", T.Axis);
    }
  }
}

void dumpArrays(llvm::ScopedPrinter &W, const Program &P) {
  // Which layers use each array, and how many of its cells.
  std::vector<std::vector<std::string>> Layers(P.Arrays.size());
  std::vector<uint64_t> UsedCells(P.Arrays.size(), 0);
  for (const Step &S : P.Steps) {
    if (S.Kind != StepKind::Mvm)
      continue;
    for (const Block &B : S.Mvm.Blocks) {
      if (Layers[B.Array].empty() || Layers[B.Array].back() != S.Layer)
        Layers[B.Array].push_back(S.Layer);
      UsedCells[B.Array] += static_cast<uint64_t>(B.KCount) * B.ColCount;
    }
  }
  llvm::ListScope L(W, "Arrays");
  for (size_t I = 0; I < P.Arrays.size(); ++I) {
    const ArrayImage &A = P.Arrays[I];
    llvm::DictScope D(W);
    W.printNumber("Index", static_cast<uint64_t>(I));
    W.printNumber("Tile", A.Tile);
    W.printNumber("IndexInTile", A.IndexInTile);
    W.printString("Size", fmt::format("{}x{}", A.Rows, A.Cols));
    W.printNumber("ReadShift", A.ReadShift);
    W.printNumber("CellsUsed", UsedCells[I]);
    W.printString("Utilization",
                  fmt::format("{:.1f}%", 100.0 * UsedCells[I] / (double(A.Rows) * A.Cols)));
    W.printList("Layers", Layers[I]);
  }
}

void dumpMvm(llvm::ScopedPrinter &W, const MvmStep &M) {
  W.printString("Window", M.Window == WindowKind::Conv2d ? "conv2d" : "rows");
  W.printNumber("K", M.K);
  W.printNumber("N", M.N);
  if (M.Window == WindowKind::Conv2d) {
    W.printString("Input", fmt::format("{}x{}x{} (channels {}..{})", M.InChannels, M.InH, M.InW,
                                       M.ChannelBegin, M.ChannelBegin + M.Channels));
    W.printString("Kernel", fmt::format("{}x{} stride {}x{} dilation {}x{} pads {},{},{},{}",
                                        M.KernelH, M.KernelW, M.StrideH, M.StrideW, M.DilationH,
                                        M.DilationW, M.PadTop, M.PadLeft, M.PadBottom, M.PadRight));
    W.printString("Output", fmt::format("{}x{}", M.OutH, M.OutW));
  }
  W.printString("Polarity", polarityName(M.Polarity));
  W.printNumber("Columns", static_cast<uint64_t>(M.Columns.size()));
  W.printNumber("InputBits", M.InputBits);
  if (M.InputStepShift)
    W.printNumber("InputStepShift", M.InputStepShift);
  W.printString("Requant", requantName(M.Requant));
  if (M.Requant == RequantMode::Threshold)
    dumpThreshold(W, M.Threshold);
  else
    W.printString("Clamp", fmt::format("[{}, {}]", M.ClampMin, M.ClampMax));
  if (M.Replicas != 1)
    W.printNumber("Replicas", M.Replicas);
  llvm::ListScope L(W, "Blocks");
  for (const Block &B : M.Blocks) {
    llvm::DictScope D(W);
    W.printNumber("Array", B.Array);
    W.printString("Rows", fmt::format("{}..{} <- k {}..{}", B.RowOffset, B.RowOffset + B.KCount,
                                      B.KBegin, B.KBegin + B.KCount));
    W.printString("Cols",
                  fmt::format("{}..{} <- column {}..{}", B.ColOffset, B.ColOffset + B.ColCount,
                              B.ColBegin, B.ColBegin + B.ColCount));
    // Input phase p's read shifts of the block's columns, one line a phase.
    for (size_t First = 0; First < B.PhaseShifts.size(); First += B.ColCount) {
      std::vector<int> Shifts(B.PhaseShifts.begin() + First,
                              B.PhaseShifts.begin() + First + B.ColCount);
      W.printList(fmt::format("ReadShifts[phase {}]", First / B.ColCount), Shifts);
    }
  }
}

void dumpSchedule(llvm::ScopedPrinter &W, const Program &P) {
  llvm::ListScope L(W, "Schedule");
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    const Step &S = P.Steps[I];
    llvm::DictScope D(W);
    W.printNumber("Index", static_cast<uint64_t>(I));
    W.printString("Layer", S.Layer);
    W.printString("Kind", stepKindName(S.Kind));
    W.printNumber("Tile", S.Tile);
    W.printNumber("StartCycle", S.StartCycle);
    W.printNumber("Cycles", S.Cycles);
    W.printList("Inputs", tensorNames(P, S.Inputs));
    W.printList("Outputs", tensorNames(P, S.Outputs));
    if (S.Kind == StepKind::Mvm)
      dumpMvm(W, S.Mvm);
    if (S.Kind == StepKind::Slice)
      W.printString("Slice", fmt::format("axis {} [{}, {})", S.Slice.Axis, S.Slice.Start,
                                         S.Slice.Start + S.Slice.Size));
    if (S.Kind == StepKind::Threshold)
      dumpThreshold(W, S.Threshold);
    if (S.Kind == StepKind::Host)
      dumpHost(W, S.Host, tensorNames(P, S.Inputs));
  }
}

} // namespace

void dumpImage(llvm::ScopedPrinter &W, const ImageHeader &H, const Program &P, const Target &T) {
  {
    llvm::DictScope D(W, "Header");
    W.printNumber("Version", H.Version);
    W.printString("TargetFingerprint", hex(H.TargetFingerprint, 16));
    W.printString("Target", T.Name);
    W.printString("Model", P.ModelName);
    W.printNumber("Chips", P.Chips);
    W.printList("Inputs", tensorNames(P, P.Inputs));
    W.printList("Outputs", tensorNames(P, P.Outputs));
  }
  dumpSections(W, H);
  {
    llvm::DictScope D(W, "Target");
    W.printNumber("Tiles", T.Tiles);
    W.printNumber("ArraysPerTile", T.ArraysPerTile);
    W.printString("ArraySize", fmt::format("{}x{}", T.Rows, T.Cols));
    W.printNumber("Neurons", T.Neurons);
    W.printNumber("CellBits", T.CellBits);
    W.printNumber("WeightBits", T.WeightBits);
    W.printNumber("ActBits", T.ActBits);
    W.printNumber("DacBits", T.DacBits);
    W.printNumber("AdcBits", T.AdcBits);
    W.printNumber("AccBits", T.AccBits);
  }
  dumpTensors(W, P);
  dumpArrays(W, P);
  dumpSchedule(W, P);
}

} // namespace qnn::image

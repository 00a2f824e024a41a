//===- MvmLayer.cpp - The attributes of an "mvm" op, decoded --------------===//
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/SampleSize.h"

namespace qnn {

MvmStage MvmLayer::stage() const {
  if (Cost)
    return MvmStage::Scheduled;
  if (!Blocks.empty() && Blocks.front().Array >= 0)
    return MvmStage::Placed;
  if (Tile >= 0)
    return MvmStage::Partitioned;
  if (!Blocks.empty())
    return MvmStage::Tiled;
  if (Slices > 0)
    return MvmStage::Sliced;
  if (Polarity)
    return MvmStage::Polarized;
  return MvmStage::Lowered;
}

llvm::StringRef polarityName(image::PolarityMode M) {
  switch (M) {
  case image::PolarityMode::Differential:
    return "differential";
  case image::PolarityMode::Offset:
    return "offset";
  case image::PolarityMode::Unipolar:
    return "unipolar";
  }
  llvm_unreachable("unknown polarity mode");
}

std::optional<image::PolarityMode> parsePolarity(llvm::StringRef Name) {
  if (Name == "differential")
    return image::PolarityMode::Differential;
  if (Name == "offset")
    return image::PolarityMode::Offset;
  if (Name == "unipolar")
    return image::PolarityMode::Unipolar;
  return std::nullopt;
}

llvm::StringRef requantModeName(image::RequantMode M) {
  switch (M) {
  case image::RequantMode::None:
    return "none";
  case image::RequantMode::Scale:
    return "scale";
  case image::RequantMode::Threshold:
    return "threshold";
  }
  llvm_unreachable("unknown re-quantization mode");
}

std::optional<image::RequantMode> parseRequantMode(llvm::StringRef Name) {
  if (Name == "none")
    return image::RequantMode::None;
  if (Name == "scale")
    return image::RequantMode::Scale;
  if (Name == "threshold")
    return image::RequantMode::Threshold;
  return std::nullopt;
}

namespace {

/// Typed attribute reads that turn a missing or mistyped attribute into an
/// error naming the op, instead of the AttrMap getters' assertions.
class AttrReader {
public:
  explicit AttrReader(const Op &O) : O(O) {}

  llvm::Error takeError() { return std::move(Err); }

  int64_t integer(llvm::StringRef Name, std::optional<int64_t> Default = std::nullopt) {
    const Attribute *A = O.Attrs.find(Name);
    if (!A && Default)
      return *Default;
    if (const int64_t *I = A ? std::get_if<int64_t>(A) : nullptr)
      return *I;
    fail(Name, "an integer");
    return 0;
  }
  std::vector<int64_t> ints(llvm::StringRef Name, size_t Size) {
    const Attribute *A = O.Attrs.find(Name);
    if (const auto *Is = A ? std::get_if<std::vector<int64_t>>(A) : nullptr)
      if (Size == 0 || Is->size() == Size)
        return *Is;
    // An empty list parses as integers; any other kind is wrong.
    fail(Name, Size ? "a list of " + std::to_string(Size) + " integers" : "a list of integers");
    return std::vector<int64_t>(Size);
  }
  std::vector<double> floats(llvm::StringRef Name) {
    const Attribute *A = O.Attrs.find(Name);
    if (const auto *Fs = A ? std::get_if<std::vector<double>>(A) : nullptr)
      return *Fs;
    if (const auto *Is = A ? std::get_if<std::vector<int64_t>>(A) : nullptr)
      return std::vector<double>(Is->begin(), Is->end());
    fail(Name, "a list of floats");
    return {};
  }
  std::string string(llvm::StringRef Name) {
    const Attribute *A = O.Attrs.find(Name);
    if (const auto *S = A ? std::get_if<std::string>(A) : nullptr)
      return *S;
    fail(Name, "a string");
    return "";
  }
  void check(bool Ok, const llvm::Twine &Message) {
    if (!Ok && !Err)
      Err = opError(O, Message);
  }

private:
  void fail(llvm::StringRef Name, const std::string &What) {
    check(false, "mvm attribute '" + Name + "' must be " + What);
  }

  const Op &O;
  llvm::Error Err = llvm::Error::success();
};

} // namespace

llvm::Expected<MvmLayer> readMvmLayer(const Op &O) {
  MvmLayer L;
  AttrReader R(O);
  std::string Window = R.string("window");
  if (Window == "conv2d") {
    L.Window = image::WindowKind::Conv2d;
    std::vector<int64_t> Chw = R.ints("in_chw", 3), Kernel = R.ints("kernel", 2),
                         Strides = R.ints("strides", 2), Dil = R.ints("dilations", 2),
                         Pads = R.ints("pads", 4), Out = R.ints("out_hw", 2);
    L.InC = Chw[0], L.InH = Chw[1], L.InW = Chw[2];
    L.ChannelBegin = R.integer("channel_begin");
    L.Channels = R.integer("channels");
    L.KernelH = Kernel[0], L.KernelW = Kernel[1];
    L.StrideH = Strides[0], L.StrideW = Strides[1];
    L.DilationH = Dil[0], L.DilationW = Dil[1];
    L.PadTop = Pads[0], L.PadLeft = Pads[1], L.PadBottom = Pads[2], L.PadRight = Pads[3];
    L.OutH = Out[0], L.OutW = Out[1];
  } else {
    R.check(Window == "rows", "mvm attribute 'window' must be \"conv2d\" or \"rows\"");
  }
  L.K = R.integer("k");
  L.N = R.integer("n");
  L.InputShift = R.integer("input_shift");
  L.InputZeroPoint = R.integer("input_zp");
  L.InputStepShift = R.integer("input_step_shift", 0);
  L.InputBits = R.integer("input_bits");
  std::string Requant = R.string("requant");
  std::optional<image::RequantMode> Mode = parseRequantMode(Requant);
  R.check(Mode.has_value(), "mvm attribute 'requant' must be \"scale\", \"none\" or \"threshold\"");
  L.Requant = Mode.value_or(image::RequantMode::Scale);
  if (L.Requant == image::RequantMode::Scale)
    L.Multipliers = R.floats("multipliers");
  if (L.Requant == image::RequantMode::Threshold) {
    L.ThresholdCount = R.integer("threshold_count");
    L.OutMin = R.integer("out_min");
    L.OutStep = R.integer("out_step");
  }
  L.OutZeroPoint = R.integer("out_zp", 0);
  L.ActMin = R.integer("act_min");
  L.ActMax = R.integer("act_max");
  L.AccBits = R.integer("acc_bits");
  L.MultBits = R.integer("mult_bits");

  if (O.Attrs.has("polarity")) {
    L.Polarity = parsePolarity(R.string("polarity"));
    R.check(L.Polarity.has_value(),
            "mvm attribute 'polarity' must be \"differential\", \"offset\" or \"unipolar\"");
    L.Offset = R.integer("offset", 0);
    std::vector<int64_t> Outputs = R.ints("col_output", 0);
    std::vector<int64_t> Signs = R.ints("col_sign", Outputs.size());
    L.Cells = R.integer("cells");
    L.DifferentialCells = R.integer("cells_differential");
    L.AreaCells = R.integer("cells_area", L.Cells);
    std::vector<int64_t> Shifts = R.ints("col_shift", Outputs.size());
    if (O.Attrs.has("slices")) {
      L.Slices = R.integer("slices");
      L.CellBits = R.integer("cell_bits");
    }
    for (size_t I = 0; I < Outputs.size(); ++I)
      L.Columns.push_back({Outputs[I], Signs[I], Shifts[I]});
  }

  if (O.Attrs.has("block_k_begin")) {
    std::vector<int64_t> KB = R.ints("block_k_begin", 0);
    size_t NB = KB.size();
    std::vector<int64_t> KC = R.ints("block_k_count", NB), CB = R.ints("block_col_begin", NB),
                         CC = R.ints("block_col_count", NB), RS = R.ints("block_read_shift", NB);
    std::vector<int64_t> Arr(NB, -1), RO(NB, 0), CO(NB, 0);
    if (O.Attrs.has("block_array")) {
      Arr = R.ints("block_array", NB);
      RO = R.ints("block_row_offset", NB);
      CO = R.ints("block_col_offset", NB);
    }
    for (size_t I = 0; I < NB; ++I)
      L.Blocks.push_back({KB[I], KC[I], CB[I], CC[I], RS[I], Arr[I], RO[I], CO[I], {}});
    L.DacBits = R.integer("dac_bits");
    L.AdcBits = R.integer("adc_bits");
    L.InputPhases = R.integer("input_phases");
    L.RangesMayClip = R.integer("ranges_may_clip", 0) != 0;
    if (O.Attrs.has("block_phase_shifts")) {
      // Every block's phases x columns, one block after another; the sizes
      // are checked before they are multiplied.
      bool Sized = L.InputPhases >= 1 && L.InputPhases <= 64 &&
                   llvm::all_of(L.Blocks, [](const MvmBlock &B) {
                     return B.ColCount >= 1 && B.ColCount <= (int64_t(1) << 20);
                   });
      int64_t Reads = 0;
      for (const MvmBlock &B : L.Blocks)
        Reads += Sized ? L.InputPhases * B.ColCount : 0;
      std::vector<int64_t> PS = R.ints("block_phase_shifts", 0);
      R.check(Sized && static_cast<int64_t>(PS.size()) == Reads,
              "mvm attribute 'block_phase_shifts' must hold input_phases (1..64) x "
              "block_col_count (1..2^20) shifts per block");
      if (Sized && static_cast<int64_t>(PS.size()) == Reads) {
        size_t Next = 0;
        for (MvmBlock &B : L.Blocks) {
          size_t Count = size_t(L.InputPhases * B.ColCount);
          B.PhaseShifts.assign(PS.begin() + Next, PS.begin() + Next + Count);
          Next += Count;
        }
      }
    }
  }
  if (O.Attrs.has("array_begin")) {
    L.Tile = R.integer("tile");
    L.ArrayBegin = R.integer("array_begin");
    L.ArrayCount = R.integer("array_count");
    if (O.Attrs.has("replicas")) {
      L.Replicas = R.integer("replicas");
      // Checked here, not only by the verifier: replica() divides by it.
      R.check(L.Replicas >= 1 && L.Replicas <= image::MaxReplicas && !L.Blocks.empty() &&
                  L.Blocks.size() % static_cast<size_t>(L.Replicas) == 0,
              "mvm attribute 'replicas' must be 1.." + llvm::Twine(image::MaxReplicas) +
                  " and divide the blocks");
      if (L.Replicas < 1)
        L.Replicas = 1;
    }
  }
  if (O.Attrs.has("vectors")) {
    MvmCost C;
    C.Vectors = R.integer("vectors");
    C.ReadGroups = R.integer("read_groups");
    C.ArrayReads = R.integer("array_reads");
    C.AdcConversions = R.integer("adc_conversions");
    C.DacDrives = R.integer("dac_drives");
    C.NmpuOps = R.integer("nmpu_ops");
    C.CellsUsed = R.integer("cells_used");
    C.Macs = R.integer("macs");
    L.Cost = C;
  }
  if (llvm::Error E = R.takeError())
    return E;
  return L;
}

void writeMvmLayer(const MvmLayer &L, AttrMap &A) {
  bool Conv = L.Window == image::WindowKind::Conv2d;
  A.set("window", std::string(Conv ? "conv2d" : "rows"));
  if (Conv) {
    A.set("in_chw", std::vector<int64_t>{L.InC, L.InH, L.InW});
    A.set("channel_begin", L.ChannelBegin);
    A.set("channels", L.Channels);
    A.set("kernel", std::vector<int64_t>{L.KernelH, L.KernelW});
    A.set("strides", std::vector<int64_t>{L.StrideH, L.StrideW});
    A.set("dilations", std::vector<int64_t>{L.DilationH, L.DilationW});
    A.set("pads", std::vector<int64_t>{L.PadTop, L.PadLeft, L.PadBottom, L.PadRight});
    A.set("out_hw", std::vector<int64_t>{L.OutH, L.OutW});
  }
  A.set("k", L.K);
  A.set("n", L.N);
  A.set("input_shift", L.InputShift);
  A.set("input_zp", L.InputZeroPoint);
  if (L.InputStepShift != 0)
    A.set("input_step_shift", L.InputStepShift);
  A.set("input_bits", L.InputBits);
  A.set("requant", requantModeName(L.Requant).str());
  if (L.Requant == image::RequantMode::Scale) {
    A.set("multipliers", L.Multipliers);
    A.set("out_zp", L.OutZeroPoint);
  }
  if (L.Requant == image::RequantMode::Threshold) {
    A.set("threshold_count", L.ThresholdCount);
    A.set("out_min", L.OutMin);
    A.set("out_step", L.OutStep);
  }
  A.set("act_min", L.ActMin);
  A.set("act_max", L.ActMax);
  A.set("acc_bits", L.AccBits);
  A.set("mult_bits", L.MultBits);

  if (L.Polarity) {
    A.set("polarity", polarityName(*L.Polarity).str());
    if (*L.Polarity == image::PolarityMode::Offset)
      A.set("offset", L.Offset);
    std::vector<int64_t> Outputs, Signs, Shifts;
    for (const MvmColumn &C : L.Columns) {
      Outputs.push_back(C.Output);
      Signs.push_back(C.Sign);
      Shifts.push_back(C.Shift);
    }
    A.set("col_output", Outputs);
    A.set("col_sign", Signs);
    A.set("col_shift", Shifts);
    A.set("cells", L.Cells);
    A.set("cells_differential", L.DifferentialCells);
    A.erase("cells_area");
    if (L.AreaCells != L.Cells)
      A.set("cells_area", L.AreaCells);
    if (L.Slices > 0) {
      A.set("slices", L.Slices);
      A.set("cell_bits", L.CellBits);
    }
  }
  if (!L.Blocks.empty()) {
    std::vector<int64_t> KB, KC, CB, CC, RS, Arr, RO, CO;
    for (const MvmBlock &B : L.Blocks) {
      KB.push_back(B.KBegin);
      KC.push_back(B.KCount);
      CB.push_back(B.ColBegin);
      CC.push_back(B.ColCount);
      RS.push_back(B.ReadShift);
      Arr.push_back(B.Array);
      RO.push_back(B.RowOffset);
      CO.push_back(B.ColOffset);
    }
    A.set("block_k_begin", KB);
    A.set("block_k_count", KC);
    A.set("block_col_begin", CB);
    A.set("block_col_count", CC);
    A.set("block_read_shift", RS);
    A.erase("block_phase_shifts");
    if (!L.Blocks.front().PhaseShifts.empty()) {
      std::vector<int64_t> PS;
      for (const MvmBlock &B : L.Blocks)
        PS.insert(PS.end(), B.PhaseShifts.begin(), B.PhaseShifts.end());
      A.set("block_phase_shifts", PS);
    }
    A.erase("ranges_may_clip");
    if (L.RangesMayClip)
      A.set("ranges_may_clip", int64_t(1));
    A.set("dac_bits", L.DacBits);
    A.set("adc_bits", L.AdcBits);
    A.set("input_phases", L.InputPhases);
    A.set("readout", std::string(L.isExact() ? "exact" : "lossy"));
    if (L.Blocks.front().Array >= 0) {
      A.set("block_array", Arr);
      A.set("block_row_offset", RO);
      A.set("block_col_offset", CO);
    }
  }
  if (L.Tile >= 0) {
    A.set("tile", L.Tile);
    A.set("array_begin", L.ArrayBegin);
    A.set("array_count", L.ArrayCount);
    if (L.Replicas != 1)
      A.set("replicas", L.Replicas);
  }
  if (L.Cost) {
    A.set("vectors", L.Cost->Vectors);
    A.set("read_groups", L.Cost->ReadGroups);
    A.set("array_reads", L.Cost->ArrayReads);
    A.set("adc_conversions", L.Cost->AdcConversions);
    A.set("dac_drives", L.Cost->DacDrives);
    A.set("nmpu_ops", L.Cost->NmpuOps);
    A.set("cells_used", L.Cost->CellsUsed);
    A.set("macs", L.Cost->Macs);
  }
}

llvm::Error forEachMvm(Graph &G, MvmStage Required, llvm::StringRef PassName,
                       llvm::StringRef Previous,
                       llvm::function_ref<llvm::Error(Op &, MvmLayer &)> Fn) {
  std::vector<Op *> Mvms;
  for (const auto &O : G.ops())
    if (O->Kind == "mvm")
      Mvms.push_back(O.get());
  for (Op *O : Mvms) {
    llvm::Expected<MvmLayer> L = readMvmLayer(*O);
    if (!L)
      return L.takeError();
    if (L->stage() < Required)
      return opError(*O, "pass '" + PassName + "' needs the result of '" + Previous +
                             "'; run it first");
    if (L->stage() > Required)
      return opError(*O, "pass '" + PassName + "' has already run on this layer");
    if (llvm::Error E = Fn(*O, *L))
      return E;
    writeMvmLayer(*L, O->Attrs);
  }
  return llvm::Error::success();
}

int64_t vectorsPerSample(const Op &O, const MvmLayer &L) {
  if (L.Window == image::WindowKind::Conv2d)
    return L.OutH * L.OutW;
  return elementsPerSample(*O.operand(0)) / L.K;
}

llvm::Error visitMvmLayers(const Graph &G,
                           llvm::function_ref<llvm::Error(const Op &, const MvmLayer &)> Fn) {
  for (const auto &O : G.ops()) {
    if (O->Kind != "mvm")
      continue;
    llvm::Expected<MvmLayer> L = readMvmLayer(*O);
    if (!L)
      return L.takeError();
    if (llvm::Error E = Fn(*O, *L))
      return E;
  }
  return llvm::Error::success();
}

void setMvmMatrix(Graph &G, Op &O, Tensor W, llvm::StringRef Suffix) {
  O.Operands[1] = G.addConstant(O.Name + "." + Suffix.str(), std::move(W));
}

} // namespace qnn

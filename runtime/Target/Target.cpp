//===- Target.cpp - Target description: JSON in and out -------------------===//
#include "qnn/Target/Target.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Json.h"
#include "qnn/Support/Limits.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"
#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace qnn {

namespace {

struct UIntSpec {
  const char *Key;
  uint64_t Min, Max;
  unsigned Target::*Member;
};

const UIntSpec UIntSpecs[] = {
    {"tiles", 1, 1u << 16, &Target::Tiles},
    {"arrays_per_tile", 1, 1u << 16, &Target::ArraysPerTile},
    {"rows", 1, 1u << 16, &Target::Rows},
    {"cols", 1, 1u << 16, &Target::Cols},
    {"neurons", 1, 1u << 16, &Target::Neurons},
    {"cell_bits", 1, 4, &Target::CellBits},
    {"weight_bits", 1, 8, &Target::WeightBits},
    {"act_bits", 1, 16, &Target::ActBits},
    {"dac_bits", 1, 8, &Target::DacBits},
    {"adc_bits", 1, 16, &Target::AdcBits},
    {"read_gain_bits", 0, 8, &Target::ReadGainBits},
    {"acc_bits", 8, 64, &Target::AccBits},
    {"mult_bits", 2, 32, &Target::MultBits},
};

struct AnalogSpec {
  const char *Key;
  double AnalogParams::*Member;
};
const AnalogSpec AnalogSpecs[] = {
    {"sigma_program", &AnalogParams::SigmaProgram},
    {"sigma_read", &AnalogParams::SigmaRead},
    {"sigma_read_floor", &AnalogParams::SigmaReadFloor},
    {"sigma_supply", &AnalogParams::SigmaSupply},
    {"nonlinearity", &AnalogParams::Nonlinearity},
    {"sigma_gain", &AnalogParams::SigmaGain},
    {"sigma_offset", &AnalogParams::SigmaOffset},
    {"drift_per_decade", &AnalogParams::DriftPerDecade},
    {"drift_seconds", &AnalogParams::DriftSeconds},
};

struct CostSpec {
  const char *Key;
  double CostParams::*Member;
};
const CostSpec CostSpecs[] = {
    {"array_phase_pj", &CostParams::ArrayPhaseEnergy},
    {"array_phase_ns", &CostParams::ArrayPhaseLatency},
    {"adc_pj", &CostParams::AdcEnergy},
    {"adc_ns", &CostParams::AdcLatency},
    {"dac_pj", &CostParams::DacEnergy},
    {"dac_ns", &CostParams::DacLatency},
    {"nmpu_op_pj", &CostParams::NmpuOpEnergy},
    {"nmpu_op_ns", &CostParams::NmpuOpLatency},
    {"buffer_byte_pj", &CostParams::BufferByteEnergy},
    {"buffer_byte_ns", &CostParams::BufferByteLatency},
    {"transfer_byte_pj", &CostParams::TransferByteEnergy},
    {"transfer_byte_ns", &CostParams::TransferByteLatency},
    {"link_byte_pj", &CostParams::LinkByteEnergy},
    {"link_byte_ns", &CostParams::LinkByteLatency},
    {"link_latency_ns", &CostParams::LinkLatency},
    {"array_mm2", &CostParams::ArrayArea},
    {"neuron_mm2", &CostParams::NeuronArea},
    {"nmpu_mm2", &CostParams::NmpuArea},
};

/// Reads the non-negative numbers of one JSON section into \p Into.
template <typename Spec, typename Struct, size_t N>
llvm::Error readReals(const llvm::json::Object &Section, llvm::StringRef SectionName,
                      const Spec (&Specs)[N], Struct &Into, llvm::StringRef Source) {
  for (const auto &KV : Section) {
    llvm::StringRef Key = KV.first;
    const Spec *Found = nullptr;
    for (const Spec &S : Specs)
      if (Key == S.Key)
        Found = &S;
    if (!Found)
      return makeError("{}: unknown key '{}.{}'", Source.str(), SectionName.str(), Key.str());
    auto V = KV.second.getAsNumber();
    if (!V || !std::isfinite(*V) || *V < 0)
      return makeError("{}: '{}.{}' must be a finite non-negative number", Source.str(),
                       SectionName.str(), Key.str());
    // + 0.0 turns -0 into 0: the canonical JSON, and so the fingerprint, of
    // a target must not depend on how a zero was spelt.
    Into.*(Found->Member) = *V + 0.0;
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<Target> parseTarget(llvm::StringRef Json, llvm::StringRef Source) {
  llvm::Expected<llvm::json::Value> Parsed = parseJson(Json, Source);
  if (!Parsed)
    return Parsed.takeError();
  const llvm::json::Object *Root = Parsed->getAsObject();
  if (!Root)
    return makeError("{}: a target description is a JSON object", Source.str());
  Target T;
  for (const auto &KV : *Root) {
    llvm::StringRef Key = KV.first;
    if (Key == "name" || Key == "description") {
      auto S = KV.second.getAsString();
      if (!S)
        return makeError("{}: '{}' must be a string", Source.str(), Key.str());
      (Key == "name" ? T.Name : T.Description) = S->str();
      continue;
    }
    if (Key == "sources" || Key == "comment")
      continue; // documentation of where the numbers come from
    if (Key == "buffer_bytes") {
      std::optional<int64_t> V = jsonInteger(KV.second);
      if (!V || *V < 1 || *V > limits::MaxBufferBytes)
        return makeError("{}: 'buffer_bytes' must be an integer in [1, {}]", Source.str(),
                         limits::MaxBufferBytes);
      T.BufferBytes = static_cast<uint64_t>(*V);
      continue;
    }
    if (Key == "analog" || Key == "cost") {
      const llvm::json::Object *Section = KV.second.getAsObject();
      if (!Section)
        return makeError("{}: '{}' must be an object", Source.str(), Key.str());
      llvm::Error E = Key == "analog" ? readReals(*Section, Key, AnalogSpecs, T.Analog, Source)
                                      : readReals(*Section, Key, CostSpecs, T.Cost, Source);
      if (E)
        return E;
      continue;
    }
    const UIntSpec *Spec = nullptr;
    for (const UIntSpec &S : UIntSpecs)
      if (Key == S.Key)
        Spec = &S;
    if (!Spec)
      return makeError("{}: unknown key '{}'", Source.str(), Key.str());
    std::optional<int64_t> V = jsonInteger(KV.second);
    if (!V || *V < static_cast<int64_t>(Spec->Min) || *V > static_cast<int64_t>(Spec->Max))
      return makeError("{}: '{}' must be an integer in [{}, {}]", Source.str(), Key.str(),
                       Spec->Min, Spec->Max);
    T.*(Spec->Member) = static_cast<unsigned>(*V);
  }
  if (T.Name.empty())
    return makeError("{}: the target has no 'name'", Source.str());
  // Each factor is in range; their products bound what a chip may make the
  // compiler and the runtime allocate.
  uint64_t Cells = uint64_t(T.Rows) * T.Cols, Arrays = uint64_t(T.Tiles) * T.ArraysPerTile;
  if (Cells > limits::MaxArrayCells)
    return makeError("{}: arrays of {}x{} = {} cells are more than the {} qnn supports",
                     Source.str(), T.Rows, T.Cols, Cells, limits::MaxArrayCells);
  if (Arrays > limits::MaxArrays)
    return makeError("{}: {} tiles of {} arrays = {} arrays are more than the {} qnn supports",
                     Source.str(), T.Tiles, T.ArraysPerTile, Arrays, limits::MaxArrays);
  if (T.Neurons > T.Cols)
    return makeError("{}: 'neurons' ({}) cannot exceed 'cols' ({})", Source.str(), T.Neurons,
                     T.Cols);
  if (T.DacBits > T.ActBits)
    return makeError("{}: 'dac_bits' ({}) cannot exceed 'act_bits' ({})", Source.str(), T.DacBits,
                     T.ActBits);
  return T;
}

llvm::Error setNeurons(Target &T, unsigned Neurons) {
  if (Neurons < 1 || Neurons > T.Cols)
    return makeError("--neurons={}: target '{}' has {} columns per array; give 1 .. {} neurons",
                     Neurons, T.Name, T.Cols, T.Cols);
  T.Neurons = Neurons;
  return llvm::Error::success();
}

double chipArea(const Target &T, int64_t Chips) {
  return double(Chips) *
         (double(T.totalArrays()) * (T.Cost.ArrayArea + T.Neurons * T.Cost.NeuronArea) +
          T.Tiles * T.Cost.NmpuArea);
}

std::string presetDirectory() {
  if (const char *Env = std::getenv("QNN_TARGETS_DIR"))
    return Env;
  return QNN_PRESET_DIR;
}

llvm::Expected<Target> loadTarget(llvm::StringRef PresetOrPath) {
  std::string Path = PresetOrPath.str();
  bool IsPreset = !PresetOrPath.endswith(".json") && !PresetOrPath.contains('/');
  if (IsPreset) {
    llvm::SmallString<256> P(presetDirectory());
    llvm::sys::path::append(P, PresetOrPath + ".json");
    Path = std::string(P);
  }
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf) {
    if (!IsPreset)
      return makeError("{}: {}", Path, Buf.getError().message());
    std::string Known;
    std::error_code EC;
    std::vector<std::string> Names;
    for (llvm::sys::fs::directory_iterator It(presetDirectory(), EC), End; It != End && !EC;
         It.increment(EC))
      if (llvm::sys::path::extension(It->path()) == ".json")
        Names.push_back(llvm::sys::path::stem(It->path()).str());
    std::sort(Names.begin(), Names.end());
    for (const std::string &N : Names)
      Known += (Known.empty() ? "" : ", ") + N;
    return makeError("unknown target preset '{}' (presets: {}; or give a path to a .json file)",
                     PresetOrPath.str(), Known);
  }
  return parseTarget((*Buf)->getBuffer(), Path);
}

std::string targetToJson(const Target &T) {
  // llvm::json::Object sorts its keys when printed, which gives the fixed order.
  llvm::json::Object Root;
  Root["name"] = T.Name;
  Root["description"] = T.Description;
  for (const UIntSpec &S : UIntSpecs)
    Root[S.Key] = static_cast<int64_t>(T.*(S.Member));
  Root["buffer_bytes"] = static_cast<int64_t>(T.BufferBytes);
  llvm::json::Object Analog, Cost;
  for (const AnalogSpec &S : AnalogSpecs)
    Analog[S.Key] = T.Analog.*(S.Member);
  for (const CostSpec &S : CostSpecs)
    Cost[S.Key] = T.Cost.*(S.Member);
  Root["analog"] = std::move(Analog);
  Root["cost"] = std::move(Cost);
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  OS << llvm::formatv("{0:2}", llvm::json::Value(std::move(Root)));
  OS.flush();
  return Out;
}

uint64_t targetFingerprint(const Target &T) { return llvm::xxHash64(targetToJson(T)); }

} // namespace qnn

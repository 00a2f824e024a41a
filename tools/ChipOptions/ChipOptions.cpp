//===- ChipOptions.cpp - Chip model options of qnn-run and qnn-eval -------===//
#include "ChipOptions.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include <cmath>
#include <fmt/format.h>

using namespace llvm;

namespace qnn::tools {

cl::OptionCategory &chipOptionCategory() {
  static cl::OptionCategory Category("chip model options");
  return Category;
}

namespace {

cl::opt<NmpuMode> Nmpu("nmpu", cl::desc("NMPU arithmetic"), cl::init(NmpuMode::Fixed),
                       cl::values(clEnumValN(NmpuMode::Fixed, "fixed", "fixed point"),
                                  clEnumValN(NmpuMode::Fp32, "fp32", "float32"),
                                  clEnumValN(NmpuMode::Fp16, "fp16", "float16")),
                       cl::cat(chipOptionCategory()));
enum class Mode { Ideal, Analog };
cl::opt<Mode>
    ChipMode("mode", cl::desc("Chip model"), cl::init(Mode::Ideal),
             cl::values(clEnumValN(Mode::Ideal, "ideal", "exact arithmetic"),
                        clEnumValN(Mode::Analog, "analog", "with the target's non-idealities")),
             cl::cat(chipOptionCategory()));
cl::opt<uint64_t> Seed("seed", cl::desc("Chip instance of the analog mode"), cl::init(1),
                       cl::cat(chipOptionCategory()));
cl::opt<bool>
    StepByStep("step-by-step",
               cl::desc("Run every MVM through the step-by-step chip model, one sample at "
                        "a time (the oracle of the batched paths; slow)"),
               cl::cat(chipOptionCategory()));
cl::opt<unsigned> Threads("threads",
                          cl::desc("Threads that run chunks of samples (default 0: every "
                                   "core); results do not depend on it"),
                          cl::value_desc("N"), cl::init(0), cl::cat(chipOptionCategory()));
cl::opt<std::string> CalibrationFile("calibration",
                                     cl::desc("Per-column gain/offset calibration (JSON)"),
                                     cl::value_desc("file"), cl::cat(chipOptionCategory()));
cl::opt<bool> Calibrate("calibrate",
                        cl::desc("Measure the chip instance's per-column gain and offset with "
                                 "test reads before running, and correct the read-outs with them"),
                        cl::cat(chipOptionCategory()));

/// Overrides of the target's analog parameters, one option per field.
struct AnalogOption {
  AnalogOption(const char *Name, const char *Desc, double AnalogParams::*Member)
      : Opt(StringRef(Name), cl::desc(Desc), cl::cat(chipOptionCategory())), Member(Member) {}
  cl::opt<double> Opt;
  double AnalogParams::*Member;
};
AnalogOption AnalogOptions[] = {
    {"sigma-program", "Log-normal sigma of programmed conductances", &AnalogParams::SigmaProgram},
    {"sigma-read", "Read noise relative to the read-out range in use", &AnalogParams::SigmaRead},
    {"sigma-read-floor", "Read noise relative to the unamplified full scale",
     &AnalogParams::SigmaReadFloor},
    {"sigma-supply", "Supply variation per chip instance", &AnalogParams::SigmaSupply},
    {"nonlinearity", "Strength of the compressive current non-linearity",
     &AnalogParams::Nonlinearity},
    {"sigma-gain", "Per-column read-out gain mismatch", &AnalogParams::SigmaGain},
    {"sigma-offset", "Per-column read-out offset relative to the read-out range in use",
     &AnalogParams::SigmaOffset},
    {"drift-per-decade", "Relative conductance loss per decade of time",
     &AnalogParams::DriftPerDecade},
    {"drift-seconds", "Time since programming", &AnalogParams::DriftSeconds},
};

} // namespace

Expected<runtime::RunOptions> chipRunOptions(const image::Program &P, StringRef ImageName) {
  runtime::RunOptions Options;
  Options.Nmpu = Nmpu;
  Options.Analog = ChipMode == Mode::Analog;
  Options.Seed = Seed;
  Options.CalibrationFile = CalibrationFile;
  Options.Calibrate = Calibrate;
  if (Calibrate && !CalibrationFile.empty())
    return makeError("--calibrate measures a calibration and --calibration reads one: give one");
  Options.StepByStep = StepByStep;
  Options.Threads = Threads;
  bool Overridden = false;
  for (AnalogOption &O : AnalogOptions)
    Overridden |= O.Opt.getNumOccurrences() > 0;
  if (!Overridden)
    return Options;
  if (!Options.Analog)
    return makeError("analog parameters are given but the mode is ideal (add --mode=analog)");
  Expected<Target> T = parseTarget(P.TargetJson, ImageName);
  if (!T)
    return T.takeError();
  AnalogParams A = T->Analog;
  for (AnalogOption &O : AnalogOptions)
    if (O.Opt.getNumOccurrences())
      if (Error E = setAnalogParameter(A, O.Opt.ArgStr, O.Opt))
        return E;
  Options.AnalogOverride = A;
  return Options;
}

std::vector<std::pair<StringRef, double>> analogParameters(const AnalogParams &A) {
  std::vector<std::pair<StringRef, double>> Values;
  for (const AnalogOption &O : AnalogOptions)
    Values.emplace_back(O.Opt.ArgStr, A.*(O.Member));
  return Values;
}

Error setAnalogParameter(AnalogParams &A, StringRef Name, double Value) {
  for (const AnalogOption &O : AnalogOptions) {
    if (O.Opt.ArgStr != Name)
      continue;
    if (!std::isfinite(Value))
      return makeError("--{} must be a finite number, not {}", Name.str(), Value);
    if (Value < 0)
      return makeError("--{} must not be negative", Name.str());
    A.*(O.Member) = Value;
    return Error::success();
  }
  std::string Names;
  for (const AnalogOption &O : AnalogOptions)
    Names += (Names.empty() ? "" : ", ") + O.Opt.ArgStr.str();
  return makeError("'{}' is not an analog parameter; the parameters are {}", Name.str(), Names);
}

bool analogParameterOverridden(StringRef Name) {
  return llvm::any_of(AnalogOptions, [&](const AnalogOption &O) {
    return O.Opt.ArgStr == Name && O.Opt.getNumOccurrences() > 0;
  });
}

std::string chipDescription() {
  std::string Instance = ChipMode == Mode::Analog ? fmt::format("analog, seed {}", Seed.getValue())
                                                  : std::string("ideal");
  const char *Corrected = Calibrate                  ? ", calibrated"
                          : !CalibrationFile.empty() ? ", calibration file"
                                                     : "";
  return fmt::format("{}, {} NMPU{}", Instance, nmpuName(Nmpu).str(), Corrected);
}

StringRef nmpuName(NmpuMode Mode) {
  return Mode == NmpuMode::Fixed ? "fixed" : Mode == NmpuMode::Fp32 ? "fp32" : "fp16";
}

} // namespace qnn::tools

//===- MonteCarlo.cpp - Accuracy over many analog chip instances ----------===//
#include "MonteCarlo.h"
#include "ChipOptions/ChipOptions.h"
#include "qnn/Support/Diagnostics.h"
#include <fmt/format.h>

using namespace llvm;

namespace qnn::eval {

Expected<MonteCarloPlan> planMonteCarlo(std::optional<uint64_t> Instances, StringRef RangeText,
                                        StringRef SweepText, const runtime::RunOptions &Base,
                                        const AnalogParams &TargetAnalog) {
  MonteCarloPlan Plan;
  std::string Option;
  if (!RangeText.empty()) {
    if (Instances)
      return makeError("--instances={} and --instance-range={} both choose the instances; give "
                       "one (--instances=N is --instance-range=0:N)",
                       *Instances, RangeText.str());
    Expected<InstanceRange> Range = parseInstanceRange(RangeText);
    if (!Range)
      return Range.takeError();
    Plan.Range = *Range;
    Option = "--instance-range=" + RangeText.str();
  } else {
    if (!Instances || *Instances < 1 || *Instances > MaxInstances)
      return makeError("--instances={}: give 1 to {} chip instances", Instances.value_or(0),
                       MaxInstances);
    Plan.Range = {0, *Instances};
    Option = fmt::format("--instances={}", *Instances);
  }
  if (!Base.Analog)
    return makeError("{}: the instances are analog chips, but the mode is ideal (in which every "
                     "instance is the same exact chip); add --mode=analog",
                     Option);
  // The JSON results hold seeds as JSON integers, which qnn reads as int64.
  if (Base.Seed > uint64_t(INT64_MAX) - (Plan.Range.End - 1))
    return makeError("{}: --seed={} + instance {} is beyond 2^63 - 1, the largest seed the "
                     "results hold; give a smaller --seed",
                     Option, Base.Seed, Plan.Range.End - 1);
  Plan.Base = Base;
  Plan.Base.AnalogOverride = Base.AnalogOverride.value_or(TargetAnalog);
  if (SweepText.empty())
    return Plan;
  Expected<Sweep> Swept = parseSweep(SweepText);
  if (!Swept)
    return Swept.takeError();
  // The values in between are in range when the ends are.
  for (double V : {Swept->Start, Swept->Stop}) {
    AnalogParams Scratch;
    if (Error E = tools::setAnalogParameter(Scratch, Swept->Name, V))
      return addContext(std::move(E), "--sweep=" + SweepText);
  }
  if (tools::analogParameterOverridden(Swept->Name))
    return makeError("--sweep={} and --{} both set {}; give one of them", SweepText.str(),
                     Swept->Name, Swept->Name);
  Plan.Swept = std::move(*Swept);
  return Plan;
}

Error runMonteCarlo(const MonteCarloPlan &Plan, Results &R, EvaluateInstance Evaluate,
                    Progress &Bar, raw_ostream &OS) {
  std::vector<std::optional<double>> Values{std::nullopt};
  if (Plan.Swept) {
    Values.clear();
    for (double V : Plan.Swept->values())
      Values.push_back(V);
  }
  const uint64_t Count = Plan.Range.End - Plan.Range.Begin;
  for (size_t J = 0; J < Values.size(); ++J) {
    runtime::RunOptions Options = Plan.Base;
    std::string Point;
    if (Values[J]) {
      // planMonteCarlo has checked the values.
      cantFail(tools::setAnalogParameter(*Options.AnalogOverride, Plan.Swept->Name, *Values[J]));
      Point = fmt::format("{}={:g} ({}/{})  ", Plan.Swept->Name, *Values[J], J + 1, Values.size());
    }
    PointResult &P = R.Points.emplace_back();
    P.Value = Values[J];
    for (uint64_t I = Plan.Range.Begin; I < Plan.Range.End; ++I) {
      Options.Seed = Plan.Base.Seed + I;
      Bar.start(fmt::format("{}instance {} ({}/{})", Point, I, I - Plan.Range.Begin + 1, Count));
      Expected<int64_t> Correct = Evaluate(Options, Bar);
      if (!Correct)
        return Correct.takeError();
      P.Instances.push_back({I, *Correct});
      Bar.clear();
      printInstance(OS, R.S, P, P.Instances.back());
      OS.flush();
    }
    printSummary(OS, R.S, P);
    OS.flush();
  }
  return Error::success();
}

} // namespace qnn::eval

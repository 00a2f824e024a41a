//===- MonteCarlo.h - Accuracy over many analog chip instances ---*- C++ -*-===//
///
/// \file
/// qnn-eval --instances and --instance-range: every chip instance of a range
/// evaluated on the data set, at every value of a swept analog parameter.
/// Instance i is the chip of seed (--seed + i), so that an instance keeps
/// its number whatever range it is run in and ranges split one evaluation
/// across machines (docs/cli.md).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_MONTECARLO_H
#define QNN_TOOLS_QNN_EVAL_MONTECARLO_H

#include "MonteCarloOptions.h"
#include "Progress.h"
#include "Results.h"
#include "qnn/Runtime/Runtime.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <optional>

namespace qnn::eval {

/// What a Monte-Carlo evaluation runs.
struct MonteCarloPlan {
  InstanceRange Range;
  std::optional<Sweep> Swept;
  /// The options of instance 0: analog mode, the analog parameters given
  /// (the target's with the overrides) in AnalogOverride.
  runtime::RunOptions Base;
};

/// The plan of --instances=\p Instances or
/// --instance-range=\p RangeText (empty: not given) and
/// --sweep=\p SweepText (empty: none) on the chip \p Base, whose target's
/// analog parameters are \p TargetAnalog. The errors name the option.
llvm::Expected<MonteCarloPlan> planMonteCarlo(std::optional<uint64_t> Instances,
                                              llvm::StringRef RangeText, llvm::StringRef SweepText,
                                              const runtime::RunOptions &Base,
                                              const AnalogParams &TargetAnalog);

/// Evaluates one chip instance on the data set and returns how many images
/// it classifies correctly, reporting the images done to the Progress.
using EvaluateInstance =
    llvm::function_ref<llvm::Expected<int64_t>(const runtime::RunOptions &, Progress &)>;

/// Evaluates every instance of \p Plan at every point into \p R, whose
/// settings are filled and which has no points yet, printing each
/// instance's line and each point's summary to \p OS as soon as known.
llvm::Error runMonteCarlo(const MonteCarloPlan &Plan, Results &R, EvaluateInstance Evaluate,
                          Progress &Bar, llvm::raw_ostream &OS);

} // namespace qnn::eval

#endif

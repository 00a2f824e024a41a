//===- MonteCarloOptions.h - --instance-range and --sweep -------*- C++ -*-===//
///
/// \file
/// The parsers of qnn-eval's Monte-Carlo options, kept apart from the tool
/// so that the unit tests reach them.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_MONTECARLOOPTIONS_H
#define QNN_TOOLS_QNN_EVAL_MONTECARLOOPTIONS_H

#include "Results.h"
#include "llvm/Support/Error.h"
#include <cstdint>

namespace qnn::eval {

/// Instances [Begin, End) of a Monte-Carlo evaluation.
struct InstanceRange {
  uint64_t Begin = 0, End = 0;
};

/// The most instances, and values of a sweep, one run takes: far more than
/// a run can evaluate, few enough that no count overflows.
inline constexpr uint64_t MaxInstances = uint64_t(1) << 32;
inline constexpr unsigned MaxSweepValues = 10000;

/// Parses --instance-range=A:B, the half-open range A <= i < B.
llvm::Expected<InstanceRange> parseInstanceRange(llvm::StringRef Text);

/// Parses --sweep NAME=START:STOP:COUNT (COUNT values, START and STOP
/// included; a single value needs START = STOP). The name is not checked
/// here: the chip options know the parameters.
llvm::Expected<Sweep> parseSweep(llvm::StringRef Text);

} // namespace qnn::eval

#endif

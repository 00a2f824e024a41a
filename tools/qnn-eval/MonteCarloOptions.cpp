//===- MonteCarloOptions.cpp - --instance-range and --sweep ---------------===//
#include "MonteCarloOptions.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/StringExtras.h"
#include <cmath>

using namespace llvm;

namespace qnn::eval {

Expected<InstanceRange> parseInstanceRange(StringRef Text) {
  auto [BeginText, EndText] = Text.split(':');
  InstanceRange R;
  if (!Text.contains(':') || !to_integer(BeginText, R.Begin, 10) || !to_integer(EndText, R.End, 10))
    return makeError("--instance-range={}: expected A:B, the instances A to B-1 (e.g. 0:10)",
                     Text.str());
  if (R.End <= R.Begin)
    return makeError("--instance-range={}: B must be greater than A (the range is half-open: "
                     "{}:{} runs instance {} alone)",
                     Text.str(), R.Begin, R.Begin + 1, R.Begin);
  if (R.End - R.Begin > MaxInstances)
    return makeError("--instance-range={}: more than {} instances in one run", Text.str(),
                     MaxInstances);
  return R;
}

Expected<Sweep> parseSweep(StringRef Text) {
  auto [Name, Range] = Text.split('=');
  SmallVector<StringRef, 3> Parts;
  Range.split(Parts, ':');
  Sweep S;
  S.Name = Name.str();
  if (Name.empty() || Parts.size() != 3 || !to_float(Parts[0], S.Start) ||
      !to_float(Parts[1], S.Stop) || !to_integer(Parts[2], S.Count, 10) ||
      !std::isfinite(S.Start) || !std::isfinite(S.Stop))
    return makeError("--sweep={}: expected NAME=START:STOP:COUNT, e.g. sigma-read=0:0.02:5 (5 "
                     "values from 0 to 0.02)",
                     Text.str());
  if (S.Count < 1 || S.Count > MaxSweepValues)
    return makeError("--sweep={}: COUNT must be 1 to {}", Text.str(), MaxSweepValues);
  if (S.Count == 1 && S.Start != S.Stop)
    return makeError("--sweep={}: one value (COUNT 1) needs START = STOP; give COUNT 2 or more "
                     "to sweep from {} to {}",
                     Text.str(), Parts[0].str(), Parts[1].str());
  return S;
}

} // namespace qnn::eval

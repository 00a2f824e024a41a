//===- Results.cpp - Accuracy of chip instances ---------------------------===//
#include "Results.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/xxhash.h"
#include <algorithm>
#include <cmath>
#include <fmt/format.h>

using namespace llvm;

namespace qnn::eval {

Expected<FileId> identifyFile(StringRef Path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf =
      MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buf)
    return makeError("{}: {}", Path.str(), Buf.getError().message());
  return FileId{sys::path::filename(Path).str(),
                fmt::format("{:016x}", xxHash64((*Buf)->getBuffer()))};
}

std::vector<double> Sweep::values() const {
  std::vector<double> Values;
  for (unsigned I = 0; I + 1 < Count; ++I)
    Values.push_back(Start + (Stop - Start) * I / (Count - 1));
  Values.push_back(Stop);
  return Values;
}

double accuracy(const Settings &S, int64_t Correct) { return 100.0 * Correct / S.Count; }

Summary summarize(const Settings &S, const PointResult &P) {
  Summary Sum;
  if (P.Instances.empty())
    return Sum;
  const double N = P.Instances.size();
  int64_t Total = 0, Least = P.Instances.front().Correct, Most = Least;
  for (const InstanceResult &I : P.Instances) {
    Total += I.Correct;
    Least = std::min(Least, I.Correct);
    Most = std::max(Most, I.Correct);
  }
  // Everything in correct counts first: an integer total divided by N is
  // exact when all counts are equal, so the spread and the drop are then
  // exactly 0, not a rounding error printed as -0.00.
  const double MeanCorrect = Total / N;
  double Squares = 0;
  for (const InstanceResult &I : P.Instances)
    Squares += (I.Correct - MeanCorrect) * (I.Correct - MeanCorrect);
  Sum.Mean = 100.0 * MeanCorrect / S.Count;
  Sum.Std = N > 1 ? 100.0 * std::sqrt(Squares / (N - 1)) / S.Count : 0;
  Sum.Min = accuracy(S, Least);
  Sum.Max = accuracy(S, Most);
  Sum.Drop = 100.0 * (S.ReferenceCorrect * N - Total) / (N * S.Count);
  return Sum;
}

/// "sigma-read=0.01: " before the lines of a swept point.
static std::string pointPrefix(const Settings &S, const PointResult &P) {
  return S.Swept && P.Value ? fmt::format("{}={:g}: ", S.Swept->Name, *P.Value) : std::string();
}

void printReference(raw_ostream &OS, const Settings &S) {
  std::string By = S.Model ? "model " + S.Model->Name : "ideal chip";
  OS << fmt::format("reference ({}): {}/{} = {:.2f} %\n", By, S.ReferenceCorrect, S.Count,
                    accuracy(S, S.ReferenceCorrect));
}

void printInstance(raw_ostream &OS, const Settings &S, const PointResult &P,
                   const InstanceResult &I) {
  OS << fmt::format("{}instance {} (seed {}): {}/{} = {:.2f} %\n", pointPrefix(S, P), I.Index,
                    S.Seed + I.Index, I.Correct, S.Count, accuracy(S, I.Correct));
}

void printSummary(raw_ostream &OS, const Settings &S, const PointResult &P) {
  Summary Sum = summarize(S, P);
  OS << fmt::format("{}{} instance{}: mean {:.2f} %, std {:.2f}, min {:.2f} %, max {:.2f} %, "
                    "drop vs reference {:.2f} points\n",
                    pointPrefix(S, P), P.Instances.size(), P.Instances.size() == 1 ? "" : "s",
                    Sum.Mean, Sum.Std, Sum.Min, Sum.Max, Sum.Drop);
}

void printResults(raw_ostream &OS, const Results &R) {
  printReference(OS, R.S);
  for (const PointResult &P : R.Points) {
    for (const InstanceResult &I : P.Instances)
      printInstance(OS, R.S, P, I);
    printSummary(OS, R.S, P);
  }
}

} // namespace qnn::eval

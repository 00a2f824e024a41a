//===- Results.h - Accuracy of chip instances --------------------*- C++ -*-===//
///
/// \file
/// What a Monte-Carlo evaluation (qnn-eval --instances) measures: the
/// settings it ran under, and per point of a sweep the number of images
/// each chip instance classified correctly. The text lines and statistics
/// are computed from these alone, so that results read back from JSON files
/// and merged print exactly what one run over all their instances prints.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_RESULTS_H
#define QNN_TOOLS_QNN_EVAL_RESULTS_H

#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace qnn::eval {

/// An input file: its name without directories (results made on different
/// machines name the same file at different paths) and a digest of its
/// bytes, so that equal names with different contents are told apart.
struct FileId {
  std::string Name;
  std::string Digest; ///< xxHash64 of the bytes, 16 hex digits
};

/// Reads \p Path and identifies it.
llvm::Expected<FileId> identifyFile(llvm::StringRef Path);

/// --sweep NAME=START:STOP:COUNT: COUNT evenly spaced values of one analog
/// parameter.
struct Sweep {
  std::string Name;
  double Start = 0, Stop = 0;
  unsigned Count = 1;
  /// The values, Start first and Stop (exactly) last.
  std::vector<double> values() const;
};

/// Everything that must agree between results for them to be merged.
struct Settings {
  FileId Image;
  std::optional<FileId> Model; ///< --model, the reference; none: the ideal chip
  FileId Images, Labels;
  int64_t Count = 0; ///< images evaluated (after --limit)
  double Scale = 1;  ///< --scale
  std::string Target, Nmpu;
  std::optional<FileId> Calibration;
  uint64_t Seed = 1; ///< --seed: instance i is the chip of seed Seed + i
  /// The analog parameters by option name, the swept one at its target or
  /// overridden value.
  std::vector<std::pair<std::string, double>> Analog;
  int64_t ReferenceCorrect = 0;
  std::optional<Sweep> Swept;
};

struct InstanceResult {
  uint64_t Index = 0;
  int64_t Correct = 0;
};

/// The instances run at one value of the swept parameter (or the only
/// point without a sweep), in increasing index order.
struct PointResult {
  std::optional<double> Value;
  std::vector<InstanceResult> Instances;
};

struct Results {
  Settings S;
  std::vector<PointResult> Points;
};

/// The statistics of one point, in percent of the images (Std and Drop in
/// percentage points).
struct Summary {
  double Mean = 0, Std = 0, Min = 0, Max = 0;
  /// Mean of (reference accuracy - instance accuracy).
  double Drop = 0;
};

/// The statistics of the instances of \p P; Std is the sample standard
/// deviation (n - 1 in the denominator), 0 for a single instance.
/// Computed from the correct counts, so equal counts give exactly a Std
/// and Drop of 0.
Summary summarize(const Settings &S, const PointResult &P);

/// 100 * Correct / S.Count.
double accuracy(const Settings &S, int64_t Correct);

/// "reference (model m.onnx): 93/100 = 93.00 %".
void printReference(llvm::raw_ostream &OS, const Settings &S);
/// "sigma-read=0.01: instance 2 (seed 3): 91/100 = 91.00 %" (no prefix
/// without a sweep).
void printInstance(llvm::raw_ostream &OS, const Settings &S, const PointResult &P,
                   const InstanceResult &I);
/// "sigma-read=0.01: 3 instances: mean ..., std ..., min ..., max ...,
/// drop vs reference ... points".
void printSummary(llvm::raw_ostream &OS, const Settings &S, const PointResult &P);
/// The reference, then for every point its instances and its summary.
void printResults(llvm::raw_ostream &OS, const Results &R);

} // namespace qnn::eval

#endif

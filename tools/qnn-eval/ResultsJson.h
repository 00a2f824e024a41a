//===- ResultsJson.h - Monte-Carlo results as JSON files ---------*- C++ -*-===//
///
/// \file
/// qnn-eval --json writes the results of a run, qnn-eval --merge reads the
/// files of several runs (instance ranges spread over machines) and merges
/// them into the results of one run over the union. The format is in
/// docs/cli.md.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_RESULTSJSON_H
#define QNN_TOOLS_QNN_EVAL_RESULTSJSON_H

#include "Results.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace qnn::eval {

/// The "format" of the files: the name and version of the layout.
inline constexpr const char *ResultsFormat = "qnn-eval-instances 1";

llvm::json::Value resultsToJson(const Results &R);

/// Parses the text of a results file; errors name \p Source and the field.
llvm::Expected<Results> resultsFromJson(llvm::StringRef Text, llvm::StringRef Source);

/// Reads a results file.
llvm::Expected<Results> readResultsFile(llvm::StringRef Path);

/// Writes \p R to \p Path whole or not at all (writeOutputFile).
llvm::Error writeResultsFile(llvm::StringRef Path, const Results &R);

/// One result with the instances of every part at every point, in index
/// order. The parts must have the same settings (the error names the first
/// field that differs and the two files, \p Names); an instance in two
/// parts must have the same correct count in both.
llvm::Expected<Results> mergeResults(llvm::ArrayRef<Results> Parts,
                                     llvm::ArrayRef<std::string> Names);

} // namespace qnn::eval

#endif

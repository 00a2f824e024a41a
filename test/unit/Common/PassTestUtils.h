//===- PassTestUtils.h - Running passes and the interpreter in tests -*- C++ -*-===//
///
/// \file
/// What the transformation tests share: print a graph, run named passes
/// (verifying after each) and evaluate a graph, reporting failures through
/// gtest.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TEST_PASSTESTUTILS_H
#define QNN_TEST_PASSTESTUTILS_H

#include "qnn/IR/Printer.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "gtest/gtest.h"
#include <string>
#include <vector>

namespace qnn::test {

inline std::string print(const Graph &G) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  printGraph(G, OS);
  return OS.str();
}

/// Runs \p Passes (verifying after each); returns the error text or "".
inline std::string runPasses(Graph &G, const std::vector<std::string> &Passes) {
  PassManager PM;
  for (const std::string &P : Passes)
    if (llvm::Error E = PM.addPass(P))
      return llvm::toString(std::move(E));
  PassContext Ctx;
  if (llvm::Error E = PM.run(G, Ctx))
    return llvm::toString(std::move(E));
  return "";
}

inline std::vector<Tensor> eval(const Graph &G, const std::vector<Tensor> &Inputs) {
  auto R = evaluateGraph(G, Inputs);
  EXPECT_TRUE(static_cast<bool>(R)) << llvm::toString(R.takeError()) << "\n" << print(G);
  return R ? *R : std::vector<Tensor>();
}

} // namespace qnn::test

#endif

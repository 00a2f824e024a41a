//===- fuzz-ir-text.cpp - Fuzzes the IR text parser -----------------------===//
//
// Covers: the lexer and parser of the IR text form (.qnn files, what qnn-opt
// and the lit tests read), type and constant checks, and the IR verifier.
// Property: a graph that parses and verifies prints to text that parses
// again and prints the same (docs/ir.md: the text form round-trips); a
// violation is a real bug (abort).
//
//===----------------------------------------------------------------------===//
#include "VerifiedGraph.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace qnn;

extern "C" int LLVMFuzzerInitialize(int *, char ***) {
  registerAllOps();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Text(reinterpret_cast<const char *>(Data), Size);
  std::unique_ptr<Graph> G = fuzz::verifiedOrNull(parseGraph(Text, "fuzz.qnn"));
  if (!G)
    return 0;
  std::string Printed = graphToString(*G);
  llvm::Expected<std::unique_ptr<Graph>> Again = parseGraph(Printed, "printed.qnn");
  if (!Again) {
    llvm::errs() << "printed IR does not parse: " << llvm::toString(Again.takeError()) << '\n'
                 << Printed;
    std::abort();
  }
  std::string Reprinted = graphToString(**Again);
  if (Reprinted != Printed) {
    llvm::errs() << "the text form does not round-trip:\n" << Printed << "becomes\n" << Reprinted;
    std::abort();
  }
  return 0;
}

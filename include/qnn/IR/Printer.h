//===- Printer.h - Text form of the IR ---------------------------*- C++ -*-===//
///
/// \file
/// Prints a graph in the text form that Parser.h reads back (see docs/ir.md):
///
///   graph @main(%x: f32[?,4]) {
///     %w = const : i8[4,3] q(scale=0.5, zp=0) dense<[1, 2, ...]>
///     %y = qmatmul "fc"(%xq, %w, _) {act_max = 255} : u8[?,3] q(scale=0.1, zp=0)
///     return %y
///   }
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IR_PRINTER_H
#define QNN_IR_PRINTER_H

#include "qnn/IR/Graph.h"
#include "llvm/Support/raw_ostream.h"

namespace qnn {

struct PrintOptions {
  /// Constants with more elements than this print as dense<elided> (used in
  /// human-facing dumps; elided IR does not parse back).
  int64_t ElideConstantsAbove = -1;
};

void printGraph(const Graph &G, llvm::raw_ostream &OS, const PrintOptions &Opts = {});
/// The text form of \p G as a string.
std::string graphToString(const Graph &G, const PrintOptions &Opts = {});
void printType(const TensorType &T, llvm::raw_ostream &OS);
/// A double in the shortest form that parses back to the same double; always
/// with a '.', an exponent, "inf" or "nan" so that it reads as a float.
std::string formatFloat(double V);

} // namespace qnn

#endif

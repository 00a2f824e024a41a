//===- Parser.h - Reads the text form of the IR ------------------*- C++ -*-===//
///
/// \file
/// Parses the text form printed by Printer.h. Lines starting with "//" are
/// comments, so lit tests keep RUN and CHECK lines in the IR file. Errors
/// carry "file:line:col" and a caret, as LLVM's SourceMgr prints them.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IR_PARSER_H
#define QNN_IR_PARSER_H

#include "qnn/IR/Graph.h"
#include "llvm/Support/Error.h"
#include <memory>

namespace qnn {

llvm::Expected<std::unique_ptr<Graph>> parseGraph(llvm::StringRef Text,
                                                  llvm::StringRef BufferName);

} // namespace qnn

#endif

//===- CompilerOptions.h - Options shared by qnnc and qnn-opt ----*- C++ -*-===//
///
/// \file
/// The command-line options both compiler tools take (model input, target,
/// pass options, printing), and the steps they share: loading a model by its
/// file extension and setting up the pass context.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_DRIVER_COMPILEROPTIONS_H
#define QNN_DRIVER_COMPILEROPTIONS_H

#include "qnn/IR/Graph.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Pass/PassManager.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include <memory>

namespace qnn {

/// The category the shared options are listed under in --help.
llvm::cl::OptionCategory &compilerOptionCategory();

/// Loads the model named by the positional input: .onnx and .onnxtext are
/// imported (with --bind and --shape), anything else is parsed as text IR.
llvm::Expected<std::unique_ptr<Graph>> loadInputModel(llvm::StringRef Path);

/// A pass context from --target and --pass-option (plus the --polarity and
/// --readout shorthands). The target is optional: passes that need one say so.
llvm::Expected<PassContext> makePassContext(llvm::StringRef SourceName);

/// --print-after / --print-after-all.
PassManagerOptions passManagerOptions();

} // namespace qnn

#endif

//===- OnnxImporter.h - ONNX models into the qnn IR --------------*- C++ -*-===//
///
/// \file
/// Reads a binary ONNX model (.onnx) or ONNX text syntax (.onnxtext, where
/// lines starting with "//" are comments) into a graph of stage-1 ops
/// ("onnx.<OpType>", "ms.<OpType>", "qonnx.<OpType>"; docs/import.md lists
/// them). The importer computes every result type itself rather than running
/// the ONNX library's checker, so models newer than the linked library import
/// wherever the semantics of their ops are known.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IMPORT_ONNXIMPORTER_H
#define QNN_IMPORT_ONNXIMPORTER_H

#include "qnn/IR/Graph.h"
#include "llvm/Support/Error.h"
#include <map>
#include <memory>
#include <string>

namespace qnn {

struct ImportOptions {
  /// --bind NAME=FILE: graph inputs bound to constants.
  std::map<std::string, Tensor> Bindings;
  /// --shape NAME=D0,D1,...: fixes the symbolic dimensions of an input.
  std::map<std::string, Shape> Shapes;
};

/// Imports a .onnx file, or ONNX text syntax when \p Path ends in .onnxtext.
llvm::Expected<std::unique_ptr<Graph>> importOnnxFile(llvm::StringRef Path,
                                                      const ImportOptions &Opts);
/// Imports a serialized onnx.ModelProto; \p Name names it in diagnostics.
llvm::Expected<std::unique_ptr<Graph>>
importOnnxBytes(llvm::StringRef Bytes, llvm::StringRef Name, const ImportOptions &Opts);
/// Imports a model in ONNX text syntax; \p SourceName names it in diagnostics.
llvm::Expected<std::unique_ptr<Graph>>
importOnnxText(llvm::StringRef Text, llvm::StringRef SourceName, const ImportOptions &Opts);

/// Parses "NAME=FILE" (.npy or TensorProto .pb) and "NAME=D0,D1" command-line
/// values into \p Opts; errors name the bad value.
llvm::Error addBindingOption(ImportOptions &Opts, llvm::StringRef Spec);
llvm::Error addShapeOption(ImportOptions &Opts, llvm::StringRef Spec);

} // namespace qnn

#endif

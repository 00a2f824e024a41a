//===- Json.h - JSON documents with limits -----------------------*- C++ -*-===//
///
/// \file
/// The JSON reader every qnn file format uses (targets, calibration files,
/// qnn-asm programs). llvm::json::parse recurses once per nesting level and
/// keeps the last of two equal keys; this reader first refuses documents
/// nested deeper than limits::MaxJsonDepth and objects that repeat a key,
/// naming the line, so neither a stack overflow nor a silently dropped value
/// can come from a file.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_JSON_H
#define QNN_SUPPORT_JSON_H

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"

namespace qnn {

/// Parses \p Text; errors start with "<Source>: ".
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef Text, llvm::StringRef Source);

} // namespace qnn

#endif

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
#include <optional>

namespace qnn {

/// Parses \p Text; errors start with "<Source>: ".
llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef Text, llvm::StringRef Source);

/// The integer \p V holds exactly, if it is one. Use it instead of
/// llvm::json's getAsInteger, which in LLVM 14 converts a double of 2^63 to
/// int64 (out of range) instead of refusing it.
std::optional<int64_t> jsonInteger(const llvm::json::Value &V);

} // namespace qnn

#endif

//===- ProgramFromJson.h - A Program described in JSON -----------*- C++ -*-===//
///
/// \file
/// qnn-asm's input language: every field of qnn::image::Program in JSON
/// (docs/image-format.md, "Test images").
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNNASM_PROGRAMFROMJSON_H
#define QNN_TOOLS_QNNASM_PROGRAMFROMJSON_H

#include "qnn/Image/Program.h"
#include "llvm/Support/Error.h"

namespace qnn::image {

/// Builds a Program from \p Json; the target is a preset name or an inline
/// object, the fingerprint is computed unless "target_fingerprint" is given.
llvm::Expected<Program> programFromJson(llvm::StringRef Json, llvm::StringRef Source);

} // namespace qnn::image

#endif

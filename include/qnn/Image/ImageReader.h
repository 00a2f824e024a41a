//===- ImageReader.h - Reads and verifies image bytes ------------*- C++ -*-===//
///
/// \file
/// Verifies the whole image (magic, version, section table, per-section CRC,
/// target fingerprint, every index and size in range) before returning a
/// Program; a damaged or mismatched image is an error that says what is wrong.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IMAGE_IMAGEREADER_H
#define QNN_IMAGE_IMAGEREADER_H

#include "qnn/Image/Program.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"

namespace qnn::image {

llvm::Expected<Program> readImage(llvm::ArrayRef<uint8_t> Bytes, llvm::StringRef Name);
llvm::Expected<Program> readImageFile(llvm::StringRef Path);

} // namespace qnn::image

#endif

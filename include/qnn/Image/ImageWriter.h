//===- ImageWriter.h - Serializes a Program to image bytes -------*- C++ -*-===//
///
/// \file
/// The byte layout is documented in docs/image-format.md. The same Program
/// always gives the same bytes.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IMAGE_IMAGEWRITER_H
#define QNN_IMAGE_IMAGEWRITER_H

#include "qnn/Image/Program.h"
#include "llvm/Support/Error.h"

namespace qnn::image {

/// Serializes \p P. Cell levels are packed at the target's cell_bits.
llvm::Expected<std::vector<uint8_t>> writeImage(const Program &P);

/// Writes the image to \p Path atomically (a temporary file renamed into
/// place): on any failure no file is left behind.
llvm::Error writeImageFile(const Program &P, llvm::StringRef Path);

} // namespace qnn::image

#endif

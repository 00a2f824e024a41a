//===- ImageDumper.h - Prints an image's contents -----------------*- C++ -*-===//
///
/// \file
/// One printing path for text and JSON (llvm::ScopedPrinter or
/// llvm::JSONScopedPrinter), as llvm-readobj does. The JSON printer needs an
/// outer object scope; the text form has none.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNNOBJDUMP_IMAGEDUMPER_H
#define QNN_TOOLS_QNNOBJDUMP_IMAGEDUMPER_H

#include "qnn/Image/Program.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Target/Target.h"
#include "llvm/Support/ScopedPrinter.h"

namespace qnn::image {

void dumpImage(llvm::ScopedPrinter &W, const ImageHeader &H, const Program &P, const Target &T);

} // namespace qnn::image

#endif

//===- OutputFile.h - Whole files written atomically -------------*- C++ -*-===//
///
/// \file
/// Every file a qnn tool writes (images, tensors, reports, IR) goes through
/// writeOutputFile: the bytes land in an unnamed file in the destination's
/// directory that becomes visible under its name only once complete, so an
/// error, a signal or even SIGKILL never leaves a half-written output or a
/// stray temporary behind. Paths that are not regular files (a symbolic
/// link, a device such as /dev/null, a FIFO, a directory) are refused
/// instead of being replaced by a regular file; "-" writes to stdout.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_OUTPUTFILE_H
#define QNN_SUPPORT_OUTPUTFILE_H

#include "llvm/Support/Error.h"

namespace qnn {

llvm::Error writeOutputFile(llvm::StringRef Path, llvm::StringRef Bytes);

} // namespace qnn

#endif

//===- ChipOptions.h - Chip model options of qnn-run and qnn-eval -*- C++ -*-===//
///
/// \file
/// The command-line options that choose and perturb the chip model: NMPU
/// arithmetic, ideal or analog mode, the chip instance, a calibration file
/// and one override per analog parameter of the target. qnn-run and qnn-eval
/// both link this, so the two tools spell and check them alike
/// (docs/cli.md).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_CHIPOPTIONS_CHIPOPTIONS_H
#define QNN_TOOLS_CHIPOPTIONS_CHIPOPTIONS_H

#include "qnn/Image/Program.h"
#include "qnn/Runtime/Runtime.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include <string>

namespace qnn::tools {

/// The category of the chip model options, for cl::HideUnrelatedOptions.
llvm::cl::OptionCategory &chipOptionCategory();

/// The run options the command line asks for on image \p P (read from
/// \p ImageName). An analog override replaces one parameter of the image's
/// target and leaves the others as the target says. The error names the
/// option: an override without --mode=analog, a negative parameter.
llvm::Expected<runtime::RunOptions> chipRunOptions(const image::Program &P,
                                                   llvm::StringRef ImageName);

/// The chip model in words: "ideal, fixed NMPU", "analog, seed 3, fp32 NMPU".
std::string chipDescription();

} // namespace qnn::tools

#endif

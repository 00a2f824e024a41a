//===- ChipOptions.h - Chip model options of qnn-run and qnn-eval -*- C++ -*-===//
///
/// \file
/// The command-line options that choose and perturb the chip model: NMPU
/// arithmetic, ideal or analog mode, the chip instance, a calibration file
/// and one override per analog parameter of the target. qnn-run and qnn-eval
/// both link this, so the two tools spell and check them alike
/// (docs/cli.md); qnn-eval --sweep sets the analog parameters by the names
/// of their options through it too.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_CHIPOPTIONS_CHIPOPTIONS_H
#define QNN_TOOLS_CHIPOPTIONS_CHIPOPTIONS_H

#include "qnn/Image/Program.h"
#include "qnn/Runtime/Runtime.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Error.h"
#include <string>
#include <utility>
#include <vector>

namespace qnn::tools {

/// The category of the chip model options, for cl::HideUnrelatedOptions.
llvm::cl::OptionCategory &chipOptionCategory();

/// The run options the command line asks for on image \p P (read from
/// \p ImageName). An analog override replaces one parameter of the image's
/// target and leaves the others as the target says. The error names the
/// option: an override without --mode=analog, a negative parameter.
llvm::Expected<runtime::RunOptions> chipRunOptions(const image::Program &P,
                                                   llvm::StringRef ImageName);

/// The analog parameters of \p A by the names of their override options
/// (sigma-read, ...), in the order --help lists them.
std::vector<std::pair<llvm::StringRef, double>> analogParameters(const AnalogParams &A);

/// Sets the parameter of \p A that the override option --\p Name sets, with
/// the checks of the option: the error names an unknown parameter (listing
/// the known ones) or a negative or non-finite value.
llvm::Error setAnalogParameter(AnalogParams &A, llvm::StringRef Name, double Value);

/// Whether the command line gives the override option --\p Name.
bool analogParameterOverridden(llvm::StringRef Name);

/// The chip model in words: "ideal, fixed NMPU", "analog, seed 3, fp32 NMPU".
std::string chipDescription();

/// The spelling of \p Mode in --nmpu: "fixed", "fp32" or "fp16".
llvm::StringRef nmpuName(NmpuMode Mode);

} // namespace qnn::tools

#endif

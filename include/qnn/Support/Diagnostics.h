//===- Diagnostics.h - Errors and warnings -----------------------*- C++ -*-===//
///
/// \file
/// User errors are llvm::Error values with messages in LLVM style: lower-case
/// start, no trailing period, naming the file and node. Tools print them with
/// reportError, which exits with code 1.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_DIAGNOSTICS_H
#define QNN_SUPPORT_DIAGNOSTICS_H

#include "llvm/ADT/Twine.h"
#include "llvm/Support/Error.h"
#include <fmt/format.h>

namespace qnn {

template <typename... Ts>
llvm::Error makeError(fmt::format_string<Ts...> Format, Ts &&...Args) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 fmt::format(Format, std::forward<Ts>(Args)...));
}

/// Prefixes every message of \p E with "<Context>: ".
llvm::Error addContext(llvm::Error E, const llvm::Twine &Context);

/// Prints "warning: <message>" to stderr (through llvm::WithColor).
void emitWarning(const llvm::Twine &Message);

/// Prints "<tool>: error: <message>" for each error in \p E and exits 1.
[[noreturn]] void reportErrorAndExit(llvm::StringRef Tool, llvm::Error E);

} // namespace qnn

#endif

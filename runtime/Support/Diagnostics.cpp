//===- Diagnostics.cpp - Errors and warnings ------------------------------===//
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/WithColor.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

namespace qnn {

llvm::Error addContext(llvm::Error E, const llvm::Twine &Context) {
  if (!E)
    return E;
  std::string Prefix = Context.str();
  std::string Message;
  llvm::handleAllErrors(std::move(E), [&](const llvm::ErrorInfoBase &Info) {
    if (!Message.empty())
      Message += '\n';
    Message += Prefix + ": " + Info.message();
  });
  return llvm::createStringError(llvm::inconvertibleErrorCode(), Message);
}

void emitWarning(const llvm::Twine &Message) {
  llvm::WithColor::warning(llvm::errs()) << Message << '\n';
}

void reportErrorAndExit(llvm::StringRef Tool, llvm::Error E) {
  llvm::errs().flush();
  llvm::handleAllErrors(std::move(E), [&](const llvm::ErrorInfoBase &Info) {
    llvm::WithColor::error(llvm::errs(), Tool) << Info.message() << '\n';
  });
  std::exit(1);
}

} // namespace qnn

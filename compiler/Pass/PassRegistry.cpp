//===- PassRegistry.cpp - Every pass, by name -----------------------------===//
#include "qnn/Pass/Pass.h"
#include "qnn/Support/Diagnostics.h"

namespace qnn {

#define QNN_PASS(NAME, CREATE, DESCRIPTION) std::unique_ptr<Pass> CREATE();
#include "qnn/Pass/PassRegistry.def"

std::unique_ptr<Pass> createPass(llvm::StringRef Name) {
#define QNN_PASS(NAME, CREATE, DESCRIPTION)                                              \
  if (Name == NAME)                                                                      \
    return CREATE();
#include "qnn/Pass/PassRegistry.def"
  return nullptr;
}

llvm::ArrayRef<PassInfo> registeredPasses() {
  static const PassInfo Infos[] = {
#define QNN_PASS(NAME, CREATE, DESCRIPTION) {NAME, DESCRIPTION},
#include "qnn/Pass/PassRegistry.def"
  };
  return Infos;
}

std::vector<std::string> defaultPipeline() {
  std::vector<std::string> Names;
  for (const PassInfo &Info : registeredPasses())
    Names.push_back(Info.Name.str());
  return Names;
}

} // namespace qnn

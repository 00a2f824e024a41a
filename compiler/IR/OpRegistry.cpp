//===- OpRegistry.cpp - Op kinds ------------------------------------------===//
#include "qnn/IR/OpRegistry.h"
#include <algorithm>

namespace qnn {

OpRegistry &OpRegistry::instance() {
  static OpRegistry R;
  return R;
}

void OpRegistry::add(OpDef Def) {
  std::string Kind = Def.Kind;
  Defs[Kind] = std::move(Def);
}

const OpDef *OpRegistry::lookup(llvm::StringRef Kind) const {
  auto It = Defs.find(Kind);
  return It == Defs.end() ? nullptr : &It->second;
}

std::vector<std::string> OpRegistry::kinds() const {
  std::vector<std::string> Result;
  for (const auto &Entry : Defs)
    Result.push_back(Entry.getKey().str());
  std::sort(Result.begin(), Result.end());
  return Result;
}

} // namespace qnn

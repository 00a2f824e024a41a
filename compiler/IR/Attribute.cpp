//===- Attribute.cpp - Op attributes --------------------------------------===//
#include "qnn/IR/Attribute.h"
#include <cassert>

namespace qnn {

const Attribute *AttrMap::find(llvm::StringRef Name) const {
  auto It = Map.find(std::string(Name));
  return It == Map.end() ? nullptr : &It->second;
}

int64_t AttrMap::getInt(llvm::StringRef Name, int64_t Default) const {
  const Attribute *A = find(Name);
  if (!A)
    return Default;
  assert(std::holds_alternative<int64_t>(*A) && "attribute is not an integer");
  return std::get<int64_t>(*A);
}

double AttrMap::getFloat(llvm::StringRef Name, double Default) const {
  const Attribute *A = find(Name);
  if (!A)
    return Default;
  if (const int64_t *I = std::get_if<int64_t>(A))
    return static_cast<double>(*I);
  assert(std::holds_alternative<double>(*A) && "attribute is not a float");
  return std::get<double>(*A);
}

std::string AttrMap::getString(llvm::StringRef Name, llvm::StringRef Default) const {
  const Attribute *A = find(Name);
  if (!A)
    return std::string(Default);
  assert(std::holds_alternative<std::string>(*A) && "attribute is not a string");
  return std::get<std::string>(*A);
}

std::vector<int64_t> AttrMap::getInts(llvm::StringRef Name,
                                      std::vector<int64_t> Default) const {
  const Attribute *A = find(Name);
  if (!A)
    return Default;
  assert(std::holds_alternative<std::vector<int64_t>>(*A) &&
         "attribute is not an integer list");
  return std::get<std::vector<int64_t>>(*A);
}

std::vector<double> AttrMap::getFloats(llvm::StringRef Name,
                                       std::vector<double> Default) const {
  const Attribute *A = find(Name);
  if (!A)
    return Default;
  // An empty list prints as "[]" and parses back as an integer list.
  if (const auto *Ints = std::get_if<std::vector<int64_t>>(A))
    return std::vector<double>(Ints->begin(), Ints->end());
  assert(std::holds_alternative<std::vector<double>>(*A) && "attribute is not a float list");
  return std::get<std::vector<double>>(*A);
}

} // namespace qnn

//===- Attribute.h - Op attributes -------------------------------*- C++ -*-===//
///
/// \file
/// Attributes of an op: an ordered name -> value map. Values are an integer, a
/// float, a string, a list of integers or a list of floats. Ordered so that the
/// printed IR (and everything derived from it) is deterministic.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IR_ATTRIBUTE_H
#define QNN_IR_ATTRIBUTE_H

#include "llvm/ADT/StringRef.h"
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace qnn {

using Attribute = std::variant<int64_t, double, std::string, std::vector<int64_t>,
                               std::vector<double>>;

class AttrMap {
public:
  bool has(llvm::StringRef Name) const { return Map.count(std::string(Name)) != 0; }
  void set(llvm::StringRef Name, Attribute A) { Map[std::string(Name)] = std::move(A); }
  void erase(llvm::StringRef Name) { Map.erase(std::string(Name)); }
  const Attribute *find(llvm::StringRef Name) const;

  /// Typed getters return the default when the attribute is absent. An
  /// attribute of another kind is a verifier error, so these assert.
  int64_t getInt(llvm::StringRef Name, int64_t Default = 0) const;
  double getFloat(llvm::StringRef Name, double Default = 0.0) const;
  std::string getString(llvm::StringRef Name, llvm::StringRef Default = "") const;
  std::vector<int64_t> getInts(llvm::StringRef Name,
                               std::vector<int64_t> Default = {}) const;
  std::vector<double> getFloats(llvm::StringRef Name,
                                std::vector<double> Default = {}) const;

  auto begin() const { return Map.begin(); }
  auto end() const { return Map.end(); }
  bool empty() const { return Map.empty(); }
  bool operator==(const AttrMap &O) const { return Map == O.Map; }

private:
  std::map<std::string, Attribute> Map;
};

} // namespace qnn

#endif

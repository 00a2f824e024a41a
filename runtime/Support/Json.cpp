//===- Json.cpp - JSON documents with limits ------------------------------===//
#include "qnn/Support/Json.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Limits.h"
#include "llvm/ADT/StringSet.h"
#include <cmath>
#include <vector>

namespace qnn {

namespace {

/// One pass over the text that tracks strings and brackets only; anything
/// else malformed is left to llvm::json::parse, which runs after it.
llvm::Error checkStructure(llvm::StringRef Text, llvm::StringRef Source) {
  // One entry per open bracket: the keys seen so far for an object.
  struct Level {
    bool IsObject;
    llvm::StringSet<> Keys;
  };
  std::vector<Level> Open;
  auto LineOf = [&](size_t Offset) { return Text.take_front(Offset).count('\n') + 1; };
  for (size_t I = 0; I < Text.size(); ++I) {
    char C = Text[I];
    if (C == '{' || C == '[') {
      if (Open.size() >= limits::MaxJsonDepth)
        return makeError("{}: line {}: JSON nested deeper than {} levels", Source.str(), LineOf(I),
                         limits::MaxJsonDepth);
      Open.push_back({C == '{', {}});
    } else if ((C == '}' || C == ']') && !Open.empty()) {
      Open.pop_back();
    } else if (C == '"') {
      size_t Start = I++;
      while (I < Text.size() && Text[I] != '"')
        I += Text[I] == '\\' ? 2 : 1;
      if (I >= Text.size())
        return llvm::Error::success(); // unterminated: the parser says so
      // A string directly followed by ':' inside an object is a key.
      size_t After = Text.find_first_not_of(" \t\r\n", I + 1);
      if (Open.empty() || !Open.back().IsObject || After == llvm::StringRef::npos ||
          Text[After] != ':')
        continue;
      // The parser decodes the key's escapes, so "a" and "\u0061" are equal.
      llvm::Expected<llvm::json::Value> Key = llvm::json::parse(Text.slice(Start, I + 1));
      if (!Key) {
        llvm::consumeError(Key.takeError());
        continue;
      }
      llvm::StringRef Name = Key->getAsString().getValueOr("");
      if (!Open.back().Keys.insert(Name).second)
        return makeError("{}: line {}: key '{}' appears twice in one object", Source.str(),
                         LineOf(Start), Name.str());
    }
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<llvm::json::Value> parseJson(llvm::StringRef Text, llvm::StringRef Source) {
  if (llvm::Error E = checkStructure(Text, Source))
    return E;
  llvm::Expected<llvm::json::Value> Parsed = llvm::json::parse(Text);
  if (!Parsed)
    return addContext(Parsed.takeError(), Source + ": invalid JSON");
  return Parsed;
}

std::optional<int64_t> jsonInteger(const llvm::json::Value &V) {
  llvm::Optional<double> D = V.getAsNumber();
  if (!D || !(std::abs(*D) < 0x1p63))
    return std::nullopt;
  llvm::Optional<int64_t> I = V.getAsInteger();
  if (!I)
    return std::nullopt;
  return *I;
}

} // namespace qnn

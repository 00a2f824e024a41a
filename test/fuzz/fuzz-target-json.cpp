//===- fuzz-target-json.cpp - Fuzzes the target description reader -------===//
//
// Covers: llvm::json parsing and every field check of parseTarget, then the
// canonical writer. Property: a target that parses serializes (targetToJson)
// to JSON that parses again to the same fingerprint; images embed that JSON
// and the runtime re-parses it, so a violation is a real bug (abort).
//
//===----------------------------------------------------------------------===//
#include "qnn/Target/Target.h"
#include "llvm/Support/raw_ostream.h"
#include <cstdlib>

using namespace qnn;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Json(reinterpret_cast<const char *>(Data), Size);
  llvm::Expected<Target> T = parseTarget(Json, "fuzz.json");
  if (!T) {
    llvm::consumeError(T.takeError());
    return 0;
  }
  std::string Canonical = targetToJson(*T);
  llvm::Expected<Target> Again = parseTarget(Canonical, "canonical.json");
  if (!Again) {
    llvm::errs() << "canonical JSON does not parse: " << llvm::toString(Again.takeError())
                 << '\n'
                 << Canonical << '\n';
    std::abort();
  }
  if (targetFingerprint(*Again) != targetFingerprint(*T)) {
    llvm::errs() << "round trip changes the target:\n"
                 << Canonical << "\nbecomes\n"
                 << targetToJson(*Again) << '\n';
    std::abort();
  }
  return 0;
}

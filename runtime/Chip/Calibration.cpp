//===- Calibration.cpp - Per-column read-out calibration files ------------===//
#include "qnn/Runtime/ChipModel.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Json.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include <cmath>
#include <fmt/format.h>

namespace qnn::runtime {

llvm::Expected<Calibration> readCalibrationFile(llvm::StringRef Path, const image::Program &P,
                                                const Target &T) {
  // Corrections far outside these bounds describe another chip, and would
  // overflow the NMPU's fixed-point constants.
  const double MaxOffset = std::ldexp(1.0, int(T.AdcBits));
  std::string File = Path.str();
  auto Buf = llvm::MemoryBuffer::getFile(Path);
  if (!Buf)
    return makeError("{}: cannot read the calibration file: {}", File, Buf.getError().message());
  llvm::Expected<llvm::json::Value> Root = parseJson((*Buf)->getBuffer(), Path);
  if (!Root)
    return Root.takeError();
  const llvm::json::Object *Obj = Root->getAsObject();
  const llvm::json::Array *Arrays = Obj ? Obj->getArray("arrays") : nullptr;
  if (!Arrays)
    return makeError("{}: a calibration file is an object with an 'arrays' list", File);
  Calibration Cal;
  Cal.Arrays.resize(P.Arrays.size());
  for (size_t I = 0; I < Arrays->size(); ++I) {
    const llvm::json::Object *Entry = (*Arrays)[I].getAsObject();
    std::optional<int64_t> Index;
    if (const llvm::json::Value *Array = Entry ? Entry->get("array") : nullptr)
      Index = jsonInteger(*Array);
    if (!Index || *Index < 0 || *Index >= static_cast<int64_t>(P.Arrays.size()))
      return makeError("{}: entry {} needs an 'array' index below {} (the image's arrays)", File, I,
                       P.Arrays.size());
    Calibration::ArrayColumns &C = Cal.Arrays[*Index];
    if (!C.Gain.empty())
      return makeError("{}: array {} is calibrated twice", File, *Index);
    unsigned Cols = P.Arrays[*Index].Cols;
    for (const char *Key : {"gain", "offset"}) {
      const llvm::json::Array *Values = Entry->getArray(Key);
      if (!Values || Values->size() != Cols)
        return makeError("{}: array {} needs '{}' with one number per column ({})", File, *Index,
                         Key, Cols);
      std::vector<double> &Into = Key[0] == 'g' ? C.Gain : C.Offset;
      for (const llvm::json::Value &V : *Values) {
        llvm::Optional<double> D = V.getAsNumber();
        bool InRange =
            D && (Key[0] == 'g' ? *D >= 1.0 / 16 && *D <= 16 : *D >= -MaxOffset && *D <= MaxOffset);
        if (!InRange)
          return makeError("{}: array {}: every '{}' must be a number {}", File, *Index, Key,
                           Key[0] == 'g' ? "in [1/16, 16]"
                                         : fmt::format("within +-{} codes", MaxOffset));
        Into.push_back(*D);
      }
    }
  }
  return Cal;
}

llvm::Error writeCalibrationFile(const Calibration &C, llvm::StringRef Path) {
  llvm::json::Array Arrays;
  for (size_t I = 0; I < C.Arrays.size(); ++I) {
    if (C.Arrays[I].Gain.empty())
      continue;
    llvm::json::Array Gain, Offset;
    for (double G : C.Arrays[I].Gain)
      Gain.push_back(G);
    for (double O : C.Arrays[I].Offset)
      Offset.push_back(O);
    Arrays.push_back(llvm::json::Object{
        {"array", int64_t(I)}, {"gain", std::move(Gain)}, {"offset", std::move(Offset)}});
  }
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << llvm::formatv("{0:2}", llvm::json::Value(llvm::json::Object{{"arrays", std::move(Arrays)}}))
     << "\n";
  return writeOutputFile(Path, OS.str());
}

} // namespace qnn::runtime

//===- Calibration.cpp - Per-column read-out calibration files ------------===//
#include "qnn/Runtime/ChipModel.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Json.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"

namespace qnn::runtime {

llvm::Expected<Calibration> readCalibrationFile(llvm::StringRef Path, const image::Program &P) {
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
        if (!D || (Key[0] == 'g' && !(*D > 0)))
          return makeError("{}: array {}: every '{}' must be a number{}", File, *Index, Key,
                           Key[0] == 'g' ? " above 0" : "");
        Into.push_back(*D);
      }
    }
  }
  return Cal;
}

} // namespace qnn::runtime

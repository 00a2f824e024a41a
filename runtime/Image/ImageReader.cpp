//===- ImageReader.cpp - Reads and verifies image bytes -------------------===//
#include "qnn/Image/ImageReader.h"
#include "ByteStream.h"
#include "ImageSections.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/MemoryBuffer.h"

namespace qnn::image {

namespace {

llvm::Error malformed(llvm::StringRef File, SectionId Id, llvm::StringRef Problem) {
  return makeError("{}: section '{}' is malformed ({})", File.str(), sectionName(Id).str(),
                   Problem.str());
}

llvm::Expected<std::vector<std::string>> decodeStrings(llvm::ArrayRef<uint8_t> Data,
                                                       llvm::StringRef File) {
  ByteReader R(Data);
  uint32_t Count = R.read<uint32_t>();
  std::vector<std::string> Strings;
  // Each string takes at least its 4-byte length.
  if (R.canRead(static_cast<uint64_t>(Count) * 4))
    for (uint32_t I = 0; I < Count && !R.failed(); ++I) {
      uint32_t Length = R.read<uint32_t>();
      llvm::ArrayRef<uint8_t> Bytes = R.readBytes(Length);
      Strings.emplace_back(Bytes.begin(), Bytes.end());
    }
  if (R.failed())
    return malformed(File, SectionId::Strings, "truncated at byte " + std::to_string(R.offset()));
  if (!R.atEnd())
    return malformed(File, SectionId::Strings,
                     "unexpected bytes after byte " + std::to_string(R.offset()));
  return Strings;
}

} // namespace

llvm::Expected<Program> readImage(llvm::ArrayRef<uint8_t> Bytes, llvm::StringRef Name) {
  llvm::Expected<ImageHeader> H = readImageHeader(Bytes, Name);
  if (!H)
    return H.takeError();
  auto Data = [&](SectionId Id) {
    const SectionEntry &E = H->Sections[static_cast<uint32_t>(Id) - 1];
    return Bytes.slice(E.Offset, E.Size);
  };
  for (const SectionEntry &E : H->Sections)
    if (llvm::crc32(Bytes.slice(E.Offset, E.Size)) != E.Crc)
      return makeError("{}: section '{}' is corrupt (CRC mismatch)", Name.str(),
                       sectionName(E.Id).str());

  Program P;
  llvm::ArrayRef<uint8_t> TargetBytes = Data(SectionId::Target);
  P.TargetJson.assign(TargetBytes.begin(), TargetBytes.end());
  llvm::Expected<Target> T = parseTarget(P.TargetJson, (Name + ": embedded target").str());
  if (!T)
    return T.takeError();
  P.TargetFingerprint = H->TargetFingerprint;

  llvm::Expected<std::vector<std::string>> Strings = decodeStrings(Data(SectionId::Strings), Name);
  if (!Strings)
    return Strings.takeError();

  auto Decode = [&](SectionId Id, auto Map) -> llvm::Error {
    SectionDecoder D(Data(Id), *Strings);
    Map(D);
    std::string Problem = D.problem();
    return Problem.empty() ? llvm::Error::success() : malformed(Name, Id, Problem);
  };
  if (llvm::Error E = Decode(SectionId::Graph, [&](SectionDecoder &D) {
        D.string(P.ModelName);
        D.scalar(P.Chips);
        if (P.Chips < 1 || P.Chips > MaxChips)
          D.fail(std::to_string(P.Chips) + " chips (1 to " + std::to_string(MaxChips) + ")");
        D.vector(P.Inputs);
        D.vector(P.Outputs);
      }))
    return E;
  if (llvm::Error E = Decode(SectionId::Tensors, [&](SectionDecoder &D) {
        mapRecords(D, P.Tensors, [](SectionDecoder &I, TensorDesc &TD) { mapTensor(I, TD); });
      }))
    return E;
  uint8_t CellBits = static_cast<uint8_t>(T->CellBits);
  if (llvm::Error E = Decode(SectionId::Arrays, [&](SectionDecoder &D) {
        if (!D.reader().canRead(4))
          return;
        // Refuse more arrays than the chip has before decoding any of them.
        uint32_t Count = llvm::support::endian::read32le(Data(SectionId::Arrays).data());
        if (Count > uint64_t(T->totalArrays()) * P.Chips)
          return D.fail(std::to_string(Count) + " arrays, " + std::to_string(P.Chips) +
                        " chip(s) of the target have " +
                        std::to_string(uint64_t(T->totalArrays()) * P.Chips));
        mapRecords(D, P.Arrays,
                   [&](SectionDecoder &I, ArrayImage &A) { mapArray(I, A, CellBits); });
      }))
    return E;
  std::vector<Step> Constants, Schedule;
  if (llvm::Error E = Decode(SectionId::Layers, [&](SectionDecoder &D) {
        mapRecords(D, Constants, [](SectionDecoder &I, Step &S) { mapStepConstants(I, S); });
      }))
    return E;
  if (llvm::Error E = Decode(SectionId::Schedule, [&](SectionDecoder &D) {
        mapRecords(D, Schedule, [](SectionDecoder &I, Step &S) { mapStepSchedule(I, S); });
      }))
    return E;
  if (Constants.size() != Schedule.size())
    return makeError("{}: the 'layers' section has {} steps, the 'schedule' section {}", Name.str(),
                     Constants.size(), Schedule.size());
  for (size_t I = 0; I < Constants.size(); ++I) {
    Step S = std::move(Constants[I]);
    S.Layer = std::move(Schedule[I].Layer);
    S.Tile = Schedule[I].Tile;
    S.StartCycle = Schedule[I].StartCycle;
    S.Cycles = Schedule[I].Cycles;
    S.Inputs = std::move(Schedule[I].Inputs);
    S.Outputs = std::move(Schedule[I].Outputs);
    P.Steps.push_back(std::move(S));
  }
  if (llvm::Error E = verifyProgram(P, *T, Name))
    return E;
  return P;
}

llvm::Expected<Program> readImageFile(llvm::StringRef Path) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> Buf =
      llvm::MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buf)
    return makeError("{}: cannot read the image: {}", Path.str(), Buf.getError().message());
  llvm::StringRef B = (*Buf)->getBuffer();
  return readImage(llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(B.data()), B.size()),
                   Path);
}

} // namespace qnn::image

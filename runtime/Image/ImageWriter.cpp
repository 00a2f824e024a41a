//===- ImageWriter.cpp - Serializes a Program to image bytes --------------===//
#include "qnn/Image/ImageWriter.h"
#include "ByteStream.h"
#include "ImageSections.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/Support/CRC.h"

namespace qnn::image {

namespace {

/// The payload of every section, indexed by SectionId - 1.
using SectionPayloads = std::vector<std::vector<uint8_t>>;

SectionPayloads encodeSections(const Program &P, unsigned CellBits) {
  SectionPayloads S(NumSections);
  auto At = [&](SectionId Id) -> std::vector<uint8_t> & {
    return S[static_cast<uint32_t>(Id) - 1];
  };
  StringTableBuilder Strings;
  {
    SectionEncoder E(At(SectionId::Graph), Strings);
    E.string(P.ModelName);
    E.scalar(P.Chips);
    E.vector(P.Inputs);
    E.vector(P.Outputs);
  }
  {
    SectionEncoder E(At(SectionId::Tensors), Strings);
    mapRecords(E, P.Tensors, [](SectionEncoder &I, const TensorDesc &T) { mapTensor(I, T); });
  }
  {
    SectionEncoder E(At(SectionId::Arrays), Strings);
    mapRecords(E, P.Arrays,
               [&](SectionEncoder &I, const ArrayImage &A) { mapArray(I, A, CellBits); });
  }
  {
    SectionEncoder E(At(SectionId::Layers), Strings);
    mapRecords(E, P.Steps, [](SectionEncoder &I, const Step &St) { mapStepConstants(I, St); });
  }
  {
    SectionEncoder E(At(SectionId::Schedule), Strings);
    mapRecords(E, P.Steps, [](SectionEncoder &I, const Step &St) { mapStepSchedule(I, St); });
  }
  // The string table is complete only once every other section is encoded.
  ByteWriter W(At(SectionId::Strings));
  W.write(static_cast<uint32_t>(Strings.strings().size()));
  for (const std::string &Str : Strings.strings()) {
    W.write(static_cast<uint32_t>(Str.size()));
    W.writeBytes(
        llvm::ArrayRef<uint8_t>(reinterpret_cast<const uint8_t *>(Str.data()), Str.size()));
  }
  At(SectionId::Target).assign(P.TargetJson.begin(), P.TargetJson.end());
  return S;
}

} // namespace

std::vector<uint8_t> frameImage(uint64_t TargetFingerprint,
                                llvm::ArrayRef<std::vector<uint8_t>> Sections) {
  assert(Sections.size() == NumSections && "one payload per section");
  std::vector<uint8_t> Out;
  ByteWriter W(Out);
  W.writeBytes(ImageMagic);
  W.write(ImageVersion);
  W.write(NumSections);
  W.write(TargetFingerprint);
  W.write(uint32_t(0)); // table CRC, patched below
  W.write(uint32_t(0)); // reserved
  uint64_t Offset = HeaderSize + NumSections * SectionEntrySize;
  std::vector<uint64_t> Offsets;
  for (uint32_t I = 0; I < NumSections; ++I) {
    Offset = (Offset + SectionAlign - 1) / SectionAlign * SectionAlign;
    Offsets.push_back(Offset);
    W.write(I + 1);
    W.write(llvm::crc32(Sections[I]));
    W.write(Offset);
    W.write(static_cast<uint64_t>(Sections[I].size()));
    Offset += Sections[I].size();
  }
  uint32_t Crc = llvm::crc32(llvm::ArrayRef<uint8_t>(Out).take_front(TableCrcOffset));
  Crc = llvm::crc32(Crc, llvm::ArrayRef<uint8_t>(Out).drop_front(HeaderSize));
  llvm::support::endian::write32le(Out.data() + TableCrcOffset, Crc);
  for (uint32_t I = 0; I < NumSections; ++I) {
    Out.resize(Offsets[I], 0);
    W.writeBytes(Sections[I]);
  }
  return Out;
}

llvm::Expected<std::vector<uint8_t>> encodeImage(const Program &P) {
  llvm::Expected<Target> T = parseTarget(P.TargetJson, "image target");
  if (!T)
    return T.takeError();
  for (size_t I = 0; I < P.Arrays.size(); ++I) {
    const ArrayImage &A = P.Arrays[I];
    if (A.Levels.size() != static_cast<uint64_t>(A.Rows) * A.Cols)
      return makeError("array {} has {} levels for {}x{} cells", I, A.Levels.size(), A.Rows,
                       A.Cols);
    for (uint8_t L : A.Levels)
      if (L > T->maxCellLevel())
        return makeError("array {} holds level {}, which does not fit cell_bits = {}", I, L,
                         T->CellBits);
  }
  return frameImage(P.TargetFingerprint, encodeSections(P, T->CellBits));
}

llvm::Expected<std::vector<uint8_t>> writeImage(const Program &P) {
  llvm::Expected<Target> T = parseTarget(P.TargetJson, "image target");
  if (!T)
    return T.takeError();
  if (llvm::Error E = verifyProgram(P, *T, "model '" + P.ModelName + "'"))
    return E;
  return encodeImage(P);
}

llvm::Error writeImageFile(const Program &P, llvm::StringRef Path) {
  llvm::Expected<std::vector<uint8_t>> Bytes = writeImage(P);
  if (!Bytes)
    return addContext(Bytes.takeError(), Path);
  return writeOutputFile(
      Path, llvm::StringRef(reinterpret_cast<const char *>(Bytes->data()), Bytes->size()));
}

} // namespace qnn::image

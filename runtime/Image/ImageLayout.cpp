//===- ImageLayout.cpp - Header, section table and level packing ----------===//
#include "qnn/Runtime/ImageLayout.h"
#include "ByteStream.h"
#include "ImageSections.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/CRC.h"

namespace qnn::image {

namespace {
const char *const SectionNames[NumSections] = {"target", "strings", "graph",   "tensors",
                                               "arrays", "layers",  "schedule"};
} // namespace

llvm::StringRef sectionName(SectionId Id) {
  uint32_t I = static_cast<uint32_t>(Id);
  assert(I >= 1 && I <= NumSections && "not a section id");
  return SectionNames[I - 1];
}

std::optional<SectionId> sectionByName(llvm::StringRef Name) {
  for (uint32_t I = 0; I < NumSections; ++I)
    if (Name == SectionNames[I])
      return static_cast<SectionId>(I + 1);
  return std::nullopt;
}

std::vector<uint8_t> packLevels(llvm::ArrayRef<uint8_t> Levels, unsigned Bits) {
  std::vector<uint8_t> Out(packedSize(Levels.size(), Bits));
  uint64_t Bit = 0;
  for (uint8_t L : Levels) {
    assert(L < (1u << Bits) && "level does not fit cell_bits");
    for (unsigned B = 0; B < Bits; ++B, ++Bit)
      Out[Bit / 8] |= static_cast<uint8_t>(((L >> B) & 1) << (Bit % 8));
  }
  return Out;
}

namespace {

/// Levels of \p Bits dividing 8, whole levels per byte, least significant
/// first: a shift and a mask per level instead of a loop over its bits.
template <unsigned Bits>
void unpackWhole(llvm::ArrayRef<uint8_t> Packed, std::vector<uint8_t> &Levels) {
  constexpr unsigned PerByte = 8 / Bits, Mask = (1u << Bits) - 1;
  for (uint64_t I = 0; I < Levels.size(); ++I)
    Levels[I] = static_cast<uint8_t>((Packed[I / PerByte] >> (I % PerByte * Bits)) & Mask);
}

} // namespace

std::vector<uint8_t> unpackLevels(llvm::ArrayRef<uint8_t> Packed, uint64_t Count, unsigned Bits) {
  std::vector<uint8_t> Levels(Count);
  switch (Bits) {
  case 1:
    unpackWhole<1>(Packed, Levels);
    return Levels;
  case 2:
    unpackWhole<2>(Packed, Levels);
    return Levels;
  case 4:
    unpackWhole<4>(Packed, Levels);
    return Levels;
  case 8:
    unpackWhole<8>(Packed, Levels);
    return Levels;
  }
  uint64_t Bit = 0;
  for (uint8_t &L : Levels)
    for (unsigned B = 0; B < Bits; ++B, ++Bit)
      L |= static_cast<uint8_t>(((Packed[Bit / 8] >> (Bit % 8)) & 1) << B);
  return Levels;
}

llvm::Expected<ImageHeader> readImageHeader(llvm::ArrayRef<uint8_t> Bytes, llvm::StringRef Name) {
  std::string File = Name.str();
  if (Bytes.size() < sizeof(ImageMagic) ||
      !std::equal(std::begin(ImageMagic), std::end(ImageMagic), Bytes.begin()))
    return makeError("{}: not a qnn image (bad magic)", File);
  if (Bytes.size() < HeaderSize)
    return makeError("{}: truncated image ({} bytes, the header alone has {})", File, Bytes.size(),
                     HeaderSize);
  ByteReader R(Bytes);
  (void)R.readBytes(sizeof(ImageMagic));
  ImageHeader H;
  H.Version = R.read<uint32_t>();
  if (H.Version != ImageVersion)
    return makeError("{}: unsupported image format version {} (this runtime reads version {}; "
                     "recompile the model)",
                     File, H.Version, ImageVersion);
  uint32_t Count = R.read<uint32_t>();
  H.TargetFingerprint = R.read<uint64_t>();
  H.TableCrc = R.read<uint32_t>();
  // Reserved for later formats: a reader that ignored it could not tell
  // such an image from this one.
  if (uint32_t Reserved = R.read<uint32_t>())
    return makeError("{}: header field 'reserved' is {:#x}, must be 0", File, Reserved);
  if (Count != NumSections)
    return makeError("{}: corrupt section table ({} sections, expected {})", File, Count,
                     NumSections);
  uint64_t TableEnd = HeaderSize + Count * SectionEntrySize;
  if (Bytes.size() < TableEnd)
    return makeError("{}: truncated image ({} bytes, the section table ends at byte {})", File,
                     Bytes.size(), TableEnd);
  uint32_t Crc = llvm::crc32(Bytes.take_front(TableCrcOffset));
  Crc = llvm::crc32(Crc, Bytes.slice(HeaderSize, TableEnd - HeaderSize));
  if (Crc != H.TableCrc)
    return makeError("{}: header or section table is corrupt (CRC mismatch)", File);
  uint64_t End = TableEnd;
  for (uint32_t I = 0; I < Count; ++I) {
    SectionEntry E;
    uint32_t Id = R.read<uint32_t>();
    E.Crc = R.read<uint32_t>();
    E.Offset = R.read<uint64_t>();
    E.Size = R.read<uint64_t>();
    if (Id != I + 1)
      return makeError("{}: corrupt section table (entry {} has id {}, expected {})", File, I, Id,
                       I + 1);
    E.Id = static_cast<SectionId>(Id);
    uint64_t Aligned = (End + SectionAlign - 1) / SectionAlign * SectionAlign;
    if (E.Offset != Aligned || E.Size > Bytes.size() || E.Offset > Bytes.size() - E.Size)
      return makeError("{}: truncated or corrupt image (section '{}' at bytes [{}, {}) of a "
                       "{}-byte file)",
                       File, sectionName(E.Id).str(), E.Offset, E.Offset + E.Size, Bytes.size());
    // The alignment padding is zero, so every byte of a valid image is
    // determined by its content (and covered by a check).
    for (uint64_t B = End; B < E.Offset; ++B)
      if (Bytes[B] != 0)
        return makeError("{}: padding byte {} before section '{}' is {:#04x}, must be 0", File, B,
                         sectionName(E.Id).str(), Bytes[B]);
    End = E.Offset + E.Size;
    H.Sections.push_back(E);
  }
  if (End != Bytes.size())
    return makeError("{}: {} unexpected bytes after the last section", File, Bytes.size() - End);
  return H;
}

} // namespace qnn::image

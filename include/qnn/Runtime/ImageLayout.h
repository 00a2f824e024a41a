//===- ImageLayout.h - Header and section table of an image -------*- C++ -*-===//
///
/// \file
/// The framing of an image file (docs/image-format.md): a fixed header, a
/// section table and the sections. Exposed for the tools that look at or
/// deliberately damage the framing (qnn-objdump, qnn-asm) and for the image
/// tests; everything else uses ImageWriter.h / ImageReader.h.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_IMAGELAYOUT_H
#define QNN_RUNTIME_IMAGELAYOUT_H

#include "qnn/Image/Program.h"
#include "qnn/Target/Target.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <optional>
#include <vector>

namespace qnn::image {

/// The first eight bytes of every image.
inline constexpr uint8_t ImageMagic[8] = {'Q', 'N', 'N', 'I', 'M', 'G', 0x0d, 0x0a};
/// Bumped on every incompatible change of the layout.
inline constexpr uint32_t ImageVersion = 7;
inline constexpr uint64_t HeaderSize = 32;
inline constexpr uint64_t SectionEntrySize = 24;
/// Byte offsets of the header fields.
inline constexpr uint64_t VersionOffset = 8, SectionCountOffset = 12, FingerprintOffset = 16,
                          TableCrcOffset = 24, ReservedOffset = 28;
/// Every section starts at a multiple of this.
inline constexpr uint64_t SectionAlign = 8;

/// Section ids, also the order of the sections in the file.
enum class SectionId : uint32_t {
  Target = 1,
  Strings = 2,
  Graph = 3,
  Tensors = 4,
  Arrays = 5,
  Layers = 6,
  Schedule = 7,
};
inline constexpr uint32_t NumSections = 7;

/// "target", "strings", ... as messages and qnn-objdump spell them.
llvm::StringRef sectionName(SectionId Id);
std::optional<SectionId> sectionByName(llvm::StringRef Name);

struct SectionEntry {
  SectionId Id = SectionId::Target;
  uint32_t Crc = 0; ///< llvm::crc32 of the section's bytes
  uint64_t Offset = 0, Size = 0;
};

struct ImageHeader {
  uint32_t Version = 0;
  uint64_t TargetFingerprint = 0;
  uint32_t TableCrc = 0;
  std::vector<SectionEntry> Sections; ///< in SectionId order
};

/// Parses and checks the framing: magic, version, table CRC, every section
/// present once, inside the file and not overlapping, no trailing bytes.
/// Section CRCs are checked by readImage, not here.
llvm::Expected<ImageHeader> readImageHeader(llvm::ArrayRef<uint8_t> Bytes, llvm::StringRef Name);

/// The header, section table and padding around one payload per section
/// (in SectionId order); the writer's last step, and qnn-asm's way to embed
/// section bytes that need not decode.
std::vector<uint8_t> frameImage(uint64_t TargetFingerprint,
                                llvm::ArrayRef<std::vector<uint8_t>> Sections);

/// Serializes \p P without verifying it; only what is needed to encode it
/// (a target JSON that parses, levels that fit cell_bits) is checked. qnn-asm
/// uses it to build images that the reader must refuse.
llvm::Expected<std::vector<uint8_t>> encodeImage(const Program &P);

/// Checks every index, count, size and value range of \p P against \p T
/// (the checks readImage runs after decoding). \p Name prefixes messages.
llvm::Error verifyProgram(const Program &P, const Target &T, llvm::StringRef Name);

} // namespace qnn::image

#endif

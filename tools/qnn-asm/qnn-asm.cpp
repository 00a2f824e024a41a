//===- qnn-asm.cpp - Builds test images from JSON -------------------------===//
//
// The test-only assembler (as LLVM's yaml2obj): every field of a Program in
// JSON in, an image out, optionally damaged on purpose so that reader,
// runtime and objdump tests need no compiler.
//
//===----------------------------------------------------------------------===//
#include "ProgramFromJson.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace qnn;

static cl::OptionCategory AsmCategory("qnn-asm options");
static cl::opt<std::string> InputFile(cl::Positional, cl::desc("<program.json>"), cl::Required,
                                      cl::cat(AsmCategory));
static cl::opt<std::string> OutputFile("o", cl::desc("Output image"), cl::value_desc("file"),
                                       cl::Required, cl::cat(AsmCategory));
static cl::opt<bool> NoVerify("no-verify",
                              cl::desc("Write the program even if it fails verification"),
                              cl::cat(AsmCategory));
static cl::opt<std::string> CorruptSection("corrupt-section",
                                           cl::desc("Flip a byte of this section (CRC mismatch)"),
                                           cl::value_desc("name"), cl::cat(AsmCategory));
static cl::opt<bool> BadMagic("bad-magic", cl::desc("Damage the magic number"),
                              cl::cat(AsmCategory));
static cl::opt<unsigned> BadVersion("bad-version", cl::desc("Write this format version"),
                                    cl::cat(AsmCategory));
static cl::opt<int64_t> Truncate("truncate", cl::desc("Keep only the first N bytes"), cl::init(-1),
                                 cl::cat(AsmCategory));
static cl::opt<std::string>
    EmbedTarget("embed-target",
                cl::desc("Make FILE's bytes the target section, with a valid CRC (they need not "
                         "parse)"),
                cl::value_desc("file"), cl::cat(AsmCategory));
static cl::opt<bool> DamageReserved("damage-reserved",
                                    cl::desc("Set the header's reserved field to non-zero"),
                                    cl::cat(AsmCategory));
static cl::opt<bool> DamagePadding("damage-padding",
                                   cl::desc("Set the first alignment padding byte to non-zero"),
                                   cl::cat(AsmCategory));

static const char *const Tool = "qnn-asm";

/// The framing of the image being damaged (it was just written, so it reads).
static image::ImageHeader headerOf(const std::vector<uint8_t> &Bytes) {
  Expected<image::ImageHeader> H = image::readImageHeader(Bytes, OutputFile);
  if (!H)
    reportErrorAndExit(Tool, H.takeError());
  return std::move(*H);
}

/// The image re-framed with FILE's bytes as its target section.
static std::vector<uint8_t> withEmbeddedTarget(const std::vector<uint8_t> &Bytes) {
  image::ImageHeader H = headerOf(Bytes);
  auto Buf = MemoryBuffer::getFile(EmbedTarget, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!Buf)
    reportErrorAndExit(Tool, makeError("{}: {}", EmbedTarget.getValue(), Buf.getError().message()));
  std::vector<std::vector<uint8_t>> Sections;
  for (const image::SectionEntry &E : H.Sections)
    Sections.emplace_back(Bytes.begin() + E.Offset, Bytes.begin() + E.Offset + E.Size);
  StringRef Target = (*Buf)->getBuffer();
  Sections[static_cast<uint32_t>(image::SectionId::Target) - 1].assign(Target.begin(),
                                                                       Target.end());
  return image::frameImage(H.TargetFingerprint, Sections);
}

/// Offset of the first padding byte between two sections.
static uint64_t firstPaddingByte(const std::vector<uint8_t> &Bytes) {
  image::ImageHeader H = headerOf(Bytes);
  for (size_t I = 1; I < H.Sections.size(); ++I) {
    uint64_t End = H.Sections[I - 1].Offset + H.Sections[I - 1].Size;
    if (End < H.Sections[I].Offset)
      return End;
  }
  reportErrorAndExit(Tool, makeError("the image has no padding between its sections"));
}

/// The damages that read the framing come first, while it still reads;
/// then those that break it.
static void damage(std::vector<uint8_t> &Bytes) {
  if (!EmbedTarget.empty())
    Bytes = withEmbeddedTarget(Bytes);
  if (!CorruptSection.empty()) {
    std::optional<image::SectionId> Id = image::sectionByName(CorruptSection);
    if (!Id)
      reportErrorAndExit(Tool, makeError("unknown section '{}'", CorruptSection.getValue()));
    image::SectionEntry E = headerOf(Bytes).Sections[static_cast<uint32_t>(*Id) - 1];
    if (E.Size == 0)
      reportErrorAndExit(Tool, makeError("section '{}' is empty", CorruptSection.getValue()));
    Bytes[E.Offset + E.Size / 2] ^= 0x5a;
  }
  if (DamagePadding)
    Bytes[firstPaddingByte(Bytes)] = 0xff;
  if (DamageReserved)
    support::endian::write32le(Bytes.data() + image::ReservedOffset, 0xdead);
  if (BadMagic)
    Bytes[0] ^= 0xff;
  if (BadVersion.getNumOccurrences())
    support::endian::write32le(Bytes.data() + image::VersionOffset, BadVersion);
  if (Truncate >= 0 && static_cast<uint64_t>(Truncate) < Bytes.size())
    Bytes.resize(Truncate);
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  cl::HideUnrelatedOptions(AsmCategory);
  cl::ParseCommandLineOptions(argc, argv, "qnn test image assembler\n");

  auto Buf = MemoryBuffer::getFileOrSTDIN(InputFile);
  if (!Buf)
    reportErrorAndExit(Tool, makeError("{}: {}", InputFile.getValue(), Buf.getError().message()));
  Expected<image::Program> P = image::programFromJson((*Buf)->getBuffer(), InputFile);
  if (!P)
    reportErrorAndExit(Tool, P.takeError());
  Expected<std::vector<uint8_t>> Bytes = NoVerify ? image::encodeImage(*P) : image::writeImage(*P);
  if (!Bytes)
    reportErrorAndExit(Tool, addContext(Bytes.takeError(), InputFile));
  damage(*Bytes);

  if (Error E = writeOutputFile(
          OutputFile, StringRef(reinterpret_cast<const char *>(Bytes->data()), Bytes->size())))
    reportErrorAndExit(Tool, std::move(E));
  return 0;
}

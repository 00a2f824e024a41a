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
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/ToolOutputFile.h"

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

static void damage(std::vector<uint8_t> &Bytes) {
  if (!CorruptSection.empty()) {
    std::optional<image::SectionId> Id = image::sectionByName(CorruptSection);
    if (!Id)
      reportErrorAndExit("qnn-asm", makeError("unknown section '{}'", CorruptSection.getValue()));
    Expected<image::ImageHeader> H = image::readImageHeader(Bytes, OutputFile);
    if (!H)
      reportErrorAndExit("qnn-asm", H.takeError());
    const image::SectionEntry &E = H->Sections[static_cast<uint32_t>(*Id) - 1];
    if (E.Size == 0)
      reportErrorAndExit("qnn-asm", makeError("section '{}' is empty", CorruptSection.getValue()));
    Bytes[E.Offset + E.Size / 2] ^= 0x5a;
  }
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
    reportErrorAndExit("qnn-asm",
                       makeError("{}: {}", InputFile.getValue(), Buf.getError().message()));
  Expected<image::Program> P = image::programFromJson((*Buf)->getBuffer(), InputFile);
  if (!P)
    reportErrorAndExit("qnn-asm", P.takeError());
  Expected<std::vector<uint8_t>> Bytes = NoVerify ? image::encodeImage(*P) : image::writeImage(*P);
  if (!Bytes)
    reportErrorAndExit("qnn-asm", addContext(Bytes.takeError(), InputFile));
  damage(*Bytes);

  std::error_code EC;
  ToolOutputFile Out(OutputFile, EC, sys::fs::OF_None);
  if (EC)
    reportErrorAndExit("qnn-asm", makeError("{}: {}", OutputFile.getValue(), EC.message()));
  Out.os().write(reinterpret_cast<const char *>(Bytes->data()), Bytes->size());
  Out.keep();
  return 0;
}

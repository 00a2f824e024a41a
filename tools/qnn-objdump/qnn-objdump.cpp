//===- qnn-objdump.cpp - Prints the contents of an image ------------------===//
#include "ImageDumper.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MemoryBuffer.h"

using namespace llvm;
using namespace qnn;

static cl::OptionCategory DumpCategory("qnn-objdump options");
static cl::opt<std::string> ImageFile(cl::Positional, cl::desc("<image>"), cl::Required,
                                      cl::cat(DumpCategory));
static cl::opt<bool> Json("json", cl::desc("Print JSON instead of text"), cl::cat(DumpCategory));

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  cl::HideUnrelatedOptions(DumpCategory);
  cl::ParseCommandLineOptions(argc, argv, "qnn image dumper\n");

  auto Buf = MemoryBuffer::getFile(ImageFile, /*IsText=*/false,
                                   /*RequiresNullTerminator=*/false);
  if (!Buf)
    reportErrorAndExit("qnn-objdump", makeError("{}: cannot read the image: {}",
                                                ImageFile.getValue(), Buf.getError().message()));
  ArrayRef<uint8_t> Bytes(reinterpret_cast<const uint8_t *>((*Buf)->getBufferStart()),
                          (*Buf)->getBufferSize());
  // Nothing is printed unless the whole image verifies.
  Expected<image::Program> P = image::readImage(Bytes, ImageFile);
  if (!P)
    reportErrorAndExit("qnn-objdump", P.takeError());
  Expected<image::ImageHeader> H = image::readImageHeader(Bytes, ImageFile);
  Expected<Target> T = parseTarget(P->TargetJson, ImageFile);
  if (!H || !T)
    reportErrorAndExit("qnn-objdump", joinErrors(H.takeError(), T.takeError()));

  if (Json) {
    {
      JSONScopedPrinter W(outs(), /*PrettyPrint=*/true, std::make_unique<DictScope>());
      image::dumpImage(W, *H, *P, *T);
    } // the outer object closes here
    outs() << "\n";
  } else {
    ScopedPrinter W(outs());
    image::dumpImage(W, *H, *P, *T);
  }
  return 0;
}

//===- fuzz-image.cpp - Fuzzes the image reader and the runtime -----------===//
//
// Covers: the image header, section table, CRCs and every section decoder
// (readImage), the program verifier and dataflow check (Session::create),
// then one ideal-mode run with zero inputs of the declared shapes (symbolic
// batch 1): the chip model and every step kind.
//
// An input that starts with the image magic is read as it is (the framing:
// header, section table, CRCs). Any other input is the seven section payloads
// joined by SectionSeparator, framed here with valid CRCs and the embedded
// target's fingerprint, so that mutations reach the section decoders instead
// of stopping at a CRC mismatch.
//
//===----------------------------------------------------------------------===//
#include "qnn/Image/ImageReader.h"
#include "qnn/Image/PoolGeometry.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Runtime/Runtime.h"
#include "llvm/ADT/SmallVector.h"
#include <algorithm>

using namespace qnn;

namespace {

/// Inputs beyond this many elements are legitimately slow to run: skipped, so
/// the fuzzer spends its time on the readers and verifiers instead.
constexpr int64_t MaxInputElements = int64_t(1) << 20;
/// Likewise pooling steps that may visit more window taps than this (the
/// verifier allows limits::MaxPoolTaps, minutes under the sanitizers).
constexpr uint64_t MaxPoolTaps = uint64_t(1) << 22;

/// Whether some pooling step of \p P may visit more than MaxPoolTaps taps.
bool hasSlowPool(const image::Program &P) {
  for (const image::Step &S : P.Steps)
    if (S.Kind == image::StepKind::Pool &&
        image::poolTapBound(S.Pool, P.Tensors[S.Inputs[0]].Dims, P.Tensors[S.Outputs[0]].Dims) >
            MaxPoolTaps)
      return true;
  return false;
}

constexpr llvm::StringRef SectionSeparator = "QNNSEC";

/// The image bytes of a fuzzer input (see the file comment); empty if the
/// input does not hold all sections.
std::vector<uint8_t> imageBytes(const uint8_t *Data, size_t Size) {
  if (Size >= sizeof(image::ImageMagic) &&
      std::equal(std::begin(image::ImageMagic), std::end(image::ImageMagic), Data))
    return std::vector<uint8_t>(Data, Data + Size);
  llvm::SmallVector<llvm::StringRef, image::NumSections> Parts;
  llvm::StringRef(reinterpret_cast<const char *>(Data), Size)
      .split(Parts, SectionSeparator, image::NumSections - 1);
  if (Parts.size() != image::NumSections)
    return {};
  std::vector<std::vector<uint8_t>> Sections;
  for (llvm::StringRef Part : Parts)
    Sections.emplace_back(Part.bytes_begin(), Part.bytes_end());
  uint64_t Fingerprint = 0;
  if (llvm::Expected<Target> T = parseTarget(Parts[0], "fuzz.img: target"))
    Fingerprint = targetFingerprint(*T);
  else
    llvm::consumeError(T.takeError());
  return image::frameImage(Fingerprint, Sections);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  std::vector<uint8_t> Bytes = imageBytes(Data, Size);
  if (Bytes.empty())
    return 0;
  llvm::Expected<image::Program> P = image::readImage(Bytes, "fuzz.img");
  if (!P) {
    llvm::consumeError(P.takeError());
    return 0;
  }
  llvm::Expected<runtime::Session> S =
      runtime::Session::create(std::move(*P), runtime::RunOptions(), "fuzz.img");
  if (!S) {
    llvm::consumeError(S.takeError());
    return 0;
  }
  if (hasSlowPool(S->program()))
    return 0;
  std::vector<Tensor> Inputs;
  int64_t Total = 0;
  for (uint32_t I : S->program().Inputs) {
    const image::TensorDesc &D = S->program().Tensors[I];
    // The verifier bounded every shape (docs/limits.md): the product cannot
    // overflow. A symbolic batch runs one sample.
    Shape Dims = D.Dims;
    for (int64_t &Dim : Dims)
      Dim = std::max<int64_t>(Dim, 1);
    Total += numElements(Dims);
    if (Total > MaxInputElements)
      return 0;
    Inputs.emplace_back(D.Type, std::move(Dims));
  }
  llvm::Expected<std::vector<Tensor>> Out = S->run(Inputs);
  if (!Out)
    llvm::consumeError(Out.takeError());
  return 0;
}

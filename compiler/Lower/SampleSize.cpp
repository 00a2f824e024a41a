//===- SampleSize.cpp - Sizes of one sample of a value --------------------===//
#include "qnn/Lower/SampleSize.h"
#include "qnn/Support/DType.h"
#include "llvm/Support/MathExtras.h"

namespace qnn {

int64_t bytesOfElements(int64_t Elements, DType T) {
  return static_cast<int64_t>(llvm::divideCeil(Elements * bitWidth(T), 8));
}

int64_t elementsPerSample(const Value &V) {
  int64_t Elements = 1;
  for (int64_t D : V.Type.Dims)
    Elements *= D < 0 ? 1 : D;
  return Elements;
}

int64_t bytesPerSample(const Value &V) {
  return bytesOfElements(elementsPerSample(V), V.Type.Elem);
}

} // namespace qnn

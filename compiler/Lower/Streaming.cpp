//===- Streaming.cpp - Working sets of ops that stream rows ---------------===//
//
// Streaming.h gives the rules. A symbolic batch dimension counts one, as in
// partition: samples run one at a time.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Streaming.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/SampleSize.h"

namespace qnn {

namespace {

/// One row (C x W elements) of an [N, C, H, W] value, and its height.
struct Rows {
  int64_t RowBytes = 0, Height = 0;
};

std::optional<Rows> rowsOf(const Value &V) {
  const Shape &D = V.Type.Dims;
  if (D.size() != 4 || D[1] < 0 || D[2] < 0 || D[3] < 0)
    return std::nullopt;
  return Rows{bytesOfElements(D[1] * D[3], V.Type.Elem), D[2]};
}

/// Window ops: Span input rows plus one output row.
std::optional<int64_t> windowBytes(const Op &O, int64_t KernelH, int64_t StrideH,
                                   int64_t DilationH) {
  std::optional<Rows> In = rowsOf(*O.operand(0)), Out = rowsOf(*O.result());
  if (!In || !Out)
    return std::nullopt;
  int64_t Span = std::min(In->Height, (KernelH - 1) * DilationH + StrideH);
  return Span * In->RowBytes + Out->RowBytes;
}

/// Elementwise ops: one row of each non-constant operand and result.
std::optional<int64_t> rowwiseBytes(const Op &O) {
  int64_t Bytes = 0, Height = -1;
  std::vector<const Value *> Values(O.Results.begin(), O.Results.end());
  for (const Value *V : O.Operands)
    if (V && !V->isConstant())
      Values.push_back(V);
  for (const Value *V : Values) {
    std::optional<Rows> R = rowsOf(*V);
    if (!R || (Height >= 0 && R->Height != Height))
      return std::nullopt;
    Height = R->Height;
    Bytes += R->RowBytes;
  }
  return Bytes;
}

int64_t attrAt(const Op &O, llvm::StringRef Name, size_t Index, int64_t Default) {
  std::vector<int64_t> Values = O.Attrs.getInts(Name);
  return Index < Values.size() ? Values[Index] : Default;
}

} // namespace

std::optional<int64_t> streamingBytes(const Op &O) {
  const llvm::StringRef Kind = O.Kind;
  if (Kind == "reshape")
    return 0;
  if (Kind == "mvm") {
    llvm::Expected<MvmLayer> L = readMvmLayer(O);
    if (!L) {
      llvm::consumeError(L.takeError()); // the verifier reports it
      return std::nullopt;
    }
    if (L->Window == image::WindowKind::Conv2d)
      return windowBytes(O, L->KernelH, L->StrideH, L->DilationH);
    return bytesOfElements(L->K, O.operand(0)->Type.Elem) +
           bytesOfElements(L->N, O.result()->Type.Elem);
  }
  if (Kind == "qmaxpool" || Kind == "qavgpool")
    return windowBytes(O, attrAt(O, "kernel_shape", 0, 1), attrAt(O, "strides", 0, 1),
                       attrAt(O, "dilations", 0, 1));
  if (Kind == "qglobalavgpool") {
    std::optional<Rows> In = rowsOf(*O.operand(0));
    if (!In)
      return std::nullopt;
    const Value &Out = *O.result();
    int64_t Channels = O.operand(0)->Type.Dims[1];
    return In->RowBytes + bytesOfElements(Channels, Out.Type.Elem) + 4 * Channels;
  }
  if (Kind == "quantize" || Kind == "dequantize" || Kind == "requantize" || Kind == "clamp" ||
      Kind == "qadd" || Kind == "qconcat" || Kind == "threshold")
    return rowwiseBytes(O);
  return std::nullopt;
}

} // namespace qnn

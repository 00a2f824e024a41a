//===- KernelLoops.cpp - Index arithmetic of the canonical kernels --------===//
#include "qnn/Transforms/KernelLoops.h"
#include "qnn/Support/Diagnostics.h"
#include <algorithm>

namespace qnn {

int64_t windowOutputSize(int64_t In, int64_t Kernel, int64_t Stride, int64_t Dilation,
                         int64_t PadBegin, int64_t PadEnd, bool CeilMode) {
  int64_t Span = (Kernel - 1) * Dilation + 1;
  int64_t Room = In + PadBegin + PadEnd - Span;
  if (Room < 0)
    return 0;
  int64_t Out = (CeilMode ? (Room + Stride - 1) / Stride : Room / Stride) + 1;
  if (CeilMode && (Out - 1) * Stride >= In + PadBegin)
    --Out;
  return Out;
}

llvm::Expected<std::vector<int64_t>>
resolveAutoPad(llvm::StringRef AutoPad, const std::vector<int64_t> &ExplicitPads,
               const std::vector<int64_t> &InSizes, const std::vector<int64_t> &Kernel,
               const std::vector<int64_t> &Strides, const std::vector<int64_t> &Dilations) {
  size_t Rank = InSizes.size();
  if (AutoPad.empty() || AutoPad == "NOTSET") {
    if (ExplicitPads.empty())
      return std::vector<int64_t>(2 * Rank, 0);
    if (ExplicitPads.size() != 2 * Rank)
      return makeError("pads has {} entries, expected {}", ExplicitPads.size(), 2 * Rank);
    return ExplicitPads;
  }
  if (AutoPad == "VALID")
    return std::vector<int64_t>(2 * Rank, 0);
  if (AutoPad != "SAME_UPPER" && AutoPad != "SAME_LOWER")
    return makeError("unknown auto_pad '{}' (expected NOTSET, SAME_UPPER, SAME_LOWER or VALID)",
                     AutoPad.str());
  std::vector<int64_t> Pads(2 * Rank, 0);
  for (size_t I = 0; I < Rank; ++I) {
    if (InSizes[I] < 0)
      return makeError("auto_pad {} needs static spatial sizes", AutoPad.str());
    int64_t Out = (InSizes[I] + Strides[I] - 1) / Strides[I];
    int64_t Total = std::max<int64_t>(
        0, (Out - 1) * Strides[I] + (Kernel[I] - 1) * Dilations[I] + 1 - InSizes[I]);
    int64_t Small = Total / 2;
    Pads[I] = AutoPad == "SAME_UPPER" ? Small : Total - Small;
    Pads[I + Rank] = Total - Pads[I];
  }
  return Pads;
}

llvm::Expected<Shape> broadcastShapes(const Shape &A, const Shape &B) {
  size_t Rank = std::max(A.size(), B.size());
  Shape Out(Rank);
  for (size_t I = 0; I < Rank; ++I) {
    int64_t DA = I < Rank - A.size() ? 1 : A[I - (Rank - A.size())];
    int64_t DB = I < Rank - B.size() ? 1 : B[I - (Rank - B.size())];
    if (DA != DB && DA != 1 && DB != 1)
      return makeError("shapes {} and {} do not broadcast", shapeToString(A),
                       shapeToString(B));
    Out[I] = DA == 1 ? DB : DA;
  }
  return Out;
}

std::vector<int64_t> broadcastIndices(const Shape &In, const Shape &Out) {
  size_t Rank = Out.size();
  size_t Offset = Rank - In.size();
  std::vector<int64_t> InStrides = stridesOf(In);
  int64_t Count = numElements(Out);
  std::vector<int64_t> Result(Count);
  std::vector<int64_t> Coord(Rank, 0);
  for (int64_t Flat = 0; Flat < Count; ++Flat) {
    int64_t Index = 0;
    for (size_t D = Offset; D < Rank; ++D)
      if (In[D - Offset] != 1)
        Index += Coord[D] * InStrides[D - Offset];
    Result[Flat] = Index;
    for (size_t D = Rank; D-- > 0;) {
      if (++Coord[D] < Out[D])
        break;
      Coord[D] = 0;
    }
  }
  return Result;
}

} // namespace qnn

//===- ShapeUtils.cpp - Broadcasting and axis helpers ---------------------===//
#include "qnn/Support/ShapeUtils.h"
#include "qnn/Support/Diagnostics.h"

namespace qnn {

llvm::Expected<Shape> broadcastShapes(const Shape &A, const Shape &B) {
  size_t Rank = std::max(A.size(), B.size());
  Shape Out(Rank);
  for (size_t I = 0; I < Rank; ++I) {
    int64_t DA = I < Rank - A.size() ? 1 : A[I - (Rank - A.size())];
    int64_t DB = I < Rank - B.size() ? 1 : B[I - (Rank - B.size())];
    if (DA == DB || DB == 1)
      Out[I] = DA;
    else if (DA == 1)
      Out[I] = DB;
    else if (DA < 0 || DB < 0)
      Out[I] = std::max(DA, DB);
    else
      return makeError("shapes {} and {} do not broadcast (dimension {} vs {})", shapeToString(A),
                       shapeToString(B), DA, DB);
  }
  return Out;
}

std::vector<int64_t> broadcastIndices(const Shape &In, const Shape &Out) {
  size_t Rank = Out.size(), Lead = Rank - In.size();
  std::vector<int64_t> InStrides = stridesOf(In);
  // Stride 0 along the dimensions that are broadcast.
  std::vector<int64_t> Strides(Rank, 0);
  for (size_t I = 0; I < In.size(); ++I)
    Strides[Lead + I] = In[I] == 1 ? 0 : InStrides[I];
  int64_t N = numElements(Out);
  std::vector<int64_t> Result(N);
  std::vector<int64_t> Coord(Rank, 0);
  int64_t Index = 0;
  for (int64_t E = 0; E < N; ++E) {
    Result[E] = Index;
    for (size_t D = Rank; D-- > 0;) {
      Index += Strides[D];
      if (++Coord[D] < Out[D])
        break;
      Index -= Strides[D] * Coord[D];
      Coord[D] = 0;
    }
  }
  return Result;
}

llvm::Expected<int64_t> normalizeAxis(int64_t Axis, int64_t Rank, llvm::StringRef What) {
  if (Axis < -Rank || Axis >= std::max<int64_t>(Rank, 1))
    return makeError("{} {} is out of range for rank {}", What.str(), Axis, Rank);
  return Axis < 0 ? Axis + Rank : Axis;
}

int64_t windowOutputSize(int64_t In, int64_t PadBegin, int64_t PadEnd, int64_t Kernel,
                         int64_t Stride, int64_t Dilation, bool Ceil) {
  int64_t Span = In + PadBegin + PadEnd - (Dilation * (Kernel - 1) + 1);
  if (Span < 0)
    return -1;
  int64_t Out = (Ceil ? (Span + Stride - 1) / Stride : Span / Stride) + 1;
  if (Ceil && (Out - 1) * Stride >= In + PadBegin)
    --Out;
  return Out;
}

} // namespace qnn

//===- Packing.cpp - Diagonal packing of blocks onto arrays ---------------===//
#include "qnn/Lower/Packing.h"
#include <numeric>

namespace qnn {

std::vector<PackedBlock> packBlocks(llvm::ArrayRef<MvmBlock> Blocks, const Target &T,
                                    int64_t &NumArrays) {
  struct ArrayFill {
    int64_t Rows = 0, Cols = 0, ReadShift = 0;
  };
  std::vector<size_t> Order(Blocks.size());
  std::iota(Order.begin(), Order.end(), 0);
  std::stable_sort(Order.begin(), Order.end(), [&](size_t A, size_t B) {
    return Blocks[A].KCount * Blocks[A].ColCount > Blocks[B].KCount * Blocks[B].ColCount;
  });
  std::vector<ArrayFill> Arrays;
  std::vector<PackedBlock> Result(Blocks.size());
  for (size_t I : Order) {
    const MvmBlock &B = Blocks[I];
    size_t A = 0;
    while (A < Arrays.size() &&
           !(Arrays[A].ReadShift == B.ReadShift && Arrays[A].Rows + B.KCount <= T.Rows &&
             Arrays[A].Cols + B.ColCount <= T.Cols))
      ++A;
    if (A == Arrays.size())
      Arrays.push_back({0, 0, B.ReadShift});
    Result[I] = {static_cast<int64_t>(A), Arrays[A].Rows, Arrays[A].Cols};
    Arrays[A].Rows += B.KCount;
    Arrays[A].Cols += B.ColCount;
  }
  NumArrays = static_cast<int64_t>(Arrays.size());
  return Result;
}

} // namespace qnn

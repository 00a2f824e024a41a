//===- Limits.cpp - Resource limits every reader enforces -----------------===//
#include "qnn/Support/Limits.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"

namespace qnn::limits {

llvm::Expected<int64_t> checkShape(const Shape &S, const llvm::Twine &What, bool AllowBatch) {
  if (S.size() > MaxRank)
    return makeError("{} has rank {}, more than the {} qnn supports", What.str(), S.size(),
                     MaxRank);
  for (size_t I = 0; I < S.size(); ++I)
    if (S[I] < 0 && !(S[I] == -1 && AllowBatch))
      return makeError("{} has dimension {} = {}; sizes are non-negative", What.str(), I, S[I]);
  // Beside a zero dimension a huge one holds no element, yet a loop over it
  // would never end: each dimension is bounded on its own.
  if (llvm::is_contained(S, 0)) {
    for (size_t I = 0; I < S.size(); ++I)
      if (S[I] > MaxElements)
        return makeError("{} of shape {} has dimension {} = {}, more than the {} qnn supports",
                         What.str(), shapeToString(S), I, S[I], MaxElements);
    return 0;
  }
  int64_t N = 1;
  for (int64_t D : S) {
    if (D == -1)
      continue; // the batch, one sample at a time
    // Compared by division, so that the product never overflows.
    if (N > MaxElements / D)
      return makeError("{} of shape {} has more than {} elements, the most qnn holds in one "
                       "tensor",
                       What.str(), shapeToString(S), MaxElements);
    N *= D;
  }
  return N;
}

llvm::Error TotalBytes::add(uint64_t Elements, const llvm::Twine &What) {
  uint64_t More = heldBytes(std::min<uint64_t>(Elements, uint64_t(MaxElements)));
  if (Elements > uint64_t(MaxElements) || Bytes + More > MaxTotalBytes)
    return makeError("{} brings the tensors held in memory past {} GiB, the most qnn holds at once",
                     What.str(), MaxTotalBytes >> 30);
  Bytes += More;
  return llvm::Error::success();
}

} // namespace qnn::limits

//===- PoolGeometry.cpp - Window arithmetic of a pooling step -------------===//
#include "qnn/Image/PoolGeometry.h"
#include <algorithm>

namespace qnn::image {

namespace {

/// Ceiling of \p A / \p B for a positive \p B and any sign of \p A.
int64_t ceilDiv(int64_t A, int64_t B) { return A >= 0 ? (A + B - 1) / B : -((-A) / B); }

} // namespace

TapRange tapsWithin(int64_t Origin, int64_t Kernel, int64_t Dilation, int64_t Lo, int64_t Hi) {
  // Origin + I * Dilation grows with I: the first I at or past Lo, the first
  // I at or past Hi.
  TapRange R;
  R.Begin = std::clamp<int64_t>(ceilDiv(Lo - Origin, Dilation), 0, Kernel);
  R.End = std::clamp<int64_t>(ceilDiv(Hi - Origin, Dilation), 0, Kernel);
  return R;
}

uint64_t poolTapBound(const PoolStep &S, const Shape &In, const Shape &Out) {
  uint64_t TapsH = S.Global ? In[2] : std::min<uint64_t>(S.KernelH, In[2]);
  uint64_t TapsW = S.Global ? In[3] : std::min<uint64_t>(S.KernelW, In[3]);
  // Every factor is bounded by limits::MaxElements (2^27): no overflow.
  return uint64_t(In[1]) * Out[2] * Out[3] * TapsH * TapsW;
}

} // namespace qnn::image

//===- HugePageArrayTest.cpp - Large arrays on huge pages -----------------===//
#include "qnn/Runtime/HugePageArray.h"
#include <cstdint>
#include <gtest/gtest.h>
#include <numeric>

using namespace qnn::runtime;

TEST(HugePageArray, HoldsWhatIsWrittenOnHugePageBoundaries) {
  // 3 MiB of int32: two huge pages, the array starting on one; every
  // element keeps its own value.
  const size_t Count = (size_t(3) << 20) / sizeof(int32_t);
  HugePageArray<int32_t> A(Count);
  ASSERT_EQ(A.size(), Count);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(A.data()) % (size_t(2) << 20), 0u);
  std::iota(A.data(), A.data() + Count, 0);
  int64_t Sum = std::accumulate(A.data(), A.data() + Count, int64_t(0));
  EXPECT_EQ(Sum, int64_t(Count) * int64_t(Count - 1) / 2);
  // Moved, the elements go with it and leave an empty array.
  HugePageArray<int32_t> B = std::move(A);
  EXPECT_EQ(B.data()[Count - 1], static_cast<int32_t>(Count - 1));
  EXPECT_EQ(A.size(), 0u);
  EXPECT_EQ(A.data(), nullptr);
}

TEST(HugePageArray, EmptyHoldsNothing) {
  HugePageArray<float> Empty(0);
  EXPECT_EQ(Empty.size(), 0u);
  EXPECT_EQ(Empty.data(), nullptr);
}

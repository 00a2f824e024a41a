//===- LimitsTest.cpp - Shape and memory limits ---------------------------===//
#include "qnn/Support/Limits.h"
#include "gtest/gtest.h"

using namespace qnn;

namespace {

std::string errorOf(llvm::Error E) { return E ? llvm::toString(std::move(E)) : ""; }

TEST(Limits, ShapesCountWithoutOverflow) {
  EXPECT_EQ(*limits::checkShape({}, "t"), 1);
  EXPECT_EQ(*limits::checkShape({2, 0, limits::MaxElements}, "t"), 0);
  // A zero beside it does not make a huge dimension harmless.
  EXPECT_EQ(errorOf(limits::checkShape({2, 0, int64_t(1) << 62}, "t").takeError()),
            "t of shape 2x0x4611686018427387904 has dimension 2 = 4611686018427387904, more than "
            "the 134217728 qnn supports");
  EXPECT_EQ(*limits::checkShape({int64_t(1) << 13, int64_t(1) << 14}, "t"), limits::MaxElements);
  // (2^60 + 1) * 784 wraps a 64-bit product to a small number.
  EXPECT_EQ(errorOf(limits::checkShape({(int64_t(1) << 60) + 1, 1, 28, 28}, "t").takeError()),
            "t of shape 1152921504606846977x1x28x28 has more than 134217728 elements, the most "
            "qnn holds in one tensor");
  EXPECT_EQ(errorOf(limits::checkShape({limits::MaxElements + 1}, "t").takeError()),
            "t of shape 134217729 has more than 134217728 elements, the most qnn holds in one "
            "tensor");
}

TEST(Limits, AcceptedShapesCountTheirElementsWithoutOverflow) {
  // Dimensions checkShape lets through beside a zero would overflow a
  // product taken in order before reaching the zero (a fuzzed .npy did).
  const Shape Wide = {142977, 28, 291, 977, 2977, 0, 2977};
  ASSERT_EQ(*limits::checkShape(Wide, "t"), 0);
  EXPECT_EQ(numElements(Wide), 0);
  const Shape Full = {int64_t(1) << 13, int64_t(1) << 14};
  EXPECT_EQ(numElements(Full), *limits::checkShape(Full, "t"));
}

TEST(Limits, BatchAndNegativeDimensions) {
  EXPECT_EQ(*limits::checkShape({-1, 3, 4}, "t", /*AllowBatch=*/true), 12);
  EXPECT_EQ(errorOf(limits::checkShape({-1, 3}, "t").takeError()),
            "t has dimension 0 = -1; sizes are non-negative");
  EXPECT_EQ(errorOf(limits::checkShape({3, -2}, "t", true).takeError()),
            "t has dimension 1 = -2; sizes are non-negative");
}

TEST(Limits, Rank) {
  EXPECT_TRUE(static_cast<bool>(limits::checkShape(Shape(limits::MaxRank, 1), "t")));
  EXPECT_EQ(errorOf(limits::checkShape(Shape(limits::MaxRank + 1, 1), "t").takeError()),
            "t has rank 17, more than the 16 qnn supports");
}

TEST(Limits, TotalBytesAccumulate) {
  limits::TotalBytes Held;
  uint64_t Quarter = limits::MaxTotalBytes / 4 / sizeof(double);
  for (int I = 0; I < 4; ++I)
    EXPECT_EQ(errorOf(Held.add(Quarter, "t")), "");
  EXPECT_EQ(errorOf(Held.add(1, "one more")),
            "one more brings the tensors held in memory past 4 GiB, the most qnn holds at once");
  limits::TotalBytes Fresh;
  EXPECT_NE(errorOf(Fresh.add(~uint64_t(0), "t")), "");
}

} // namespace

//===- MonteCarloOptionsTest.cpp - --instance-range and --sweep -----------===//
#include "qnn-eval/MonteCarloOptions.h"
#include "gtest/gtest.h"

using namespace qnn::eval;

namespace {

template <typename T> std::string errorOf(llvm::Expected<T> V) {
  return V ? "" : llvm::toString(V.takeError());
}

TEST(InstanceRange, IsHalfOpen) {
  llvm::Expected<InstanceRange> R = parseInstanceRange("3:7");
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->Begin, 3u);
  EXPECT_EQ(R->End, 7u);
  R = parseInstanceRange("0:1");
  ASSERT_TRUE(bool(R));
  EXPECT_EQ(R->End - R->Begin, 1u);
}

TEST(InstanceRange, RefusesWhatIsNotARange) {
  for (const char *Text : {"", "3", ":4", "3:", "-1:4", "1:2:3", "a:b", "1.5:3", " 1:3"})
    EXPECT_EQ(errorOf(parseInstanceRange(Text)),
              std::string("--instance-range=") + Text +
                  ": expected A:B, the instances A to B-1 (e.g. 0:10)")
        << Text;
  EXPECT_NE(errorOf(parseInstanceRange("5:5")), "");
  EXPECT_NE(errorOf(parseInstanceRange("6:5")), "");
  // One more than MaxInstances (2^32) instances.
  EXPECT_NE(errorOf(parseInstanceRange("0:4294967297")), "");
  EXPECT_EQ(errorOf(parseInstanceRange("1:4294967297")), "");
}

TEST(Sweep, ValuesAreEvenlySpacedWithBothEnds) {
  llvm::Expected<Sweep> S = parseSweep("sigma-read=0:0.02:5");
  ASSERT_TRUE(bool(S));
  EXPECT_EQ(S->Name, "sigma-read");
  std::vector<double> V = S->values();
  ASSERT_EQ(V.size(), 5u);
  EXPECT_EQ(V[0], 0);
  EXPECT_DOUBLE_EQ(V[1], 0.005);
  EXPECT_DOUBLE_EQ(V[2], 0.01);
  EXPECT_DOUBLE_EQ(V[3], 0.015);
  // The last value is STOP itself, not STOP up to a rounding error.
  EXPECT_EQ(V[4], 0.02);

  // Downwards, and a single value.
  S = parseSweep("sigma-offset=0.3:0.1:3");
  ASSERT_TRUE(bool(S));
  V = S->values();
  ASSERT_EQ(V.size(), 3u);
  EXPECT_EQ(V[0], 0.3);
  EXPECT_DOUBLE_EQ(V[1], 0.2);
  EXPECT_EQ(V[2], 0.1);
  S = parseSweep("drift-seconds=1e6:1e6:1");
  ASSERT_TRUE(bool(S));
  EXPECT_EQ(S->values(), std::vector<double>{1e6});
}

TEST(Sweep, RefusesBadForms) {
  for (const char *Text :
       {"sigma-read", "sigma-read=0:1", "=0:1:3", "sigma-read=0:1:3:4", "sigma-read=a:1:3",
        "sigma-read=0:1:2.5", "sigma-read=0:inf:3", "sigma-read=nan:1:3"})
    EXPECT_EQ(errorOf(parseSweep(Text)), std::string("--sweep=") + Text +
                                             ": expected NAME=START:STOP:COUNT, e.g. "
                                             "sigma-read=0:0.02:5 (5 values from 0 to 0.02)")
        << Text;
  EXPECT_EQ(errorOf(parseSweep("sigma-read=0:1:0")),
            "--sweep=sigma-read=0:1:0: COUNT must be 1 to 10000");
  EXPECT_NE(errorOf(parseSweep("sigma-read=0:1:10001")), "");
  EXPECT_NE(errorOf(parseSweep("sigma-read=0:1:1")), "");
}

} // namespace

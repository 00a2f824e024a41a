//===- StoreAsTest.cpp - What a store into an element type keeps ----------===//
#include "qnn/Support/Tensor.h"
#include "gtest/gtest.h"
#include <cmath>

using namespace qnn;

namespace {

TEST(StoreAs, WrapsIntegersToTheirWidth) {
  EXPECT_EQ(storeAs(DType::I8, 200), -56);
  EXPECT_EQ(storeAs(DType::I8, -129.75), 127);
  EXPECT_EQ(storeAs(DType::U8, -1), 255);
  EXPECT_EQ(storeAs(DType::I4, 9), -7);
  EXPECT_EQ(storeAs(DType::I32, -0x1p31 - 1), 0x1p31 - 1);
  EXPECT_EQ(storeAs(DType::Bool, 0.25), 1);
  EXPECT_EQ(storeAs(DType::I16, NAN), 0);
}

// Adding 2^64 to a small negative value rounds it to 2^64: an i64 store of
// -1 once gave 0.
TEST(StoreAs, KeepsNegative64BitIntegers) {
  EXPECT_EQ(storeAs(DType::I64, -1), -1);
  EXPECT_EQ(storeAs(DType::I64, -732246711974.5), -732246711974);
  EXPECT_EQ(storeAs(DType::I64, 0x1p63), -0x1p63);
  EXPECT_EQ(storeAs(DType::I64, -0x1p63), -0x1p63);
  EXPECT_EQ(storeAs(DType::I64, 0x1p64 + 0x1p12), 0x1p12);
}

} // namespace

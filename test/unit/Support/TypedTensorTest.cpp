//===- TypedTensorTest.cpp - Tensors stored as their element type ---------===//
//
// The runtime's storage against qnn::storeAs, the store of the compiler's
// double tensors: every type keeps what storeAs keeps, in the bytes its
// type needs.
//
//===----------------------------------------------------------------------===//
#include "qnn/Support/TypedTensor.h"
#include "gtest/gtest.h"
#include <cmath>
#include <random>

using namespace qnn;

namespace {

const DType Computed[] = {DType::F32, DType::F16, DType::F64, DType::I2,  DType::U2,  DType::I4,
                          DType::U4,  DType::I8,  DType::U8,  DType::I16, DType::U16, DType::I32,
                          DType::U32, DType::I64, DType::U64, DType::Bool};

/// Doubles of every kind a store meets: small and huge integers, fractions,
/// negative values, infinities and NaN.
std::vector<double> awkwardDoubles(std::mt19937_64 &Rng, size_t Count) {
  std::vector<double> V = {0,        -0.0,      0.5,    -0.5,    1,        -1,        127,
                           128,      -129,      255,    256,     65535.75, -65537.25, 0x1p31,
                           -0x1p31,  0x1p53,    0x1p63, -0x1p63, 0x1p70,   -0x1p70,   1e300,
                           INFINITY, -INFINITY, NAN,    3.1e-5,  0x1p-20,  65504.0,   65520.0};
  std::uniform_real_distribution<double> Small(-300, 300), Big(-1e12, 1e12);
  while (V.size() < Count)
    V.push_back(V.size() % 2 ? std::trunc(Small(Rng)) : Big(Rng));
  return V;
}

/// storeAs with NaN compared equal to NaN.
void expectStored(DType T, double Want, double Got, double From) {
  if (std::isnan(Want))
    EXPECT_TRUE(std::isnan(Got)) << dtypeName(T).str() << " " << From;
  else
    EXPECT_EQ(Want, Got) << dtypeName(T).str() << " " << From;
}

TEST(TypedTensor, StoresDoublesAsStoreAsDoes) {
  std::mt19937_64 Rng(1);
  std::vector<double> Values = awkwardDoubles(Rng, 1000);
  for (DType T : Computed) {
    TypedTensor X(T, {int64_t(Values.size())});
    X.write(0, X.size(), Values.data());
    Tensor Back = X.toTensor();
    EXPECT_EQ(Back.Type, T);
    EXPECT_EQ(Back.Dims, X.dims());
    for (size_t I = 0; I < Values.size(); ++I)
      expectStored(T, storeAs(T, Values[I]), Back.Data[I], Values[I]);
  }
}

/// \p V wrapped to \p W bits, by shifts rather than TypedTensor's mask.
int64_t wrapped(int64_t V, unsigned W, bool Signed) {
  uint64_t Up = uint64_t(V) << (64 - W);
  return Signed ? int64_t(Up) >> (64 - W) : int64_t(Up >> (64 - W));
}

TEST(TypedTensor, StoresIntegersWrappedToTheirWidth) {
  std::mt19937_64 Rng(2);
  std::vector<int64_t> Values = {INT64_MIN, INT64_MAX, -1, 0, 1, 7, 8, -9, 255, 256, -32769};
  while (Values.size() < 1000)
    Values.push_back(int64_t(Rng()) >> (Rng() % 64));
  for (DType T : Computed) {
    TypedTensor X(T, {int64_t(Values.size())});
    X.write(0, X.size(), Values.data());
    for (size_t I = 0; I < Values.size(); ++I) {
      if (isFloat(T)) {
        double Got;
        X.read(I, 1, &Got);
        EXPECT_EQ(Got, storeAs(T, static_cast<double>(Values[I]))) << dtypeName(T).str();
        continue;
      }
      // u64 reads back as its two's complement int64.
      int64_t Want =
          T == DType::Bool ? Values[I] != 0 : wrapped(Values[I], bitWidth(T), isSigned(T));
      EXPECT_EQ(X.intAt(I), Want) << dtypeName(T).str() << " " << Values[I];
    }
  }
}

TEST(TypedTensor, WrapsOnStore) {
  TypedTensor I4(DType::I4, {4}), U8(DType::U8, {4}), B(DType::Bool, {4});
  const int64_t Values[] = {9, -9, 256, -1};
  I4.write(0, 4, Values);
  U8.write(0, 4, Values);
  B.write(0, 4, Values);
  EXPECT_EQ(I4.toTensor().Data, std::vector<double>({-7, 7, 0, -1}));
  EXPECT_EQ(U8.toTensor().Data, std::vector<double>({9, 247, 0, 255}));
  EXPECT_EQ(B.toTensor().Data, std::vector<double>({1, 1, 1, 1}));
}

TEST(TypedTensor, TakesTheBytesOfItsType) {
  const std::pair<DType, size_t> Sizes[] = {{DType::Bool, 1}, {DType::U4, 1},  {DType::I8, 1},
                                            {DType::U16, 2},  {DType::I32, 4}, {DType::I64, 8},
                                            {DType::F16, 4},  {DType::F32, 4}, {DType::F64, 8}};
  for (auto [T, Bytes] : Sizes) {
    EXPECT_EQ(storageBytes(T), Bytes) << dtypeName(T).str();
    EXPECT_EQ(TypedTensor(T, {3, 5, 7}).bytes(), 105 * Bytes) << dtypeName(T).str();
  }
}

TEST(TypedTensor, ReadsFloatsAsToInt64) {
  const double Values[] = {2.75, -2.75, 1e30, -1e30, NAN, 0x1p62};
  TypedTensor X(DType::F64, {6});
  X.write(0, 6, Values);
  for (int64_t I = 0; I < 6; ++I)
    EXPECT_EQ(X.intAt(I), toInt64(Values[I]));
}

TEST(TypedTensor, TensorsRoundTrip) {
  std::mt19937_64 Rng(3);
  for (DType T : Computed) {
    Tensor X(T, {2, 300});
    // A negative value stored as u64 is near 2^64, which a double rounds to
    // 2^64 itself: not a u64 value.
    for (double &V : X.Data) {
      double From = awkwardDoubles(Rng, 30)[Rng() % 30];
      V = storeAs(T, T == DType::U64 ? std::abs(From) : From);
    }
    EXPECT_EQ(TypedTensor(X).toTensor().Data.size(), X.Data.size());
    Tensor Back = TypedTensor(X).toTensor();
    for (int64_t I = 0; I < X.size(); ++I)
      expectStored(T, X.Data[I], Back.Data[I], X.Data[I]);
  }
}

TEST(TypedTensor, CopiesAcrossTypesAsStores) {
  std::mt19937_64 Rng(4);
  std::vector<double> Values = awkwardDoubles(Rng, 2000);
  for (DType From : Computed)
    for (DType To : {DType::U8, DType::I4, DType::F16, DType::I32, DType::Bool}) {
      TypedTensor Src(From, {int64_t(Values.size())}), Dst(To, {int64_t(Values.size()) + 5});
      Src.write(0, Src.size(), Values.data());
      // Offsets on both sides, more elements than one block of mapElements.
      copyElements(Src, 3, Dst, 5, Src.size() - 3);
      Tensor S = Src.toTensor(), D = Dst.toTensor();
      for (int64_t I = 0; I < 5; ++I)
        EXPECT_EQ(D.Data[I], 0);
      for (int64_t I = 3; I < Src.size(); ++I)
        expectStored(To, storeAs(To, S.Data[I]), D.Data[I + 2], S.Data[I]);
    }
}

} // namespace

//===- AnalogReadTest.cpp - Analog mode's vectorized math and read noise --===//
//
// The float functions of FastMath.h against the C library, and the read
// noise of ReadNoise.h: standard normal moments and tails, and draws that
// depend only on where they are read (not on how the reads are grouped).
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/AnalogRead.h"
#include "qnn/Runtime/FastMath.h"
#include "qnn/Runtime/ReadNoise.h"
#include "gtest/gtest.h"
#include <cmath>
#include <numeric>
#include <vector>

using namespace qnn::runtime;

namespace {

TEST(FastMath, LogMatchesTheCLibrary) {
  // Every power of two from 2^-24 to 2^24, with 64 mantissas each.
  for (int E = -24; E <= 24; ++E)
    for (int M = 0; M < 64; ++M) {
      const float X = std::ldexp(1.0f + M / 64.0f, E);
      EXPECT_NEAR(fastmath::log(X), std::log(X), 2e-7 * std::max(1.0f, std::fabs(std::log(X))))
          << "x = " << X;
    }
}

TEST(FastMath, SinCosMatchTheCLibraryOnAQuarterTurn) {
  for (int I = -1000; I <= 1000; ++I) {
    const float A = 0.78539816f * I / 1000;
    float S, C;
    fastmath::sinCosQuarter(A, S, C);
    EXPECT_NEAR(S, std::sin(A), 2e-7) << "a = " << A;
    EXPECT_NEAR(C, std::cos(A), 2e-7) << "a = " << A;
  }
}

TEST(FastMath, TanhMatchesTheCLibrary) {
  // Both branches (below and above 0.625), both signs, and saturation.
  for (int I = -4000; I <= 4000; ++I) {
    const float X = I / 100.0f;
    EXPECT_NEAR(fastmath::tanh(X), std::tanh(X), 3e-7 * std::max(1.0f, std::fabs(std::tanh(X))))
        << "x = " << X;
  }
  EXPECT_EQ(fastmath::tanh(1e6f), 1.0f);
  EXPECT_EQ(fastmath::tanh(-1e6f), -1.0f);
}

/// \p Columns draws for each of \p Vectors vectors of step 3, phase 1.
std::vector<float> draws(const ReadNoise &Noise, uint64_t Vectors, uint32_t Columns) {
  std::vector<uint64_t> Numbers(Vectors);
  std::iota(Numbers.begin(), Numbers.end(), 0);
  std::vector<float> Z(Vectors * Columns);
  Noise.normals(3, 1, Numbers, 6, 0, Columns, Z.data());
  return Z;
}

TEST(ReadNoise, DrawsAreStandardNormal) {
  const std::vector<float> Z = draws(ReadNoise(42), 2000, 100);
  double Sum = 0, Squares = 0, Fourth = 0;
  size_t Beyond2 = 0, Beyond3 = 0;
  for (float V : Z) {
    Sum += V, Squares += double(V) * V, Fourth += std::pow(double(V), 4);
    Beyond2 += std::fabs(V) > 2;
    Beyond3 += std::fabs(V) > 3;
  }
  const double N = static_cast<double>(Z.size());
  // 200,000 draws: the mean's standard error is 0.0022, the variance's 0.003.
  EXPECT_NEAR(Sum / N, 0.0, 0.01);
  EXPECT_NEAR(Squares / N, 1.0, 0.015);
  EXPECT_NEAR(Fourth / N, 3.0, 0.1); // kurtosis of a normal
  EXPECT_NEAR(Beyond2 / N, 0.0455, 0.003);
  EXPECT_NEAR(Beyond3 / N, 0.0027, 0.0006);
}

TEST(ReadNoise, ADrawDependsOnlyOnWhereItIsRead) {
  const ReadNoise Noise(7);
  // Columns 5..37 of vectors 9 and 1000000000000, asked for together...
  const std::vector<uint64_t> Both = {9, 1000000000000};
  std::vector<float> Together(2 * 33);
  Noise.normals(2, 4, Both, 9, 5, 33, Together.data());
  // ... one vector and one column range at a time.
  for (size_t V = 0; V < Both.size(); ++V)
    for (uint32_t First : {5u, 6u, 19u}) {
      const uint32_t Count = 38 - First;
      std::vector<float> Alone(Count);
      Noise.normals(2, 4, {Both[V]}, 9, First, Count, Alone.data());
      for (uint32_t C = 0; C < Count; ++C)
        EXPECT_EQ(Alone[C], Together[V * 33 + First - 5 + C])
            << "vector " << Both[V] << " column " << First + C;
    }
}

TEST(ReadNoise, EveryPartOfThePositionChangesTheDraw) {
  const ReadNoise Noise(7);
  auto draw = [](const ReadNoise &N, uint32_t Step, uint32_t Phase, uint64_t Vector, uint32_t Array,
                 uint32_t Column) {
    float Z;
    N.normals(Step, Phase, {Vector}, Array, Column, 1, &Z);
    return Z;
  };
  const float Base = draw(Noise, 2, 3, 4, 5, 6);
  EXPECT_NE(Base, draw(ReadNoise(8), 2, 3, 4, 5, 6));
  EXPECT_NE(Base, draw(Noise, 1, 3, 4, 5, 6));
  EXPECT_NE(Base, draw(Noise, 2, 2, 4, 5, 6));
  EXPECT_NE(Base, draw(Noise, 2, 3, 5, 5, 6));
  EXPECT_NE(Base, draw(Noise, 2, 3, 4ull << 32, 5, 6));
  // The same column of another array: row blocks of one layer on several
  // arrays read the same block columns, and their noise must not add up
  // coherently (it once did).
  EXPECT_NE(Base, draw(Noise, 2, 3, 4, 4, 6));
  EXPECT_NE(Base, draw(Noise, 2, 3, 4, 5, 7));
  EXPECT_EQ(Base, draw(Noise, 2, 3, 4, 5, 6));
}

TEST(AnalogRead, CodesFollowTheReadOutChain) {
  // Without noise, gain 1 and offset 0: the rounded, clamped current.
  std::vector<float> Gain(6, 1.0f), Offset(6, 0.0f), Z(6, 0.0f), Noise(6, 0.0f), CodeScale(6, 1.0f),
      NonlinIn(6, 0.0f), NonlinOut(6, 0.0f);
  ColumnReadouts R;
  R.MaxCode = 15;
  R.Gain = Gain.data(), R.OffsetFS = Offset.data(), R.NoiseFS = Noise.data();
  R.CodeScale = CodeScale.data(), R.NonlinIn = NonlinIn.data(), R.NonlinOut = NonlinOut.data();
  const std::vector<float> Currents = {-3.0f, 0.49f, 0.5f, 7.6f, 15.4f, 99.0f};
  std::vector<int32_t> Codes(6);
  adcCodes(R, Currents.data(), Z.data(), 6, 1, Codes.data());
  EXPECT_EQ(Codes, (std::vector<int32_t>{0, 0, 1, 8, 15, 15}));
  // A read noise of one code moves every read by its draw.
  std::fill(Noise.begin(), Noise.end(), 1.0f);
  const std::vector<float> Ones(6, 1.0f);
  adcCodes(R, Currents.data(), Ones.data(), 6, 1, Codes.data());
  EXPECT_EQ(Codes, (std::vector<int32_t>{0, 1, 2, 9, 15, 15}));
  // Each column reads at its own range: twice the code scale, twice the code.
  std::fill(Noise.begin(), Noise.end(), 0.0f);
  CodeScale[3] = 2;
  adcCodes(R, Currents.data(), Z.data(), 6, 1, Codes.data());
  EXPECT_EQ(Codes, (std::vector<int32_t>{0, 0, 1, 15, 15, 15}));
  CodeScale[2] = 2;
  adcCodes(R, Currents.data(), Z.data(), 3, 1, Codes.data());
  EXPECT_EQ(Codes[2], 1); // 0.5 * 2 + 0.5 rounds down to 1
  // The non-linearity compresses: tanh(a u) / tanh(a) >= u on [0, 1].
  R.Nonlinear = true, R.MaxCode = 1023;
  CodeScale[0] = 1.0f / 16, NonlinIn[0] = 0.5f / 1023, NonlinOut[0] = 1023 / std::tanh(0.5f);
  const std::vector<float> Mid = {511.5f * 16};
  adcCodes(R, Mid.data(), Z.data(), 1, 1, Codes.data());
  EXPECT_EQ(Codes[0], std::lround(1023 * std::tanh(0.5 * 511.5 * 16 / 1023) / std::tanh(0.5) / 16));
}

} // namespace

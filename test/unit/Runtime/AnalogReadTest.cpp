//===- AnalogReadTest.cpp - Analog mode's vectorized math and read noise --===//
//
// The float functions of FastMath.h against the C library; the read noise
// of ReadNoise.h: standard normal moments and tails, no correlation between
// neighbours, and draws that depend only on where they are read (not on
// how the reads are grouped); the inner loops of AnalogRead.h against
// their scalar definitions, and the alignment of their buffers.
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/AnalogRead.h"
#include "qnn/Runtime/AlignedVector.h"
#include "qnn/Runtime/FastMath.h"
#include "qnn/Runtime/ReadNoise.h"
#include "qnn/Target/NmpuArith.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
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

TEST(FastMath, ScaledLogHasTheBitsOfTheScaledLog) {
  // The factor and the shift are folded in exactly: every integer the
  // Box-Muller radius takes near the ends and 1,000 between, and powers
  // of two times a few mantissas, against the two multiplications.
  std::vector<float> Xs;
  for (int32_t N = 1; N <= 1000; ++N)
    Xs.push_back(static_cast<float>(N)), Xs.push_back(static_cast<float>((1 << 22) + 1 - N));
  for (int32_t N = 1; N < (1 << 22); N += 4099)
    Xs.push_back(static_cast<float>(N));
  for (float X : Xs)
    ASSERT_EQ(fastmath::scaledLog(X, -2.0f, 22), -2.0f * fastmath::log(X * 0x1p-22f)) << X;
  for (int E = -20; E <= 20; ++E)
    for (float M : {1.0f, 1.3f, 1.7f}) {
      const float X = std::ldexp(M, E);
      ASSERT_EQ(fastmath::scaledLog(X, 4.0f, -3), 4.0f * fastmath::log(X * 8.0f)) << X;
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

TEST(FastMath, BoxMullerTakesEvenlySpacedDirectionsOffTheAxes) {
  // The low 10 bits of a word pick one of 1,024 directions, evenly spaced
  // and a half step off the axes (boxMuller's case for so few bits); the
  // top 22 the radius, sqrt(-2 ln u) with u = (bits + 1) / 2^22.
  const double Pi = 3.14159265358979323846, Step = 2 * Pi / 1024;
  for (uint32_t RadiusBits : {0u, 1234567u, 4194303u}) {
    const double Radius = std::sqrt(-2 * std::log((RadiusBits + 1) / 4194304.0));
    std::vector<double> Angles;
    for (uint32_t Direction = 0; Direction < 1024; ++Direction) {
      float X, Y;
      fastmath::boxMuller(RadiusBits << 10 | Direction, X, Y);
      EXPECT_NEAR(std::hypot(X, Y), Radius, 1e-6 * std::max(1.0, Radius)) << Direction;
      if (Radius > 0)
        Angles.push_back(std::atan2(Y, X) + Pi);
    }
    std::sort(Angles.begin(), Angles.end());
    for (size_t I = 0; I < Angles.size(); ++I) {
      // Angle k, in [0, 2 pi), is (k + 1/2) steps.
      EXPECT_NEAR(Angles[I], (I + 0.5) * Step, 1e-5) << "direction " << I;
    }
  }
  // The largest radius, where u = 2^-22, is the tail cut.
  float X, Y;
  fastmath::boxMuller(0x3ff, X, Y);
  EXPECT_LT(std::hypot(X, Y), 5.523); // sqrt(-2 ln 2^-22) = 5.5225
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
  // Below the branch point tanhSmall is tanh, bit for bit.
  for (int I = -6249; I <= 6249; ++I)
    EXPECT_EQ(fastmath::tanhSmall(I / 10000.0f), fastmath::tanh(I / 10000.0f)) << I;
}

/// \p Columns draws for each of \p Vectors vectors of step 3, phase 1.
std::vector<float> draws(const ReadNoise &Noise, uint64_t Vectors, uint32_t Columns) {
  std::vector<uint64_t> Numbers(Vectors);
  std::iota(Numbers.begin(), Numbers.end(), 0);
  const std::vector<uint8_t> Phases(Vectors, 1);
  std::vector<float> Z(Vectors * Columns);
  ReadNoise::Scratch Scratch;
  Noise.normals(3, 6, Numbers, Phases, 0, Columns, Z.data(), Scratch);
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

TEST(ReadNoise, NeighbouringColumnsAndReadsAreUncorrelated) {
  // The four columns of one generator call, and the same column in two
  // phases or two vectors, must not move together.
  const ReadNoise Noise(5);
  ReadNoise::Scratch Scratch;
  const uint32_t Columns = 8, Reads = 20000;
  std::vector<uint64_t> Vectors(Reads);
  std::vector<uint8_t> Phases(Reads);
  for (uint32_t R = 0; R < Reads; ++R)
    Vectors[R] = R / 2, Phases[R] = R % 2;
  std::vector<float> Z(size_t(Reads) * Columns);
  Noise.normals(1, 2, Vectors, Phases, 0, Columns, Z.data(), Scratch);
  auto correlation = [&](auto Pair) {
    double Sum = 0;
    size_t N = 0;
    for (uint32_t R = 0; R + 1 < Reads; R += 2)
      for (uint32_t C = 0; C + 1 < Columns; ++C, ++N)
        Sum += Pair(R, C);
    return Sum / N;
  };
  // 70,000 products of independent normals: standard error 0.004.
  EXPECT_NEAR(correlation([&](uint32_t R, uint32_t C) {
                return double(Z[R * Columns + C]) * Z[R * Columns + C + 1];
              }),
              0.0, 0.02);
  EXPECT_NEAR(correlation([&](uint32_t R, uint32_t C) {
                return double(Z[R * Columns + C]) * Z[(R + 1) * Columns + C];
              }),
              0.0, 0.02);
  EXPECT_NEAR(correlation([&](uint32_t R, uint32_t C) {
                return R + 2 < Reads ? double(Z[R * Columns + C]) * Z[(R + 2) * Columns + C] : 0.0;
              }),
              0.0, 0.02);
}

TEST(ReadNoise, ADrawDependsOnlyOnWhereItIsRead) {
  const ReadNoise Noise(7);
  ReadNoise::Scratch Scratch;
  // A block of columns 5..37 read by vectors 9 and 200000000000 in phases
  // 4 and 2, asked for together...
  const std::vector<uint64_t> Both = {9, 200000000000};
  const std::vector<uint8_t> Phases = {4, 2};
  std::vector<float> Together(2 * 33);
  Noise.normals(2, 9, Both, Phases, 5, 33, Together.data(), Scratch);
  // ... and one read at a time, after reads of other blocks that left the
  // scratch full.
  std::vector<float> Other(2 * 40);
  Noise.normals(2, 9, Both, Phases, 40, 40, Other.data(), Scratch);
  for (size_t V = 0; V < Both.size(); ++V) {
    std::vector<float> Alone(33);
    Noise.normals(2, 9, {Both[V]}, {Phases[V]}, 5, 33, Alone.data(), Scratch);
    for (uint32_t C = 0; C < 33; ++C)
      EXPECT_EQ(Alone[C], Together[V * 33 + C]) << "vector " << Both[V] << " column " << 5 + C;
  }
  // Two blocks of one array side by side (columns 5..37 and 38..77) share
  // no draw.
  std::vector<float> Next(2 * 40);
  Noise.normals(2, 9, Both, Phases, 38, 40, Next.data(), Scratch);
  for (float Z : Together)
    EXPECT_EQ(std::count(Next.begin(), Next.end(), Z), 0) << Z;
}

TEST(ReadNoise, WideRaggedAndNarrowBlocksLayTheirDrawsOutAlike) {
  // Column c = k Q + q of a block takes normal k of the counter of column
  // q, k < 8. Blocks of 128 columns (Q = 16: the draws go straight to each
  // read's row) and of 37 columns (Q = 5: a padded list, copied in runs
  // whose pieces overhang) against blocks of eight columns (Q = 1), for
  // three reads.
  const ReadNoise Noise(11);
  ReadNoise::Scratch Scratch;
  const std::vector<uint64_t> Vectors = {3, 4, 5000000000};
  const std::vector<uint8_t> Phases = {0, 7, 2};
  const uint32_t First = 100, PerCounter = 8;
  for (uint32_t Width : {128u, 37u}) {
    const uint32_t Q = (Width + PerCounter - 1) / PerCounter;
    std::vector<float> Block(Vectors.size() * Width), Narrow(Vectors.size() * PerCounter);
    Noise.normals(6, 1, Vectors, Phases, First, Width, Block.data(), Scratch);
    for (uint32_t Column = 0; Column < Q; ++Column) {
      Noise.normals(6, 1, Vectors, Phases, First + Column, PerCounter, Narrow.data(), Scratch);
      for (size_t R = 0; R < Vectors.size(); ++R)
        for (uint32_t K = 0; K < PerCounter && K * Q + Column < Width; ++K)
          ASSERT_EQ(Block[R * Width + K * Q + Column], Narrow[R * PerCounter + K])
              << "width " << Width << " read " << R << " normal " << K << " of column "
              << First + Column;
    }
  }
}

TEST(ReadNoise, EveryPartOfThePositionChangesTheDraw) {
  const ReadNoise Noise(7);
  auto draw = [](const ReadNoise &N, uint32_t Step, uint8_t Phase, uint64_t Vector, uint32_t Array,
                 uint32_t Column) {
    float Z;
    ReadNoise::Scratch Scratch;
    N.normals(Step, Array, {Vector}, {Phase}, Column, 1, &Z, Scratch);
    return Z;
  };
  const float Base = draw(Noise, 2, 3, 4, 5, 6);
  EXPECT_NE(Base, draw(ReadNoise(8), 2, 3, 4, 5, 6));
  EXPECT_NE(Base, draw(ReadNoise(7 + (1ull << 32)), 2, 3, 4, 5, 6));
  EXPECT_NE(Base, draw(Noise, 1, 3, 4, 5, 6));
  EXPECT_NE(Base, draw(Noise, 2, 2, 4, 5, 6));
  EXPECT_NE(Base, draw(Noise, 2, 3, 5, 5, 6));
  EXPECT_NE(Base, draw(Noise, 2, 3, 4ull << 32, 5, 6));
  // The same column of another array: row blocks of one layer on several
  // arrays read the same block columns, and their noise must not add up
  // coherently (it once did).
  EXPECT_NE(Base, draw(Noise, 2, 3, 4, 4, 6));
  EXPECT_NE(Base, draw(Noise, 2, 3, 4, 5, 7));
  EXPECT_NE(Base, draw(Noise, 2, 3, 4, 5, 6 + 4 * 1024));
  EXPECT_EQ(Base, draw(Noise, 2, 3, 4, 5, 6));
}

/// Per-column read-out chains folded into the arrays adcCodes reads.
struct FoldedColumns {
  std::vector<float> ArgScale, CodeGain, CodeOffset, CodeNoise;
  ColumnReadouts R;
  FoldedColumns(const std::vector<ReadoutChain> &Chains, float MaxCode, bool Nonlinear) {
    for (const ReadoutChain &C : Chains) {
      const FoldedReadout F = foldReadout(C);
      ArgScale.push_back(F.ArgScale), CodeGain.push_back(F.CodeGain);
      CodeOffset.push_back(F.CodeOffset), CodeNoise.push_back(F.CodeNoise);
    }
    R.MaxCode = MaxCode, R.Nonlinear = Nonlinear;
    R.ArgScale = ArgScale.data(), R.CodeGain = CodeGain.data();
    R.CodeOffset = CodeOffset.data(), R.CodeNoise = CodeNoise.data();
  }
  std::vector<int32_t> codes(const std::vector<int32_t> &Sums, const std::vector<float> &Z) const {
    std::vector<int32_t> Codes(Sums.size());
    adcCodes(R, Sums.data(), Z.data(), static_cast<uint32_t>(Sums.size()), Codes.data());
    return Codes;
  }
};

TEST(AnalogRead, CodesFollowTheReadOutChain) {
  // Without noise, gain 1 and offset 0: the rounded, clamped current. The
  // sums are in quarters (Supply 1/4).
  ReadoutChain Plain;
  Plain.Supply = 0.25;
  std::vector<ReadoutChain> Chains(6, Plain);
  const std::vector<int32_t> Sums = {-12, 1, 2, 30, 61, 396}; // -3, 0.25, 0.5, 7.5, 15.25, 99
  const std::vector<float> Zero(6, 0.0f), Ones(6, 1.0f);
  EXPECT_EQ(FoldedColumns(Chains, 15, false).codes(Sums, Zero),
            (std::vector<int32_t>{0, 0, 1, 8, 15, 15}));
  // A read noise of one code moves every read by its draw.
  for (ReadoutChain &C : Chains)
    C.NoiseFS = 1;
  EXPECT_EQ(FoldedColumns(Chains, 15, false).codes(Sums, Ones),
            (std::vector<int32_t>{0, 1, 2, 9, 15, 15}));
  // Each column reads at its own range: twice the code scale, twice the
  // code; gain and offset act before the ADC (0.5 * 2 + 0.5 rounds down to
  // 1; 7.5 * 0.9 + 0.25 = 7 rounds to 7).
  std::vector<ReadoutChain> Ranges(6, Plain);
  Ranges[2].CodeScale = 2, Ranges[3].CodeScale = 2;
  Ranges[4].Gain = 0.9, Ranges[4].OffsetFS = 0.25;
  const std::vector<int32_t> RangeSums = {0, 1, 2, 30, 30, 0};
  EXPECT_EQ(FoldedColumns(Ranges, 15, false).codes(RangeSums, Zero),
            (std::vector<int32_t>{0, 0, 1, 15, 7, 0}));
  // A noise beyond float's range on a zero draw reads as 0, not as an
  // undefined conversion of a NaN.
  std::vector<ReadoutChain> Wild(1, Plain);
  Wild[0].NoiseFS = 1e300;
  EXPECT_EQ(FoldedColumns(Wild, 15, false).codes({8}, {0.0f}), (std::vector<int32_t>{0}));
  EXPECT_EQ(FoldedColumns(Wild, 15, false).codes({8}, {1.0f}), (std::vector<int32_t>{15}));
  // The non-linearity compresses: tanh(a u) / tanh(a) >= u on [0, 1], the
  // full scale maps to itself.
  ReadoutChain Compressed;
  Compressed.CodeScale = 1.0 / 16, Compressed.NonlinIn = 0.5 / 1023;
  Compressed.NonlinOut = 1023 / std::tanh(0.5);
  for (double U : {0.3, 0.9, 2.0}) {
    const std::vector<int32_t> Mid = {static_cast<int32_t>(1023 * 16 * U)};
    EXPECT_NEAR(FoldedColumns({Compressed}, 1023, true).codes(Mid, {0.0f})[0],
                std::min(1023.0, 1023 * std::tanh(0.5 * Mid[0] / 1023) / std::tanh(0.5) / 16),
                0.5 + 1e-3)
        << "u = " << U;
  }
}

TEST(AnalogRead, ProvenSmallArgumentsReadAsTrackedOnes) {
  // Arguments up to the bound: the read that knows them small, the one
  // that tracks the largest and the one through the whole tanh agree
  // wherever tanh's branches do.
  ReadoutChain Compressed;
  Compressed.CodeScale = 1.0 / 4, Compressed.NonlinIn = 0.1 / 1023;
  Compressed.NonlinOut = 1023 / std::tanh(0.1);
  FoldedColumns Cols(std::vector<ReadoutChain>(64, Compressed), 1023, true);
  std::vector<int32_t> Sums(64);
  std::mt19937 Rng(7);
  for (int32_t &S : Sums)
    S = static_cast<int32_t>(Rng() % 6000);
  const std::vector<float> Z(64, 0.25f);
  const int32_t Largest = *std::max_element(Sums.begin(), Sums.end());
  ASSERT_TRUE(tanhArgumentsSmall(Largest, Cols.ArgScale[0]));
  const std::vector<int32_t> Tracked = Cols.codes(Sums, Z);
  Cols.R.SmallArguments = true;
  EXPECT_EQ(Cols.codes(Sums, Z), Tracked);
  // Far past the bound, the proof fails and the tracked read goes through
  // the whole tanh, which saturates towards FS0 / tanh(a).
  const int32_t Far = static_cast<int32_t>(20 * 1023 / 0.1);
  EXPECT_FALSE(tanhArgumentsSmall(Far, Cols.ArgScale[0]));
  Compressed.CodeScale = 1.0 / 16;
  EXPECT_NEAR(FoldedColumns({Compressed}, 1023, true).codes({Far}, {0.0f})[0],
              1023 / std::tanh(0.1) / 16, 1.0);
}

TEST(AnalogRead, FusedReadoutsEqualCodesThenShiftAdds) {
  // Linear, proven-small and tracked read-outs (the last with sums far
  // enough to need the whole tanh): each read's accumulators as adcCodes
  // then addReadouts make them.
  constexpr uint32_t Cols = 40;
  std::mt19937 Rng(11);
  ReadoutChain Linear, Compressed;
  Linear.CodeScale = 0.25, Linear.NoiseFS = 3;
  Compressed.CodeScale = 1.0 / 64, Compressed.NoiseFS = 2, Compressed.NonlinIn = 0.3 / 1023;
  Compressed.NonlinOut = 1023 / std::tanh(0.3);
  FoldedColumns Lin(std::vector<ReadoutChain>(Cols, Linear), 1023, false);
  FoldedColumns Small(std::vector<ReadoutChain>(Cols, Compressed), 1023, true);
  FoldedColumns Tracked(std::vector<ReadoutChain>(Cols, Compressed), 1023, true);
  Small.R.SmallArguments = true;
  const ColumnReadouts *Kinds[] = {&Lin.R, &Small.R, &Tracked.R};
  std::vector<int32_t> Sums(3 * Cols), Codes(Cols);
  std::vector<float> Z(3 * Cols);
  std::vector<int8_t> Shifts(Cols);
  for (size_t I = 0; I < Sums.size(); ++I)
    Sums[I] = static_cast<int32_t>(Rng() % 4000), Z[I] = float(int(Rng() % 200) - 100) / 25;
  Sums[2 * Cols + 5] = 400000; // tanh's large branch
  for (int8_t &S : Shifts)
    S = static_cast<int8_t>(int(Rng() % 7) - 4);
  std::vector<int64_t> Fused(3 * Cols, 7), Apart(3 * Cols, 7);
  std::vector<AnalogReadout> Reads;
  for (unsigned K = 0; K < 3; ++K) {
    Reads.push_back({Sums.data() + K * Cols, Z.data() + K * Cols, Kinds[K], Shifts.data(), K + 1,
                     Fused.data() + K * Cols});
    adcCodes(*Kinds[K], Sums.data() + K * Cols, Z.data() + K * Cols, Cols, Codes.data());
    addReadouts(Codes.data(), Shifts.data(), K + 1, Cols, Apart.data() + K * Cols);
  }
  addAnalogReadouts(Reads.data(), Reads.size(), Cols, Codes.data());
  EXPECT_EQ(Fused, Apart);
  EXPECT_NE(Fused, std::vector<int64_t>(3 * Cols, 7));
}

TEST(AnalogRead, RowTableSumsEqualDirectSums) {
  // Random cells and one-bit inputs: sums through a row table equal those
  // row by row, for block widths on and off the table's tiles and row
  // counts on and off its groups.
  std::mt19937 Rng(3);
  for (uint32_t Cols : {1u, 7u, 16u, 17u, 40u, 64u, 100u})
    for (uint32_t Rows : {1u, 4u, 9u, 130u, 300u}) {
      const size_t Stride = Cols + 3;
      std::vector<int16_t> G(Rows * Stride);
      for (int16_t &Cell : G)
        Cell = static_cast<int16_t>(Rng() % 32768);
      std::vector<int32_t> Table(rowTableSize(Rows, Cols));
      buildRowTable(G.data(), Stride, Rows, Cols, Table.data());
      // Read r drives its rows with bit r of bytes whose other bits are
      // random; a third of the rows of read 0 are driven, so that groups
      // without a driven row occur.
      const uint32_t Groups = (Rows + RowsPerGroup - 1) / RowsPerGroup, Reads = 5;
      const uint32_t Words = drivenGroupWords(Rows);
      std::vector<int32_t> Drive(Rows * Reads);
      std::vector<uint8_t> In(Rows, 0);
      for (uint32_t K = 0; K < Rows; ++K)
        for (uint32_t R = 0; R < 8; ++R) {
          const bool Bit = Rng() % (R == 0 ? 3 : 2) == 1;
          In[K] |= Bit << R;
          if (R < Reads)
            Drive[R * Rows + K] = Bit;
        }
      std::vector<uint64_t> Masks(8 * Words);
      uint32_t Phases = drivenGroups(In.data(), Rows, Masks.data());
      std::vector<uint8_t> Patterns(Groups * Reads);
      std::vector<const uint64_t *> Driven(Reads);
      for (uint32_t R = 0; R < Reads; ++R) {
        rowPatterns(In.data(), Rows, R, Patterns.data() + R * Groups);
        Driven[R] = Masks.data() + R * Words;
        // The masks against the patterns: a group is driven when its
        // pattern is not empty.
        for (uint32_t G = 0; G < Groups; ++G)
          ASSERT_EQ((Driven[R][G / 64] >> (G % 64)) & 1, Patterns[R * Groups + G] != 0)
              << Rows << " rows, phase " << R << " group " << G;
        ASSERT_EQ((Phases >> R) & 1,
                  std::any_of(Drive.begin() + R * Rows, Drive.begin() + (R + 1) * Rows,
                              [](int32_t D) { return D != 0; }));
      }
      const uint32_t Padded = rowTablePadded(Cols);
      std::vector<int32_t> Sums(Reads * Padded, -1), Direct(Cols);
      std::vector<const uint8_t *> ReadPatterns(Reads);
      for (uint32_t R = 0; R < Reads; ++R)
        ReadPatterns[R] = Patterns.data() + R * Groups;
      addTableSums(ReadPatterns.data(), Driven.data(), Reads, Groups, Table.data(), Cols,
                   Sums.data());
      for (uint32_t R = 0; R < Reads; ++R) {
        addColumnSums(Drive.data() + R * Rows, Rows, G.data(), Stride, Cols, Direct.data());
        for (uint32_t J = 0; J < Cols; ++J) {
          int64_t Expected = 0;
          for (uint32_t K = 0; K < Rows; ++K)
            Expected += int64_t(Drive[R * Rows + K]) * G[K * Stride + J];
          ASSERT_EQ(Direct[J], Expected) << Rows << "x" << Cols << " read " << R << " column " << J;
          ASSERT_EQ(Sums[R * Padded + J], Expected)
              << Rows << "x" << Cols << " read " << R << " column " << J;
        }
      }
    }
}

TEST(AnalogRead, IdealCodesAndReadoutsFollowTheNmpuArithmetic) {
  // Every shift from a gain of 16 to a range of 2^5, on sums around each
  // rounding point: the vector loops against nmpu::idealCode and
  // nmpu::readoutValue.
  std::vector<int32_t> Sums;
  std::vector<int8_t> Shifts;
  for (int Shift = -4; Shift <= 5; ++Shift)
    for (int32_t Sum : {0, 1, 2, 3, 15, 16, 17, 31, 32, 33, 63, 64, 1000, 1023, 1024, 40000})
      Sums.push_back(Sum), Shifts.push_back(static_cast<int8_t>(Shift));
  const uint32_t Cols = static_cast<uint32_t>(Sums.size());
  std::vector<int32_t> Codes(Cols);
  idealCodes(Sums.data(), Shifts.data(), 10, Cols, Codes.data());
  std::vector<int64_t> Acc(Cols, 7);
  addReadouts(Codes.data(), Shifts.data(), 3, Cols, Acc.data());
  for (uint32_t J = 0; J < Cols; ++J) {
    const int64_t Code = qnn::nmpu::idealCode(Sums[J], 10, Shifts[J]);
    EXPECT_EQ(Codes[J], Code) << "sum " << Sums[J] << " shift " << int(Shifts[J]);
    EXPECT_EQ(Acc[J], 7 + qnn::nmpu::readoutValue(Code, Shifts[J]) * 8)
        << "sum " << Sums[J] << " shift " << int(Shifts[J]);
  }
}

TEST(AnalogRead, ExtremesOfAnArrayAreItsLargestColumnSumAndCell) {
  // Arrays of 1 to 130 columns and 1 to 9 rows, currents spread over many
  // binades (and zeros): the vector loops against the sums written out.
  std::mt19937 Rng(8);
  for (uint32_t Cols : {1u, 5u, 128u, 130u})
    for (uint32_t Rows : {1u, 9u}) {
      std::vector<float> G(size_t(Rows) * Cols);
      std::vector<int16_t> Cells(G.size());
      for (size_t I = 0; I < G.size(); ++I) {
        G[I] = Rng() % 5 == 0 ? 0.0f : std::ldexp(float(Rng() % 1000) + 0.5f, int(Rng() % 20) - 10);
        Cells[I] = static_cast<int16_t>(Rng() % 32768);
      }
      double LargestSum = 0;
      float LargestCell = 0;
      int64_t LargestFixed = 0;
      for (uint32_t J = 0; J < Cols; ++J) {
        double Sum = 0;
        int64_t Fixed = 0;
        for (uint32_t R = 0; R < Rows; ++R) {
          Sum += G[R * Cols + J];
          Fixed += Cells[R * Cols + J];
          LargestCell = std::max(LargestCell, G[R * Cols + J]);
        }
        LargestSum = std::max(LargestSum, Sum);
        LargestFixed = std::max(LargestFixed, Fixed);
      }
      const CurrentExtremes E = currentExtremes(G.data(), G.size(), Cols);
      EXPECT_EQ(E.LargestColumnSum, LargestSum) << Rows << " x " << Cols;
      EXPECT_EQ(E.LargestCell, LargestCell) << Rows << " x " << Cols;
      EXPECT_EQ(largestFixedColumnSum(Cells.data(), Cells.size(), Cols), LargestFixed);
    }
}

TEST(AnalogRead, AbsurdProgrammingVariationSaturates) {
  // A sigma of 1000 puts the variation's exponent far beyond float: the
  // currents stay finite and not negative, level 0 stays 0, and the fixed
  // point saturates instead of converting a NaN.
  const std::vector<uint8_t> Levels = {0, 1, 15, 0, 7, 3};
  const std::vector<float> Z = {5.0f, 5.0f, -5.0f, -5.0f, 0.5f, -0.01f};
  std::vector<float> Currents(Levels.size());
  programmedCurrents(Levels.data(), Z.data(), Levels.size(), 1000.0f, 0.5f, Currents.data());
  for (size_t I = 0; I < Levels.size(); ++I) {
    EXPECT_TRUE(std::isfinite(Currents[I])) << I;
    EXPECT_GE(Currents[I], 0.0f) << I;
  }
  EXPECT_EQ(Currents[0], 0.0f);
  EXPECT_EQ(Currents[3], 0.0f);
  // A drift to nothing leaves nothing, not 0 x inf.
  std::vector<float> Drifted(Levels.size());
  programmedCurrents(Levels.data(), Z.data(), Levels.size(), 1000.0f, 0.0f, Drifted.data());
  EXPECT_EQ(Drifted, std::vector<float>(Levels.size(), 0.0f));
  std::vector<int16_t> Fixed(Levels.size());
  fixedPointCurrents(Currents.data(), Currents.size(), 10, Fixed.data());
  EXPECT_EQ(Fixed, (std::vector<int16_t>{0, 32767, 0, 0, 32767, 0}));
}

TEST(AnalogRead, UniformRunsAddTheirWeightedColumnsToTheirOutputs) {
  // Runs of 2 and 4 columns over blocks of 128 and 40 columns, sums and
  // weights (signed powers of two) of both signs and up to 2^40: the
  // vector loop against the sum written out.
  std::mt19937_64 Rng(3);
  for (uint32_t L : {2u, 4u})
    for (uint32_t Cols : {128u, 40u}) {
      std::vector<int64_t> Sums(Cols), Weights(Cols), Out(Cols / L), Expected(Cols / L);
      for (uint32_t J = 0; J < Cols; ++J) {
        Sums[J] = static_cast<int64_t>(Rng() % (uint64_t(1) << 41)) - (int64_t(1) << 40);
        Weights[J] = (Rng() % 2 ? 1 : -1) * (int64_t(1) << (Rng() % 16));
      }
      for (uint32_t O = 0; O < Cols / L; ++O) {
        Out[O] = Expected[O] = static_cast<int64_t>(Rng() % 1000);
        for (uint32_t K = 0; K < L; ++K)
          Expected[O] += Sums[O * L + K] * Weights[O * L + K];
      }
      addUniformRuns(L, Sums.data(), Weights.data(), Cols, Out.data());
      EXPECT_EQ(Out, Expected) << "runs of " << L << ", " << Cols << " columns";
    }
}

TEST(AlignedVector, StartsOnACacheLineAfterEveryGrowth) {
  // Sizes that malloc would place 16 bytes off a line, grown one element
  // at a time and copied.
  AlignedVector<int32_t> V;
  for (int I = 0; I < 300; ++I) {
    V.push_back(I);
    ASSERT_EQ(reinterpret_cast<uintptr_t>(V.data()) % CacheLine, 0u) << V.size();
  }
  const AlignedVector<int32_t> Copy = V;
  EXPECT_EQ(reinterpret_cast<uintptr_t>(Copy.data()) % CacheLine, 0u);
  EXPECT_EQ(Copy, V);
}

} // namespace

//===- AnalogRead.cpp - Column sums and read-outs of the batched reads ----===//
//
// Built with -O3 -ffp-contract=off -fno-math-errno -fno-trapping-math
// (CMake): loops that vectorize (no errno from sqrt, both sides of a select
// computed), and no fused multiply-add but those written as std::fma, which
// round the same on every CPU (VectorClones.h).
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/AnalogRead.h"
#include "qnn/Runtime/FastMath.h"
#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

namespace qnn::runtime {

namespace {

/// Adds rows \p Rows[i] (scaled by \p Drive[i] when \p Scaled) of columns
/// [First, First + Width) to \p Sums, the sums in a local array the
/// compiler keeps in vector registers.
template <uint32_t Width, bool Scaled>
QNN_CLONE_INLINE void addRowsToTile(const int16_t *const *Rows, const int32_t *Drive,
                                    uint32_t Count, uint32_t First, int32_t *Sums) {
  int32_t Sum[Width];
  std::copy_n(Sums + First, Width, Sum);
  for (uint32_t I = 0; I < Count; ++I) {
    const int16_t *Row = Rows[I] + First;
    for (uint32_t J = 0; J < Width; ++J)
      Sum[J] += Scaled ? Drive[I] * Row[J] : Row[J];
  }
  std::copy_n(Sum, Width, Sums + First);
}

/// Adds rows \p Rows[i] < \p Count (each scaled by \p Drive[i] when
/// \p Scaled) to sums \p Sums of columns [First, Cols), in tiles of
/// \p Width columns, then of half as many, down to single columns (each
/// tile's sums stay in registers while it takes every row).
template <bool Scaled, uint32_t Width = 128>
QNN_CLONE_INLINE void addRows(const int16_t *const *Rows, const int32_t *Drive, uint32_t Count,
                              uint32_t First, uint32_t Cols, int32_t *Sums) {
  for (; First + Width <= Cols; First += Width)
    addRowsToTile<Width, Scaled>(Rows, Drive, Count, First, Sums);
  if constexpr (Width > 1)
    addRows<Scaled, Width / 2>(Rows, Drive, Count, First, Cols, Sums);
}

} // namespace

QNN_VECTOR_CLONES
void addColumnSums(const int32_t *X, uint32_t Rows, const int16_t *G, size_t Stride, uint32_t Cols,
                   int32_t *Sums) {
  // Rows driven with 0 add nothing (about half the rows of a one-bit
  // phase): the driven ones are listed first.
  constexpr uint32_t Piece = 512;
  const int16_t *Driven[Piece];
  int32_t Drive[Piece];
  std::fill_n(Sums, Cols, 0);
  for (uint32_t Begin = 0; Begin < Rows; Begin += Piece) {
    uint32_t Count = 0;
    bool Ones = true; // one-bit inputs need no products
    for (uint32_t K = Begin; K < std::min(Rows, Begin + Piece); ++K) {
      Driven[Count] = G + K * Stride;
      Drive[Count] = X[K];
      Ones &= X[K] <= 1;
      Count += X[K] != 0;
    }
    if (Ones)
      addRows<false>(Driven, Drive, Count, 0, Cols, Sums);
    else
      addRows<true>(Driven, Drive, Count, 0, Cols, Sums);
  }
}

uint32_t rowTableTile(uint32_t Cols) {
  return Cols > 64 ? 128 : Cols > 32 ? 64 : Cols > 16 ? 32 : 16;
}

uint32_t rowTablePadded(uint32_t Cols) {
  const uint32_t Tile = rowTableTile(Cols);
  return (Cols + Tile - 1) / Tile * Tile;
}

size_t rowTableSize(uint32_t Rows, uint32_t Cols) {
  const size_t Groups = (Rows + RowsPerGroup - 1) / RowsPerGroup;
  return size_t(rowTablePadded(Cols)) * Groups * GroupPatterns;
}

QNN_VECTOR_CLONES
void buildRowTable(const int16_t *G, size_t Stride, uint32_t Rows, uint32_t Cols, int32_t *Table) {
  const uint32_t Tile = rowTableTile(Cols);
  const uint32_t Groups = (Rows + RowsPerGroup - 1) / RowsPerGroup;
  for (uint32_t First = 0; First < Cols; First += Tile) {
    const uint32_t Width = std::min(Tile, Cols - First);
    for (uint32_t Group = 0; Group < Groups; ++Group, Table += GroupPatterns * Tile) {
      std::fill_n(Table, Tile, 0);
      // Entry m is entry m without its highest bit plus that bit's row; a
      // row past the block's end is never driven, so it adds nothing.
      for (uint32_t Bit = 0; Bit < RowsPerGroup; ++Bit) {
        const uint32_t Row = Group * RowsPerGroup + Bit;
        for (uint32_t Low = 0; Low < (1u << Bit); ++Low) {
          const int32_t *From = Table + size_t(Low) * Tile;
          int32_t *To = Table + size_t(Low | (1u << Bit)) * Tile;
          std::copy_n(From, Tile, To);
          if (Row >= Rows)
            continue;
          const int16_t *Cells = G + Row * Stride + First;
          for (uint32_t J = 0; J < Width; ++J)
            To[J] += Cells[J];
        }
      }
    }
  }
}

namespace {

/// The inputs of the group of rows from \p Row of \p Rows, a byte each in
/// a word (row Row in the lowest byte), rows past the end as 0.
QNN_CLONE_INLINE uint32_t groupWord(const uint8_t *In, uint32_t Row, uint32_t Rows) {
  uint32_t Word = 0;
  if (Row + RowsPerGroup <= Rows)
    std::memcpy(&Word, In + Row, sizeof Word);
  else
    for (uint32_t I = 0; Row + I < Rows; ++I)
      Word |= uint32_t(In[Row + I]) << (8 * I);
  return Word;
}

} // namespace

QNN_VECTOR_CLONES
void rowPatterns(const uint8_t *In, uint32_t Rows, unsigned Phase, uint8_t *Patterns) {
  // Four one-byte inputs to a word; the bits of the phase are then bits
  // p, p + 8, p + 16 and p + 24 of it, which one product gathers into bits
  // 24..27.
  auto pattern = [Phase](uint32_t Word) {
    return static_cast<uint8_t>((((Word >> Phase) & 0x01010101u) * 0x01020408u) >> 24);
  };
  // Whole groups in a loop without a branch, which vectorizes.
  const uint32_t Whole = Rows / RowsPerGroup;
  for (uint32_t G = 0; G < Whole; ++G) {
    uint32_t Word;
    std::memcpy(&Word, In + G * RowsPerGroup, sizeof Word);
    Patterns[G] = pattern(Word);
  }
  if (Whole * RowsPerGroup < Rows)
    Patterns[Whole] = pattern(groupWord(In, Whole * RowsPerGroup, Rows));
}

uint32_t drivenGroupWords(uint32_t Rows) {
  return (Rows + RowsPerGroup * 64 - 1) / (RowsPerGroup * 64);
}

uint32_t drivenGroups(const uint8_t *In, uint32_t Rows, uint64_t *Masks) {
  // A group's four inputs or-ed: bit p tells whether phase p drives a row
  // of it. Eight groups' such bytes make an 8 x 8 bit matrix whose
  // transpose (Hacker's Delight, transpose8) holds a byte per phase, a bit
  // per group.
  const uint32_t Words = drivenGroupWords(Rows);
  std::fill_n(Masks, size_t(Words) * 8, 0);
  uint32_t Phases = 0;
  for (uint32_t First = 0; First < Rows; First += 8 * RowsPerGroup) {
    uint64_t Matrix = 0;
    for (uint32_t G = 0; G < 8; ++G) {
      const uint32_t Word = groupWord(In, First + G * RowsPerGroup, Rows);
      Matrix |= uint64_t((Word | Word >> 8 | Word >> 16 | Word >> 24) & 0xff) << (8 * G);
    }
    Matrix = (Matrix & 0xAA55AA55AA55AA55ull) | ((Matrix & 0x00AA00AA00AA00AAull) << 7) |
             ((Matrix >> 7) & 0x00AA00AA00AA00AAull);
    Matrix = (Matrix & 0xCCCC3333CCCC3333ull) | ((Matrix & 0x0000CCCC0000CCCCull) << 14) |
             ((Matrix >> 14) & 0x0000CCCC0000CCCCull);
    Matrix = (Matrix & 0xF0F0F0F00F0F0F0Full) | ((Matrix & 0x00000000F0F0F0F0ull) << 28) |
             ((Matrix >> 28) & 0x00000000F0F0F0F0ull);
    const uint32_t Group = First / RowsPerGroup;
    for (uint32_t Phase = 0; Phase < 8; ++Phase) {
      const uint64_t Driven = (Matrix >> (8 * Phase)) & 0xff;
      Masks[Phase * Words + Group / 64] |= Driven << (Group % 64);
      Phases |= uint32_t(Driven != 0) << Phase;
    }
  }
  return Phases;
}

namespace {

/// Sixteen int32 lanes: one AVX-512 register, two AVX2 or four SSE ones
/// (GCC and clang vector extensions), explicit so that the table loop
/// below vectorizes whatever the compiler makes of its short trip counts.
typedef int32_t Int32x16 __attribute__((vector_size(64)));

/// Unaligned loads and stores (by reference: a vector argument or result
/// would change the ABI by ISA).
QNN_CLONE_INLINE void load16(Int32x16 &V, const int32_t *P) { std::memcpy(&V, P, sizeof V); }
QNN_CLONE_INLINE void addLoad16(Int32x16 &V, const int32_t *P) {
  Int32x16 W;
  std::memcpy(&W, P, sizeof W);
  V += W;
}
QNN_CLONE_INLINE void store16(int32_t *P, const Int32x16 &V) { std::memcpy(P, &V, sizeof V); }

/// addTableSums for tiles of \p Tile columns: per tile, every read's sums
/// of the tile in registers while it adds the entries of its driven groups,
/// 64 groups (a word of the masks) at a time. The table of a tile stays in
/// the second-level cache; cutting it into first-level pieces cost more
/// (a partial sum stored and a loop exit mispredicted per piece) than it
/// saved, and tiles of 128 columns (eight AVX-512 registers of sums) run
/// 3 % faster on ResNet-18's 128-column blocks than two of 64 (one mask
/// walk and pattern lookup per group instead of two).
template <uint32_t Tile>
QNN_CLONE_INLINE void addTableSumsOf(const uint8_t *const *Patterns, const uint64_t *const *Driven,
                                     size_t Reads, uint32_t Groups, const int32_t *Table,
                                     uint32_t Cols, int32_t *Sums) {
  constexpr uint32_t Lanes = 16, Vectors = Tile / Lanes;
  // A chunk is a word of the driven-group masks.
  constexpr uint32_t ChunkGroups = 64;
  const uint32_t Padded = rowTablePadded(Cols);
  for (uint32_t First = 0; First < Cols; First += Tile) {
    for (uint32_t Begin = 0; Begin < Groups; Begin += ChunkGroups) {
      for (size_t R = 0; R < Reads; ++R) {
        uint64_t Bits = Driven[R][Begin / 64];
        if (Begin > 0 && Bits == 0)
          continue;
        const uint8_t *Pattern = Patterns[R];
        int32_t *Out = Sums + R * Padded + First;
        Int32x16 Acc[Vectors] = {};
        if (Begin > 0)
          for (uint32_t V = 0; V < Vectors; ++V)
            load16(Acc[V], Out + V * Lanes);
        for (; Bits != 0; Bits &= Bits - 1) {
          const uint32_t G = Begin + static_cast<uint32_t>(__builtin_ctzll(Bits));
          const int32_t *Entry = Table + (size_t(G) * GroupPatterns + Pattern[G]) * Tile;
          for (uint32_t V = 0; V < Vectors; ++V)
            addLoad16(Acc[V], Entry + V * Lanes);
        }
        for (uint32_t V = 0; V < Vectors; ++V)
          store16(Out + V * Lanes, Acc[V]);
      }
    }
    Table += size_t(Groups) * GroupPatterns * Tile;
  }
}

} // namespace

QNN_VECTOR_CLONES
void addTableSums(const uint8_t *const *Patterns, const uint64_t *const *Driven, size_t Reads,
                  uint32_t Groups, const int32_t *Table, uint32_t Cols, int32_t *Sums) {
  switch (rowTableTile(Cols)) {
  case 128:
    return addTableSumsOf<128>(Patterns, Driven, Reads, Groups, Table, Cols, Sums);
  case 64:
    return addTableSumsOf<64>(Patterns, Driven, Reads, Groups, Table, Cols, Sums);
  case 32:
    return addTableSumsOf<32>(Patterns, Driven, Reads, Groups, Table, Cols, Sums);
  default:
    return addTableSumsOf<16>(Patterns, Driven, Reads, Groups, Table, Cols, Sums);
  }
}

QNN_VECTOR_CLONES
void programmedCurrents(const uint8_t *Levels, const float *Z, size_t Count, float Sigma,
                        float Drift, float *Currents) {
  // A variation beyond float's range (a target's absurd sigma) saturates
  // inside exp's domain, at e^80, which times the largest level stays
  // finite: a current is never infinite, NaN (0 x inf) or negative, and a
  // level of 0 stays 0.
  for (size_t I = 0; I < Count; ++I)
    Currents[I] = static_cast<float>(Levels[I]) *
                  fastmath::exp(std::clamp(Sigma * Z[I], -87.0f, 80.0f)) * Drift;
}

QNN_VECTOR_CLONES
void fixedPointCurrents(const float *Currents, size_t Count, int Bits, int16_t *Fixed) {
  // An infinite current (a variation beyond float) saturates.
  const float Scale = std::ldexp(1.0f, Bits), MaxFixed = 32767.0f;
  for (size_t I = 0; I < Count; ++I)
    Fixed[I] =
        static_cast<int16_t>(static_cast<int32_t>(std::min(Currents[I] * Scale + 0.5f, MaxFixed)));
}

QNN_VECTOR_CLONES
CurrentExtremes currentExtremes(const float *G, size_t Count, uint32_t Cols) {
  // Column sums in a vector the loop over a row's columns adds to; the
  // largest current as bits, an integer maximum that vectorizes where a
  // float one would not, and orders non-negative floats as their values.
  std::vector<double> ColumnSum(Cols, 0.0);
  uint32_t LargestBits = 0;
  for (size_t Row = 0; Row < Count; Row += Cols)
    for (uint32_t J = 0; J < Cols; ++J) {
      ColumnSum[J] += G[Row + J];
      LargestBits = std::max(LargestBits, fastmath::floatToBits(G[Row + J]));
    }
  CurrentExtremes E;
  for (double Sum : ColumnSum)
    E.LargestColumnSum = std::max(E.LargestColumnSum, Sum);
  E.LargestCell = fastmath::bitsToFloat(LargestBits);
  return E;
}

QNN_VECTOR_CLONES
int64_t largestFixedColumnSum(const int16_t *Cells, size_t Count, uint32_t Cols) {
  std::vector<int64_t> ColumnSum(Cols, 0);
  for (size_t Row = 0; Row < Count; Row += Cols)
    for (uint32_t J = 0; J < Cols; ++J)
      ColumnSum[J] += Cells[Row + J];
  return Cols == 0 ? 0 : *std::max_element(ColumnSum.begin(), ColumnSum.end());
}

namespace {

/// The argument of tanh for a sum (shared by the ADC loop and the proof
/// that its arguments are small).
QNN_CLONE_INLINE float tanhArgument(int32_t Sum, float ArgScale) {
  return static_cast<float>(Sum) * ArgScale;
}

} // namespace

bool tanhArgumentsSmall(int32_t Largest, float ArgScale) {
  return tanhArgument(Largest, ArgScale) < fastmath::TanhSmallBound;
}

namespace {

/// The read-out's current-mode stage: none, tanh known to take its small
/// branch, tanh's small branch with the largest argument tracked, or the
/// whole tanh.
enum class Stage { Linear, ProvenSmallTanh, SmallTanh, Tanh };

/// The ADC code of column \p J of a read with sum \p Sum and draw \p Z at
/// read-out stage Current, branch-free so that loops over it vectorize;
/// \p Largest takes the largest argument of tanh as bits where the stage
/// tracks it: an integer maximum, which vectorizes where a float
/// comparison's would not, and orders non-negative floats as their values
/// (a negative one, which no sum gives, counts as large).
template <Stage Current>
QNN_CLONE_INLINE int32_t adcCode(const ColumnReadouts &R, uint32_t J, int32_t Sum, float Z,
                                 uint32_t &Largest) {
  float Read;
  if constexpr (Current == Stage::Linear) {
    Read = static_cast<float>(Sum);
  } else {
    const float Argument = tanhArgument(Sum, R.ArgScale[J]);
    if constexpr (Current == Stage::SmallTanh)
      Largest = std::max(Largest, fastmath::floatToBits(Argument));
    Read = Current == Stage::Tanh ? fastmath::tanh(Argument) : fastmath::tanhSmall(Argument);
  }
  // floor(code + 1/2) clamped to [0, A]: clamping first, truncation is
  // the floor; a NaN (an infinite noise times a zero draw) clamps to 0.
  const float Code = std::fma(Read, R.CodeGain[J], std::fma(R.CodeNoise[J], Z, R.CodeOffset[J]));
  return static_cast<int32_t>(std::min(R.MaxCode, std::max(0.0f, Code)));
}

/// adcCodes for one read-out stage. Returns the largest argument of tanh
/// as bits, 0 unless tracked.
template <Stage Current>
QNN_CLONE_INLINE uint32_t adcCodesOf(const ColumnReadouts &R, const int32_t *__restrict Sums,
                                     const float *__restrict Z, uint32_t Cols,
                                     int32_t *__restrict Codes) {
  uint32_t Largest = 0;
  for (uint32_t J = 0; J < Cols; ++J)
    Codes[J] = adcCode<Current>(R, J, Sums[J], Z[J], Largest);
  return Largest;
}

/// nmpu::readoutValue(\p Code, \p Shift) * 2^\p PhaseShift without a
/// branch: a gain (negative shift) divides rounding half up, a positive
/// shift multiplies. Codes are never negative: unsigned arithmetic, whose
/// shifts by a count per lane every vector ISA has.
QNN_CLONE_INLINE int64_t shiftedReadout(int32_t Code, int8_t Shift, unsigned PhaseShift) {
  const uint32_t Right = static_cast<uint32_t>(std::max(-Shift, 0));
  const uint64_t Left = static_cast<uint64_t>(std::max<int>(Shift, 0)) + PhaseShift;
  const uint32_t Value = (static_cast<uint32_t>(Code) + ((1u << Right) >> 1)) >> Right;
  return static_cast<int64_t>(static_cast<uint64_t>(Value) << Left);
}

/// addAnalogReadouts for one read at a stage that needs no second pass.
template <Stage Current>
QNN_CLONE_INLINE void addReadoutOf(const AnalogReadout &Read, uint32_t Cols) {
  const int32_t *__restrict Sums = Read.Sums;
  const float *__restrict Z = Read.Z;
  const int8_t *__restrict Shifts = Read.Shifts;
  int64_t *__restrict Acc = Read.Acc;
  uint32_t Largest = 0;
  for (uint32_t J = 0; J < Cols; ++J)
    Acc[J] += shiftedReadout(adcCode<Current>(*Read.Readouts, J, Sums[J], Z[J], Largest), Shifts[J],
                             Read.PhaseShift);
}

} // namespace

QNN_VECTOR_CLONES
void adcCodes(const ColumnReadouts &R, const int32_t *Sums, const float *Z, uint32_t Cols,
              int32_t *Codes) {
  if (!R.Nonlinear)
    adcCodesOf<Stage::Linear>(R, Sums, Z, Cols, Codes);
  else if (R.SmallArguments)
    adcCodesOf<Stage::ProvenSmallTanh>(R, Sums, Z, Cols, Codes);
  // The compression is mild: every column of a read takes tanh's small
  // branch, unless the codes are read again through the whole tanh.
  else if (adcCodesOf<Stage::SmallTanh>(R, Sums, Z, Cols, Codes) >=
           fastmath::floatToBits(fastmath::TanhSmallBound))
    adcCodesOf<Stage::Tanh>(R, Sums, Z, Cols, Codes);
}

QNN_VECTOR_CLONES
void addAnalogReadouts(const AnalogReadout *Reads, size_t Count, uint32_t Cols, int32_t *Codes) {
  for (size_t R = 0; R < Count; ++R) {
    const AnalogReadout &Read = Reads[R];
    // Reads that need no second pass go from sums to accumulators without
    // storing their codes.
    if (!Read.Readouts->Nonlinear) {
      addReadoutOf<Stage::Linear>(Read, Cols);
    } else if (Read.Readouts->SmallArguments) {
      addReadoutOf<Stage::ProvenSmallTanh>(Read, Cols);
    } else {
      adcCodes(*Read.Readouts, Read.Sums, Read.Z, Cols, Codes);
      addReadouts(Codes, Read.Shifts, Read.PhaseShift, Cols, Read.Acc);
    }
  }
}

namespace {

/// addUniformRuns for runs of \p L columns: the loop over outputs
/// vectorizes, each run's products summed across registers.
template <uint32_t L>
QNN_CLONE_INLINE void addUniformRunsOf(const int64_t *__restrict Sums,
                                       const int64_t *__restrict Weights, uint32_t Cols,
                                       int64_t *__restrict Out) {
  for (uint32_t J = 0; J < Cols / L; ++J) {
    int64_t Sum = 0;
    for (uint32_t K = 0; K < L; ++K)
      Sum += Sums[J * L + K] * Weights[J * L + K];
    Out[J] += Sum;
  }
}

} // namespace

QNN_VECTOR_CLONES
void addUniformRuns(uint32_t L, const int64_t *Sums, const int64_t *Weights, uint32_t Cols,
                    int64_t *Out) {
  if (L == 4)
    addUniformRunsOf<4>(Sums, Weights, Cols, Out);
  else
    addUniformRunsOf<2>(Sums, Weights, Cols, Out);
}

QNN_VECTOR_CLONES
void idealCodes(const int32_t *Sums, const int8_t *Shifts, unsigned AdcBits, uint32_t Cols,
                int32_t *Codes) {
  // nmpu::idealCode without a branch: a positive shift rounds half up, a
  // negative one amplifies.
  const int64_t MaxCode = (int64_t(1) << AdcBits) - 1;
  for (uint32_t J = 0; J < Cols; ++J) {
    const int64_t Right = std::max<int64_t>(Shifts[J], 0), Left = std::max<int64_t>(-Shifts[J], 0);
    const int64_t Code = ((int64_t(Sums[J]) + ((int64_t(1) << Right) >> 1)) >> Right) << Left;
    Codes[J] = static_cast<int32_t>(std::clamp<int64_t>(Code, 0, MaxCode));
  }
}

QNN_VECTOR_CLONES
void addReadouts(const int32_t *Codes, const int8_t *Shifts, unsigned PhaseShift, uint32_t Cols,
                 int64_t *Acc) {
  for (uint32_t J = 0; J < Cols; ++J)
    Acc[J] += shiftedReadout(Codes[J], Shifts[J], PhaseShift);
}

} // namespace qnn::runtime

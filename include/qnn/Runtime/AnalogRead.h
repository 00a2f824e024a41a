//===- AnalogRead.h - Column sums and read-outs of the batched reads -*- C++ -*-===//
///
/// \file
/// The inner loops of the chip model's batched reads (BlockReader.h): a
/// block's column sums, the normal draws of the read noise, and the
/// read-out chain up to the ADC code. Column sums are integers (the cells'
/// currents in fixed point), so they come out the same in any order and
/// grouping; the read-out is float arithmetic that rounds the same on
/// every CPU (built without fused multiply-adds). Each loop is compiled
/// for AVX-512, AVX2 and the baseline, picked at run time
/// (QNN_VECTOR_CLONES): every version computes the same bits.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_ANALOGREAD_H
#define QNN_RUNTIME_ANALOGREAD_H

#include "qnn/Runtime/VectorClones.h"
#include <cstddef>
#include <cstdint>

namespace qnn::runtime {

/// \p Sums[j] = sum over k < \p Rows of X[k] * G[k * Stride + j], for
/// j < \p Cols: the column sums of a block whose first cell is \p G.
void addColumnSums(const int32_t *X, uint32_t Rows, const int16_t *G, size_t Stride, uint32_t Cols,
                   int32_t *Sums);

/// Rows of a block taken four at a time, for inputs of one bit: the table
/// holds, for each group g of four rows and pattern m < 16, the column
/// sums of the rows 4 g + i whose bit i is set in m. A read of R rows then
/// adds R / 4 table rows instead of up to R cell rows. The table lies in
/// tiles of rowTableTile(Cols) columns (up to 128, the last one padded with
/// zeros), each tile's groups together, so that the part a read loop walks
/// stays in the second-level cache.
constexpr uint32_t RowsPerGroup = 4, GroupPatterns = 16;
uint32_t rowTableTile(uint32_t Cols);
/// \p Cols rounded up to whole tiles.
uint32_t rowTablePadded(uint32_t Cols);
/// The table's size in entries.
size_t rowTableSize(uint32_t Rows, uint32_t Cols);
void buildRowTable(const int16_t *G, size_t Stride, uint32_t Rows, uint32_t Cols, int32_t *Table);

/// \p Patterns[g], g < ceil(\p Rows / 4): the rows of group g that input
/// phase \p Phase drives, one-bit inputs \p In (a byte per row) read bit
/// by bit.
void rowPatterns(const uint8_t *In, uint32_t Rows, unsigned Phase, uint8_t *Patterns);

/// The row groups that each input phase of a one-bit read drives, inputs
/// \p In (a byte per row) of \p Rows rows: bit i of \p Masks[p * W + w],
/// W = drivenGroupWords(Rows), p < 8, tells whether phase p drives a row
/// of group 64 w + i. Returns the phases that drive any row (bit p).
/// Groups that drive no row add nothing to a read's sums; they are most of
/// them where inputs are small.
uint32_t drivenGroupWords(uint32_t Rows);
uint32_t drivenGroups(const uint8_t *In, uint32_t Rows, uint64_t *Masks);

/// \p Sums[r * P + j] = sum over the groups g < \p Groups set in
/// \p Driven[r] (drivenGroups' mask of the read's phase) of the table's
/// entry (g, Patterns[r][g]) of column j, for j < P = rowTablePadded(\p Cols)
/// (columns past Cols sum to 0) and r < \p Reads: the column sums of
/// one-bit reads through a row table.
void addTableSums(const uint8_t *const *Patterns, const uint64_t *const *Driven, size_t Reads,
                  uint32_t Groups, const int32_t *Table, uint32_t Cols, int32_t *Sums);

/// \p Currents[i] = \p Levels[i] * e^(\p Sigma * \p Z[i]) * \p Drift, i <
/// \p Count: programmed cells' currents (log-normal programming variation).
void programmedCurrents(const uint8_t *Levels, const float *Z, size_t Count, float Sigma,
                        float Drift, float *Currents);

/// \p Fixed[i] = Currents[i] * 2^\p Bits rounded half up, i < \p Count (the
/// currents not negative; a result from 2^15 - 1 saturates there).
void fixedPointCurrents(const float *Currents, size_t Count, int Bits, int16_t *Fixed);

/// The largest column sum of an array's float cell currents \p G[i], i <
/// \p Count, \p Cols per row (each column summed row by row in double),
/// and its largest current (the currents are not negative): what fixes
/// the fixed point of its cells.
struct CurrentExtremes {
  double LargestColumnSum = 0;
  float LargestCell = 0;
};
CurrentExtremes currentExtremes(const float *G, size_t Count, uint32_t Cols);

/// The largest column sum of fixed-point currents \p Cells[i], i <
/// \p Count, \p Cols per row.
int64_t largestFixedColumnSum(const int16_t *Cells, size_t Count, uint32_t Cols);

/// One column's read-out chain (docs/analog-model.md, Formulas) for sums
/// in units of 1 / Supply of a level's current.
struct ReadoutChain {
  double Supply = 1;    ///< the instance's supply factor x the sums' unit
  double Gain = 1;      ///< the column's gain
  double OffsetFS = 0;  ///< the column's offset x FS
  double NoiseFS = 0;   ///< read noise in current units
  double CodeScale = 1; ///< A / FS
  double NonlinIn = 0;  ///< a / FS0 (0: no non-linearity)
  double NonlinOut = 0; ///< FS0 / tanh(a)
};

/// A chain folded into the three or four constants the ADC loop applies:
/// the code, before rounding and clamping, is
///   CodeGain * f(sum) + CodeOffset + CodeNoise * z
/// with f(s) = tanh(ArgScale * s) under a non-linearity and f(s) = s
/// without (the products taken once per column, in double, not per read).
struct FoldedReadout {
  float ArgScale = 0, CodeGain = 0, CodeOffset = 0, CodeNoise = 0;
};
inline FoldedReadout foldReadout(const ReadoutChain &C) {
  // The current after the non-linearity is NonlinOut tanh(NonlinIn I),
  // I = Supply sum; gain, offset and noise then act in current units and
  // the ADC scales by CodeScale, adding 1/2 to round.
  const bool Nonlinear = C.NonlinIn > 0;
  FoldedReadout F;
  F.ArgScale = static_cast<float>(C.Supply * C.NonlinIn);
  F.CodeGain = static_cast<float>(C.CodeScale * C.Gain * (Nonlinear ? C.NonlinOut : C.Supply));
  F.CodeOffset = static_cast<float>(C.CodeScale * C.OffsetFS + 0.5);
  F.CodeNoise = static_cast<float>(C.CodeScale * C.NoiseFS);
  return F;
}

/// What the read-out applies to each column of one read: foldReadout's
/// constants per column (the range in use, and with it the noise, the
/// offset and the code scale, may differ from column to column: a block's
/// read shifts per phase and column).
struct ColumnReadouts {
  float MaxCode = 0;      ///< A
  bool Nonlinear = false; ///< whether ArgScale and tanh apply
  /// Every argument of tanh lies below fastmath::TanhSmallBound
  /// (tanhArgumentsSmall), so tanh's small branch alone serves.
  bool SmallArguments = false;
  const float *ArgScale = nullptr;   ///< per column, FoldedReadout's
  const float *CodeGain = nullptr;   ///< per column
  const float *CodeOffset = nullptr; ///< per column
  const float *CodeNoise = nullptr;  ///< per column
};

/// Whether every sum from 0 to \p Largest keeps the argument of tanh
/// below fastmath::TanhSmallBound at any ArgScale from 0 to \p ArgScale,
/// computed as adcCodes computes the arguments (a float product is
/// monotonic in its factors).
bool tanhArgumentsSmall(int32_t Largest, float ArgScale);

/// \p Codes[j], j < \p Cols: the ADC codes of one read's column sums
/// \p Sums[j] (not negative where tanh applies) with read-noise draws
/// \p Z[j], through the read-outs \p R of the columns.
void adcCodes(const ColumnReadouts &R, const int32_t *Sums, const float *Z, uint32_t Cols,
              int32_t *Codes);

/// One analog read of a batch: its column sums and noise draws, its
/// read-out and read shifts (per column), its input phase's weight
/// (2^PhaseShift) and the accumulators its read-outs add to.
struct AnalogReadout {
  const int32_t *Sums = nullptr;
  const float *Z = nullptr;
  const ColumnReadouts *Readouts = nullptr;
  const int8_t *Shifts = nullptr;
  unsigned PhaseShift = 0;
  int64_t *Acc = nullptr;
};

/// For each read of \p Reads[0 .. Count): adcCodes, then addReadouts of
/// the codes, over \p Cols columns (\p Codes: scratch of Cols). Reads
/// that need no second pass through tanh keep their codes in registers.
void addAnalogReadouts(const AnalogReadout *Reads, size_t Count, uint32_t Cols, int32_t *Codes);

/// \p Out[j] += sum over k < \p L of Sums[L j + k] * Weights[L j + k], for
/// j < \p Cols / L, L = 2 or 4: a block's column sums (each read-out's
/// slices and polarities, weighted) added to its outputs where every
/// output takes a run of L columns, in order.
void addUniformRuns(uint32_t L, const int64_t *Sums, const int64_t *Weights, uint32_t Cols,
                    int64_t *Out);

/// \p Codes[j] = nmpu::idealCode(Sums[j], \p AdcBits, \p Shifts[j]), j <
/// \p Cols: the ideal chip's read-out.
void idealCodes(const int32_t *Sums, const int8_t *Shifts, unsigned AdcBits, uint32_t Cols,
                int32_t *Codes);

/// \p Acc[j] += nmpu::readoutValue(Codes[j], Shifts[j]) * 2^\p PhaseShift,
/// j < \p Cols: the NMPU's shift-add of one input phase's read-outs.
void addReadouts(const int32_t *Codes, const int8_t *Shifts, unsigned PhaseShift, uint32_t Cols,
                 int64_t *Acc);

} // namespace qnn::runtime

#endif

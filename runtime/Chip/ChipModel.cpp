//===- ChipModel.cpp - Crossbar arrays and the NMPU of an MVM -------------===//
//
// Follows docs/chip-model.md step by step; the analog formulas are those of
// docs/analog-model.md.
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/ChipModel.h"
#include "qnn/Runtime/ParallelFor.h"
#include "qnn/Support/Tensor.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace qnn::runtime {

using namespace qnn::image;

namespace {

/// The fraction bits of an array's cell currents \p G (\p Cols per row):
/// as many as keep every cell below 2^15 (an int16: the instance's cells
/// take half the memory of int32, which first touching them costs, and
/// 10 bits of a 4-bit level's unit are far below a percent of programming
/// variation) and every column's largest sum, all rows driven with
/// \p MaxDrive, below 2^30 (rounding adds at most a unit per row); at most
/// 24 (beyond, a unit is far below any noise). Fewer than none where a
/// huge variation makes a cell's current exceed 2^15 levels.
int currentFractionBits(llvm::ArrayRef<float> G, uint32_t Cols, double MaxDrive) {
  const CurrentExtremes Extremes = currentExtremes(G.data(), G.size(), Cols);
  const double Largest = MaxDrive * Extremes.LargestColumnSum;
  const double LargestCell = Extremes.LargestCell;
  // A float is below 2^128: at -128 + 15 bits every cell fits.
  int Bits = 24;
  while (Bits > -113 &&
         (std::ldexp(LargestCell, Bits) + 0.5 >= std::ldexp(1.0, 15) ||
          std::ldexp(Largest + double(G.size() / Cols), Bits) >= std::ldexp(1.0, 30)))
    --Bits;
  return Bits;
}

/// The largest sum a read of an array of fixed-point currents \p Cells
/// (\p Cols per row) can reach: a column's with every row driven at
/// \p MaxDrive. Below 2^30 (currentFractionBits) but where a variation
/// beyond reason left the currents no fraction bits to shed; saturated at
/// the int32 maximum there.
int32_t largestColumnSum(const int16_t *Cells, size_t Count, uint32_t Cols, int32_t MaxDrive) {
  return static_cast<int32_t>(std::min<int64_t>(
      MaxDrive * largestFixedColumnSum(Cells, Count, Cols), std::numeric_limits<int32_t>::max()));
}

} // namespace

ChipModel::ChipModel(const Target &T, const Program &P, NmpuMode Nmpu,
                     std::optional<AnalogParams> Analog, uint64_t Seed, unsigned Threads)
    : T(T), P(P), Nmpu(Nmpu), Analog(Analog), Noise(Seed) {
  for (size_t I = 0; I < P.Steps.size(); ++I)
    if (P.Steps[I].Kind == StepKind::Mvm)
      StepIndex[&P.Steps[I].Mvm] = static_cast<uint32_t>(I);
  if (!Analog)
    return;
  // Every draw is keyed by what it perturbs (ReadNoise::InstanceStep), so
  // a change in one layer does not move another's draws, every array's
  // draws are one vectorized batch, and the arrays can be drawn on any
  // number of threads.
  // Per thread: the draws' buffers, kept from array to array.
  struct Draws {
    ReadNoise::Scratch Scratch;
    std::vector<uint64_t> Vectors;
    std::vector<uint8_t> Phases;
    AlignedVector<float> Z, G;
  };
  auto normals = [&](uint32_t Kind, uint32_t Array, uint32_t Rows, uint32_t Cols, Draws &D) {
    D.Vectors.resize(Rows);
    std::iota(D.Vectors.begin(), D.Vectors.end(), 0);
    D.Phases.assign(Rows, 0);
    D.Z.resize(size_t(Rows) * Cols);
    Noise.normals(Kind, Array, D.Vectors, D.Phases, 0, Cols, D.Z.data(), D.Scratch);
    return D.Z.data();
  };
  std::vector<Draws> PerThread(std::max(1u, Threads));
  const double Supply =
      1 + Analog->SigmaSupply * normals(ReadNoise::SupplyStep, 0, 1, 1, PerThread[0])[0];
  double Drift = 1;
  if (Analog->DriftPerDecade > 0)
    Drift = std::max(0.0, 1 - Analog->DriftPerDecade * std::log10(1 + Analog->DriftSeconds));
  const double MaxCode = T.maxAdcCode();
  const double MaxDrive = double((1u << T.DacBits) - 1);
  const size_t Arrays = P.Arrays.size();
  FirstCell.resize(Arrays + 1, 0);
  for (size_t Array = 0; Array < Arrays; ++Array)
    FirstCell[Array + 1] = FirstCell[Array] + P.Arrays[Array].Levels.size();
  CellCurrents = HugePageArray<int16_t>(FirstCell[Arrays]);
  CurrentBits.resize(Arrays);
  std::vector<int32_t> LargestSum(Arrays);
  ColumnGain.resize(Arrays);
  ColumnOffset.resize(Arrays);
  parallelFor(Arrays, Threads, [&](size_t Array, size_t Worker) {
    const ArrayImage &A = P.Arrays[Array];
    const auto Index = static_cast<uint32_t>(Array);
    Draws &D = PerThread[Worker];
    const float *CellZ = normals(ReadNoise::CellStep, Index, A.Rows, A.Cols, D);
    D.G.resize(A.Levels.size());
    programmedCurrents(A.Levels.data(), CellZ, D.G.size(), static_cast<float>(Analog->SigmaProgram),
                       static_cast<float>(Drift), D.G.data());
    CurrentBits[Array] = currentFractionBits(D.G, A.Cols, MaxDrive);
    fixedPointCurrents(D.G.data(), D.G.size(), CurrentBits[Array],
                       CellCurrents.data() + FirstCell[Array]);
    LargestSum[Array] = largestColumnSum(CellCurrents.data() + FirstCell[Array], D.G.size(), A.Cols,
                                         static_cast<int32_t>(MaxDrive));
    ColumnGain[Array].resize(A.Cols);
    const float *GainZ = normals(ReadNoise::GainStep, Index, 1, A.Cols, D);
    for (unsigned J = 0; J < A.Cols; ++J)
      ColumnGain[Array][J] = 1 + Analog->SigmaGain * GainZ[J];
    ColumnOffset[Array].resize(A.Cols);
    const float *OffsetZ = normals(ReadNoise::OffsetStep, Index, 1, A.Cols, D);
    for (unsigned J = 0; J < A.Cols; ++J)
      ColumnOffset[Array][J] = Analog->SigmaOffset * OffsetZ[J];
  });
  SupplyFactor = Supply;
  for (int Shift = MinReadShift; Shift <= MaxReadShift; ++Shift) {
    // FS is the range in use; a read gain (a negative shift) narrows it,
    // and the read-out's offset and noise with it. The current-mode stage
    // before the gain sees the unamplified currents, so its compression is
    // relative to the range without gain.
    const double FS = std::ldexp(MaxCode, Shift);
    const double CurrentFS = std::ldexp(MaxCode, std::max(0, Shift));
    ReadRange R;
    R.FS = FS;
    if (nonlinear()) {
      R.NonlinIn = Analog->Nonlinearity / CurrentFS;
      R.NonlinOut = CurrentFS / std::tanh(Analog->Nonlinearity);
    }
    // The column current's own noise (the floor) adds to the read-out's.
    R.NoiseFS = std::hypot(Analog->SigmaRead * FS, Analog->SigmaReadFloor * MaxCode);
    R.CodeScale = MaxCode / FS;
    Ranges.push_back(R);
  }
  // Where an array's largest sum keeps tanh on its small branch at the
  // largest argument scale of any range, every read of it does.
  ArgumentsSmall.resize(Arrays);
  for (size_t Array = 0; Array < Arrays && nonlinear(); ++Array) {
    float ArgScale = 0;
    for (const ReadRange &R : Ranges)
      ArgScale = std::max(ArgScale, foldReadout({sumUnit(static_cast<uint32_t>(Array)), 1, 0, 0,
                                                 R.CodeScale, R.NonlinIn, R.NonlinOut})
                                        .ArgScale);
    ArgumentsSmall[Array] = tanhArgumentsSmall(LargestSum[Array], ArgScale);
  }
}

void ChipModel::readBlock(const Block &B, unsigned Phase, llvm::ArrayRef<int64_t> Xp,
                          llvm::MutableArrayRef<int64_t> Readout,
                          std::vector<double> &Currents) const {
  const ArrayImage &A = P.Arrays[B.Array];
  // A phase that drives none of the rows is not read (as in analog mode):
  // the NMPU takes 0 without a calibration correction.
  if (std::all_of(Xp.begin() + B.KBegin, Xp.begin() + B.KBegin + B.KCount,
                  [](int64_t V) { return V == 0; })) {
    std::fill(Readout.begin(), Readout.end(), 0);
    return;
  }
  Currents.assign(B.ColCount, 0.0);
  // Rows are driven one at a time so the inner loop walks a row of the
  // row-major array; rows driven with 0 add nothing. Integer sums in a
  // double stay exact far beyond any array's range.
  for (uint32_t K = 0; K < B.KCount; ++K) {
    int64_t X = Xp[B.KBegin + K];
    if (X == 0)
      continue;
    const uint8_t *L = A.Levels.data() + size_t(B.RowOffset + K) * A.Cols + B.ColOffset;
    for (uint32_t J = 0; J < B.ColCount; ++J)
      Currents[J] += static_cast<double>(X * L[J]);
  }
  const bool Calibrated = calibrated(B.Array);
  for (uint32_t J = 0; J < B.ColCount; ++J) {
    const int Shift = B.readShift(A, Phase, J);
    const int64_t Code = nmpu::idealCode(static_cast<int64_t>(Currents[J]), T.AdcBits, Shift);
    Readout[J] = Calibrated ? calibratedReadout(B.Array, B.ColOffset + J, Code, Shift)
                            : nmpu::readoutValue(Code, Shift);
  }
}

void ChipModel::setCalibration(Calibration C) {
  // The NMPU multiplies by 1 / gain and subtracts offset / gain in fixed
  // point with CorrectionBits fraction bits (seed paper 4's NMPU: per-column
  // constants, no division).
  Corrections.assign(P.Arrays.size(), {});
  for (size_t A = 0; A < C.Arrays.size() && A < P.Arrays.size(); ++A) {
    const Calibration::ArrayColumns &Cols = C.Arrays[A];
    for (size_t J = 0; J < Cols.Gain.size(); ++J)
      Corrections[A].push_back(
          {std::llround(std::ldexp(1.0 / Cols.Gain[J], CorrectionBits)),
           std::llround(std::ldexp(Cols.Offset[J] / Cols.Gain[J], CorrectionBits))});
  }
}

bool ChipModel::calibrated(uint32_t Array) const {
  return !Corrections.empty() && !Corrections[Array].empty();
}

int64_t ChipModel::calibratedReadout(uint32_t Array, uint32_t Col, int64_t Code,
                                     int ReadShift) const {
  const ColumnCorrection &C = Corrections[Array][Col];
  return nmpu::roundingShift(static_cast<__int128>(Code) * C.Mult - C.Offset,
                             CorrectionBits - ReadShift);
}

std::vector<int32_t> ChipModel::testRead(uint32_t Array, llvm::ArrayRef<int32_t> Drive,
                                         llvm::ArrayRef<int8_t> Shifts, uint64_t Index) const {
  const ArrayImage &A = P.Arrays[Array];
  std::vector<int32_t> Codes(A.Cols);
  if (!Analog) {
    for (uint32_t J = 0; J < A.Cols; ++J) {
      int64_t Sum = 0;
      for (uint32_t K = 0; K < A.Rows; ++K)
        Sum += int64_t(Drive[K]) * A.Levels[size_t(K) * A.Cols + J];
      Codes[J] = static_cast<int32_t>(nmpu::idealCode(Sum, T.AdcBits, Shifts[J]));
    }
    return Codes;
  }
  std::vector<int32_t> Sums(A.Cols);
  std::vector<float> Z(A.Cols, 0.0f);
  addColumnSums(Drive.data(), A.Rows, arrayCurrents(Array), A.Cols, A.Cols, Sums.data());
  // Test reads draw their noise at a step number no image step has.
  if (Analog->SigmaRead > 0 || Analog->SigmaReadFloor > 0) {
    ReadNoise::Scratch NoiseScratch;
    const uint64_t Vector[] = {Index};
    const uint8_t Phase[] = {0};
    Noise.normals(static_cast<uint32_t>(P.Steps.size()), Array, Vector, Phase, 0, A.Cols, Z.data(),
                  NoiseScratch);
  }
  Block Whole;
  Whole.Array = Array;
  Whole.KCount = A.Rows;
  Whole.ColCount = A.Cols;
  Whole.PhaseShifts.assign(Shifts.begin(), Shifts.end());
  ReadConstants Scratch;
  const ColumnReadouts Readouts = readConstants(Whole, 0, Scratch);
  adcCodes(Readouts, Sums.data(), Z.data(), A.Cols, Codes.data());
  return Codes;
}

double ChipModel::sumUnit(uint32_t Array) const {
  return std::ldexp(SupplyFactor, -CurrentBits[Array]);
}

bool ChipModel::nonlinear() const {
  // tanh(a u) / tanh(a) differs from u by at most about a^2 u / 3: below
  // 2^-12 that is under a float's precision, while the folded read-out
  // constants (a / FS0 and FS0 / tanh(a)) would leave float's range for
  // a far smaller a.
  return Analog && Analog->Nonlinearity >= 0x1p-12;
}

unsigned ChipModel::inputPhases(const MvmStep &S) const {
  // Only the bits the layer's inputs have are driven: a phase above them
  // would read nothing but noise.
  return T.inputPhases(S.InputBits);
}

int64_t ChipModel::requantize(const MvmStep &S, unsigned N, int64_t Acc) const {
  return nmpu::requantize(Nmpu, Acc, S.Multiplier[N], {S.FixedMultiplier[N], S.FixedShift[N]},
                          S.OutZeroPoint, S.ClampMin, S.ClampMax);
}

void ChipModel::mvm(const MvmStep &S, llvm::ArrayRef<int64_t> X, llvm::MutableArrayRef<int64_t> Out,
                    StepStats &Stats, uint64_t *FixedDiffs, uint32_t Copy, uint64_t Vector) {
  countMvm(S, Copy, Stats);
  if (Analog) {
    mvmBlocks(S, X.data(), 1, Vector, &Copy, Out.data(), FixedDiffs);
    return;
  }
  const unsigned Phases = inputPhases(S);
  const llvm::ArrayRef<Block> Blocks = S.copyBlocks(Copy);
  const int64_t DacMask = (int64_t(1) << T.DacBits) - 1;
  std::vector<int64_t> Acc(S.N, 0), Xp(S.K), Readout;
  std::vector<double> Currents;
  for (unsigned Phase = 0; Phase < Phases; ++Phase) {
    unsigned PhaseShift = Phase * T.DacBits;
    for (uint32_t K = 0; K < S.K; ++K)
      Xp[K] = (X[K] >> PhaseShift) & DacMask;
    for (const Block &B : Blocks) {
      Readout.resize(B.ColCount);
      readBlock(B, Phase, Xp, Readout, Currents);
      for (uint32_t J = 0; J < B.ColCount; ++J) {
        const PhysColumn &C = S.Columns[B.ColBegin + J];
        Acc[C.Output] += C.Sign * Readout[J] * (int64_t(1) << (C.Shift + PhaseShift));
      }
    }
  }
  subtractOffset(S, X.data(), Acc.data());
  nmpuOutputs(S, Acc.data(), Out.data(), FixedDiffs);
}

template <typename Input>
void ChipModel::subtractOffset(const MvmStep &S, const Input *X, int64_t *Acc) const {
  if (S.Polarity != PolarityMode::Offset)
    return;
  int64_t SumX = 0;
  for (uint32_t K = 0; K < S.K; ++K)
    SumX += X[K];
  for (uint32_t N = 0; N < S.N; ++N)
    Acc[N] -= S.Offset * SumX;
}

template void ChipModel::subtractOffset(const MvmStep &, const int64_t *, int64_t *) const;
template void ChipModel::subtractOffset(const MvmStep &, const uint8_t *, int64_t *) const;

ColumnReadouts ChipModel::readConstants(const Block &B, unsigned Phase,
                                        ReadConstants &Scratch) const {
  const ArrayImage &A = P.Arrays[B.Array];
  Scratch.ArgScale.resize(B.ColCount);
  Scratch.CodeGain.resize(B.ColCount);
  Scratch.CodeOffset.resize(B.ColCount);
  Scratch.CodeNoise.resize(B.ColCount);
  const double *Gain = ColumnGain[B.Array].data() + B.ColOffset;
  const double *Offset = ColumnOffset[B.Array].data() + B.ColOffset;
  const double Supply = sumUnit(B.Array);
  for (uint32_t J = 0; J < B.ColCount; ++J) {
    const ReadRange &R = Ranges[B.readShift(A, Phase, J) - MinReadShift];
    const FoldedReadout F = foldReadout(
        {Supply, Gain[J], Offset[J] * R.FS, R.NoiseFS, R.CodeScale, R.NonlinIn, R.NonlinOut});
    Scratch.ArgScale[J] = F.ArgScale;
    Scratch.CodeGain[J] = F.CodeGain;
    Scratch.CodeOffset[J] = F.CodeOffset;
    Scratch.CodeNoise[J] = F.CodeNoise;
  }
  ColumnReadouts C;
  C.MaxCode = static_cast<float>(T.maxAdcCode());
  C.Nonlinear = nonlinear();
  C.SmallArguments = C.Nonlinear && ArgumentsSmall[B.Array];
  C.ArgScale = Scratch.ArgScale.data();
  C.CodeGain = Scratch.CodeGain.data();
  C.CodeOffset = Scratch.CodeOffset.data();
  C.CodeNoise = Scratch.CodeNoise.data();
  return C;
}

void ChipModel::nmpuOutputs(const MvmStep &S, const int64_t *Acc, int64_t *Out,
                            uint64_t *FixedDiffs) const {
  for (uint32_t N = 0; N < S.N; ++N) {
    int64_t A = nmpu::saturateAccumulator(Acc[N] + S.Bias[N], T.AccBits);
    if (S.Requant == RequantMode::None) {
      Out[N] = A;
      continue;
    }
    if (S.Requant == RequantMode::Threshold) {
      const ThresholdStep &Th = S.Threshold;
      Out[N] = nmpu::thresholdLevel(static_cast<double>(A), Th.Thresholds.data() + N * Th.Count,
                                    Th.Count, Th.Signs[N], Th.OutMin, Th.OutStep);
      continue;
    }
    Out[N] = requantize(S, N, A);
    if (FixedDiffs && Nmpu == NmpuMode::Fixed &&
        Out[N] != nmpu::requantFloat(A, S.Multiplier[N], S.OutZeroPoint, S.ClampMin, S.ClampMax))
      ++*FixedDiffs;
  }
}

void ChipModel::prepareBatching(unsigned Threads) {
  if (Analog || !Corrections.empty())
    return;
  std::vector<const MvmStep *> Steps;
  for (const Step &St : P.Steps)
    if (St.Kind == StepKind::Mvm)
      Steps.push_back(&St.Mvm);
  // The matrices are independent: built on the threads, kept in step order.
  std::vector<std::optional<ExactMatrix>> Built(Steps.size());
  parallelFor(Steps.size(), Threads,
              [&](size_t I, size_t) { Built[I] = ExactMatrix::build(T, P, *Steps[I]); });
  for (size_t I = 0; I < Steps.size(); ++I)
    Exact.emplace(Steps[I], std::move(Built[I]));
}

const ExactMatrix *ChipModel::exactMatrix(const MvmStep &S) const {
  auto It = Exact.find(&S);
  return It != Exact.end() && It->second ? &*It->second : nullptr;
}

void ChipModel::mvmBatch(const MvmStep &S, const ExactMatrix &M, const uint8_t *X, int64_t Vectors,
                         int64_t *Out, uint64_t *FixedDiffs) {
  std::vector<int32_t> Acc32(size_t(Vectors) * S.N);
  M.multiply(X, Vectors, Acc32.data());
  if (!FixedDiffs && requantizeFixedBatch(S, Acc32.data(), Vectors, Out))
    return;
  std::vector<int64_t> Acc(S.N);
  for (int64_t V = 0; V < Vectors; ++V) {
    std::copy_n(Acc32.data() + V * S.N, S.N, Acc.data());
    nmpuOutputs(S, Acc.data(), Out + V * S.N, FixedDiffs);
  }
}

bool ChipModel::requantizeFixedBatch(const MvmStep &S, const int32_t *Acc, int64_t Vectors,
                                     int64_t *Out) const {
  // The common NMPU program, without a call and a switch per output: the
  // same arithmetic as nmpuOutputs (saturateAccumulator, then
  // requantFixed), in 64 bits, which hold an int32 sum plus a bias below
  // 2^31 times a 31-bit multiplier.
  constexpr int64_t Bound = int64_t(1) << 31;
  if (S.Requant != RequantMode::Scale || Nmpu != NmpuMode::Fixed)
    return false;
  for (uint32_t N = 0; N < S.N; ++N)
    if (S.FixedShift[N] < 1 || std::abs(S.Bias[N]) >= Bound)
      return false;
  const int64_t Lo = S.ClampMin, Hi = S.ClampMax, ZeroPoint = S.OutZeroPoint;
  const int64_t *Bias = S.Bias.data();
  const int32_t *Mult = S.FixedMultiplier.data();
  const int8_t *Shift = S.FixedShift.data();
  const uint32_t Outputs = S.N;
  const unsigned AccBits = T.AccBits;
  for (int64_t V = 0; V < Vectors; ++V, Acc += Outputs, Out += Outputs)
    for (uint32_t N = 0; N < Outputs; ++N) {
      const int64_t A = nmpu::saturateAccumulator(int64_t(Acc[N]) + Bias[N], AccBits);
      const int64_t Y = nmpu::roundingShift64(A * Mult[N], Shift[N]);
      Out[N] = std::clamp(Y + ZeroPoint, Lo, Hi);
    }
  return true;
}

void ChipModel::countMvms(const MvmStep &S, uint32_t Copy, uint64_t Times, StepStats &Stats) const {
  if (Times == 0)
    return;
  StepStats One;
  countMvm(S, Copy, One);
  Stats.add(One, Times);
}

void ChipModel::countMvm(const MvmStep &S, uint32_t Copy, StepStats &Stats) const {
  // docs/cost-model.md: blocks on different arrays are read in parallel,
  // the read groups of one array one after another; the copies of a
  // replicated layer read their vectors at the same time, so the
  // sequential reads are counted on copy 0's vectors, with the read groups
  // of the busiest array over all copies.
  const unsigned Phases = inputPhases(S);
  uint64_t Groups = 0, Converted = 0, Driven = 0;
  const uint32_t LayerTile = S.Blocks.empty() ? 0 : P.Arrays[S.Blocks.front().Array].Tile;
  llvm::SmallDenseSet<uint32_t, 8> OtherTiles;
  for (const Block &B : S.copyBlocks(Copy)) {
    Groups += (B.ColCount + T.Neurons - 1) / T.Neurons;
    Converted += B.ColCount;
    Driven += B.KCount;
    if (P.Arrays[B.Array].Tile != LayerTile)
      OtherTiles.insert(P.Arrays[B.Array].Tile);
  }
  if (Copy == 0) {
    llvm::SmallDenseMap<uint32_t, uint64_t, 8> GroupsPerArray;
    for (const Block &B : S.Blocks)
      GroupsPerArray[B.Array] += (B.ColCount + T.Neurons - 1) / T.Neurons;
    uint64_t Sequential = 0;
    for (const auto &AG : GroupsPerArray)
      Sequential = std::max(Sequential, AG.second);
    Stats.SequentialReads += Phases * Sequential;
  }
  Stats.ArrayPhases += Phases * Groups;
  Stats.AdcConversions += Phases * Converted;
  Stats.DacPhases += Phases * Driven;
  Stats.NmpuOps += Phases * Converted + S.N * (S.Polarity == PolarityMode::Offset ? 2 : 1);
  // Every other tile holding blocks of the copy sends its partial sums to
  // the first block's tile, where the layer's NMPU runs: over the links
  // from another chip (a layer larger than a chip).
  for (uint32_t Tile : OtherTiles)
    (Tile / T.Tiles == LayerTile / T.Tiles ? Stats.TransferBytes : Stats.LinkBytes) +=
        S.N * ((T.AccBits + 7) / 8);
}

} // namespace qnn::runtime

//===- BlockReads.cpp - The chip model's reads over batches of vectors ----===//
//
// ChipModel::mvmBlocks: an MVM step's blocks read for many vectors at once,
// in ideal and analog mode, block by block so that a block's cells stay in
// cache. Per vector and block only the input phases that drive a row are
// read; each read's column sums are integers (AnalogRead.h), so a vector
// gets the same sums, noise and codes alone (the step-by-step form of
// analog mode) as in any batch.
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/ChipModel.h"
#include <algorithm>
#include <map>
#include <type_traits>

namespace qnn::runtime {

using namespace qnn::image;

namespace {

/// Reads per block from which a row table (AnalogRead.h) costs less than
/// it saves: building it costs about 8 cell rows per block row, a one-bit
/// read through it adds a quarter of the rows where a direct read adds the
/// driven ones (about 40 % of them).
constexpr size_t TableReads = 64;

/// Vectors whose reads of a block go through the inner loops together:
/// enough that each loop runs long (their noise is one batch of counters),
/// few enough that the sums and codes stay in the first-level cache.
constexpr size_t VectorsPerRead = 8;

/// Per block, its columns in runs of one output (a weight's slices and
/// polarities lie side by side), each run's sum added to the output once:
/// adds to one accumulator one after another wait on each other.
struct OutputRun {
  uint32_t Output, End;
};

/// Adds the block's column sums \p Sums, weighted by \p Weight, to their
/// outputs \p Out, run by run.
void addRuns(const std::vector<OutputRun> &Runs, const int64_t *Sums, const int64_t *Weight,
             int64_t *Out) {
  uint32_t J = 0;
  for (const OutputRun &Run : Runs) {
    int64_t Sum = 0;
    for (; J < Run.End; ++J)
      Sum += Sums[J] * Weight[J];
    Out[Run.Output] += Sum;
  }
}

/// The length every run of \p Runs has, outputs following each other, or
/// 0. (addUniformRuns takes runs of 2 and 4.)
uint32_t uniformRunLength(const std::vector<OutputRun> &Runs) {
  const uint32_t L = Runs.empty() ? 0 : Runs[0].End;
  for (size_t I = 0; I < Runs.size(); ++I)
    if (Runs[I].End != L * (I + 1) || Runs[I].Output != Runs[0].Output + I)
      return 0;
  return L;
}

} // namespace

bool ChipModel::oneBitBytes(const MvmStep &S) const {
  // A one-bit read of at most 8 phases takes bits 0..7 of each input.
  return T.DacBits == 1 && inputPhases(S) <= 8;
}

void ChipModel::prepareBlockReads(const MvmStep &S, const Block &B, size_t Vectors,
                                  BlockScratch &Scratch) const {
  const ArrayImage &A = P.Arrays[B.Array];
  const unsigned Phases = inputPhases(S);
  const uint32_t Cols = B.ColCount;
  Scratch.Shifts.resize(size_t(Phases) * Cols);
  for (unsigned Phase = 0; Phase < Phases; ++Phase)
    for (uint32_t J = 0; J < Cols; ++J)
      Scratch.Shifts[Phase * Cols + J] = static_cast<int8_t>(B.readShift(A, Phase, J));
  if (Analog) {
    Scratch.Cells = arrayCurrents(B.Array) + size_t(B.RowOffset) * A.Cols + B.ColOffset;
    Scratch.Stride = A.Cols;
    // Phases read at the same ranges (most of a block's) share their
    // constants.
    Scratch.Readouts.resize(Phases);
    Scratch.Constants.resize(Phases);
    for (unsigned Phase = 0; Phase < Phases; ++Phase) {
      const int8_t *Shifts = Scratch.Shifts.data() + size_t(Phase) * Cols;
      unsigned Same = 0;
      while (Same < Phase &&
             !std::equal(Shifts, Shifts + Cols, Scratch.Shifts.data() + size_t(Same) * Cols))
        ++Same;
      Scratch.Readouts[Phase] =
          Same < Phase ? Scratch.Readouts[Same] : readConstants(B, Phase, Scratch.Constants[Phase]);
    }
  } else {
    // The ideal chip's cell currents are its levels.
    Scratch.IdealCells.resize(size_t(B.KCount) * Cols);
    for (uint32_t K = 0; K < B.KCount; ++K)
      std::copy_n(A.Levels.data() + size_t(B.RowOffset + K) * A.Cols + B.ColOffset, Cols,
                  Scratch.IdealCells.data() + size_t(K) * Cols);
    Scratch.Cells = Scratch.IdealCells.data();
    Scratch.Stride = Cols;
  }
  Scratch.Groups = (B.KCount + RowsPerGroup - 1) / RowsPerGroup;
  Scratch.UseTable = oneBitBytes(S) && Vectors * Phases >= TableReads;
  if (Scratch.UseTable) {
    Scratch.Table.resize(rowTableSize(B.KCount, Cols));
    buildRowTable(Scratch.Cells, Scratch.Stride, B.KCount, Cols, Scratch.Table.data());
  }
  Scratch.Drive.resize(B.KCount);
}

template <typename Input>
void ChipModel::readBlockVectors(const MvmStep &S, const Block &B, uint32_t Step,
                                 const Input *const *X, const OneBitRows *Bits,
                                 const uint64_t *Vectors, size_t Count, BlockScratch &Scratch,
                                 int64_t *ColAcc) const {
  const unsigned Phases = inputPhases(S);
  const uint32_t Cols = B.ColCount;
  const int64_t DacMask = (int64_t(1) << T.DacBits) - 1;
  // The reads: each vector's phases that drive a row of the block. A
  // phase that drives none is not read: the NMPU knows its inputs and adds
  // nothing (no noise, no offset).
  Scratch.ReadOf.clear();
  Scratch.ReadPhase.clear();
  Scratch.ReadVector.clear();
  for (size_t V = 0; V < Count; ++V) {
    int64_t Driven = 0;
    if (Scratch.UseTable)
      Driven = Bits[V].Phases;
    else
      for (uint32_t K = 0; K < B.KCount; ++K)
        Driven |= X[V][K];
    for (unsigned Phase = 0; Phase < Phases; ++Phase)
      if ((Driven >> (Phase * T.DacBits)) & DacMask) {
        Scratch.ReadOf.push_back(static_cast<uint32_t>(V));
        Scratch.ReadPhase.push_back(static_cast<uint8_t>(Phase));
        Scratch.ReadVector.push_back(Vectors[V]);
      }
  }
  std::fill_n(ColAcc, Count * Cols, 0);
  const size_t Reads = Scratch.ReadOf.size();
  if (Reads == 0)
    return;
  // Table sums come in rows of whole table tiles.
  const size_t SumsStride = Scratch.UseTable ? rowTablePadded(Cols) : Cols;
  Scratch.Sums.resize(Reads * SumsStride);
  Scratch.Codes.resize(Cols);

  if (Scratch.UseTable) {
    const uint32_t MaskWords = drivenGroupWords(B.KCount);
    Scratch.ReadPatterns.resize(Reads);
    Scratch.ReadGroups.resize(Reads);
    for (size_t R = 0; R < Reads; ++R) {
      const OneBitRows &Rows = Bits[Scratch.ReadOf[R]];
      const uint32_t Phase = Scratch.ReadPhase[R];
      Scratch.ReadPatterns[R] = Rows.Patterns + size_t(Phase) * Scratch.Groups;
      Scratch.ReadGroups[R] = Rows.Masks + size_t(Phase) * MaskWords;
    }
    addTableSums(Scratch.ReadPatterns.data(), Scratch.ReadGroups.data(), Reads, Scratch.Groups,
                 Scratch.Table.data(), Cols, Scratch.Sums.data());
  } else {
    for (size_t R = 0; R < Reads; ++R) {
      const Input *In = X[Scratch.ReadOf[R]];
      const unsigned Shift = Scratch.ReadPhase[R] * T.DacBits;
      for (uint32_t K = 0; K < B.KCount; ++K)
        Scratch.Drive[K] = static_cast<int32_t>((In[K] >> Shift) & DacMask);
      addColumnSums(Scratch.Drive.data(), B.KCount, Scratch.Cells, Scratch.Stride, Cols,
                    Scratch.Sums.data() + R * SumsStride);
    }
  }

  const float *Z = nullptr;
  size_t ZStride = Cols;
  if (Analog) {
    if (Analog->SigmaRead > 0 || Analog->SigmaReadFloor > 0) {
      Z = Noise.normalRows(Step, B.Array, Scratch.ReadVector, Scratch.ReadPhase, B.ColOffset, Cols,
                           Scratch.NoiseScratch, ZStride);
    } else {
      Scratch.Z.assign(Cols, 0.0f);
      Z = Scratch.Z.data();
      ZStride = 0;
    }
  }
  // Each read's codes go into its vector's accumulators while they are in
  // the first-level cache.
  const bool Calibrated = calibrated(B.Array);
  int32_t *Codes = Scratch.Codes.data();
  if (Analog && !Calibrated) {
    Scratch.AnalogReads.resize(Reads);
    for (size_t R = 0; R < Reads; ++R) {
      const unsigned Phase = Scratch.ReadPhase[R];
      Scratch.AnalogReads[R] = {Scratch.Sums.data() + R * SumsStride,
                                Z + R * ZStride,
                                &Scratch.Readouts[Phase],
                                Scratch.Shifts.data() + size_t(Phase) * Cols,
                                Phase * T.DacBits,
                                ColAcc + size_t(Scratch.ReadOf[R]) * Cols};
    }
    addAnalogReadouts(Scratch.AnalogReads.data(), Reads, Cols, Codes);
    return;
  }
  for (size_t R = 0; R < Reads; ++R) {
    const unsigned Phase = Scratch.ReadPhase[R];
    const int32_t *Sums = Scratch.Sums.data() + R * SumsStride;
    const int8_t *Shifts = Scratch.Shifts.data() + size_t(Phase) * Cols;
    if (Analog)
      adcCodes(Scratch.Readouts[Phase], Sums, Z + R * ZStride, Cols, Codes);
    else
      idealCodes(Sums, Shifts, T.AdcBits, Cols, Codes);
    int64_t *Acc = ColAcc + size_t(Scratch.ReadOf[R]) * Cols;
    if (!Calibrated) {
      addReadouts(Codes, Shifts, Phase * T.DacBits, Cols, Acc);
      continue;
    }
    for (uint32_t J = 0; J < Cols; ++J)
      Acc[J] += calibratedReadout(B.Array, B.ColOffset + J, Codes[J], Shifts[J]) *
                (int64_t(1) << (Phase * T.DacBits));
  }
}

template <typename Input>
void ChipModel::mvmBlocks(const MvmStep &S, const Input *X, int64_t Vectors, uint64_t FirstVector,
                          const uint32_t *Copies, int64_t *Out, uint64_t *FixedDiffs) const {
  // The vectors each copy of the weights reads (vector v of the call is
  // number FirstVector + v).
  std::vector<std::vector<int64_t>> ByCopy(S.Replicas);
  for (int64_t V = 0; V < Vectors; ++V)
    ByCopy[Copies ? Copies[V] : 0].push_back(V);
  std::vector<int64_t> Acc(size_t(Vectors) * S.N, 0);
  AlignedVector<int64_t> ColAcc;
  // One-bit inputs of at most 8 phases also as bytes, for the row tables
  // (the phases read bits 0 .. 7).
  std::vector<uint8_t> ByteCopy;
  const uint8_t *Bytes = nullptr;
  if constexpr (std::is_same_v<Input, uint8_t>) {
    Bytes = X;
  } else if (oneBitBytes(S)) {
    ByteCopy.resize(size_t(Vectors) * S.K);
    for (size_t I = 0; I < ByteCopy.size(); ++I)
      ByteCopy[I] = static_cast<uint8_t>(X[I] & 0xff);
    Bytes = ByteCopy.data();
  }
  std::vector<const Input *> Inputs(VectorsPerRead);
  std::vector<uint64_t> Numbers(VectorsPerRead);
  BlockScratch Scratch;
  // Reads through row tables: per row range of the blocks, every vector's
  // OneBitRows, computed at the range's first block for the column blocks
  // after it (a layer has up to 16 on one range).
  struct RangeBits {
    std::vector<uint64_t> Masks;
    std::vector<uint8_t> Patterns;
    std::vector<OneBitRows> Rows;
  };
  std::map<std::pair<uint32_t, uint32_t>, RangeBits> Ranges;
  // Called after prepareBlockReads(B): Scratch.Groups is B's.
  auto rangeBits = [&](const Block &B, const std::vector<int64_t> &Read) {
    RangeBits &R = Ranges[{B.KBegin, B.KCount}];
    if (!R.Rows.empty())
      return R.Rows.data();
    const uint32_t Words = drivenGroupWords(B.KCount), Groups = Scratch.Groups;
    R.Masks.resize(Read.size() * 8 * Words);
    R.Patterns.resize(Read.size() * 8 * Groups);
    R.Rows.resize(Read.size());
    for (size_t V = 0; V < Read.size(); ++V) {
      const uint8_t *In = Bytes + Read[V] * S.K + B.KBegin;
      uint64_t *Masks = R.Masks.data() + V * 8 * Words;
      uint8_t *Patterns = R.Patterns.data() + V * 8 * Groups;
      const uint32_t Phases = drivenGroups(In, B.KCount, Masks);
      for (unsigned Phase = 0; Phase < 8; ++Phase)
        if ((Phases >> Phase) & 1)
          rowPatterns(In, B.KCount, Phase, Patterns + Phase * Groups);
      R.Rows[V] = {Phases, Masks, Patterns};
    }
    return R.Rows.data();
  };
  std::vector<OutputRun> Runs;
  std::vector<int64_t> Weight;
  const uint32_t Step = StepIndex.lookup(&S);
  for (uint32_t Copy = 0; Copy < S.Replicas; ++Copy) {
    const std::vector<int64_t> &Read = ByCopy[Copy];
    Ranges.clear();
    for (const Block &B : S.copyBlocks(Copy)) {
      prepareBlockReads(S, B, Read.size(), Scratch);
      const OneBitRows *Bits = Scratch.UseTable ? rangeBits(B, Read) : nullptr;
      ColAcc.resize(VectorsPerRead * B.ColCount);
      const PhysColumn *Columns = S.Columns.data() + B.ColBegin;
      Runs.clear();
      Weight.resize(B.ColCount);
      for (uint32_t J = 0; J < B.ColCount; ++J) {
        Weight[J] = Columns[J].Sign * (int64_t(1) << Columns[J].Shift);
        if (Runs.empty() || Runs.back().Output != Columns[J].Output)
          Runs.push_back({Columns[J].Output, J});
        Runs.back().End = J + 1;
      }
      const uint32_t RunLength = uniformRunLength(Runs);
      for (size_t First = 0; First < Read.size(); First += VectorsPerRead) {
        const size_t Count = std::min(VectorsPerRead, Read.size() - First);
        for (size_t I = 0; I < Count; ++I) {
          Inputs[I] = X + Read[First + I] * S.K + B.KBegin;
          Numbers[I] = FirstVector + Read[First + I];
        }
        readBlockVectors(S, B, Step, Inputs.data(), Bits ? Bits + First : nullptr, Numbers.data(),
                         Count, Scratch, ColAcc.data());
        // Slices and polarities meet in the output's accumulator.
        for (size_t I = 0; I < Count; ++I) {
          int64_t *VectorAcc = Acc.data() + Read[First + I] * S.N;
          const int64_t *Sums = ColAcc.data() + I * B.ColCount;
          if (RunLength == 4 || RunLength == 2)
            addUniformRuns(RunLength, Sums, Weight.data(), B.ColCount, VectorAcc + Runs[0].Output);
          else
            addRuns(Runs, Sums, Weight.data(), VectorAcc);
        }
      }
    }
  }
  for (int64_t V = 0; V < Vectors; ++V) {
    subtractOffset(S, X + V * S.K, Acc.data() + V * S.N);
    nmpuOutputs(S, Acc.data() + V * S.N, Out + V * S.N, FixedDiffs);
  }
}

template void ChipModel::mvmBlocks(const MvmStep &, const int64_t *, int64_t, uint64_t,
                                   const uint32_t *, int64_t *, uint64_t *) const;
template void ChipModel::mvmBlocks(const MvmStep &, const uint8_t *, int64_t, uint64_t,
                                   const uint32_t *, int64_t *, uint64_t *) const;

} // namespace qnn::runtime

//===- ChipModel.h - Functional model of the analog chip ---------*- C++ -*-===//
///
/// \file
/// Programmed crossbar arrays plus the NMPU post-processing of an MVM, as
/// docs/chip-model.md specifies. Ideal mode is integer arithmetic and bit
/// exact; analog mode applies the non-idealities of docs/analog-model.md:
/// the instance's variation drawn once from a generator seeded by the chip
/// instance, the read noise from a counter-based one (ReadNoise.h).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_CHIPMODEL_H
#define QNN_RUNTIME_CHIPMODEL_H

#include "qnn/Image/Program.h"
#include "qnn/Runtime/AlignedVector.h"
#include "qnn/Runtime/AnalogRead.h"
#include "qnn/Runtime/ExactMatrix.h"
#include "qnn/Runtime/HugePageArray.h"
#include "qnn/Runtime/ReadNoise.h"
#include "qnn/Runtime/Stats.h"
#include "qnn/Target/NmpuArith.h"
#include "qnn/Target/Target.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/Support/Error.h"
#include <map>
#include <optional>
#include <vector>

namespace qnn::runtime {

/// Per array and column read-out correction, in ADC codes: the NMPU takes
/// an ADC code d of the column as (d - Offset) / Gain, before the read
/// shift, so one correction serves every range the column is read at
/// (docs/analog-model.md, "Calibration").
struct Calibration {
  struct ArrayColumns {
    std::vector<double> Gain, Offset; ///< one per array column
  };
  std::vector<ArrayColumns> Arrays; ///< one per Program array; empty = none
};

/// Reads a calibration file: {"arrays": [{"array": I, "gain": [...],
/// "offset": [...]}, ...]} with one number per column of each listed array,
/// gains in [1/16, 16] and offsets within +-2^adc_bits codes.
llvm::Expected<Calibration> readCalibrationFile(llvm::StringRef Path, const image::Program &P,
                                                const Target &T);
/// Writes \p C in the format readCalibrationFile reads (never half a file).
llvm::Error writeCalibrationFile(const Calibration &C, llvm::StringRef Path);

class ChipModel;
/// Measures the calibration of \p Chip (programmed with \p P for target
/// \p T) from test reads alone (CalibrationMeasure.cpp).
Calibration measureCalibration(const ChipModel &Chip, const image::Program &P, const Target &T);

class ChipModel {
public:
  /// Programs the arrays of \p P. With \p Analog set, draws the instance's
  /// variation (supply, cells, column gain/offset) from \p Seed, the
  /// arrays on \p Threads threads (the same draws for any number).
  ChipModel(const Target &T, const image::Program &P, NmpuMode Nmpu,
            std::optional<AnalogParams> Analog, uint64_t Seed, unsigned Threads = 1);

  /// One MVM of step \p S: \p X holds the K gathered unsigned inputs, \p Out
  /// receives the N re-quantized outputs (or accumulators for
  /// RequantMode::None). \p FixedDiffs, when given, counts outputs on which
  /// the fixed-point and fp32 re-quantizations differ. \p Copy picks the
  /// copy of a replicated layer's weights that reads this vector (output
  /// pixel v of a sample goes to copy v % Replicas). \p Vector numbers the
  /// vector in the session's runs: analog read noise depends on it.
  void mvm(const image::MvmStep &S, llvm::ArrayRef<int64_t> X, llvm::MutableArrayRef<int64_t> Out,
           StepStats &Stats, uint64_t *FixedDiffs = nullptr, uint32_t Copy = 0,
           uint64_t Vector = 0);

  bool isAnalog() const { return Analog.has_value(); }
  /// Makes the NMPU correct the read-outs with \p C (before any run).
  void setCalibration(Calibration C);
  /// A test read of every column j of array \p Array with row k driven by
  /// \p Drive[k] (at most 2^dac_bits - 1), column j at read shift
  /// \p Shifts[j]: the ADC codes, with this instance's non-idealities in
  /// analog mode (read \p Index numbers the read for its noise). What a
  /// calibration routine sees of the chip.
  std::vector<int32_t> testRead(uint32_t Array, llvm::ArrayRef<int32_t> Drive,
                                llvm::ArrayRef<int8_t> Shifts, uint64_t Index) const;
  /// The MVMs of \p Vectors vectors \p X (row-major, K inputs each) of step
  /// \p S, block by block over all the vectors (BlockReads.cpp), in either
  /// mode. Vector v is read by copy \p Copies[v] of the weights (all copy 0
  /// when null) and is vector \p FirstVector + v of the session. \p Out
  /// receives Vectors x N outputs: for each vector what mvm() gives, bit for
  /// bit. Counts no statistics (countMvms does). The inputs come as
  /// int64_t, or as uint8_t where they all fit a byte (an eighth of the
  /// memory for the same vectors; BlockReads.cpp instantiates both).
  template <typename Input>
  void mvmBlocks(const image::MvmStep &S, const Input *X, int64_t Vectors, uint64_t FirstVector,
                 const uint32_t *Copies, int64_t *Out, uint64_t *FixedDiffs = nullptr) const;

  /// Builds the whole-batch form (ExactMatrix.h) of every MVM step that has
  /// one: ideal mode without calibration, on \p Threads threads. Before
  /// any run; exactMatrix() is then safe from several threads.
  void prepareBatching(unsigned Threads);
  /// The whole-batch form of step \p S, or null (none, or not prepared).
  const ExactMatrix *exactMatrix(const image::MvmStep &S) const;
  /// The MVMs of \p Vectors vectors \p X (row-major, each input at most
  /// M.maxInput()) of step \p S through its exact matrix \p M: \p Out
  /// receives Vectors x N outputs, as mvm() computes them. Counts no
  /// statistics (countMvms does).
  void mvmBatch(const image::MvmStep &S, const ExactMatrix &M, const uint8_t *X, int64_t Vectors,
                int64_t *Out, uint64_t *FixedDiffs = nullptr);
  /// Adds \p Times MVMs on copy \p Copy of the weights to \p Stats.
  void countMvms(const image::MvmStep &S, uint32_t Copy, uint64_t Times, StepStats &Stats) const;

private:
  /// Ideal mode: the column sums of one block for input phase \p Phase
  /// (\p Currents: scratch), then the read-out.
  void readBlock(const image::Block &B, unsigned Phase, llvm::ArrayRef<int64_t> Xp,
                 llvm::MutableArrayRef<int64_t> Readout, std::vector<double> &Currents) const;
  /// Analog mode: per column scratch of readConstants.
  struct ReadConstants {
    AlignedVector<float> ArgScale, CodeGain, CodeOffset, CodeNoise;
  };
  /// Analog mode: the read-out of each column of block \p B in input phase
  /// \p Phase, at the column's range, in \p Scratch.
  ColumnReadouts readConstants(const image::Block &B, unsigned Phase, ReadConstants &Scratch) const;
  /// Analog mode: whether the current-mode non-linearity is modelled (a
  /// strength too small to change a float current is not).
  bool nonlinear() const;
  /// Analog mode: the current of a unit of array \p Array's sums (the
  /// supply factor x 2^-CurrentBits of a level's current).
  double sumUnit(uint32_t Array) const;
  /// What mvmBlocks keeps of one block while it reads it for many vectors.
  struct BlockScratch {
    std::vector<int8_t> Shifts;           ///< read shift per phase and column
    std::vector<ColumnReadouts> Readouts; ///< analog: per phase
    std::vector<ReadConstants> Constants; ///< analog: what Readouts point to
    const int16_t *Cells = nullptr;       ///< the block's first cell current
    size_t Stride = 0;                    ///< between rows of Cells
    AlignedVector<int16_t> IdealCells;    ///< ideal: the block's levels
    bool UseTable = false;                ///< one-bit reads through Table
    uint32_t Groups = 0;                  ///< row groups of the table
    AlignedVector<int32_t> Table;         ///< buildRowTable of Cells
    /// Per read through the table: its row groups' patterns and the groups
    /// its phase drives (OneBitRows).
    std::vector<const uint8_t *> ReadPatterns;
    std::vector<const uint64_t *> ReadGroups;
    /// Per read of readBlockVectors: its vector (of the call, and of the
    /// session) and phase.
    std::vector<uint32_t> ReadOf;
    std::vector<uint64_t> ReadVector;
    std::vector<uint8_t> ReadPhase;
    std::vector<int32_t> Drive;             ///< direct reads: a row's input
    AlignedVector<int32_t> Sums;            ///< per read
    std::vector<AnalogReadout> AnalogReads; ///< analog, uncalibrated: per read
    std::vector<int32_t> Codes;             ///< of the read being added up
    std::vector<float> Z;                   ///< zero draws, without read noise
    ReadNoise::Scratch NoiseScratch;
  };
  /// A vector's one-bit inputs to the rows of a block, for reads through
  /// row tables (oneBitBytes): the phases that drive a row (a bit each),
  /// and per such phase p the row groups it drives (drivenGroups: Masks +
  /// p * drivenGroupWords(rows)) and their patterns (rowPatterns: Patterns
  /// + p * groups). mvmBlocks computes them once for all the column blocks
  /// that share the rows.
  struct OneBitRows {
    uint32_t Phases = 0;
    const uint64_t *Masks = nullptr;
    const uint8_t *Patterns = nullptr;
  };
  /// Sets \p Scratch up for reading block \p B of \p S for \p Vectors
  /// vectors.
  void prepareBlockReads(const image::MvmStep &S, const image::Block &B, size_t Vectors,
                         BlockScratch &Scratch) const;
  /// \p ColAcc[v * B.ColCount + j], j < B.ColCount, v < \p Count: the
  /// shift-added read-outs of column j of block \p B (of step number
  /// \p Step) over the input phases of vector \p Vectors[v] of the
  /// session, whose inputs to the block are \p X[v] (and \p Bits[v] when
  /// the block reads through its row table).
  template <typename Input>
  void readBlockVectors(const image::MvmStep &S, const image::Block &B, uint32_t Step,
                        const Input *const *X, const OneBitRows *Bits, const uint64_t *Vectors,
                        size_t Count, BlockScratch &Scratch, int64_t *ColAcc) const;
  /// Whether the reads of \p S take one bit of each input in at most 8
  /// phases: mvmBlocks then keeps the inputs as bytes too, from which it
  /// computes the OneBitRows that row tables read.
  bool oneBitBytes(const image::MvmStep &S) const;
  /// Whether the NMPU corrects the read-outs of array \p Array.
  bool calibrated(uint32_t Array) const;
  /// The read-out of ADC code \p Code of column \p Col of a calibrated
  /// array \p Array read with \p ReadShift.
  int64_t calibratedReadout(uint32_t Array, uint32_t Col, int64_t Code, int ReadShift) const;
  int64_t requantize(const image::MvmStep &S, unsigned N, int64_t Acc) const;
  /// The outputs of \p Vectors rows of accumulators as nmpuOutputs computes
  /// them, for fixed-point re-quantization with biases below 2^31; false
  /// (nothing written) otherwise.
  bool requantizeFixedBatch(const image::MvmStep &S, const int32_t *Acc, int64_t Vectors,
                            int64_t *Out) const;
  /// Offset polarity: subtracts Offset * sum(X) from every accumulator.
  template <typename Input>
  void subtractOffset(const image::MvmStep &S, const Input *X, int64_t *Acc) const;
  /// The NMPU's outputs from the offset-corrected accumulators \p Acc.
  void nmpuOutputs(const image::MvmStep &S, const int64_t *Acc, int64_t *Out,
                   uint64_t *FixedDiffs) const;
  /// The input phases of \p S: ceil(InputBits / dac_bits).
  unsigned inputPhases(const image::MvmStep &S) const;
  /// Adds one MVM's reads, conversions and NMPU operations, on copy \p Copy
  /// of the weights, to \p Stats.
  void countMvm(const image::MvmStep &S, uint32_t Copy, StepStats &Stats) const;

  const Target &T;
  const image::Program &P;
  NmpuMode Nmpu;
  std::optional<AnalogParams> Analog;
  /// The NMPU's fixed-point form of a calibration, per array and column:
  /// (code * Mult - Offset) * 2^(ReadShift - CorrectionBits), rounded.
  struct ColumnCorrection {
    int64_t Mult = 0, Offset = 0;
  };
  static constexpr int CorrectionBits = 16;
  std::vector<std::vector<ColumnCorrection>> Corrections; ///< empty: none
  /// Analog mode, the arrays one after another: every cell's current
  /// (level x variation x drift) in fixed point with CurrentBits[array]
  /// fraction bits, as many as keep every cell below 2^15 and every
  /// column's sum below 2^30 (AnalogRead.h: integer sums).
  HugePageArray<int16_t> CellCurrents;
  std::vector<size_t> FirstCell; ///< per array, its first cell in CellCurrents
  /// Array \p Array's cell currents, row by row.
  const int16_t *arrayCurrents(uint32_t Array) const {
    return CellCurrents.data() + FirstCell[Array];
  }
  std::vector<int> CurrentBits;
  /// Analog mode, per array: whether no read can take tanh off its small
  /// branch (ColumnReadouts::SmallArguments).
  std::vector<bool> ArgumentsSmall;
  /// Analog mode, per array: every column's gain and offset (relative to
  /// the range in use).
  std::vector<std::vector<double>> ColumnGain;
  std::vector<std::vector<double>> ColumnOffset;
  double SupplyFactor = 1;
  /// Analog mode: the read-out's constants at each read shift from
  /// MinReadShift to MaxReadShift (docs/analog-model.md).
  struct ReadRange {
    double FS = 0, NoiseFS = 0, CodeScale = 1, NonlinIn = 0, NonlinOut = 0;
  };
  static constexpr int MinReadShift = -16, MaxReadShift = 30;
  std::vector<ReadRange> Ranges;
  ReadNoise Noise;
  /// The index in the image of each MVM step (read-noise position).
  llvm::DenseMap<const image::MvmStep *, uint32_t> StepIndex;
  /// Per step, its exact matrix or none (built on first use).
  std::map<const image::MvmStep *, std::optional<ExactMatrix>> Exact;
};

} // namespace qnn::runtime

#endif

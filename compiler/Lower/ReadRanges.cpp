//===- ReadRanges.cpp - A read-out range for every read -------------------===//
//
// `tile` gives each block one read shift, set by its fullest column. Read
// noise and offset are relative to the range in use (docs/analog-model.md),
// so every read that reads at a range wider than its sums need loses
// accuracy for nothing. This pass gives each column of each block, in each
// input phase, a range of its own (MvmBlock::PhaseShifts):
//  - exact: the largest read gain at which the column's reachable sum,
//    (2^dac_bits - 1) * sum of its levels, still fits the ADC. A column of
//    the top weight slice often holds small levels and reads at a gain
//    where its block's fullest column cannot.
//  - with calibration data (option calibration-data=FILE.npy, model inputs
//    [N, ...]): the reference interpreter runs the data, and each read
//    takes the largest gain at which a share of at most 1 - P/100 of the
//    observed sums would clip (option range-percentile=P, default 99.99).
//    An input phase of the high bits drives few rows, so its sums are small
//    even when the block's reachable sum fills the ADC. Such a read is
//    lossy (a sum beyond the range clips), and the interpreter's read-out
//    models the clip, so ideal mode stays bit-exact against the mapped IR.
//
//===----------------------------------------------------------------------===//
#include "qnn/Interp/Interpreter.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/ShapeUtils.h"
#include "qnn/Support/TensorIO.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringExtras.h"
#include <cmath>

namespace qnn {

namespace {

/// How many observed reads of each block column and input phase allow each
/// gain: Counts[(read index) * Bins + g + 1] for the largest gain g of a
/// read's sum (nmpu::largestExactGain; -1 for a sum that clips at gain 1).
struct LayerSums {
  MvmLayer Layer;
  const Tensor *Levels = nullptr;
  int64_t Bins = 0;
  std::vector<size_t> FirstRead; ///< per block of copy 0: index of its first read
  std::vector<uint32_t> Counts;
  uint64_t Vectors = 0;

  void add(llvm::ArrayRef<int64_t> Vec, unsigned AdcBits, unsigned MaxGain) {
    const MvmLayer &L = Layer;
    const int64_t C = L.physicalColumns(), Mask = (int64_t(1) << L.DacBits) - 1;
    std::vector<int64_t> Sums;
    llvm::ArrayRef<MvmBlock> Blocks = L.replica(0);
    for (size_t I = 0; I < Blocks.size(); ++I) {
      const MvmBlock &B = Blocks[I];
      for (int64_t P = 0; P < L.InputPhases; ++P) {
        Sums.assign(B.ColCount, 0);
        for (int64_t K = B.KBegin; K < B.KBegin + B.KCount; ++K) {
          int64_t X = (Vec[K] >> (P * L.DacBits)) & Mask;
          if (X == 0)
            continue;
          const double *Row = &Levels->Data[K * C + B.ColBegin];
          for (int64_t J = 0; J < B.ColCount; ++J)
            Sums[J] += X * static_cast<int64_t>(Row[J]);
        }
        size_t Read = FirstRead[I] + P * B.ColCount;
        for (int64_t J = 0; J < B.ColCount; ++J)
          ++Counts[(Read + J) * Bins + nmpu::largestExactGain(Sums[J], AdcBits, MaxGain) + 1];
      }
    }
    ++Vectors;
  }

  /// The largest gain of read \p Read that clips at most \p Clipped reads.
  int64_t gainFor(size_t Read, uint64_t Clipped) const {
    // A read at gain g clips every read whose largest gain is below g.
    uint64_t Below = 0;
    int64_t G = -1;
    for (int64_t Bin = 0; Bin < Bins; ++Bin) {
      if (Below > Clipped)
        break;
      G = Bin - 1;
      Below += Counts[Read * Bins + Bin];
    }
    return G;
  }
};

class ReadRangesPass : public Pass {
public:
  llvm::StringRef name() const override { return "read-ranges"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> T = Ctx.requireTarget(name());
    if (!T)
      return T.takeError();
    double Percentile = 99.99;
    std::string PercentileText = Ctx.option("range-percentile", "99.99");
    if (!llvm::to_float(PercentileText, Percentile) || !(Percentile > 0 && Percentile <= 100))
      return makeError("range-percentile={}: expected a percentage in (0, 100]", PercentileText);
    llvm::DenseMap<const Op *, LayerSums> Observed;
    std::string Data = Ctx.option("calibration-data");
    if (!Data.empty())
      if (llvm::Error E = observe(G, **T, Data, Observed))
        return E;
    return forEachMvm(G, MvmStage::Tiled, name(), "tile", [&](Op &O, MvmLayer &L) {
      auto It = Observed.find(&O);
      assignRanges(*O.operand(1)->Const, L, **T, It == Observed.end() ? nullptr : &It->second,
                   Percentile);
      return llvm::Error::success();
    });
  }

private:
  /// Runs the calibration data \p Path through \p G and counts the sums of
  /// every read of every mvm op.
  static llvm::Error observe(const Graph &G, const Target &T, llvm::StringRef Path,
                             llvm::DenseMap<const Op *, LayerSums> &Observed) {
    llvm::Expected<NamedTensor> File = readTensorFile(Path);
    if (!File)
      return File.takeError();
    const Tensor &Samples = File->Value;
    if (G.Inputs.size() != 1)
      return makeError("calibration-data: the model has {} inputs; calibration data feeds a "
                       "model with one",
                       G.Inputs.size());
    const Value &In = *G.Inputs[0];
    const Shape &Dims = In.Type.Dims;
    Shape Inner(Dims.begin() + std::min<size_t>(1, Dims.size()), Dims.end());
    if (Dims.empty() || Samples.Dims.size() != Dims.size() || Samples.Dims[0] < 1 ||
        !std::equal(Inner.begin(), Inner.end(), Samples.Dims.begin() + 1))
      return makeError("{}: calibration data of shape [{}] does not match input '{}' [{}]; give "
                       "N samples, shape [Nx{}]",
                       Path.str(), shapeToString(Samples.Dims), In.Name, shapeToString(Dims),
                       shapeToString(Inner));
    // A fixed batch runs whole batches; a symbolic one runs up to 64 at once.
    const int64_t Count = Samples.Dims[0], Batch = Dims[0] > 0 ? Dims[0] : 64;
    if (Dims[0] > 0 && Count % Batch)
      return makeError("{}: {} samples do not fill whole batches of {} (the model's batch size)",
                       Path.str(), Count, Batch);
    const int64_t MaxGain = T.ReadGainBits, PerSample = numElements(Inner);
    EvalContext Ctx;
    Ctx.TargetDesc = &T;
    llvm::Error Bad = llvm::Error::success();
    Ctx.OnMvmInput = [&](const Op &O, llvm::ArrayRef<int64_t> Vec) {
      auto [It, New] = Observed.try_emplace(&O);
      LayerSums &S = It->second;
      if (New) {
        llvm::Expected<MvmLayer> L = readMvmLayer(O);
        if (!L) {
          llvm::consumeError(std::move(Bad));
          Bad = L.takeError();
          return;
        }
        S.Layer = std::move(*L);
        S.Levels = O.operand(1)->Const.get();
        S.Bins = MaxGain + 2;
        size_t Reads = 0;
        for (const MvmBlock &B : S.Layer.replica(0)) {
          S.FirstRead.push_back(Reads);
          Reads += size_t(S.Layer.InputPhases * B.ColCount);
        }
        S.Counts.assign(Reads * S.Bins, 0);
      }
      if (S.Levels)
        S.add(Vec, T.AdcBits, MaxGain);
    };
    for (int64_t First = 0; First < Count; First += Batch) {
      const int64_t Size = std::min(Batch, Count - First);
      Tensor Chunk(Samples.Type, Samples.Dims);
      Chunk.Dims[0] = Size;
      Chunk.Data.assign(Samples.Data.begin() + First * PerSample,
                        Samples.Data.begin() + (First + Size) * PerSample);
      llvm::Expected<std::vector<Tensor>> Out = evaluateGraph(G, {Chunk}, Ctx);
      if (!Out)
        return addContext(Out.takeError(), Path);
      if (Bad)
        return Bad;
    }
    return Bad;
  }

  /// Sets the PhaseShifts of every block of \p L: the exact range of each
  /// column, or the range the observed sums \p Seen allow at \p Percentile.
  static void assignRanges(const Tensor &Levels, MvmLayer &L, const Target &T,
                           const LayerSums *Seen, double Percentile) {
    const int64_t C = L.physicalColumns(), DacMax = (int64_t(1) << L.DacBits) - 1;
    bool Differs = false;
    const size_t PerCopy = L.replica(0).size();
    for (size_t I = 0; I < L.Blocks.size(); ++I) {
      MvmBlock &B = L.Blocks[I];
      B.PhaseShifts.assign(size_t(L.InputPhases * B.ColCount), B.ReadShift);
      for (int64_t J = 0; J < B.ColCount; ++J) {
        int64_t Sum = 0;
        for (int64_t K = B.KBegin; K < B.KBegin + B.KCount; ++K)
          Sum += static_cast<int64_t>(Levels.Data[K * C + B.ColBegin + J]);
        int64_t Exact = nmpu::largestExactGain(DacMax * Sum, L.AdcBits, T.ReadGainBits);
        for (int64_t P = 0; P < L.InputPhases; ++P) {
          int64_t Gain = Exact;
          if (Seen && Seen->Vectors > 0) {
            // Reads that may clip: the share the percentile leaves out.
            uint64_t Clipped = static_cast<uint64_t>(
                std::floor(double(Seen->Vectors) * (100.0 - Percentile) / 100.0));
            size_t Read = Seen->FirstRead[I % PerCopy] + P * B.ColCount + J;
            Gain = std::max(Gain, Seen->gainFor(Read, Clipped));
            L.RangesMayClip |= Gain > Exact;
          }
          // A column that clips at gain 1 everywhere keeps its block's
          // (coarser) range.
          int64_t Shift = Gain >= 0 ? -Gain : B.ReadShift;
          B.PhaseShifts[P * B.ColCount + J] = Shift;
          Differs |= Shift != B.ReadShift;
        }
      }
    }
    if (!Differs)
      for (MvmBlock &B : L.Blocks)
        B.PhaseShifts.clear();
  }
};

} // namespace

std::unique_ptr<Pass> createReadRangesPass() { return std::make_unique<ReadRangesPass>(); }

} // namespace qnn

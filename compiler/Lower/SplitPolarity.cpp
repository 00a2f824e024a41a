//===- SplitPolarity.cpp - Differential, offset or unipolar weights -------===//
//
// Cells store non-negative levels, so each layer's signed W_eff becomes
// non-negative magnitudes plus a per-column sign (differential, unipolar) or
// a digital offset correction (offset). All three are exact. By default
// (polarity-objective=accuracy) on a target with non-idealities the mode
// that stores the least (differential or unipolar, unless the weights crowd
// at their minimum) wins, as its outputs carry the least programming error
// and its columns the most read-out headroom; polarity-objective=area, or a
// target without non-idealities, takes the fewest cells.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/Support/MathExtras.h"

namespace qnn {

namespace {

using image::PolarityMode;

unsigned bitsOf(int64_t V) { return V <= 0 ? 0 : 64 - llvm::countLeadingZeros(uint64_t(V)); }

/// Cells of K x Columns magnitudes up to \p MaxStored sliced at cell_bits.
int64_t cellsFor(int64_t K, int64_t Columns, int64_t MaxStored, unsigned CellBits) {
  int64_t Slices = std::max<int64_t>(1, llvm::divideCeil(bitsOf(MaxStored), CellBits));
  return K * Columns * Slices;
}

/// The largest power-of-two exponent dividing every value of \p Or's bits
/// (0 when all are zero): the stored values shift right by it and their
/// columns left, which turns a binary layer's {0, 2} offset levels into one bit.
unsigned commonShift(uint64_t Or) { return Or == 0 ? 0 : llvm::countTrailingZeros(Or); }

struct Candidate {
  PolarityMode Mode;
  int64_t Cells;
  /// Sum of the squared stored values, in weight units: the conductance
  /// error a relative programming spread leaves in the outputs grows with
  /// it. Offset mode stores w + offset, so weights near 0 (most of them)
  /// sit at mid-range levels and carry their error; differential stores |w|.
  double StoredSquares = 0;
};

/// Sum over \p W (K x N) of the squared value each weight stores in mode
/// \p Mode, in weight units (before any common power of two is divided out).
double storedSquares(const Tensor &W, PolarityMode Mode, int64_t Offset) {
  double Sum = 0;
  for (double D : W.Data) {
    double Stored = Mode == PolarityMode::Offset ? D + double(Offset) : std::abs(D);
    Sum += Stored * Stored;
  }
  return Sum;
}

class SplitPolarityPass : public Pass {
public:
  llvm::StringRef name() const override { return "split-polarity"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> T = Ctx.requireTarget(name());
    if (!T)
      return T.takeError();
    std::string Objective = Ctx.option("polarity-objective", "accuracy");
    if (Objective != "accuracy" && Objective != "area")
      return makeError("unknown polarity objective '{}' (--polarity-objective=accuracy|area)",
                       Objective);
    // A target without non-idealities has no analog error to weigh.
    const AnalogParams &A = (*T)->Analog;
    const bool WeighError =
        Objective == "accuracy" && (A.SigmaProgram > 0 || A.SigmaRead > 0 || A.SigmaOffset > 0);
    std::string Forced = Ctx.option("polarity");
    std::optional<PolarityMode> ForcedMode = parsePolarity(Forced);
    if (!Forced.empty() && !ForcedMode)
      return makeError("unknown polarity '{}' (--pass-option=polarity=differential|offset|"
                       "unipolar)",
                       Forced);
    llvm::Error E = forEachMvm(G, MvmStage::Lowered, name(), "lower-to-mvm",
                               [&](Op &O, MvmLayer &L) -> llvm::Error {
                                 return split(G, O, L, **T, ForcedMode, WeighError);
                               });
    if (E)
      return E;
    G.eraseDeadCode();
    return llvm::Error::success();
  }

private:
  llvm::Error split(Graph &G, Op &O, MvmLayer &L, const Target &T,
                    std::optional<PolarityMode> Forced, bool WeighError) {
    const Tensor &W = *O.operand(1)->Const;
    int64_t Min = 0, Max = 0;
    std::vector<bool> HasPositive(L.N), HasNegative(L.N);
    for (int64_t K = 0; K < L.K; ++K)
      for (int64_t N = 0; N < L.N; ++N) {
        int64_t V = static_cast<int64_t>(W.Data[K * L.N + N]);
        Min = std::min(Min, V);
        Max = std::max(Max, V);
        HasPositive[N] = HasPositive[N] || V > 0;
        HasNegative[N] = HasNegative[N] || V < 0;
      }
    int64_t Offset = -Min;
    uint64_t OrMagnitude = 0, OrOffset = 0;
    for (double D : W.Data) {
      int64_t V = static_cast<int64_t>(D);
      OrMagnitude |= static_cast<uint64_t>(std::abs(V));
      OrOffset |= static_cast<uint64_t>(V + Offset);
    }
    unsigned MagnitudeShift = commonShift(OrMagnitude), OffsetShift = commonShift(OrOffset);
    int64_t MaxMagnitude = std::max(Max, -Min) >> MagnitudeShift;
    int64_t MaxOffset = (Max + Offset) >> OffsetShift;
    bool OffsetFits = bitsOf(MaxOffset) <= T.WeightBits;
    // Differential splits only the outputs with weights of both signs; an
    // output of one sign (a one-signed column group) needs one column.
    std::vector<MvmColumn> DifferentialColumns;
    for (int64_t N = 0; N < L.N; ++N) {
      if (HasPositive[N] || !HasNegative[N])
        DifferentialColumns.push_back({N, 1, 0});
      if (HasNegative[N])
        DifferentialColumns.push_back({N, -1, 0});
    }

    std::vector<Candidate> Candidates;
    if (Min == 0 || Max == 0)
      Candidates.push_back({PolarityMode::Unipolar, cellsFor(L.K, L.N, MaxMagnitude, T.CellBits)});
    Candidates.push_back(
        {PolarityMode::Differential, cellsFor(L.K, static_cast<int64_t>(DifferentialColumns.size()),
                                              MaxMagnitude, T.CellBits)});
    if (OffsetFits)
      Candidates.push_back({PolarityMode::Offset, cellsFor(L.K, L.N, MaxOffset, T.CellBits)});
    for (Candidate &C : Candidates)
      C.StoredSquares = storedSquares(W, C.Mode, Offset);

    const Candidate *Chosen = nullptr;
    if (Forced) {
      for (const Candidate &C : Candidates)
        if (C.Mode == *Forced)
          Chosen = &C;
      if (!Chosen && *Forced == PolarityMode::Unipolar)
        return opError(O, "polarity=unipolar needs weights of one sign, but this layer has "
                          "weights from " +
                              llvm::Twine(Min) + " to " + llvm::Twine(Max) +
                              "; use polarity=differential or polarity=offset");
      if (!Chosen)
        return opError(O, "polarity=offset would store values up to " + llvm::Twine(MaxOffset) +
                              ", more than the " + llvm::Twine(T.WeightBits) +
                              " weight bits of target '" + T.Name + "'; use polarity=differential");
    } else {
      // Objective area: the fewest cells. Objective accuracy (on an analog
      // target): the least stored error, then the fewest cells. Ties keep
      // the earlier (cheaper on the NMPU) candidate.
      auto Better = [&](const Candidate &C, const Candidate &Than) {
        if (WeighError && C.StoredSquares != Than.StoredSquares)
          return C.StoredSquares < Than.StoredSquares;
        return C.Cells < Than.Cells;
      };
      for (const Candidate &C : Candidates)
        if (!Chosen || Better(C, *Chosen))
          Chosen = &C;
    }

    L.Polarity = Chosen->Mode;
    L.Cells = Chosen->Cells;
    L.AreaCells = L.Cells;
    for (const Candidate &C : Candidates)
      L.AreaCells = std::min(L.AreaCells, C.Cells);
    // The saving is reported against the textbook two columns per output.
    L.DifferentialCells = cellsFor(L.K, 2 * L.N, MaxMagnitude, T.CellBits);
    bool IsOffset = Chosen->Mode == PolarityMode::Offset;
    L.Offset = IsOffset ? Offset : 0;
    int64_t Shift = IsOffset ? OffsetShift : MagnitudeShift;
    if (Chosen->Mode == PolarityMode::Differential) {
      L.Columns = DifferentialColumns;
    } else {
      int64_t Sign = Chosen->Mode == PolarityMode::Unipolar && Min < 0 ? -1 : 1;
      L.Columns.clear();
      for (int64_t N = 0; N < L.N; ++N)
        L.Columns.push_back({N, Sign, 0});
    }
    for (MvmColumn &Col : L.Columns)
      Col.Shift = Shift;
    int64_t Columns = static_cast<int64_t>(L.Columns.size());
    Tensor Magnitudes(DType::U8, {L.K, Columns});
    for (int64_t K = 0; K < L.K; ++K)
      for (int64_t C = 0; C < Columns; ++C) {
        const MvmColumn &Col = L.Columns[C];
        int64_t V = static_cast<int64_t>(W.Data[K * L.N + Col.Output]);
        // Unipolar and differential store the part of the weight of the
        // column's sign; offset stores the shifted weight.
        int64_t Stored = IsOffset ? V + Offset : std::max<int64_t>(Col.Sign * V, 0);
        Magnitudes.Data[K * Columns + C] = static_cast<double>(Stored >> Shift);
      }
    setMvmMatrix(G, O, std::move(Magnitudes), "magnitudes");
    return llvm::Error::success();
  }
};

} // namespace

std::unique_ptr<Pass> createSplitPolarityPass() { return std::make_unique<SplitPolarityPass>(); }

} // namespace qnn

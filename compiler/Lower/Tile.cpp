//===- Tile.cpp - Cut each MVM into array-sized blocks --------------------===//
//
// Columns are cut into chunks of at most `cols`; each chunk's rows are cut
// greedily (the fewest contiguous row ranges, deterministic) so that every
// column sum of a block, driven at the largest DAC step, stays within the
// ADC range: then the read-out is exact. A chunk in which even one cell
// cannot be read exactly, or every chunk under readout=lossy, takes full
// row ranges and a ReadShift that makes the ADC full scale cover the largest
// column sum of its block. An exact block whose sums leave headroom gets the
// largest read gain the target offers that keeps them exact (ReadShift < 0).
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/Support/MathExtras.h"

namespace qnn {

namespace {

class TilePass : public Pass {
public:
  llvm::StringRef name() const override { return "tile"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> T = Ctx.requireTarget(name());
    if (!T)
      return T.takeError();
    std::string Readout = Ctx.option("readout", "exact");
    if (Readout != "exact" && Readout != "lossy")
      return makeError("unknown read-out '{}' (--pass-option=readout=exact|lossy)", Readout);
    return forEachMvm(G, MvmStage::Sliced, name(), "slice-bits", [&](Op &O, MvmLayer &L) {
      tile(*O.operand(1)->Const, L, **T, Readout == "lossy");
      return llvm::Error::success();
    });
  }

private:
  static void tile(const Tensor &Levels, MvmLayer &L, const Target &T, bool ForceLossy) {
    int64_t C = L.physicalColumns();
    int64_t DacMax = (int64_t(1) << T.DacBits) - 1;
    int64_t AdcMax = T.maxAdcCode();
    auto Level = [&](int64_t K, int64_t Col) {
      return static_cast<int64_t>(Levels.Data[K * C + Col]);
    };
    L.Blocks.clear();
    for (int64_t C0 = 0; C0 < C; C0 += T.Cols) {
      int64_t Width = std::min<int64_t>(T.Cols, C - C0);
      bool CanBeExact = !ForceLossy;
      for (int64_t K = 0; K < L.K && CanBeExact; ++K)
        for (int64_t Col = C0; Col < C0 + Width; ++Col)
          CanBeExact &= DacMax * Level(K, Col) <= AdcMax;
      std::vector<int64_t> Sums(Width);
      for (int64_t K0 = 0; K0 < L.K;) {
        std::fill(Sums.begin(), Sums.end(), 0);
        int64_t K1 = K0;
        // Grow the row range while it fits the array and, for an exact
        // chunk, every column sum stays readable.
        while (K1 < L.K && K1 - K0 < T.Rows) {
          bool Fits = true;
          for (int64_t J = 0; J < Width && CanBeExact; ++J)
            Fits &= DacMax * (Sums[J] + Level(K1, C0 + J)) <= AdcMax;
          if (!Fits)
            break;
          for (int64_t J = 0; J < Width; ++J)
            Sums[J] += Level(K1, C0 + J);
          ++K1;
        }
        int64_t Largest = DacMax * *std::max_element(Sums.begin(), Sums.end());
        int64_t ReadShift = 0;
        while ((AdcMax << ReadShift) < Largest)
          ++ReadShift;
        // Headroom left in the ADC range becomes read gain (a negative
        // shift): the largest 2^g, g <= read_gain_bits, at which the
        // largest sum still fits. The read-out's noise and offset are
        // relative to the range in use, so they shrink with it; the
        // arrays' gain is the smallest of their blocks' (packing).
        if (ReadShift == 0)
          ReadShift = -nmpu::largestExactGain(Largest, T.AdcBits, T.ReadGainBits);
        MvmBlock B;
        B.KBegin = K0;
        B.KCount = K1 - K0;
        B.ColBegin = C0;
        B.ColCount = Width;
        B.ReadShift = ReadShift;
        L.Blocks.push_back(B);
        K0 = K1;
      }
    }
    L.DacBits = T.DacBits;
    L.AdcBits = T.AdcBits;
    L.InputPhases = llvm::divideCeil(L.InputBits, T.DacBits);
  }
};

} // namespace

std::unique_ptr<Pass> createTilePass() { return std::make_unique<TilePass>(); }

} // namespace qnn

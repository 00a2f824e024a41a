//===- SliceBits.cpp - Weight magnitudes over cells of cell_bits ----------===//
//
// A magnitude of b bits needs S = ceil(b / cell_bits) cells; slice s (least
// significant first) holds bits [s * cell_bits, (s + 1) * cell_bits) in its own
// physical column, which the NMPU shifts left by s * cell_bits.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Pass/Pass.h"
#include "llvm/Support/MathExtras.h"

namespace qnn {

namespace {

class SliceBitsPass : public Pass {
public:
  llvm::StringRef name() const override { return "slice-bits"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> T = Ctx.requireTarget(name());
    if (!T)
      return T.takeError();
    llvm::Error E =
        forEachMvm(G, MvmStage::Polarized, name(), "split-polarity", [&](Op &O, MvmLayer &L) {
          slice(G, O, L, (*T)->CellBits);
          return llvm::Error::success();
        });
    if (E)
      return E;
    G.eraseDeadCode();
    return llvm::Error::success();
  }

private:
  static void slice(Graph &G, Op &O, MvmLayer &L, unsigned CellBits) {
    const Tensor &M = *O.operand(1)->Const;
    int64_t Max = 0;
    for (double V : M.Data)
      Max = std::max(Max, static_cast<int64_t>(V));
    unsigned Bits = Max == 0 ? 0 : 64 - llvm::countLeadingZeros(uint64_t(Max));
    int64_t S = std::max<int64_t>(1, llvm::divideCeil(Bits, CellBits));
    int64_t P = L.physicalColumns(), C = P * S;
    int64_t Mask = (int64_t(1) << CellBits) - 1;
    Tensor Levels(DType::U8, {L.K, C});
    std::vector<MvmColumn> Columns;
    for (int64_t Pc = 0; Pc < P; ++Pc)
      for (int64_t Si = 0; Si < S; ++Si) {
        MvmColumn Col = L.Columns[Pc];
        Col.Shift += Si * CellBits; // on top of split-polarity's common shift
        Columns.push_back(Col);
        for (int64_t K = 0; K < L.K; ++K)
          Levels.Data[K * C + Pc * S + Si] =
              (static_cast<int64_t>(M.Data[K * P + Pc]) >> (Si * CellBits)) & Mask;
      }
    L.Columns = std::move(Columns);
    L.Slices = S;
    L.CellBits = CellBits;
    setMvmMatrix(G, O, std::move(Levels), "levels");
  }
};

} // namespace

std::unique_ptr<Pass> createSliceBitsPass() { return std::make_unique<SliceBitsPass>(); }

} // namespace qnn

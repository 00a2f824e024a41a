//===- Place.cpp - Put blocks on crossbar arrays --------------------------===//
//
// Every block gets its array, row offset and column offset from the model's
// packing (Packing.h), the same packing partition reserved arrays with.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Packing.h"
#include "qnn/Pass/Pass.h"

namespace qnn {

namespace {

class PlacePass : public Pass {
public:
  llvm::StringRef name() const override { return "place"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> T = Ctx.requireTarget(name());
    if (!T)
      return T.takeError();
    llvm::Expected<int64_t> Chips = parseChipsOption(Ctx.option("chips", "1"));
    if (!Chips)
      return Chips.takeError();
    llvm::Expected<ModelPacking> Packing = packGraph(G, **T, *Chips);
    if (!Packing)
      return Packing.takeError();
    size_t Layer = 0;
    return forEachMvm(
        G, MvmStage::Partitioned, name(), "partition", [&](Op &O, MvmLayer &L) -> llvm::Error {
          const std::vector<PackedBlock> &Placed = Packing->Layers[Layer++];
          for (size_t I = 0; I < Placed.size(); ++I) {
            if (Placed[I].Array < L.ArrayBegin || Placed[I].Array >= L.ArrayBegin + L.ArrayCount)
              return opError(O, "partition reserved arrays " + llvm::Twine(L.ArrayBegin) + ".." +
                                    llvm::Twine(L.ArrayBegin + L.ArrayCount - 1) + ", block " +
                                    llvm::Twine(I) + " packs onto array " +
                                    llvm::Twine(Placed[I].Array) +
                                    "; run partition for the same target");
            L.Blocks[I].Array = Placed[I].Array;
            L.Blocks[I].RowOffset = Placed[I].RowOffset;
            L.Blocks[I].ColOffset = Placed[I].ColOffset;
            L.Blocks[I].ReadShift = Placed[I].ReadShift;
          }
          return llvm::Error::success();
        });
  }
};

} // namespace

std::unique_ptr<Pass> createPlacePass() { return std::make_unique<PlacePass>(); }

} // namespace qnn

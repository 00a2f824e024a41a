//===- Place.cpp - Put blocks on crossbar arrays --------------------------===//
//
// Each layer's blocks go onto the arrays partition reserved for it, packed
// along the array diagonals (Packing.h): array, row offset, column offset.
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
    return forEachMvm(G, MvmStage::Partitioned, name(), "partition",
                      [&](Op &O, MvmLayer &L) -> llvm::Error {
      int64_t Count = 0;
      std::vector<PackedBlock> Packed = packBlocks(L.Blocks, **T, Count);
      if (Count != L.ArrayCount)
        return opError(O, "partition reserved " + llvm::Twine(L.ArrayCount) +
                              " arrays, the blocks need " + llvm::Twine(Count) +
                              "; run partition for the same target");
      for (size_t I = 0; I < Packed.size(); ++I) {
        L.Blocks[I].Array = L.ArrayBegin + Packed[I].Array;
        L.Blocks[I].RowOffset = Packed[I].RowOffset;
        L.Blocks[I].ColOffset = Packed[I].ColOffset;
      }
      return llvm::Error::success();
    });
  }
};

} // namespace

std::unique_ptr<Pass> createPlacePass() { return std::make_unique<PlacePass>(); }

} // namespace qnn

//===- Partition.cpp - Assign layers to tiles -----------------------------===//
//
// The blocks of all layers share arrays (Packing.h), on one chip or, with
// --chips, on several, each holding consecutive layers (ChipSplit.cpp). A
// layer's arrays are the span from its lowest to its highest, and it runs on
// the NMPU of the tile of its first block. With --replication, the layers
// that bound the pipeline get copies of their weights on spare arrays
// (Replication.cpp), packed like any other blocks. Ops without arrays run on the
// tile of their first operand's producer. Tensors larger than a tile's
// activation buffer stream through it by rows (Streaming.h). A model whose
// layers need more arrays than the chips have, or a step that cannot stream
// a tensor too large for the buffer, is refused with the numbers.
//
//===----------------------------------------------------------------------===//
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Lower/Packing.h"
#include "qnn/Lower/SampleSize.h"
#include "qnn/Lower/Streaming.h"
#include "qnn/Pass/Pass.h"
#include "qnn/Support/Diagnostics.h"

namespace qnn {

namespace {

class PartitionPass : public Pass {
public:
  llvm::StringRef name() const override { return "partition"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> TOr = Ctx.requireTarget(name());
    if (!TOr)
      return TOr.takeError();
    const Target &T = **TOr;
    llvm::Expected<int64_t> Chips = parseChipsOption(Ctx.option("chips", "1"));
    if (!Chips)
      return Chips.takeError();
    llvm::Expected<double> Budget = parseReplicationOption(Ctx.option("replication", "0"));
    if (!Budget)
      return Budget.takeError();
    std::vector<std::vector<MvmBlock>> Layers;
    std::vector<std::string> Names;
    std::vector<ReplicaWork> Work;
    int64_t ExtraCells = 0; // over the fewest cells (polarity-objective)
    if (llvm::Error E = visitMvmLayers(G, [&](const Op &O, const MvmLayer &L) {
          ExtraCells += L.Cells - L.AreaCells;
          Layers.push_back(L.Blocks);
          Names.push_back(O.Name);
          Work.push_back(
              {vectorsPerSample(O, L), L.InputPhases, L.Window == image::WindowKind::Conv2d});
          return llvm::Error::success();
        }))
      return E;
    // A refusal says what the accuracy-first polarity costs: the user may
    // prefer the area.
    auto withAreaHint = [&](llvm::Error E) -> llvm::Error {
      if (ExtraCells <= 0)
        return E;
      return makeError("{}; --polarity-objective=area would store the weights in {} fewer cells "
                       "(the default stores them for the least analog error)",
                       llvm::toString(std::move(E)), ExtraCells);
    };
    llvm::Expected<ModelPacking> Packing = packOnChips(Layers, Names, T, *Chips);
    if (!Packing)
      return withAreaHint(Packing.takeError());
    int64_t Next = Packing->NumArrays;
    int64_t Have = T.totalArrays() * Packing->Chips;
    if (Next > Have)
      return withAreaHint(
          makeError("model needs {} arrays, target '{}' has {} ({} tiles x {}): {} arrays "
                    "over; use a larger target, fewer/smaller layers, or --chips=auto",
                    Next, T.Name, Have, T.Tiles, T.ArraysPerTile, Next - Have));
    std::vector<int64_t> Copies(Layers.size(), 1);
    if (*Budget > 0) {
      llvm::Expected<std::vector<int64_t>> Chosen =
          chooseReplicas(Layers, Work, Names, T, *Chips, *Packing, *Budget);
      if (!Chosen)
        return Chosen.takeError();
      Copies = std::move(*Chosen);
      Packing = packOnChips(withCopies(Layers, Copies), Names, T, *Chips);
      if (!Packing)
        return Packing.takeError();
    }
    size_t Layer = 0;
    llvm::Error E = forEachMvm(G, MvmStage::Tiled, name(), "tile", [&](Op &O, MvmLayer &L) {
      const std::vector<PackedBlock> &Placed = Packing->Layers[Layer];
      L.Replicas = Copies[Layer];
      L.Blocks.clear();
      for (int64_t C = 0; C < L.Replicas; ++C)
        L.Blocks.insert(L.Blocks.end(), Layers[Layer].begin(), Layers[Layer].end());
      ++Layer;
      int64_t First = Placed.empty() ? 0 : Placed.front().Array, Last = First - 1;
      for (const PackedBlock &P : Placed) {
        First = std::min(First, P.Array);
        Last = std::max(Last, P.Array);
      }
      L.ArrayBegin = First;
      L.ArrayCount = Last - First + 1;
      // The layer runs on the tile of its first block; the partial sums of
      // blocks on other tiles travel there (docs/cost-model.md).
      L.Tile = Placed.empty() ? 0 : Placed.front().Array / T.ArraysPerTile;
      return llvm::Error::success();
    });
    if (E)
      return E;
    for (const auto &O : G.ops()) {
      if (!hostOpType(O->Kind).empty())
        continue; // runs on the host, outside every tile
      if (O->Kind != "mvm") {
        const Value *First = O->operand(0);
        O->Attrs.set("tile",
                     First && First->Def ? First->Def->Attrs.getInt("tile", 0) : int64_t(0));
      }
      if (llvm::Error E = checkBuffer(*O, T))
        return E;
    }
    return llvm::Error::success();
  }

private:
  /// Whole tensors where they fit the tile's buffer, else rows streaming
  /// through it (Streaming.h; the op gets `stream_bytes`), else a refusal.
  static llvm::Error checkBuffer(Op &O, const Target &T) {
    const int64_t Buffer = static_cast<int64_t>(T.BufferBytes);
    std::vector<const Value *> Tensors(O.Results.begin(), O.Results.end());
    for (const Value *V : O.Operands)
      if (V && !V->isConstant())
        Tensors.push_back(V);
    const Value *Largest = nullptr;
    for (const Value *V : Tensors)
      if (!Largest || bytesPerSample(*V) > bytesPerSample(*Largest))
        Largest = V;
    if (!Largest || bytesPerSample(*Largest) <= Buffer)
      return llvm::Error::success();
    std::optional<int64_t> Streamed = streamingBytes(O);
    if (Streamed && *Streamed <= Buffer) {
      O.Attrs.set("stream_bytes", *Streamed);
      return llvm::Error::success();
    }
    std::string Why =
        Streamed ? "; streamed by rows it still needs " + std::to_string(*Streamed) + " bytes"
                 : "; a '" + O.Kind + "' cannot stream its tensors by rows";
    return opError(O, "tensor '" + Largest->Name + "' needs " +
                          llvm::Twine(bytesPerSample(*Largest)) +
                          " bytes per sample, the activation buffer of a tile of target '" +
                          T.Name + "' holds " + llvm::Twine(T.BufferBytes) + " (buffer_bytes)" +
                          Why + "; use a target with a larger buffer");
  }
};

} // namespace

std::unique_ptr<Pass> createPartitionPass() { return std::make_unique<PartitionPass>(); }

} // namespace qnn

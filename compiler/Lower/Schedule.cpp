//===- Schedule.cpp - Execution order and the cost model ------------------===//
//
// Every op's cost per sample; docs/cost-model.md gives every formula. In
// short, an mvm layer fires input phases x vectors x read groups array reads
// (arrays in parallel, blocks sharing an array and node-sharing column
// groups in sequence), and every op pays NMPU operations, buffer traffic and
// tile-to-tile transfers. The start cycles come from the pipelined (modulo)
// schedule of Pipeline.h, with several images in flight.
//
//===----------------------------------------------------------------------===//
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/Pipeline.h"
#include "qnn/Lower/SampleSize.h"
#include "qnn/Pass/Pass.h"
#include "llvm/Support/MathExtras.h"
#include <cmath>
#include <map>
#include <set>

namespace qnn {

namespace {

/// Comparisons of a threshold read-out of \p Count ascending thresholds: a
/// binary search among the Count + 1 levels, ceil(log2(Count + 1)), at least 1.
int64_t comparisons(int64_t Count) {
  return std::max<int64_t>(1, llvm::Log2_64_Ceil(static_cast<uint64_t>(Count) + 1));
}

/// Input vectors of a sample that copy \p R of \p Replicas reads: pixels v
/// with v % Replicas = R.
int64_t vectorsOfCopy(int64_t Vectors, int64_t Replicas, int64_t R) {
  return R < Vectors ? (Vectors - R + Replicas - 1) / Replicas : 0;
}

/// Array-level counts of one mvm layer (per sample). Every vector is read by
/// one copy of the weights (replication), so the reads, conversions and
/// drives are those of one copy per vector; the copies read at the same time,
/// so the sequential reads are those of the vectors of copy 0, each taking
/// the read groups of the busiest array (over all copies on it).
MvmCost countMvm(const Op &O, const MvmLayer &L, const Target &T) {
  MvmCost C;
  C.Vectors = vectorsPerSample(O, L);
  std::map<int64_t, int64_t> GroupsPerArray;
  for (const MvmBlock &B : L.Blocks) {
    GroupsPerArray[B.Array] += llvm::divideCeil(B.ColCount, T.Neurons);
    C.CellsUsed += B.KCount * B.ColCount;
  }
  for (const auto &[Array, G] : GroupsPerArray)
    C.ReadGroups = std::max(C.ReadGroups, G);
  int64_t Groups = 0, Columns = 0, Rows = 0;
  for (const MvmBlock &B : L.replica(0)) {
    Groups += llvm::divideCeil(B.ColCount, T.Neurons);
    Columns += B.ColCount;
    Rows += B.KCount;
  }
  int64_t Fires = C.Vectors * L.InputPhases;
  C.ArrayReads = Fires * Groups;
  C.AdcConversions = Fires * Columns;
  C.DacDrives = Fires * Rows;
  // Per output: the offset correction (offset mode), then the bias add and
  // re-quantization as one op, or the comparators of a threshold read-out.
  int64_t PerOutput =
      (L.Polarity == image::PolarityMode::Offset ? 1 : 0) +
      (L.Requant == image::RequantMode::Threshold ? comparisons(L.ThresholdCount) : 1);
  C.NmpuOps = C.AdcConversions + C.Vectors * L.N * PerOutput;
  C.Macs = C.Vectors * L.K * L.N;
  return C;
}

/// Partial-sum bytes per sample sent to the layer's tile: for every vector,
/// from each other tile holding blocks of the copy that reads it; over the
/// links from tiles on other chips (a layer larger than a chip).
struct PartialSums {
  int64_t TransferBytes = 0, LinkBytes = 0;
};

PartialSums partialSums(const MvmLayer &L, const MvmCost &C, const Target &T) {
  PartialSums S;
  for (int64_t R = 0; R < L.Replicas; ++R) {
    std::set<int64_t> Tiles;
    for (const MvmBlock &B : L.replica(R))
      if (B.Array / T.ArraysPerTile != L.Tile)
        Tiles.insert(B.Array / T.ArraysPerTile);
    int64_t PerTile =
        vectorsOfCopy(C.Vectors, L.Replicas, R) * L.N * llvm::divideCeil(L.AccBits, 8);
    for (int64_t Tile : Tiles)
      (Tile / T.Tiles == L.Tile / T.Tiles ? S.TransferBytes : S.LinkBytes) += PerTile;
  }
  return S;
}

class SchedulePass : public Pass {
public:
  llvm::StringRef name() const override { return "schedule"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override {
    llvm::Expected<const Target *> TOr = Ctx.requireTarget(name());
    if (!TOr)
      return TOr.takeError();
    const Target &T = **TOr;
    const CostParams &P = T.Cost;
    double CycleNs = cycleNs(T);
    std::map<const Op *, MvmCost> Costs;
    llvm::Error E = forEachMvm(G, MvmStage::Placed, name(), "place", [&](Op &O, MvmLayer &L) {
      L.Cost = countMvm(O, L, T);
      Costs[&O] = *L.Cost;
      return llvm::Error::success();
    });
    if (E)
      return E;
    for (const auto &O : G.ops()) {
      if (!hostOpType(O->Kind).empty())
        continue; // runs on the host: no chip time
      int64_t Tile = O->Attrs.getInt("tile", -1);
      if (Tile < 0)
        return opError(*O, "pass 'schedule' needs the result of 'partition'; run it first");
      // Buffer traffic, transfers from producers on other tiles, and over
      // the links from producers on other chips (tiles are numbered across
      // chips, partition).
      int64_t Buffer = 0, Transfer = 0, LinkBytes = 0, LinkTransfers = 0, InputElements = 0;
      for (const Value *V : O->Operands) {
        if (!V || V->isConstant())
          continue;
        Buffer += bytesPerSample(*V);
        InputElements += elementsPerSample(*V);
        int64_t From = V->Def ? V->Def->Attrs.getInt("tile", Tile) : Tile;
        if (From / T.Tiles != Tile / T.Tiles) {
          LinkBytes += bytesPerSample(*V);
          ++LinkTransfers;
        } else if (From != Tile) {
          Transfer += bytesPerSample(*V);
        }
      }
      for (const Value *R : O->Results)
        Buffer += bytesPerSample(*R);
      double LatencyNs = 0, EnergyPj = 0;
      int64_t Cycles = 0;
      auto It = Costs.find(O.get());
      if (It != Costs.end()) {
        const MvmCost &C = It->second;
        llvm::Expected<MvmLayer> L = readMvmLayer(*O);
        if (!L)
          return L.takeError();
        PartialSums Sums = partialSums(*L, C, T);
        Transfer += Sums.TransferBytes;
        LinkBytes += Sums.LinkBytes;
        Cycles = vectorsOfCopy(C.Vectors, L->Replicas, 0) * L->InputPhases * C.ReadGroups;
        LatencyNs = Cycles * CycleNs + C.NmpuOps * P.NmpuOpLatency;
        EnergyPj = C.ArrayReads * P.ArrayPhaseEnergy + C.AdcConversions * P.AdcEnergy +
                   C.DacDrives * P.DacEnergy + C.NmpuOps * P.NmpuOpEnergy;
      } else if (O->Kind != "reshape") {
        // A reshape only renames the buffer; every other NMPU op touches
        // each input element once, a threshold compares it as a read-out does.
        int64_t Ops = InputElements;
        if (O->Kind == "threshold")
          Ops *= comparisons(O->operand(1)->Type.Dims[1]);
        LatencyNs = Ops * P.NmpuOpLatency;
        EnergyPj = Ops * P.NmpuOpEnergy;
      } else {
        Buffer = 0;
      }
      LatencyNs += Buffer * P.BufferByteLatency + Transfer * P.TransferByteLatency +
                   LinkBytes * P.LinkByteLatency + LinkTransfers * P.LinkLatency;
      EnergyPj += Buffer * P.BufferByteEnergy + Transfer * P.TransferByteEnergy +
                  LinkBytes * P.LinkByteEnergy;
      // A cycle is one array read (DAC, array, ADC); a target without
      // latencies counts the layer's sequential array reads instead.
      if (CycleNs > 0)
        Cycles = static_cast<int64_t>(std::ceil(LatencyNs / CycleNs));
      O->Attrs.set("cycles", Cycles);
      O->Attrs.set("latency_ns", LatencyNs);
      O->Attrs.set("energy_pj", EnergyPj);
    }
    llvm::Expected<PipelineSchedule> S = schedulePipeline(G);
    if (!S)
      return S.takeError();
    for (const auto &O : G.ops())
      if (auto It = S->Start.find(O.get()); It != S->Start.end())
        O->Attrs.set("start_cycle", It->second);
    return llvm::Error::success();
  }
};

} // namespace

std::unique_ptr<Pass> createSchedulePass() { return std::make_unique<SchedulePass>(); }

} // namespace qnn

//===- Replication.cpp - Copies of the layers that bound the pipeline ------===//
//
// In the pipelined schedule (Pipeline.h) a new image enters every II cycles,
// and II is bounded by the busiest resource: usually the arrays of one large
// early convolution, which reads every output pixel in turn. Copies of its
// weights on spare arrays read different pixels at the same time (pixel v
// goes to copy v % copies), dividing its array time; its NMPU work stays on
// its tile, so the gain stops where that work dominates.
//
// Greedy, as weight duplication in ISAAC/PUMA-style compilers: estimate
// every layer's time per sample, take the slowest layer that may be copied,
// give it the fewest copies that bring it down to the next slowest layer
// (or the most that fit, found by bisection, each try a packing of the whole
// model with the copies); stop when the slowest layer gains nothing or not
// one more copy of it fits the budget and the chips.
// The estimate per layer is
//
//   ceil(V / copies) * P * G * cycle_ns  +  V * P * columns * nmpu_op_ns
//
// (G: node-sharing read groups of its widest block); the report shows what
// the schedule makes of the result.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Packing.h"
#include "qnn/Lower/Pipeline.h"
#include "qnn/Support/Diagnostics.h"
#include <cmath>
#include <map>
#include <set>

namespace qnn {

namespace {

/// The most copy-and-repack rounds: each costs a packing of the whole model.
constexpr int MaxRounds = 64;

double layerNs(const std::vector<MvmBlock> &Blocks, const ReplicaWork &W, int64_t Copies,
               const Target &T) {
  int64_t Groups = 0, Columns = 0;
  for (const MvmBlock &B : Blocks) {
    Groups = std::max<int64_t>(Groups, llvm::divideCeil(B.ColCount, T.Neurons));
    Columns += B.ColCount;
  }
  // A target without latencies counts cycles.
  double CycleNs = cycleNs(T) > 0 ? cycleNs(T) : 1;
  return double(llvm::divideCeil(W.Vectors, Copies)) * W.Phases * Groups * CycleNs +
         double(W.Vectors) * W.Phases * Columns * T.Cost.NmpuOpLatency;
}

/// The pipeline's resource bound (Pipeline.h) under the estimate above: a
/// layer holds its arrays and its tile (its first block's) for its whole
/// time; the busiest array or tile.
double resourceBoundNs(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                       llvm::ArrayRef<ReplicaWork> Work, llvm::ArrayRef<int64_t> Copies,
                       const ModelPacking &P, const Target &T) {
  std::map<int64_t, double> Arrays, Tiles;
  for (size_t I = 0; I < Layers.size(); ++I) {
    if (P.Layers[I].empty())
      continue;
    double Ns = layerNs(Layers[I], Work[I], Copies[I], T);
    std::set<int64_t> Used;
    for (const PackedBlock &B : P.Layers[I])
      Used.insert(B.Array);
    for (int64_t A : Used)
      Arrays[A] += Ns;
    Tiles[P.Layers[I].front().Array / T.ArraysPerTile] += Ns;
  }
  double Bound = 0;
  for (const auto *M : {&Arrays, &Tiles})
    for (const auto &[Id, Ns] : *M)
      Bound = std::max(Bound, Ns);
  return Bound;
}

} // namespace

int64_t arraysUsed(const ModelPacking &P) {
  std::set<int64_t> Arrays;
  for (const std::vector<PackedBlock> &L : P.Layers)
    for (const PackedBlock &B : L)
      Arrays.insert(B.Array);
  return static_cast<int64_t>(Arrays.size());
}

std::vector<std::vector<MvmBlock>> withCopies(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                              llvm::ArrayRef<int64_t> Copies) {
  std::vector<std::vector<MvmBlock>> Out;
  for (size_t I = 0; I < Layers.size(); ++I) {
    std::vector<MvmBlock> Blocks;
    for (int64_t C = 0; C < Copies[I]; ++C)
      Blocks.insert(Blocks.end(), Layers[I].begin(), Layers[I].end());
    Out.push_back(std::move(Blocks));
  }
  return Out;
}

llvm::Expected<std::vector<int64_t>> chooseReplicas(llvm::ArrayRef<std::vector<MvmBlock>> Layers,
                                                    llvm::ArrayRef<ReplicaWork> Work,
                                                    llvm::ArrayRef<std::string> Names,
                                                    const Target &T, int64_t Chips,
                                                    const ModelPacking &Base, double Budget) {
  std::vector<int64_t> Copies(Layers.size(), 1);
  if (Budget <= 0)
    return Copies;
  const int64_t Used = arraysUsed(Base);
  const int64_t Spare = Base.Chips * T.totalArrays() - Used;
  const int64_t Allowed = Used + static_cast<int64_t>(std::floor(Budget * double(Spare)));
  // The packing of the current copies, if it fits the budget and the chips.
  auto pack = [&]() -> std::optional<ModelPacking> {
    llvm::Expected<ModelPacking> P = packOnChips(withCopies(Layers, Copies), Names, T, Chips);
    if (!P) {
      llvm::consumeError(P.takeError()); // a count that does not fit is a "no"
      return std::nullopt;
    }
    if (P->Chips != Base.Chips || arraysUsed(*P) > Allowed)
      return std::nullopt;
    return std::move(*P);
  };
  // Moving blocks can put busy layers together on an array or a tile, so a
  // round can make things worse: keep the best copies seen.
  double BestBound = resourceBoundNs(Layers, Work, Copies, Base, T);
  std::vector<int64_t> Best = Copies;
  for (int Round = 0; Round < MaxRounds; ++Round) {
    auto maxCopies = [&](size_t I) {
      return std::min<int64_t>(Work[I].Vectors, image::MaxReplicas);
    };
    // The slowest layer that may get another copy, and the slowest other.
    std::optional<size_t> Worst;
    double WorstNs = 0, NextNs = 0;
    for (size_t I = 0; I < Layers.size(); ++I) {
      double Ns = layerNs(Layers[I], Work[I], Copies[I], T);
      if (Work[I].Replicable && Copies[I] < maxCopies(I) && (!Worst || Ns > WorstNs)) {
        if (Worst)
          NextNs = std::max(NextNs, WorstNs);
        Worst = I;
        WorstNs = Ns;
      } else {
        NextNs = std::max(NextNs, Ns);
      }
    }
    if (!Worst)
      break;
    size_t W = *Worst;
    // Copies that bring it down to the next slowest layer.
    int64_t Goal = Copies[W] + 1;
    while (Goal < maxCopies(W) && layerNs(Layers[W], Work[W], Goal, T) > NextNs)
      ++Goal;
    if (layerNs(Layers[W], Work[W], Goal, T) >= 0.99 * WorstNs)
      break; // its NMPU work bounds it: copies would not help
    // The most copies up to Goal that fit: bisection between what fits now
    // and Goal.
    const int64_t Before = Copies[W];
    int64_t Fit = Before, Over = Goal + 1;
    while (Over - Fit > 1) {
      int64_t Mid = Fit + (Over - Fit) / 2;
      Copies[W] = Mid;
      if (pack())
        Fit = Mid;
      else
        Over = Mid;
    }
    Copies[W] = Fit;
    if (Fit == Before)
      break; // not one more copy fits
    double Bound = resourceBoundNs(Layers, Work, Copies, *pack(), T);
    if (Bound < BestBound) {
      BestBound = Bound;
      Best = Copies;
    }
  }
  return Best;
}

llvm::Expected<double> parseReplicationOption(llvm::StringRef Value) {
  double Fraction = 0;
  if (Value.getAsDouble(Fraction) || !(Fraction >= 0 && Fraction <= 1))
    return makeError("--replication: expected the fraction of spare arrays copies may use, from 0 "
                     "to 1, got '{}'",
                     Value.str());
  return Fraction;
}

} // namespace qnn

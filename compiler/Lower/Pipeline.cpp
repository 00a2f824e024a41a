//===- Pipeline.cpp - Modulo schedule of the layers (images in flight) ----===//
//
// Pipeline.h states the model. The reservation table keeps, per resource,
// the busy intervals of one period [0, II) as a sorted map; an op that
// wraps past II occupies two pieces. An op's candidate starts are its
// earliest start and the ends of the intervals already reserved on its
// resources (a free slot begins at one of them), tried in increasing order
// within one period after the earliest start.
//
//===----------------------------------------------------------------------===//
#include "qnn/Lower/Pipeline.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Lower/MvmLayer.h"
#include <algorithm>
#include <map>
#include <set>

namespace qnn {

double cycleNs(const Target &T) {
  return T.Cost.DacLatency + T.Cost.ArrayPhaseLatency + T.Cost.AdcLatency;
}

namespace {

struct Task {
  const Op *O = nullptr;
  int64_t Cycles = 0;
  std::vector<int64_t> Resources; ///< arrays, then the tile (id arrays + tile)
  std::vector<size_t> Producers;  ///< indices of the tasks it waits for
};

class ModuloTable {
public:
  ModuloTable(int64_t II, size_t Resources) : II(II), Busy(Resources) {}

  bool isFree(const Task &T, int64_t Start) const {
    for (int64_t R : T.Resources)
      for (auto [A, B] : pieces(Start, T.Cycles))
        if (!spanFree(Busy[R], A, B))
          return false;
    return true;
  }

  void reserve(const Task &T, int64_t Start) {
    for (int64_t R : T.Resources)
      for (auto [A, B] : pieces(Start, T.Cycles))
        Busy[R].emplace(A, B);
  }

  /// The starts worth trying for \p T in [Earliest, Earliest + II).
  std::vector<int64_t> candidates(const Task &T, int64_t Earliest) const {
    std::set<int64_t> Starts{Earliest};
    int64_t Base = Earliest % II;
    for (int64_t R : T.Resources)
      for (const auto &[A, B] : Busy[R]) {
        int64_t End = B % II;
        Starts.insert(Earliest + (End - Base + II) % II);
      }
    return {Starts.begin(), Starts.end()};
  }

private:
  /// [Start, Start + Length) folded into [0, II): one or two pieces.
  std::vector<std::pair<int64_t, int64_t>> pieces(int64_t Start, int64_t Length) const {
    int64_t A = Start % II;
    if (A + Length <= II)
      return {{A, A + Length}};
    return {{A, II}, {0, A + Length - II}};
  }

  static bool spanFree(const std::map<int64_t, int64_t> &Intervals, int64_t A, int64_t B) {
    auto It = Intervals.lower_bound(A);
    if (It != Intervals.end() && It->first < B)
      return false;
    if (It != Intervals.begin() && std::prev(It)->second > A)
      return false;
    return true;
  }

  int64_t II;
  std::vector<std::map<int64_t, int64_t>> Busy;
};

/// Starts of every task for interval \p II, or nothing if some task finds no
/// slot. Tasks are in topological (graph) order.
std::optional<std::vector<int64_t>> tryInterval(const std::vector<Task> &Tasks, int64_t II,
                                                size_t Resources) {
  ModuloTable Table(II, Resources);
  std::vector<int64_t> Start(Tasks.size(), 0);
  for (size_t I = 0; I < Tasks.size(); ++I) {
    const Task &T = Tasks[I];
    int64_t Earliest = 0;
    for (size_t P : T.Producers)
      Earliest = std::max(Earliest, Start[P] + Tasks[P].Cycles);
    if (T.Cycles == 0 || T.Resources.empty()) {
      Start[I] = Earliest;
      continue;
    }
    std::optional<int64_t> Found;
    for (int64_t S : Table.candidates(T, Earliest))
      if (Table.isFree(T, S)) {
        Found = S;
        break;
      }
    if (!Found)
      return std::nullopt;
    Table.reserve(T, *Found);
    Start[I] = *Found;
  }
  return Start;
}

} // namespace

llvm::Expected<PipelineSchedule> schedulePipeline(const Graph &G) {
  std::vector<Task> Tasks;
  llvm::DenseMap<const Op *, size_t> TaskOf;
  int64_t MaxArray = -1, MaxTile = -1;
  for (const auto &O : G.ops()) {
    if (!hostOpType(O->Kind).empty())
      continue; // runs on the host, outside the chip's time line
    if (!O->Attrs.has("cycles") || !O->Attrs.has("tile"))
      return opError(*O, "the pipeline needs the result of 'schedule'; run it first");
    Task Tk;
    Tk.O = O.get();
    Tk.Cycles = O->Attrs.getInt("cycles");
    if (O->Kind == "mvm") {
      llvm::Expected<MvmLayer> L = readMvmLayer(*O);
      if (!L)
        return L.takeError();
      std::set<int64_t> Used;
      for (const MvmBlock &B : L->Blocks)
        Used.insert(B.Array);
      Tk.Resources.assign(Used.begin(), Used.end());
      if (!Used.empty())
        MaxArray = std::max(MaxArray, *Used.rbegin());
    }
    int64_t Tile = O->Attrs.getInt("tile");
    MaxTile = std::max(MaxTile, Tile);
    Tk.Resources.push_back(-1 - Tile); // renumbered below, after the arrays
    for (const Value *V : O->Operands)
      if (V && V->Def)
        if (auto It = TaskOf.find(V->Def); It != TaskOf.end())
          Tk.Producers.push_back(It->second);
    TaskOf[O.get()] = Tasks.size();
    Tasks.push_back(std::move(Tk));
  }
  const int64_t TileBase = MaxArray + 1;
  const size_t Resources = static_cast<size_t>(TileBase + MaxTile + 1);
  std::vector<int64_t> BusyCycles(Resources, 0);
  std::vector<const Op *> LongestOp(Resources, nullptr);
  std::vector<int64_t> LongestCycles(Resources, -1);
  PipelineSchedule S;
  for (Task &Tk : Tasks) {
    Tk.Resources.back() = TileBase + (-1 - Tk.Resources.back());
    S.SequentialCycles += Tk.Cycles;
    for (int64_t R : Tk.Resources) {
      BusyCycles[R] += Tk.Cycles;
      if (Tk.Cycles > LongestCycles[R]) {
        LongestCycles[R] = Tk.Cycles;
        LongestOp[R] = Tk.O;
      }
    }
  }
  size_t Worst = 0;
  for (size_t R = 0; R < Resources; ++R)
    if (BusyCycles[R] > BusyCycles[Worst])
      Worst = R;
  if (Resources > 0) {
    S.ResourceBound = BusyCycles[Worst];
    S.Bottleneck = static_cast<int64_t>(Worst) < TileBase
                       ? "array " + std::to_string(Worst)
                       : "tile " + std::to_string(static_cast<int64_t>(Worst) - TileBase);
    if (LongestOp[Worst])
      S.BottleneckOp = LongestOp[Worst]->Name;
  }

  // Raise II by 1/32 at a time: fragmentation of the reservation table is
  // what makes a tight II fail, and a little slack is usually enough.
  std::vector<int64_t> Start;
  int64_t II = std::max<int64_t>(1, S.ResourceBound);
  for (;;) {
    if (II >= S.SequentialCycles) {
      // Back to back always fits one period.
      II = std::max<int64_t>(1, S.SequentialCycles);
      Start.assign(Tasks.size(), 0);
      int64_t Clock = 0;
      for (size_t I = 0; I < Tasks.size(); ++I) {
        Start[I] = Clock;
        Clock += Tasks[I].Cycles;
      }
      break;
    }
    if (std::optional<std::vector<int64_t>> Found = tryInterval(Tasks, II, Resources)) {
      Start = std::move(*Found);
      break;
    }
    II += std::max<int64_t>(1, II / 32);
  }
  S.IntervalCycles = II;
  for (size_t I = 0; I < Tasks.size(); ++I) {
    S.Start[Tasks[I].O] = Start[I];
    S.LatencyCycles = std::max(S.LatencyCycles, Start[I] + Tasks[I].Cycles);
  }
  // One image alone: a period longer than the back-to-back schedule never
  // wraps, so only the resources of the same image constrain it.
  std::optional<std::vector<int64_t>> Alone = tryInterval(Tasks, S.SequentialCycles + 1, Resources);
  for (size_t I = 0; Alone && I < Tasks.size(); ++I)
    S.AloneLatencyCycles = std::max(S.AloneLatencyCycles, (*Alone)[I] + Tasks[I].Cycles);
  return S;
}

} // namespace qnn

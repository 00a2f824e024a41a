//===- Tradeoff.cpp - The mapping choices side by side --------------------===//
//
// Every point is a whole compilation (the default pipeline) with its own
// target copy and options, read back through the mapping report's JSON so
// that the table shows exactly the figures `--emit=report` would.
//
//===----------------------------------------------------------------------===//
#include "qnn/Driver/Tradeoff.h"
#include "qnn/Emit/Emit.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Target/Target.h"
#include <fmt/format.h>
#include <optional>
#include <set>

namespace qnn {

namespace {

struct Point {
  unsigned Neurons = 0;
  double Replication = 0;
  std::string Refusal; ///< why the point does not map; empty if it does
  double LatencyNs = 0, IntervalNs = 0, ImagesPerS = 0, EnergyPj = 0, AreaMm2 = 0;
  double TopsPerWatt = 0, TopsPerMm2 = 0;
  int64_t Arrays = 0, Chips = 0;
  bool Pareto = false;
};

/// Lower is better in each; a point is dominated when another is no worse
/// in all and better in one.
std::vector<double> costs(const Point &P) {
  return {P.LatencyNs, P.IntervalNs, P.EnergyPj, P.AreaMm2};
}

void markPareto(std::vector<Point> &Points) {
  for (Point &P : Points) {
    if (!P.Refusal.empty())
      continue;
    P.Pareto = true;
    for (const Point &Q : Points) {
      if (&Q == &P || !Q.Refusal.empty())
        continue;
      std::vector<double> A = costs(P), B = costs(Q);
      bool NoWorse = true, Better = false;
      for (size_t I = 0; I < A.size(); ++I) {
        NoWorse = NoWorse && B[I] <= A[I];
        Better = Better || B[I] < A[I];
      }
      if (NoWorse && Better) {
        P.Pareto = false;
        break;
      }
    }
  }
}

double number(const llvm::json::Object &O, llvm::StringRef Key) {
  return O.getNumber(Key).getValueOr(0);
}

/// The first line of an error, for a table cell.
std::string firstLine(llvm::Error E) {
  std::string Text = llvm::toString(std::move(E));
  return Text.substr(0, Text.find('\n'));
}

} // namespace

llvm::Error printTradeoff(llvm::function_ref<llvm::Expected<std::unique_ptr<Graph>>()> Load,
                          const PassContext &Base, const TradeoffAxes &Axes,
                          llvm::raw_ostream &OS) {
  if (!Base.TargetDesc)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "--emit=tradeoff needs a target (--target=PRESET|FILE.json)");
  const Target &T0 = *Base.TargetDesc;
  std::vector<unsigned> Neurons = Axes.Neurons;
  if (Neurons.empty()) {
    // Half, the target's own and double the node sharing, within the columns.
    std::set<unsigned> Around{std::max(1u, T0.Neurons / 2), T0.Neurons,
                              std::min(T0.Cols, T0.Neurons * 2)};
    Neurons.assign(Around.begin(), Around.end());
  }
  std::vector<double> Budgets =
      Axes.Replication.empty() ? std::vector<double>{0, 0.25, 0.5, 1} : Axes.Replication;

  std::vector<Point> Points;
  for (unsigned N : Neurons)
    for (double Budget : Budgets) {
      Point P;
      P.Neurons = N;
      P.Replication = Budget;
      Target T = T0;
      if (llvm::Error E = setNeurons(T, N))
        return E;
      PassContext Ctx;
      Ctx.TargetDesc = T;
      Ctx.SourceName = Base.SourceName;
      Ctx.Options = Base.Options;
      Ctx.Options["replication"] = fmt::format("{}", Budget);
      llvm::Expected<std::unique_ptr<Graph>> G = Load();
      if (!G)
        return G.takeError();
      PassManager PM;
      for (const std::string &Name : defaultPipeline())
        if (llvm::Error E = PM.addPass(Name))
          return E;
      if (llvm::Error E = PM.run(**G, Ctx)) {
        P.Refusal = firstLine(std::move(E));
        Points.push_back(P);
        continue;
      }
      llvm::json::Value Report = mappingReportJson(**G, T);
      const llvm::json::Object *Totals = Report.getAsObject()->getObject("totals");
      P.LatencyNs = number(*Totals, "image_latency_ns");
      P.IntervalNs = number(*Totals, "interval_ns");
      P.ImagesPerS = number(*Totals, "images_per_s");
      P.EnergyPj = number(*Totals, "energy_pj");
      P.AreaMm2 = number(*Totals, "area_mm2");
      P.TopsPerWatt = number(*Totals, "tops_per_w");
      P.TopsPerMm2 = number(*Totals, "tops_per_mm2");
      P.Arrays = Totals->getInteger("arrays").getValueOr(0);
      P.Chips = Totals->getInteger("chips").getValueOr(0);
      Points.push_back(P);
    }
  markPareto(Points);

  OS << fmt::format("tradeoff: target '{}', neurons per array (node sharing) x replication "
                    "budget (fraction of spare arrays); * = Pareto-optimal in latency, interval, "
                    "energy and area\n",
                    T0.Name);
  OS << fmt::format("  {:>7} {:>11} {:>6} {:>5} {:>13} {:>11} {:>11} {:>10} {:>8} {:>9} "
                    "{:>9}\n",
                    "neurons", "replication", "arrays", "chips", "latency_us", "interval_us",
                    "images/s", "energy_uJ", "area_mm2", "TOPS/W", "TOPS/mm2");
  for (const Point &P : Points) {
    if (!P.Refusal.empty()) {
      OS << fmt::format("  {:>7} {:>11} does not map: {}\n", P.Neurons, P.Replication, P.Refusal);
      continue;
    }
    OS << fmt::format("{} {:>7} {:>11} {:>6} {:>5} {:>13.2f} {:>11.2f} {:>11.4g} {:>10.4g} "
                      "{:>8.3g} {:>9.3g} {:>9.3g}\n",
                      P.Pareto ? '*' : ' ', P.Neurons, P.Replication, P.Arrays, P.Chips,
                      P.LatencyNs / 1000, P.IntervalNs / 1000, P.ImagesPerS, P.EnergyPj / 1e6,
                      P.AreaMm2, P.TopsPerWatt, P.TopsPerMm2);
  }
  return llvm::Error::success();
}

} // namespace qnn

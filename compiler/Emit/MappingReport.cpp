//===- MappingReport.cpp - Per-layer mapping and cost summary -------------===//
//
// The text and the JSON report are two renderings of one list of rows, so
// they cannot disagree. Formulas of the totals: docs/cost-model.md.
//
//===----------------------------------------------------------------------===//
#include "EmitHost.h"
#include "qnn/Emit/Emit.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Lower/Packing.h"
#include "qnn/Lower/Pipeline.h"
#include <algorithm>
#include <fmt/format.h>
#include <map>
#include <set>

namespace qnn {

namespace {

struct LayerRow {
  std::string Name, Kind;
  /// None for host ops, which run outside the chip.
  std::optional<int64_t> Tile;
  std::optional<MvmLayer> Mvm; ///< set for mvm ops
  std::string Config;          ///< analog block configuration of an mvm
  int64_t Cycles = 0;
  std::optional<int64_t> StartCycle; ///< of image 0 in the pipelined schedule
  /// Bytes held in the tile's buffer when the op streams rows (Streaming.h).
  std::optional<int64_t> StreamBytes;
  double LatencyNs = 0, EnergyPj = 0;
};

struct Totals {
  /// Arrays holding blocks, and the fewest that could hold the cells.
  int64_t Arrays = 0, ArraysLowerBound = 0, CellsUsed = 0, Macs = 0, Cycles = 0;
  /// Chips the mapping spans (--chips) and the arrays used on each.
  int64_t Chips = 1;
  std::vector<int64_t> ArraysPerChip;
  /// Sums over the ops, as if they ran back to back.
  double LatencyNs = 0, EnergyPj = 0;
  /// The pipelined schedule (Pipeline.h), when the graph is scheduled.
  std::optional<PipelineSchedule> Pipeline;
  double Utilization = 0, TopsPerWatt = 0, TopsPerMm2 = 0, AreaMm2 = 0;
  /// Analog block configuration -> the layers that use it.
  std::map<std::string, std::vector<std::string>> Configs;
};

/// The arrays a layer's blocks lie on (layers share arrays, Packing.h);
/// before `place`, the span partition reserved.
int64_t arraysOf(const MvmLayer &L) {
  if (L.stage() < MvmStage::Placed)
    return L.ArrayCount;
  std::set<int64_t> Arrays;
  for (const MvmBlock &B : L.Blocks)
    Arrays.insert(B.Array);
  return static_cast<int64_t>(Arrays.size());
}

/// The read-out ranges of the layer's reads, largest gain first: "x16"
/// amplifies the column currents 16 times (read shift -4), "/2" reads them
/// over twice the ADC range (read shift 1, lossy), "x1" neither.
std::string readRanges(const MvmLayer &L) {
  std::set<int64_t> Shifts;
  for (const MvmBlock &B : L.Blocks)
    if (B.PhaseShifts.empty())
      Shifts.insert(B.ReadShift);
    else
      Shifts.insert(B.PhaseShifts.begin(), B.PhaseShifts.end());
  std::string Text;
  for (int64_t S : Shifts)
    Text += (Text.empty() ? "" : " ") +
            (S > 0 ? fmt::format("/{}", int64_t(1) << S) : fmt::format("x{}", int64_t(1) << -S));
  return Text;
}

std::string analogConfig(const MvmLayer &L) {
  return fmt::format("{} input phases x {}-bit DAC, {} slices of {}-bit cells, {}-bit ADC, "
                     "read-out {}",
                     L.InputPhases, L.DacBits, L.Slices, L.CellBits, L.AdcBits, readRanges(L));
}

/// How outputs leave the NMPU: "scale", "none" or "threshold (L levels)",
/// L = thresholds + 1 output levels per neuron.
std::string readoutName(const MvmLayer &L) {
  if (L.Requant == image::RequantMode::Threshold)
    return fmt::format("threshold ({} levels)", L.ThresholdCount + 1);
  return requantModeName(L.Requant).str();
}

std::vector<LayerRow> collectRows(const Graph &G) {
  std::vector<LayerRow> Rows;
  for (const auto &O : G.ops()) {
    LayerRow R;
    R.Name = O->Name;
    R.Kind = O->Kind;
    R.Tile = O->Attrs.getInt("tile", 0);
    R.Cycles = O->Attrs.getInt("cycles", 0);
    if (O->Attrs.has("start_cycle"))
      R.StartCycle = O->Attrs.getInt("start_cycle");
    if (O->Attrs.has("stream_bytes"))
      R.StreamBytes = O->Attrs.getInt("stream_bytes");
    R.LatencyNs = O->Attrs.getFloat("latency_ns", 0);
    R.EnergyPj = O->Attrs.getFloat("energy_pj", 0);
    if (isHostStepOp(*O)) {
      // Runs on the host side of the runtime: no chip tile, cycles or energy.
      R = LayerRow();
      R.Name = O->Name;
      R.Kind = "host:" + hostOpType(O->Kind).str();
    }
    if (O->Kind == "mvm") {
      // A layer the verifier accepted decodes; anything else is shown bare.
      llvm::Expected<MvmLayer> L = readMvmLayer(*O);
      if (L && L->stage() >= MvmStage::Tiled) {
        R.Config = analogConfig(*L);
        R.Mvm = std::move(*L);
      } else if (!L) {
        llvm::consumeError(L.takeError());
      }
    }
    Rows.push_back(std::move(R));
  }
  return Rows;
}

Totals computeTotals(const Graph &G, const std::vector<LayerRow> &Rows, const Target &T) {
  Totals S;
  // Only a scheduled graph has a pipeline; before that the report shows
  // the mapping without timing.
  llvm::Expected<PipelineSchedule> Pipeline = schedulePipeline(G);
  if (Pipeline)
    S.Pipeline = std::move(*Pipeline);
  else
    llvm::consumeError(Pipeline.takeError());
  std::set<int64_t> PlacedArrays;
  for (const LayerRow &R : Rows) {
    S.Cycles += R.Cycles;
    S.LatencyNs += R.LatencyNs;
    S.EnergyPj += R.EnergyPj;
    if (!R.Mvm)
      continue;
    if (R.Mvm->stage() >= MvmStage::Placed) {
      for (const MvmBlock &B : R.Mvm->Blocks)
        PlacedArrays.insert(B.Array);
    } else {
      S.Arrays += R.Mvm->ArrayCount;
    }
    S.Configs[R.Config].push_back(R.Name);
    if (R.Mvm->Cost) {
      S.CellsUsed += R.Mvm->Cost->CellsUsed;
      S.Macs += R.Mvm->Cost->Macs;
    }
  }
  S.Arrays += static_cast<int64_t>(PlacedArrays.size());
  // Tiles and arrays are numbered across chips (partition); a layer larger
  // than a chip has arrays on chips after its tile's.
  for (const LayerRow &R : Rows)
    if (R.Tile)
      S.Chips = std::max<int64_t>(S.Chips, *R.Tile / T.Tiles + 1);
  for (int64_t A : PlacedArrays)
    S.Chips = std::max<int64_t>(S.Chips, A / T.totalArrays() + 1);
  S.ArraysPerChip.assign(S.Chips, 0);
  for (int64_t A : PlacedArrays)
    if (A / T.totalArrays() < S.Chips)
      ++S.ArraysPerChip[A / T.totalArrays()];
  S.ArraysLowerBound = arraysLowerBound(S.CellsUsed, T);
  if (S.Arrays > 0)
    S.Utilization = double(S.CellsUsed) / (double(S.Arrays) * T.Rows * T.Cols);
  S.AreaMm2 = chipArea(T, S.Chips);
  double Ops = 2.0 * S.Macs;
  // ops / pJ is 1e12 ops / J: TOPS/W directly.
  if (S.EnergyPj > 0)
    S.TopsPerWatt = Ops / S.EnergyPj;
  // Steady state: Ops every interval. ops / ns is 1e9 ops / s = 1e-3 TOPS.
  double IntervalNs = S.Pipeline ? S.Pipeline->IntervalCycles * cycleNs(T) : 0;
  if (IntervalNs > 0 && S.AreaMm2 > 0)
    S.TopsPerMm2 = Ops / IntervalNs * 1e-3 / S.AreaMm2;
  return S;
}

llvm::json::Value rowJson(const LayerRow &R, const Target &T) {
  llvm::json::Object J{
      {"name", R.Name},
      {"op", R.Kind},
      {"tile", R.Tile ? llvm::json::Value(*R.Tile) : llvm::json::Value(nullptr)},
      {"cycles", R.Cycles},
      {"start_cycle", R.StartCycle ? llvm::json::Value(*R.StartCycle) : llvm::json::Value(nullptr)},
      {"stream_bytes",
       R.StreamBytes ? llvm::json::Value(*R.StreamBytes) : llvm::json::Value(nullptr)},
      {"latency_ns", R.LatencyNs},
      {"energy_pj", R.EnergyPj}};
  if (R.Mvm) {
    const MvmLayer &L = *R.Mvm;
    J["chip"] = L.Tile / T.Tiles;
    J["polarity"] = polarityName(*L.Polarity).str();
    J["cells"] = L.Cells;
    J["cells_saved"] = L.DifferentialCells - L.Cells;
    J["arrays"] = arraysOf(L);
    J["blocks"] = static_cast<int64_t>(L.Blocks.size());
    J["readout"] = L.isExact() ? "exact" : "lossy";
    J["requant"] = readoutName(L);
    if (L.Requant == image::RequantMode::Threshold)
      J["threshold_levels"] = L.ThresholdCount + 1;
    J["input_phases"] = L.InputPhases;
    J["analog_config"] = R.Config;
    if (L.Cost) {
      J["array_reads"] = L.Cost->ArrayReads;
      J["adc_conversions"] = L.Cost->AdcConversions;
      J["macs"] = L.Cost->Macs;
    }
  }
  return llvm::json::Value(std::move(J));
}

} // namespace

llvm::json::Value mappingReportJson(const Graph &G, const Target &T) {
  std::vector<LayerRow> Rows = collectRows(G);
  Totals S = computeTotals(G, Rows, T);
  llvm::json::Array Layers;
  for (const LayerRow &R : Rows)
    Layers.push_back(rowJson(R, T));
  llvm::json::Array PerChip;
  for (int64_t A : S.ArraysPerChip)
    PerChip.push_back(A);
  llvm::json::Object Tot{{"arrays", S.Arrays},
                         {"chips", S.Chips},
                         {"arrays_per_chip", std::move(PerChip)},
                         {"arrays_lower_bound", S.ArraysLowerBound},
                         {"arrays_available", static_cast<int64_t>(T.totalArrays())},
                         {"cells_used", S.CellsUsed},
                         {"utilization", S.Utilization},
                         {"cycles", S.Cycles},
                         {"latency_ns", S.LatencyNs},
                         {"energy_pj", S.EnergyPj},
                         {"macs", S.Macs},
                         {"tops_per_w", S.TopsPerWatt},
                         {"tops_per_mm2", S.TopsPerMm2},
                         {"area_mm2", S.AreaMm2}};
  if (S.Pipeline) {
    const PipelineSchedule &P = *S.Pipeline;
    double Ns = cycleNs(T);
    Tot["image_latency_cycles"] = P.LatencyCycles;
    Tot["image_latency_ns"] = P.LatencyCycles * Ns;
    Tot["image_latency_alone_cycles"] = P.AloneLatencyCycles;
    Tot["interval_cycles"] = P.IntervalCycles;
    Tot["interval_ns"] = P.IntervalCycles * Ns;
    Tot["images_per_s"] = Ns > 0 ? 1e9 / (P.IntervalCycles * Ns) : 0.0;
    Tot["resource_bound_cycles"] = P.ResourceBound;
    Tot["bottleneck"] = P.Bottleneck;
    Tot["bottleneck_op"] = P.BottleneckOp;
  }
  return llvm::json::Object{{"model", G.Name},
                            {"target", T.Name},
                            {"layers", std::move(Layers)},
                            {"totals", std::move(Tot)},
                            {"uniform", S.Configs.size() <= 1}};
}

void printMappingReport(const Graph &G, const Target &T, llvm::raw_ostream &OS) {
  std::vector<LayerRow> Rows = collectRows(G);
  Totals S = computeTotals(G, Rows, T);
  OS << fmt::format("mapping report: model '{}' on target '{}' ({} tiles x {} arrays of {}x{})\n",
                    G.Name, T.Name, T.Tiles, T.ArraysPerTile, T.Rows, T.Cols);
  // Columns as wide as the longest layer name and op kind.
  size_t NameWidth = 5, KindWidth = 2, RequantWidth = 7;
  for (const LayerRow &R : Rows) {
    NameWidth = std::max(NameWidth, R.Name.size());
    KindWidth = std::max(KindWidth, R.Kind.size());
    if (R.Mvm)
      RequantWidth = std::max(RequantWidth, readoutName(*R.Mvm).size());
  }
  OS << fmt::format("{:<{}} {:<{}} {:>4} {:<12} {:>8} {:>8} {:>6} {:>6} {:<7} {:<{}} {:>6} "
                    "{:>10} {:>12} {:>12}\n",
                    "layer", NameWidth, "op", KindWidth, "tile", "polarity", "cells", "saved",
                    "arrays", "blocks", "readout", "requant", RequantWidth, "phases", "cycles",
                    "latency_ns", "energy_pj");
  for (const LayerRow &R : Rows) {
    std::string Polarity = "-", Cells = "-", Saved = "-", Arrays = "-", Blocks = "-", Readout = "-",
                Requant = "-", Phases = "-";
    if (R.Mvm) {
      const MvmLayer &L = *R.Mvm;
      Polarity = polarityName(*L.Polarity).str();
      Cells = std::to_string(L.Cells);
      Saved = std::to_string(L.DifferentialCells - L.Cells);
      Arrays = std::to_string(arraysOf(L));
      Blocks = std::to_string(L.Blocks.size());
      Readout = L.isExact() ? "exact" : "lossy";
      Requant = readoutName(L);
      Phases = std::to_string(L.InputPhases);
    }
    OS << fmt::format("{:<{}} {:<{}} {:>4} {:<12} {:>8} {:>8} {:>6} {:>6} {:<7} {:<{}} {:>6} "
                      "{:>10} {:>12.1f} {:>12.1f}\n",
                      R.Name, NameWidth, R.Kind, KindWidth,
                      R.Tile ? std::to_string(*R.Tile) : "host", Polarity, Cells, Saved, Arrays,
                      Blocks, Readout, Requant, RequantWidth, Phases, R.Cycles, R.LatencyNs,
                      R.EnergyPj);
  }
  OS << fmt::format("totals: {} of {} arrays, {} cells used ({:.1f} % of the used arrays), "
                    "{} cycles, {:.1f} ns, {:.1f} pJ per sample\n",
                    S.Arrays, T.totalArrays() * S.Chips, S.CellsUsed, 100 * S.Utilization, S.Cycles,
                    S.LatencyNs, S.EnergyPj);
  if (S.Pipeline && !S.Pipeline->Bottleneck.empty()) {
    const PipelineSchedule &P = *S.Pipeline;
    double Ns = cycleNs(T);
    OS << fmt::format("pipeline: latency {} cycles ({:.1f} ns) per image ({} cycles alone); a new "
                      "image every {} cycles ({:.1f} ns){}; bottleneck {} ({} busy cycles per "
                      "image, longest op '{}')\n",
                      P.LatencyCycles, P.LatencyCycles * Ns, P.AloneLatencyCycles, P.IntervalCycles,
                      P.IntervalCycles * Ns,
                      Ns > 0 ? fmt::format(": {:.4g} images/s", 1e9 / (P.IntervalCycles * Ns))
                             : std::string(),
                      P.Bottleneck, P.ResourceBound, P.BottleneckOp);
  }
  if (S.Chips > 1) {
    OS << fmt::format("chips: {} of target '{}', consecutive layers on each (tiles {} .. {} are "
                      "chip 1's); arrays used per chip:",
                      S.Chips, T.Name, T.Tiles, 2 * T.Tiles - 1);
    for (int64_t A : S.ArraysPerChip)
      OS << ' ' << A;
    OS << '\n';
  }
  int64_t Streamed = 0, LargestSet = 0;
  for (const LayerRow &R : Rows)
    if (R.StreamBytes) {
      ++Streamed;
      LargestSet = std::max(LargestSet, *R.StreamBytes);
    }
  if (Streamed > 0)
    OS << fmt::format("buffers: {} ops stream their activations by rows through the tile buffer "
                      "(largest working set {} of {} bytes)\n",
                      Streamed, LargestSet, T.BufferBytes);
  if (S.ArraysLowerBound > 0)
    OS << fmt::format("packing: {} arrays, lower bound ceil({} cells / {} per array) = {}: "
                      "{:.3f}x\n",
                      S.Arrays, S.CellsUsed, T.Rows * T.Cols, S.ArraysLowerBound,
                      double(S.Arrays) / double(S.ArraysLowerBound));
  OS << fmt::format("efficiency: {} MACs, {:.3g} TOPS/W, {:.3g} TOPS/mm2 ({:.3g} mm2)\n", S.Macs,
                    S.TopsPerWatt, S.TopsPerMm2, S.AreaMm2);
  if (S.Configs.size() <= 1) {
    OS << "uniformity: every layer uses one analog block configuration"
       << (S.Configs.empty() ? "" : " (" + S.Configs.begin()->first + ")") << "\n";
    return;
  }
  OS << "uniformity: not uniform, " << S.Configs.size() << " analog block configurations:\n";
  // MobileNetV2 has thousands of per-channel layers: name a few per line
  // and count the rest (the layer table gives every one).
  constexpr size_t NamesShown = 8;
  for (const auto &[Config, Layers] : S.Configs) {
    OS << "  " << Config << ":";
    for (size_t I = 0; I < std::min(Layers.size(), NamesShown); ++I)
      OS << " '" << Layers[I] << "'";
    if (Layers.size() > NamesShown)
      OS << " and " << Layers.size() - NamesShown << " more";
    OS << "\n";
  }
}

} // namespace qnn

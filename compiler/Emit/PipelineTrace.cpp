//===- PipelineTrace.cpp - The pipelined schedule as a Chrome trace --------===//
//
// Trace Event Format (the JSON chrome://tracing and Perfetto read): one
// complete event ("ph": "X") per op and image, on a track per tile (thread)
// grouped by chip (process). Image i runs the ops of image 0 shifted by i
// initiation intervals, which Pipeline.h guarantees never collide on a
// resource; overlapping events on one tile would mean a scheduler bug.
// Times are microseconds, the format's unit: cycles x cycle_ns / 1000, or
// one cycle per microsecond for a target without latencies.
//
//===----------------------------------------------------------------------===//
#include "qnn/Emit/Emit.h"
#include "qnn/Lower/Pipeline.h"
#include <set>

namespace qnn {

llvm::Expected<llvm::json::Value> pipelineTraceJson(const Graph &G, const Target &T,
                                                    int64_t Images) {
  llvm::Expected<PipelineSchedule> S = schedulePipeline(G);
  if (!S)
    return S.takeError();
  const double UsPerCycle = cycleNs(T) > 0 ? cycleNs(T) / 1000 : 1;
  llvm::json::Array Events;
  std::set<int64_t> Tiles;
  for (const auto &O : G.ops()) {
    auto It = S->Start.find(O.get());
    if (It == S->Start.end())
      continue; // host op: off the chip's time line
    int64_t Tile = O->Attrs.getInt("tile");
    int64_t Cycles = O->Attrs.getInt("cycles");
    Tiles.insert(Tile);
    if (Cycles == 0)
      continue; // renames a buffer; nothing to show
    for (int64_t Image = 0; Image < Images; ++Image) {
      int64_t Start = It->second + Image * S->IntervalCycles;
      Events.push_back(llvm::json::Object{
          {"name", O->Name},
          {"cat", O->Kind},
          {"ph", "X"},
          {"ts", Start * UsPerCycle},
          {"dur", Cycles * UsPerCycle},
          {"pid", Tile / T.Tiles},
          {"tid", Tile},
          {"args", llvm::json::Object{{"image", Image},
                                      {"start_cycle", Start},
                                      {"cycles", Cycles},
                                      {"energy_pj", O->Attrs.getFloat("energy_pj", 0)}}}});
    }
  }
  // Name the tracks: "chip C" processes, "tile T" threads.
  std::set<int64_t> Chips;
  for (int64_t Tile : Tiles) {
    Chips.insert(Tile / T.Tiles);
    Events.push_back(llvm::json::Object{
        {"name", "thread_name"},
        {"ph", "M"},
        {"pid", Tile / T.Tiles},
        {"tid", Tile},
        {"args", llvm::json::Object{{"name", "tile " + std::to_string(Tile % T.Tiles)}}}});
  }
  for (int64_t Chip : Chips)
    Events.push_back(
        llvm::json::Object{{"name", "process_name"},
                           {"ph", "M"},
                           {"pid", Chip},
                           {"args", llvm::json::Object{{"name", "chip " + std::to_string(Chip)}}}});
  return llvm::json::Object{
      {"traceEvents", std::move(Events)},
      {"displayTimeUnit", "ns"},
      {"otherData", llvm::json::Object{{"model", G.Name},
                                       {"target", T.Name},
                                       {"images", Images},
                                       {"interval_cycles", S->IntervalCycles},
                                       {"image_latency_cycles", S->LatencyCycles},
                                       {"cycle_ns", cycleNs(T)}}}};
}

} // namespace qnn

//===- Emit.h - Image model and mapping report of a scheduled graph -*- C++ -*-===//
///
/// \file
/// The last stage of the compiler: a graph that went through the mapping
/// pipeline (lower-to-mvm ... schedule) becomes the image model of
/// include/qnn/Image/Program.h, and the mapping report summarizes per layer
/// how it was mapped and what it costs.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_EMIT_EMIT_H
#define QNN_EMIT_EMIT_H

#include "qnn/IR/Graph.h"
#include "qnn/Image/Program.h"
#include "qnn/Target/Target.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

namespace qnn {

/// Turns a scheduled graph into the image model (one Step per op, arrays with
/// their levels). An op the chip cannot run, or a graph mapped for another
/// target, is an error naming the op.
llvm::Expected<image::Program> emitProgram(const Graph &G, const Target &T);

/// Human-readable mapping report (per layer: op, polarity mode, cells
/// used/saved, arrays, blocks, exact/lossy, phases, cycles, latency, energy;
/// totals; a uniformity line saying whether every layer uses one analog block
/// configuration). Expects a scheduled graph; unscheduled ops show no costs.
void printMappingReport(const Graph &G, const Target &T, llvm::raw_ostream &OS);
/// The same report as JSON.
llvm::json::Value mappingReportJson(const Graph &G, const Target &T);

/// The pipelined schedule (Pipeline.h) of \p Images images as a Chrome trace
/// (Trace Event Format JSON: chrome://tracing, Perfetto), a track per tile.
llvm::Expected<llvm::json::Value> pipelineTraceJson(const Graph &G, const Target &T,
                                                    int64_t Images);

/// An SVG picture of the chips, tiles and arrays with every placed block
/// coloured by layer. Expects a placed graph.
llvm::Error printFloorplanSvg(const Graph &G, const Target &T, llvm::raw_ostream &OS);

} // namespace qnn

#endif

//===- Tradeoff.h - Latency, throughput, energy and area of mapping choices -*- C++ -*-===//
///
/// \file
/// `qnnc --emit=tradeoff`: the model compiled once per combination of node
/// sharing (neurons per array) and replication budget, each point with the
/// figures of the mapping report, and the points no other point beats on
/// every figure marked as the Pareto front (seed paper 1: partitioning and
/// node sharing trade latency, power and area).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_DRIVER_TRADEOFF_H
#define QNN_DRIVER_TRADEOFF_H

#include "qnn/IR/Graph.h"
#include "qnn/Pass/Pass.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/raw_ostream.h"
#include <memory>
#include <vector>

namespace qnn {

struct TradeoffAxes {
  std::vector<unsigned> Neurons;   ///< empty: the target's, half and double
  std::vector<double> Replication; ///< empty: 0, 0.25, 0.5, 1
};

/// Compiles the model \p Load returns for every point of \p Axes with the
/// target and options of \p Base, and prints the table to \p OS. A point
/// that does not map (too few arrays) is listed with the reason.
llvm::Error printTradeoff(llvm::function_ref<llvm::Expected<std::unique_ptr<Graph>>()> Load,
                          const PassContext &Base, const TradeoffAxes &Axes, llvm::raw_ostream &OS);

} // namespace qnn

#endif

//===- StepThresholds.h - Monotone step functions as comparators -*- C++ -*-===//
///
/// \file
/// A quantizer after float ops (BatchNormalization, Mul, Add, Relu, ...) is,
/// per channel, a monotone step function of its input: of the integer
/// accumulator of the MVM before it, or of a float input. Its comparator
/// form (the `threshold` op) is found by searching, per channel and level,
/// the first input that reaches the level, with the reference kernels
/// evaluating the float ops and the quantizer on probes: the thresholds
/// reproduce the reference wherever the reference itself is a function of
/// the probed value.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TRANSFORMS_STEPTHRESHOLDS_H
#define QNN_TRANSFORMS_STEPTHRESHOLDS_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/Support/Error.h"
#include <cstdint>
#include <vector>

namespace qnn {

/// Evaluates a probe of Rows x Channels inputs (row-major; column c is fed to
/// channel c) and returns the level index (0 .. Count) of each.
using LevelProbe =
    llvm::function_ref<llvm::Expected<std::vector<int64_t>>(llvm::ArrayRef<double>, int64_t Rows)>;

/// The comparator form of a per-channel step function with Count + 1 levels:
/// level(x) = #{t : Signs[c] * x >= Thresholds[c * Count + t]}.
struct StepThresholds {
  int64_t Channels = 0, Count = 0;
  std::vector<double> Thresholds;
  std::vector<int8_t> Signs;
};

/// The step function of integer inputs; channel c takes inputs in
/// [Lo[c], Hi[c]] (a threshold above Hi[c] is never reached).
llvm::Expected<StepThresholds> integerStepThresholds(LevelProbe Probe, int64_t Count,
                                                     llvm::ArrayRef<int64_t> Lo,
                                                     llvm::ArrayRef<int64_t> Hi);

/// The step function of float32 inputs (every finite float and the
/// infinities).
llvm::Expected<StepThresholds> floatStepThresholds(LevelProbe Probe, int64_t Count,
                                                   int64_t Channels);

} // namespace qnn

#endif

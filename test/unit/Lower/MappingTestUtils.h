//===- MappingTestUtils.h - Shared helpers of the mapping tests --*- C++ -*-===//
///
/// \file
/// Random tiny targets, random integer tensors and the pass-by-pass check
/// that the lowered graph still computes the canonical graph's result, for
/// the property tests of test/unit/Lower.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TEST_UNIT_LOWER_MAPPINGTESTUTILS_H
#define QNN_TEST_UNIT_LOWER_MAPPINGTESTUTILS_H

#include "qnn/IR/OpRegistry.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Target/Target.h"
#include "gtest/gtest.h"
#include <cmath>
#include <random>

namespace qnn {
namespace mappingtest {

inline void ensureRegistered() {
  static bool Done = [] {
    registerQuantOps(OpRegistry::instance());
    registerChipOps(OpRegistry::instance());
    return true;
  }();
  (void)Done;
}

using Rng = std::mt19937;

inline int64_t uniform(Rng &R, int64_t Lo, int64_t Hi) {
  return std::uniform_int_distribution<int64_t>(Lo, Hi)(R);
}
inline double uniformReal(Rng &R, double Lo, double Hi) {
  return std::uniform_real_distribution<double>(Lo, Hi)(R);
}
/// A float32 value, as scales are in the models.
inline double scale(Rng &R) { return roundToF32(std::exp(uniformReal(R, -6, -1))); }

/// A tiny target whose ADC is just wide enough for one full-level row.
inline Target tinyTarget(Rng &R) {
  Target T;
  T.Name = "tiny";
  T.Rows = uniform(R, 3, 16);
  T.Cols = uniform(R, 3, 16);
  T.Neurons = uniform(R, 1, T.Cols);
  T.CellBits = uniform(R, 1, 4);
  T.DacBits = uniform(R, 1, 8);
  T.ActBits = 8;
  T.WeightBits = 8;
  T.MultBits = uniform(R, 12, 32);
  int64_t OneRow = ((int64_t(1) << T.DacBits) - 1) * ((int64_t(1) << T.CellBits) - 1);
  unsigned Bits = 1;
  while ((int64_t(1) << Bits) - 1 < OneRow)
    ++Bits;
  T.AdcBits = std::min<unsigned>(16, Bits + uniform(R, 0, 2));
  T.ReadGainBits = uniform(R, 0, 4);
  T.Tiles = 64;
  T.ArraysPerTile = 64;
  T.BufferBytes = 1 << 20;
  return T;
}

/// The stored values of a random quantized tensor of \p Type.
inline Tensor randomInt(Rng &R, DType Type, Shape Dims) {
  Tensor T(Type, std::move(Dims));
  for (double &V : T.Data)
    V = static_cast<double>(uniform(R, minValue(Type), maxValue(Type)));
  return T;
}

inline constexpr const char *Pipeline[] = {"lower-to-mvm", "split-polarity", "slice-bits",
                                           "tile",         "read-ranges",    "partition",
                                           "place",        "schedule"};

/// Runs the pipeline pass by pass; after each, checks the interpreter on the
/// lowered graph against \p Golden: equal with the fp32 NMPU, within 1 with
/// the fixed-point one (\p FixedDiffers counts the differences among
/// \p Values). Returns false when a pass refused, which only the target's
/// limits (and padding that an input range cannot drive) may do.
inline bool checkPipeline(Graph &G, const Tensor &Input, const Tensor &Golden, PassContext &Ctx,
                          const std::string &Describe, int64_t &FixedDiffers, int64_t &Values) {
  for (const char *Name : Pipeline) {
    PassManager PM;
    EXPECT_FALSE(static_cast<bool>(PM.addPass(Name)));
    if (llvm::Error E = PM.run(G, Ctx)) {
      std::string Msg = llvm::toString(std::move(E));
      EXPECT_TRUE(Msg.find("polarity=") != std::string::npos ||
                  Msg.find("target 'tiny'") != std::string::npos ||
                  Msg.find("(ConvInteger)") != std::string::npos ||
                  Msg.find("the padding value") != std::string::npos)
          << Describe << " after " << Name << ": " << Msg;
      if (std::getenv("QNN_TEST_VERBOSE"))
        std::printf("refused: %s\n", Msg.c_str());
      return false;
    }
    EvalContext Fp32{NmpuMode::Fp32, &*Ctx.TargetDesc};
    EvalContext Fixed{NmpuMode::Fixed, &*Ctx.TargetDesc};
    auto Out = evaluateGraph(G, {Input}, Fp32);
    auto OutFixed = evaluateGraph(G, {Input}, Fixed);
    if (!Out || !OutFixed) {
      ADD_FAILURE() << Describe << " after " << Name << ": "
                    << (Out ? llvm::toString(OutFixed.takeError())
                            : llvm::toString(Out.takeError()));
      if (!Out)
        llvm::consumeError(Out.takeError());
      if (!OutFixed)
        llvm::consumeError(OutFixed.takeError());
      return false;
    }
    EXPECT_EQ((*Out)[0].Data, Golden.Data) << Describe << " after " << Name << " (fp32)";
    const std::vector<double> &F = (*OutFixed)[0].Data;
    for (size_t I = 0; I < F.size(); ++I) {
      EXPECT_LE(std::abs(F[I] - Golden.Data[I]), 1.0) << Describe << " after " << Name;
      FixedDiffers += F[I] != Golden.Data[I];
    }
    Values += static_cast<int64_t>(F.size());
  }
  return true;
}

} // namespace mappingtest
} // namespace qnn

#endif

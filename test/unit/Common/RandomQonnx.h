//===- RandomQonnx.h - Random QONNX MLPs for tests ---------------*- C++ -*-===//
///
/// \file
/// Random low-bit MLPs in the IR's text form, as Brevitas exports them:
/// an input quantizer (after an optional scale and shift), then layers of
/// MatMul by Quant/BipolarQuant weights (1..8 bits, per tensor or per
/// channel, through a Transpose), float ops (BatchNormalization with negative
/// gammas, per-channel Mul and Add, Relu) and an activation quantizer (Quant
/// of 1..8 bits, BipolarQuant or MultiThreshold). Scales are powers of two,
/// so the reference's float sums are exact and compiled forms must match it
/// bit for bit. The last layer's float ops are the host's (no BatchNorm).
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TEST_RANDOMQONNX_H
#define QNN_TEST_RANDOMQONNX_H

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <random>
#include <string>
#include <vector>
#include "llvm/ADT/StringRef.h"

namespace qnn::test {

/// Seeded draws for the generators of tests.
class Random {
public:
  explicit Random(unsigned Seed) : Rng(Seed) {}
  int64_t uniform(int64_t Lo, int64_t Hi) {
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
  }
  double real(double Lo, double Hi) { return std::uniform_real_distribution<double>(Lo, Hi)(Rng); }
  bool coin() { return uniform(0, 1) == 1; }
  /// A float32 value, printed so that it parses back to the same float.
  std::string f32(double V) { return fmt::format("{}", static_cast<float>(V)); }
  std::string f32s(size_t N, double Lo, double Hi) {
    std::vector<std::string> S;
    for (size_t I = 0; I < N; ++I)
      S.push_back(f32(real(Lo, Hi)));
    return fmt::format("{}", fmt::join(S, ", "));
  }
  std::mt19937 Rng;
};

/// Writes a random QONNX MLP in the IR's text form.
class QonnxMlpBuilder {
public:
  explicit QonnxMlpBuilder(Random &R) : R(R) {}

  std::string build(int64_t Rows, int64_t In, int Layers) {
    std::string X = input(Rows, In);
    int64_t K = In;
    for (int L = 0; L < Layers; ++L) {
      int64_t N = R.uniform(1, 12);
      X = matmul(X, Rows, K, N);
      bool Last = L + 1 == Layers;
      // The host runs the float ops after the last MVM; BatchNormalization
      // is not one of them.
      X = chain(X, Rows, N, /*BatchNorm=*/!Last);
      if (!Last)
        X = quantizer(X, Rows, N);
      K = N;
    }
    return fmt::format("graph @main(%x: f32[{},{}]) {{\n{}{}  return {}\n}}\n", Rows, In, Consts,
                       Body, X);
  }

private:
  std::string fresh(llvm::StringRef Base) { return fmt::format("%{}{}", Base.str(), Next++); }
  std::string constant(const std::string &Type, const std::string &Data) {
    std::string V = fresh("c");
    Consts += fmt::format("  {} = const : {} dense<[{}]>\n", V, Type, Data);
    return V;
  }
  std::string op(const std::string &Kind, const std::string &Operands, const std::string &Attrs,
                 int64_t Rows, int64_t N) {
    std::string V = fresh("v");
    Body += fmt::format("  {} = {} \"{}\"({}){} : f32[{},{}]\n", V, Kind, V.substr(1), Operands,
                        Attrs.empty() ? "" : " {" + Attrs + "}", Rows, N);
    return V;
  }
  /// A power of two, so the reference's products and sums are exact; with a
  /// decimal point, so that it also reads as a float attribute.
  std::string pow2Scale() {
    return fmt::format("{:.3f}", std::ldexp(1.0, static_cast<int>(R.uniform(-3, 2))));
  }

  std::string quantizer(const std::string &X, int64_t Rows, int64_t N) {
    switch (R.uniform(0, 2)) {
    case 0:
      return op("qonnx.BipolarQuant", X + ", " + constant("f32[]", pow2Scale()), "", Rows, N);
    case 1: {
      int64_t Bits = R.uniform(1, 8);
      bool Signed = Bits > 1 && R.coin();
      std::string Operands = fmt::format("{}, {}, {}, {}", X, constant("f32[]", pow2Scale()),
                                         constant("f32[]", Signed ? "0" : R.f32(R.uniform(0, 1))),
                                         constant("f32[]", R.f32(Bits)));
      return op("qonnx.Quant", Operands,
                fmt::format("narrow = {}, rounding_mode = \"{}\", signed = {}",
                            Signed ? R.uniform(0, 1) : 0, R.coin() ? "ROUND" : "FLOOR", int(Signed)),
                Rows, N);
    }
    default: {
      int64_t Steps = R.uniform(1, 7);
      std::vector<double> Th;
      for (int64_t C = 0; C < N; ++C) {
        std::vector<double> Row;
        for (int64_t S = 0; S < Steps; ++S)
          Row.push_back(static_cast<float>(R.real(-4, 4)));
        std::sort(Row.begin(), Row.end());
        Th.insert(Th.end(), Row.begin(), Row.end());
      }
      std::string T = constant(fmt::format("f32[{},{}]", N, Steps), fmt::format("{}", fmt::join(Th, ", ")));
      return op("qonnx.MultiThreshold", X + ", " + T,
                fmt::format("data_layout = \"NC\", out_bias = {}.0, out_scale = {}",
                            -R.uniform(0, 2), pow2Scale()),
                Rows, N);
    }
    }
  }

  std::string input(int64_t Rows, int64_t In) {
    std::string X = "%x";
    if (R.coin())
      X = op("onnx.Mul", X + ", " + constant("f32[]", R.f32(R.real(0.5, 3))), "", Rows, In);
    if (R.coin())
      X = op("onnx.Sub", X + ", " + constant("f32[]", R.f32(R.real(-1, 1))), "", Rows, In);
    return quantizer(X, Rows, In);
  }

  std::string matmul(const std::string &X, int64_t Rows, int64_t K, int64_t N) {
    int64_t Bits = R.uniform(1, 8);
    std::string W = constant(fmt::format("f32[{},{}]", N, K), R.f32s(N * K, -200, 200));
    std::string Scale = R.coin() ? constant("f32[]", pow2Scale())
                                 : constant(fmt::format("f32[{},1]", N), [&] {
                                     std::vector<std::string> S;
                                     for (int64_t I = 0; I < N; ++I)
                                       S.push_back(pow2Scale());
                                     return fmt::format("{}", fmt::join(S, ", "));
                                   }());
    std::string Q = fresh("w");
    if (Bits == 1)
      Body += fmt::format("  {} = qonnx.BipolarQuant \"{}\"({}, {}) : f32[{},{}]\n", Q, Q.substr(1),
                          W, Scale, N, K);
    else
      Body += fmt::format("  {} = qonnx.Quant \"{}\"({}, {}, {}, {}) {{narrow = {}, rounding_mode "
                          "= \"ROUND\", signed = 1}} : f32[{},{}]\n",
                          Q, Q.substr(1), W, Scale, constant("f32[]", "0"),
                          constant("f32[]", R.f32(Bits)), R.uniform(0, 1), N, K);
    std::string T = fresh("t");
    Body += fmt::format("  {} = onnx.Transpose \"{}\"({}) {{perm = [1, 0]}} : f32[{},{}]\n", T,
                        T.substr(1), Q, K, N);
    std::string Y = fresh("v");
    Body += fmt::format("  {} = onnx.MatMul \"{}\"({}, {}) : f32[{},{}]\n", Y, Y.substr(1), X, T,
                        Rows, N);
    return Y;
  }

  std::string chain(std::string X, int64_t Rows, int64_t N, bool BatchNorm) {
    std::string PerChannel = fmt::format("f32[{}]", N);
    if (BatchNorm && R.coin()) {
      std::string Gamma = constant(PerChannel, R.f32s(N, -2, 2));
      std::string Beta = constant(PerChannel, R.f32s(N, -20, 20));
      std::string Mean = constant(PerChannel, R.f32s(N, -30, 30));
      std::string Var = constant(PerChannel, R.f32s(N, 0.1, 900));
      X = op("onnx.BatchNormalization", fmt::format("{}, {}, {}, {}, {}", X, Gamma, Beta, Mean, Var),
             "epsilon = 9.999999747378752e-06", Rows, N);
    }
    if (R.coin())
      X = op("onnx.Mul", X + ", " + constant(PerChannel, R.f32s(N, -0.2, 0.2)), "", Rows, N);
    if (R.coin())
      X = op("onnx.Add", constant(PerChannel, R.f32s(N, -3, 3)) + ", " + X, "", Rows, N);
    if (R.coin())
      X = op("onnx.Relu", X, "", Rows, N);
    return X;
  }

  Random &R;
  std::string Consts, Body;
  int Next = 0;
};

} // namespace qnn::test

#endif

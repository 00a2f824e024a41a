//===- RandomQonnx.h - Random QONNX MLPs for tests ---------------*- C++ -*-===//
///
/// \file
/// Random low-bit MLPs and small CNNs in the IR's text form, as Brevitas
/// exports them: an input quantizer (after an optional scale and shift),
/// then layers of MatMul or Conv (with MaxPool and Flatten) by
/// Quant/BipolarQuant weights (1..8 bits, per tensor or per channel, a
/// MatMul's through a Transpose), float ops (BatchNormalization with negative
/// gammas, per-channel Mul and Add, Relu) and an activation quantizer (Quant
/// of 1..8 bits, BipolarQuant or MultiThreshold). Scales are powers of two,
/// so the reference's float sums are exact and compiled forms must match it
/// bit for bit. The last layer's float ops are the host's.
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

/// Writes random QONNX networks in the IR's text form.
class QonnxBuilder {
public:
  explicit QonnxBuilder(Random &R) : R(R) {}

  /// An MLP on x f32[Rows, In].
  std::string build(int64_t Rows, int64_t In, int Layers) {
    Act X = input({Rows, In});
    for (int L = 0; L < Layers; ++L) {
      X = matmul(X, R.uniform(1, 12));
      X = tail(X, L + 1 == Layers);
    }
    return finish({Rows, In}, X);
  }

  /// A small CNN on x f32[Rows, C, H, W]: one or two quantized convolutions
  /// (padded when zero is a level of their input), an optional 2x2 max
  /// pooling, then a flattening MatMul.
  std::string buildCnn(int64_t Rows, int64_t C, int64_t H, int64_t W) {
    Act X = input({Rows, C, H, W});
    int Convs = static_cast<int>(R.uniform(1, 2));
    for (int L = 0; L < Convs; ++L) {
      X = conv(X, R.uniform(1, 4), std::min<int64_t>({3, X.Dims[2], X.Dims[3]}));
      X = tail(X, false);
      if (X.Dims[2] >= 2 && X.Dims[3] >= 2 && R.coin())
        X = maxPool(X);
    }
    int64_t Flat = X.Dims[1] * X.Dims[2] * X.Dims[3];
    X = Act{op("onnx.Flatten", X.Name, "axis = 1", {Rows, Flat}), {Rows, Flat}, X.HasZero};
    X = matmul(X, R.uniform(1, 6));
    return finish({Rows, C, H, W}, tail(X, true));
  }

private:
  /// A float tensor; channels run along dimension 1. HasZero: 0 is one of
  /// the levels of the quantizer that made it (padding may take it).
  struct Act {
    std::string Name;
    std::vector<int64_t> Dims;
    bool HasZero = true;
  };

  static std::string dims(const std::vector<int64_t> &D) { return fmt::format("{}", fmt::join(D, ",")); }

  std::string finish(const std::vector<int64_t> &In, const Act &Out) {
    return fmt::format("graph @main(%x: f32[{}]) {{\n{}{}  return {}\n}}\n", dims(In), Consts, Body,
                       Out.Name);
  }
  std::string fresh(llvm::StringRef Base) { return fmt::format("%{}{}", Base.str(), Next++); }
  std::string constant(const std::string &Type, const std::string &Data) {
    std::string V = fresh("c");
    Consts += fmt::format("  {} = const : {} dense<[{}]>\n", V, Type, Data);
    return V;
  }
  std::string op(const std::string &Kind, const std::string &Operands, const std::string &Attrs,
                 const std::vector<int64_t> &Dims) {
    std::string V = fresh("v");
    Body += fmt::format("  {} = {} \"{}\"({}){} : f32[{}]\n", V, Kind, V.substr(1), Operands,
                        Attrs.empty() ? "" : " {" + Attrs + "}", dims(Dims));
    return V;
  }
  /// A power of two, so the reference's products and sums are exact; with a
  /// decimal point, so that it also reads as a float attribute.
  std::string pow2Scale() {
    return fmt::format("{:.3f}", std::ldexp(1.0, static_cast<int>(R.uniform(-3, 2))));
  }
  /// The type of a per-channel constant that broadcasts along dimension 1.
  static std::string perChannel(const Act &X) {
    return X.Dims.size() == 2 ? fmt::format("f32[{}]", X.Dims[1])
                              : fmt::format("f32[{},1,1]", X.Dims[1]);
  }
  std::string pow2Scales(int64_t N) {
    std::vector<std::string> S;
    for (int64_t I = 0; I < N; ++I)
      S.push_back(pow2Scale());
    return fmt::format("{}", fmt::join(S, ", "));
  }

  Act quantizer(const Act &X) {
    int64_t N = X.Dims[1];
    switch (R.uniform(0, 2)) {
    case 0:
      return {op("qonnx.BipolarQuant", X.Name + ", " + constant("f32[]", pow2Scale()), "", X.Dims),
              X.Dims, false};
    case 1: {
      int64_t Bits = R.uniform(1, 8);
      bool Signed = Bits > 1 && R.coin();
      std::string Operands = fmt::format("{}, {}, {}, {}", X.Name, constant("f32[]", pow2Scale()),
                                         constant("f32[]", Signed ? "0" : R.f32(R.uniform(0, 1))),
                                         constant("f32[]", R.f32(Bits)));
      return {op("qonnx.Quant", Operands,
                 fmt::format("narrow = {}, rounding_mode = \"{}\", signed = {}",
                             Signed ? R.uniform(0, 1) : 0, R.coin() ? "ROUND" : "FLOOR",
                             int(Signed)),
                 X.Dims),
              X.Dims, true};
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
      std::string T =
          constant(fmt::format("f32[{},{}]", N, Steps), fmt::format("{}", fmt::join(Th, ", ")));
      int64_t Bias = -R.uniform(0, 2);
      return {op("qonnx.MultiThreshold", X.Name + ", " + T,
                 fmt::format("data_layout = \"{}\", out_bias = {}.0, out_scale = {}",
                             X.Dims.size() == 2 ? "NC" : "NCHW", Bias, pow2Scale()),
                 X.Dims),
              X.Dims, Bias == 0};
    }
    }
  }

  Act input(const std::vector<int64_t> &Dims) {
    Act X{"%x", Dims};
    if (R.coin())
      X.Name = op("onnx.Mul", X.Name + ", " + constant("f32[]", R.f32(R.real(0.5, 3))), "", Dims);
    if (R.coin())
      X.Name = op("onnx.Sub", X.Name + ", " + constant("f32[]", R.f32(R.real(-1, 1))), "", Dims);
    return quantizer(X);
  }

  /// A quantized constant weight of \p Dims (output channels first).
  std::string weight(const std::vector<int64_t> &Dims) {
    int64_t Bits = R.uniform(1, 8), Elements = 1;
    for (int64_t D : Dims)
      Elements *= D;
    std::vector<int64_t> ScaleDims(Dims.size(), 1);
    ScaleDims[0] = Dims[0];
    std::string W = constant(fmt::format("f32[{}]", dims(Dims)), R.f32s(Elements, -200, 200));
    std::string Scale = R.coin() ? constant("f32[]", pow2Scale())
                                 : constant(fmt::format("f32[{}]", dims(ScaleDims)),
                                            pow2Scales(Dims[0]));
    if (Bits == 1)
      return op("qonnx.BipolarQuant", W + ", " + Scale, "", Dims);
    return op("qonnx.Quant",
              fmt::format("{}, {}, {}, {}", W, Scale, constant("f32[]", "0"),
                          constant("f32[]", R.f32(Bits))),
              fmt::format("narrow = {}, rounding_mode = \"ROUND\", signed = 1", R.uniform(0, 1)),
              Dims);
  }

  Act matmul(const Act &X, int64_t N) {
    int64_t Rows = X.Dims[0], K = X.Dims[1];
    std::string T = op("onnx.Transpose", weight({N, K}), "perm = [1, 0]", {K, N});
    return {op("onnx.MatMul", X.Name + ", " + T, "", {Rows, N}), {Rows, N}};
  }

  Act conv(const Act &X, int64_t M, int64_t Kernel) {
    int64_t Pad = X.HasZero ? R.uniform(0, 1) : 0;
    std::vector<int64_t> Out = {X.Dims[0], M, X.Dims[2] + 2 * Pad - Kernel + 1,
                                X.Dims[3] + 2 * Pad - Kernel + 1};
    std::string Operands = X.Name + ", " + weight({M, X.Dims[1], Kernel, Kernel});
    if (R.coin())
      Operands += ", " + constant(fmt::format("f32[{}]", M), R.f32s(M, -5, 5));
    return {op("onnx.Conv", Operands,
               fmt::format("kernel_shape = [{0}, {0}], pads = [{1}, {1}, {1}, {1}]", Kernel, Pad),
               Out),
            Out};
  }

  Act maxPool(const Act &X) {
    std::vector<int64_t> Out = {X.Dims[0], X.Dims[1], X.Dims[2] / 2, X.Dims[3] / 2};
    return {op("onnx.MaxPool", X.Name, "kernel_shape = [2, 2], strides = [2, 2]", Out), Out,
            X.HasZero};
  }

  /// The float ops after an MVM and, unless it is the network's last (whose
  /// float ops run on the host), the next quantizer.
  Act tail(Act X, bool Last) {
    std::string Channel = perChannel(X), Plain = fmt::format("f32[{}]", X.Dims[1]);
    int64_t N = X.Dims[1];
    if (R.coin()) {
      std::string Gamma = constant(Plain, R.f32s(N, -2, 2));
      std::string Beta = constant(Plain, R.f32s(N, -20, 20));
      std::string Mean = constant(Plain, R.f32s(N, -30, 30));
      std::string Var = constant(Plain, R.f32s(N, 0.1, 900));
      X.Name = op("onnx.BatchNormalization",
                  fmt::format("{}, {}, {}, {}, {}", X.Name, Gamma, Beta, Mean, Var),
                  "epsilon = 9.999999747378752e-06", X.Dims);
    }
    if (R.coin())
      X.Name = op("onnx.Mul", X.Name + ", " + constant(Channel, R.f32s(N, -0.2, 0.2)), "", X.Dims);
    if (R.coin())
      X.Name = op("onnx.Add", constant(Channel, R.f32s(N, -3, 3)) + ", " + X.Name, "", X.Dims);
    if (R.coin())
      X.Name = op("onnx.Relu", X.Name, "", X.Dims);
    return Last ? X : quantizer(X);
  }

  Random &R;
  std::string Consts, Body;
  int Next = 0;
};

} // namespace qnn::test

#endif

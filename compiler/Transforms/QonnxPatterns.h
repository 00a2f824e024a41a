//===- QonnxPatterns.h - What legalize-qonnx reads from a graph --*- C++ -*-===//
///
/// \file
/// The pieces of a QONNX graph that legalize-qonnx rewrites: activation
/// quantizers (Quant, BipolarQuant, MultiThreshold) with their integer
/// levels, the float ops around them (the chains folded into thresholds),
/// and quantized constant weights behind Transposes.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TRANSFORMS_QONNXPATTERNS_H
#define QNN_TRANSFORMS_QONNXPATTERNS_H

#include "qnn/IR/Graph.h"
#include "qnn/Transforms/LegalizeUtils.h"
#include <vector>

namespace qnn::qonnx {

/// Whether \p O is a QONNX quantizer of a computed (non-constant) tensor.
bool isActivationQuantizer(const Op &O);
/// MatMul, Gemm and Conv: the ops that become MVMs.
bool isMvmKind(llvm::StringRef Kind);

/// The operand of a float op that carries the activation (the one operand
/// that is not a constant), or -1 when \p O is not an element-wise op with
/// one such operand that keeps the order of its input (or reverses it): Mul,
/// Div (activation as dividend), Add, Sub, BatchNormalization, Relu, Clip,
/// Identity.
int monotoneOperand(const Op &O);
/// Flatten, Reshape, Squeeze and Unsqueeze with constant shape operands.
bool isShapeOp(const Op &O);

/// The float ops from a source to a quantizer: Links run from the op after
/// Source up to the op before the quantizer.
struct Chain {
  /// A graph input, or the result of an MVM op.
  Value *Source = nullptr;
  std::vector<Op *> Links;
};

/// Walks back from quantizer \p Q through single-use monotone and shape ops.
llvm::Expected<Chain> chainBefore(const Graph &G, Op &Q);

/// Scalar Add/Sub/Mul/Div ops after quantizer \p Q that only it feeds (the
/// "(x + 1) / 2" of a bipolar input read as {0, 1}); they end where the
/// quantized value is read by anything else.
std::vector<Op *> affineAfter(const Graph &G, const Op &Q);

/// The integer levels of an activation quantizer: level k (0 .. Count) is
/// the real value Values[k], the float the quantizer returns for the integer
/// QMin + QStep * k, that is Scale * (QMin + QStep * k - ZeroPoint).
struct QuantizerLevels {
  int64_t Count = 0;
  std::vector<double> Values;
  double Scale = 1, ZeroPoint = 0;
  int64_t QMin = 0, QStep = 1;
  /// The level of quantizer output \p Y (a per-tensor quantizer's, so the
  /// same for every channel).
  int64_t levelOf(double Y) const;
};
/// The levels of activation quantizer \p Q; per-tensor parameters, 1 to 8
/// bits, an integer zero point, else an error naming \p Q.
llvm::Expected<QuantizerLevels> quantizerLevels(const Op &Q);

/// Evaluates \p O with the reference kernel, operand \p Act replaced by
/// \p In and every other operand a constant.
llvm::Expected<Tensor> evalWith(const Op &O, int Act, const Tensor &In);

/// The weight of MVM op \p M in the canonical layout ([K, N] for MatMul and
/// Gemm, [O, I/g, kH, kW] for Conv) as integers with their quantization,
/// from a QONNX quantizer of a constant, through Transposes.
llvm::Expected<QuantWeight> quantizedWeight(const Op &M);

} // namespace qnn::qonnx

#endif

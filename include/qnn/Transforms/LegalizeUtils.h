//===- LegalizeUtils.h - Shared pieces of legalize-quant ---------*- C++ -*-===//
///
/// \file
/// What the QOperator, integer-op and QDQ rewrites of legalize-quant share:
/// reading quantization parameters from constant operands, emitting the
/// canonical MVM ops (qconv, qmatmul) with their weights, and redirecting
/// values while keeping the names of graph outputs.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TRANSFORMS_LEGALIZEUTILS_H
#define QNN_TRANSFORMS_LEGALIZEUTILS_H

#include "qnn/IR/Graph.h"
#include "llvm/ADT/DenseSet.h"
#include <optional>

namespace qnn {

/// The refusal every "this still computes in float" error ends with.
extern const char *const ChipOnlyHint;

/// Quantization parameters given by a scale and an optional zero point
/// operand of \p O (both constants): per tensor when the scale has one
/// element, else per axis along \p Axis of a tensor of rank \p Rank.
llvm::Expected<QuantParams> paramsFromOperands(const Op &O, const Value *Scale,
                                               const Value *ZeroPoint, int64_t Axis, int64_t Rank);

/// Whether \p T is an activation or weight type an MVM takes (u8, i8).
bool isMvmType(DType T);

/// A weight of a qconv/qmatmul in the canonical layout, with its parameters.
struct QuantWeight {
  Tensor Data;
  QuantParams Quant;
  /// Name of the tensor it came from, for the new constant.
  std::string Name;
};

/// Everything a qconv or qmatmul needs; Result is an existing value whose
/// type is set (quantized u8/i8, or i32 without quantization).
struct MvmSpec {
  Value *Input = nullptr;
  QuantWeight Weight;
  std::optional<Tensor> Bias;
  Value *Result = nullptr;
  /// ONNX convolution attributes (strides, pads, dilations, group, auto_pad);
  /// unused for qmatmul.
  AttrMap ConvAttrs;
  int64_t ActMin = 0, ActMax = 0;
};

/// The rewriting state of one legalize-quant run.
class Legalizer {
public:
  explicit Legalizer(Graph &G) : G(G) {}

  Graph &graph() { return G; }
  /// Erases \p O, remembering it so that iteration over a snapshot of ops
  /// skips it.
  void erase(Op *O);
  bool isErased(const Op *O) const { return Erased.count(O) != 0; }

  /// Creates a canonical op before \p Anchor (named after it).
  Op *emit(Op *Anchor, llvm::StringRef Kind, std::vector<Value *> Operands, Value *Result,
           AttrMap Attrs = {});
  /// A new value of \p Type named after \p Base.
  Value *newValue(llvm::StringRef Base, TensorType Type) { return G.addValue(Base, Type); }

  /// Emits qconv (2-D, or 1-D through reshapes to H = 1) or qmatmul.
  llvm::Error emitConv(Op *Anchor, MvmSpec Spec);
  void emitMatMul(Op *Anchor, MvmSpec Spec);

  /// Makes \p Result (quantized, no defining op yet) equal to \p Source
  /// clamped to [Lo, Hi]: nothing, a clamp, a requantize or a copy.
  void defineAs(Op *Anchor, Value *Result, Value *Source, int64_t Lo, int64_t Hi);

private:
  Graph &G;
  llvm::DenseSet<const Op *> Erased;
};

/// Makes the uses of \p Result read \p Source instead. A graph output keeps
/// its name: the producer of \p Source is redirected to define it. \p Result
/// must have no defining op. Returns false, changing nothing, when that is
/// impossible (\p Source is a graph input or output and \p Result an output).
bool forwardValue(Graph &G, Value *Result, Value *Source);
/// Whether forwardValue(G, Result, Source) would succeed.
bool canForwardValue(const Graph &G, const Value *Result, const Value *Source);

/// The i32 bias of an MVM from \p Bias (a DequantizeLinear of an i32
/// constant, or a float constant) for input scale \p InScale and weight
/// \p W, broadcast to \p Channels entries and multiplied by \p Beta. An i32
/// constant without DequantizeLinear (QOperator) is taken as it is. A float
/// bias is quantized at InScale * w_scale[c]; so is a dequantized one whose
/// scale differs from that, with a warning naming \p Anchor.
llvm::Expected<std::optional<Tensor>> quantizedBias(const Op &Anchor, const Value *Bias,
                                                    float InScale, const QuantParams &W,
                                                    int64_t Channels, double Beta);

/// Transposes a 2-D tensor.
Tensor transpose2D(const Tensor &T);

/// \p X must be a quantized activation an MVM or NMPU op takes: u8/i8,
/// quantized per tensor. \p Role names it in the error ("input").
llvm::Error checkActivation(const Op &O, const Value *X, llvm::StringRef Role);

/// A u8/i8 weight \p Data with the parameters of \p Scale and \p ZeroPoint
/// (per-axis along \p ParamAxis), which must be per tensor or along \p Axis.
llvm::Expected<QuantWeight> quantWeight(const Op &O, const Tensor &Data, llvm::StringRef Name,
                                        const Value *Scale, const Value *ZeroPoint,
                                        int64_t ParamAxis, int64_t Axis);

/// A u8/i8 weight constant \p W (per tensor, or per slice along \p Axis)
/// with the parameters of \p Scale and \p ZeroPoint.
llvm::Expected<QuantWeight> constantWeight(const Op &O, const Value *W, const Value *Scale,
                                           const Value *ZeroPoint, int64_t Axis);

/// The refusal of a matrix-product weight that is not 2-D.
llvm::Error notMatrixWeight(const Op &O, llvm::StringRef Name, const Shape &Dims);

/// The refusal of a weight that is not a constant, pointing at --bind.
llvm::Error notConstantWeight(const Op &O, const Value *W);

/// Canonical attributes of a 2-D qmaxpool (\p Max) or qavgpool from the ONNX
/// pooling attributes of \p O on input shape \p X.
llvm::Expected<AttrMap> poolAttrs(const Op &O, const Shape &X, bool Max);

/// A rewrite of one op into canonical ops; it erases \p O (and the
/// quantizers it absorbed) or returns the refusal.
using RewriteFn = llvm::Error (*)(Legalizer &L, Op *O);
/// The rewrite of a QOperator op, an integer op or a pass-through op on
/// quantized integers (LegalizeQOperator.cpp), or null.
RewriteFn qoperatorRewrite(llvm::StringRef Kind);
/// Moves MaxPool, Flatten, Reshape, Squeeze and Unsqueeze of a dequantized
/// u8/i8 tensor before the DequantizeLinear (exact: they move data, and max
/// commutes with the monotonic dequantization), so that DequantizeLinear ->
/// Flatten -> Gemm or DequantizeLinear -> MaxPool -> Conv match the QDQ
/// patterns whether or not the model re-quantizes in between.
void hoistAboveDequantize(Legalizer &L);

/// The rewrite of a float op in QDQ form (LegalizeQdq.cpp), or null.
RewriteFn qdqRewrite(llvm::StringRef Kind);

} // namespace qnn

#endif

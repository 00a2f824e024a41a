//===- OnnxOps.h - The table of supported ONNX ops --------------*- C++ -*-===//
///
/// \file
/// One entry per supported ONNX op: its IR kind, operand and result counts,
/// the attributes it accepts, the function that computes its result types and
/// the kernel that computes its values. The importer types ops with Infer;
/// the interpreter evaluates them with Infer (on the actual operands, for the
/// result shapes) followed by Compute, so shape rules exist once.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_COMPILER_IMPORT_ONNXOPS_H
#define QNN_COMPILER_IMPORT_ONNXOPS_H

#include "qnn/IR/OpRegistry.h"
#include "qnn/Support/Diagnostics.h"

namespace qnn::onnx_ops {

/// What is known about an op's operands while its result types are computed:
/// always their types, and their values when they are constants (at import:
/// also results of ops whose operands were all known; at evaluation: all).
class InferContext {
public:
  InferContext(const Op &O, llvm::ArrayRef<const Tensor *> Known, unsigned NumResults)
      : O(O), Results(NumResults), Known(Known) {}

  const Op &O;
  std::vector<TensorType> Results;
  /// Set when a value the rule needs is not known (verification skips the op).
  bool MissingValue = false;

  unsigned numOperands() const { return static_cast<unsigned>(O.Operands.size()); }
  bool has(unsigned I) const { return O.operand(I) != nullptr; }
  const Shape &shape(unsigned I) const;
  DType elem(unsigned I) const;
  const Tensor *known(unsigned I) const { return I < Known.size() ? Known[I] : nullptr; }
  /// The value of operand \p I, or an error saying that \p What must be known
  /// when the model is compiled.
  llvm::Expected<const Tensor *> require(unsigned I, llvm::StringRef What);
  /// Integer elements of operand \p I (which must be known).
  llvm::Expected<std::vector<int64_t>> requireInts(unsigned I, llvm::StringRef What);

  void setResult(unsigned I, DType Elem, Shape Dims) {
    Results[I] = TensorType{Elem, std::move(Dims), std::nullopt};
  }

private:
  llvm::ArrayRef<const Tensor *> Known;
};

using InferFn = llvm::Error (*)(InferContext &C);
/// Computes the results, whose Type, Dims and zero-filled Data are set.
using ComputeFn = llvm::Error (*)(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                  std::vector<Tensor> &Out);
/// Rewrites attributes of an op imported from an older opset into the
/// current semantics, or refuses them.
using NormalizeFn = llvm::Error (*)(Op &O, int64_t Opset);
/// A note on an imported op that is accepted but read by a convention the
/// user should know about (an old exporter's); empty when there is none.
using WarnFn = std::string (*)(const Op &O);

struct OnnxOpInfo {
  /// "onnx.Conv", "ms.QGemm", "qonnx.Quant".
  const char *Kind;
  unsigned MinOperands, MaxOperands, NumResults;
  /// Accepted attributes, "name:k" separated by spaces; k is i (int), f
  /// (float), s (string), I (ints) or F (floats).
  const char *Attrs;
  InferFn Infer;
  ComputeFn Compute;
  /// The results depend only on the operands' shapes (Shape).
  bool ShapeOnly = false;
  NormalizeFn Normalize = nullptr;
  WarnFn Warn = nullptr;
};

/// The op lists of each kernel file.
void appendQuantOps(std::vector<OnnxOpInfo> &Ops);
void appendConvOps(std::vector<OnnxOpInfo> &Ops);
void appendElementwiseOps(std::vector<OnnxOpInfo> &Ops);
void appendShapeOps(std::vector<OnnxOpInfo> &Ops);
void appendMicrosoftOps(std::vector<OnnxOpInfo> &Ops);
void appendQonnxOps(std::vector<OnnxOpInfo> &Ops);

/// The entry of \p Kind, or null.
const OnnxOpInfo *lookupOnnxOp(llvm::StringRef Kind);
/// Checks that the attributes of \p O are ones \p Info accepts, of the
/// accepted kind.
llvm::Error checkAttributes(const OnnxOpInfo &Info, const Op &O);
/// Runs Infer then Compute: the interpreter kernel of every ONNX op.
llvm::Error evaluate(const OnnxOpInfo &Info, const Op &O, llvm::ArrayRef<const Tensor *> In,
                     std::vector<Tensor> &Out);

//===-- Helpers shared by the kernel files --------------------------------===//
/// A type as the IR prints it ("u8[?,3,4,4]"), for messages.
std::string typeString(DType Elem, const Shape &Dims);
/// Element type from an ONNX TensorProto data type number (attribute "to",
/// "output_dtype"); refuses unknown and unsupported types.
llvm::Expected<DType> dtypeAttr(int64_t OnnxType, llvm::StringRef What);

/// Checks that operand \p I holds one element.
llvm::Error checkScalar(InferContext &C, unsigned I, llvm::StringRef What);
/// Checks a per-tensor or per-row parameter of an [..., M, K] matrix.
llvm::Error checkRowParam(InferContext &C, unsigned I, int64_t M, llvm::StringRef What);
/// Checks a per-tensor or per-column parameter of a [..., K, N] matrix.
llvm::Error checkColumnParam(InferContext &C, unsigned I, int64_t N, llvm::StringRef What);
/// Sets result 0 to element type \p Elem and the shape of \p Inputs
/// concatenated along the op's "axis" (Concat, QLinearConcat).
llvm::Error inferConcatResult(InferContext &C, llvm::ArrayRef<Shape> Inputs, DType Elem);
/// The op's "axis" as a dimension of \p Inputs, once inferConcatResult has
/// accepted it.
int64_t concatAxis(const Op &O, llvm::ArrayRef<Shape> Inputs);
/// Zero point \p I (element \p Index) or 0 when it is absent.
int64_t zeroPoint(llvm::ArrayRef<const Tensor *> In, unsigned I, int64_t Index = 0);
/// A per-tensor or per-channel parameter (one element or one per channel)
/// for channel \p C; \p Default when the operand is absent.
double perChannel(const Tensor *T, int64_t C, double Default = 0);
/// Values of \p T minus a zero point that depends on the element index.
template <typename ZpFn> std::vector<int64_t> centered(const Tensor &T, ZpFn &&Zp) {
  std::vector<int64_t> Out(T.Data.size());
  for (size_t I = 0; I < Out.size(); ++I)
    Out[I] = static_cast<int64_t>(T.Data[I]) - Zp(static_cast<int64_t>(I));
  return Out;
}

} // namespace qnn::onnx_ops

#endif

//===- Graph.h - The qnn IR: values, ops and graphs --------------*- C++ -*-===//
///
/// \file
/// One IR serves every stage: after import an op is an ONNX op (kind
/// "onnx.QLinearConv", "onnx.Relu", ...), after legalization a canonical
/// quantized op ("qconv", "qadd", ...), after lowering a chip op ("mvm", ...).
/// docs/ir.md lists the op kinds of each stage and their semantics.
///
/// A graph owns its values and ops. Ops are kept in a topological order; a
/// value is either a graph input, a constant or the result of exactly one op.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IR_GRAPH_H
#define QNN_IR_GRAPH_H

#include "qnn/IR/Attribute.h"
#include "qnn/Support/Tensor.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace qnn {

class Op;

/// Uniform affine quantization: real = (q - ZeroPoint) * Scale. One entry for
/// per-tensor parameters; one per slice along Axis for per-channel ones.
struct QuantParams {
  std::vector<double> Scale;
  std::vector<int64_t> ZeroPoint;
  int64_t Axis = -1;

  bool isPerTensor() const { return Scale.size() == 1; }
  bool operator==(const QuantParams &O) const {
    return Scale == O.Scale && ZeroPoint == O.ZeroPoint && Axis == O.Axis;
  }
};

/// The stored integers an integer tensor can hold: Lo, Lo + Step, ..., Hi
/// (`range(lo:hi:step)` in the text form, docs/ir.md). Low-bit and binary
/// activations in a wider element type; lower-to-mvm drives (x - Lo) / Step.
struct ValueRange {
  int64_t Lo = 0, Hi = 0, Step = 1;

  /// The number of values, (Hi - Lo) / Step + 1.
  int64_t levels() const { return (Hi - Lo) / Step + 1; }
  bool contains(int64_t V) const { return V >= Lo && V <= Hi && (V - Lo) % Step == 0; }
  bool operator==(const ValueRange &O) const { return Lo == O.Lo && Hi == O.Hi && Step == O.Step; }
};

struct TensorType {
  DType Elem = DType::F32;
  Shape Dims;
  /// Present on quantized tensors of the canonical and chip stages.
  std::optional<QuantParams> Quant;
  /// Present when the tensor holds only some values of its element type.
  std::optional<ValueRange> Range = std::nullopt;

  bool operator==(const TensorType &O) const {
    return Elem == O.Elem && Dims == O.Dims && Quant == O.Quant && Range == O.Range;
  }
};

class Value {
public:
  /// Unique in its graph; set by Graph::addValue and not changed after.
  std::string Name;
  TensorType Type;
  /// The op that produces this value; null for inputs and constants.
  Op *Def = nullptr;
  /// The data of a constant.
  std::shared_ptr<const Tensor> Const;

  bool isConstant() const { return Const != nullptr; }
};

class Op {
public:
  /// "onnx.Conv", "qconv", "mvm", ... (see docs/ir.md).
  std::string Kind;
  /// The node name from the model; names layers in diagnostics and reports.
  std::string Name;
  /// Null entries are absent optional operands.
  std::vector<Value *> Operands;
  std::vector<Value *> Results;
  AttrMap Attrs;

  Value *operand(size_t I) const { return I < Operands.size() ? Operands[I] : nullptr; }
  Value *result(size_t I = 0) const { return Results[I]; }
  /// "'conv1' (onnx.Conv)" for diagnostics.
  std::string describe() const;
};

class Graph {
public:
  std::string Name = "main";
  std::vector<Value *> Inputs;
  std::vector<Value *> Outputs;

  /// Creates a value owned by the graph. Names are made unique.
  Value *addValue(llvm::StringRef Name, TensorType Type);
  Value *addConstant(llvm::StringRef Name, Tensor Data,
                     std::optional<QuantParams> Quant = std::nullopt);
  /// Creates an op at the end (or before \p Before) and sets Def of results.
  Op *addOp(llvm::StringRef Kind, llvm::StringRef Name, std::vector<Value *> Operands,
            std::vector<Value *> Results, AttrMap Attrs = {}, Op *Before = nullptr);

  const std::vector<std::unique_ptr<Op>> &ops() const { return Ops; }
  const std::vector<std::unique_ptr<Value>> &values() const { return Values; }
  Value *findValue(llvm::StringRef Name) const;

  /// Ops that use \p V as an operand, in graph order.
  std::vector<Op *> users(const Value *V) const;
  bool isOutput(const Value *V) const;
  /// Replaces every use of \p From (operands and graph outputs) by \p To.
  void replaceAllUsesWith(Value *From, Value *To);
  void eraseOp(Op *O);
  /// Removes ops whose results are unused and values nothing refers to.
  void eraseDeadCode();
  /// Restores topological order after rewrites that appended ops out of
  /// order; stable, so an already sorted graph is left as it is.
  void sortTopologically();
  /// A name not yet used by any value, derived from \p Base.
  std::string uniqueName(llvm::StringRef Base) const;

private:
  std::vector<std::unique_ptr<Value>> Values;
  std::vector<std::unique_ptr<Op>> Ops;
  /// Values by name; a value's name is fixed when the graph creates it.
  std::unordered_map<std::string, Value *> ByName;
};

/// An error about \p O: "'conv1' (onnx.Conv): <message>".
llvm::Error opError(const Op &O, const llvm::Twine &Message);

} // namespace qnn

#endif

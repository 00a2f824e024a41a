//===- HostOps.h - Float ONNX ops run on the host ----------------*- C++ -*-===//
///
/// \file
/// The kernels of the ONNX ops that may stay outside the chip (docs/ir.md):
/// element-wise Add, Sub, Mul, Div with numpy broadcasting, Relu,
/// BatchNormalization (inference), Softmax, ArgMax and TopK, with ONNX's
/// semantics. The reference interpreter's golden kernels and the runtime's
/// host steps both call runHostOp, so the host side of a compiled model
/// computes exactly what the reference does.
///
/// Values are doubles rounded to the element type after each op (storeAs), so
/// float32 chains match ONNX's float32 evaluation and integer Div truncates.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_HOSTOPS_H
#define QNN_SUPPORT_HOSTOPS_H

#include "qnn/Support/Tensor.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include <optional>
#include <string>
#include <utility>

namespace qnn {

/// The attributes of a host op by name, each list sorted by name; absent
/// ones take ONNX's defaults. An attribute has one kind per op
/// (hostOpAttrKind), so a name is in one list at most.
struct HostAttrs {
  /// axis, keepdims, select_last_index, largest, sorted, training_mode.
  llvm::ArrayRef<std::pair<std::string, int64_t>> Ints;
  /// epsilon: ONNX float attributes are float32, kept as doubles here.
  llvm::ArrayRef<std::pair<std::string, double>> Floats;
};

/// The kind of an attribute a host op reads.
enum class HostAttrKind { Int, Float };

/// How many operands and results an op takes.
struct HostOpArity {
  unsigned Operands = 0, Results = 0;
};

/// The arity of ONNX op type \p OpType (no domain: "Softmax"), or nothing
/// when it is not a host op.
std::optional<HostOpArity> hostOpArity(llvm::StringRef OpType);
inline bool isHostOp(llvm::StringRef OpType) { return hostOpArity(OpType).has_value(); }
/// The kind of attribute \p Name of host op \p OpType, or nothing when the
/// op does not read it.
std::optional<HostAttrKind> hostOpAttrKind(llvm::StringRef OpType, llvm::StringRef Name);
/// The host ops' names, for messages ("Add, Sub, ...").
std::string hostOpNames();

/// Computes ONNX op \p OpType on \p In (operands in ONNX order: TopK's k is
/// a one-element int64 tensor) and replaces \p Out by its results, whose
/// element types and shapes are computed here. The error names what is
/// wrong: an unknown op, the operand count or types, shapes that do not
/// broadcast, an axis or k out of range, an integer division by zero,
/// BatchNormalization's per-channel operands that do not match X's channels.
llvm::Error runHostOp(llvm::StringRef OpType, HostAttrs Attrs, llvm::ArrayRef<const Tensor *> In,
                      std::vector<Tensor> &Out);

} // namespace qnn

#endif

//===- OpRegistry.h - Op kinds: verification and evaluation ------*- C++ -*-===//
///
/// \file
/// Every op kind the IR may hold is registered once with the rule that checks
/// it and the kernel that evaluates it. The verifier and the interpreter are
/// table-driven over this registry, so a new op is one entry, not edits in a
/// verifier switch and an interpreter switch.
///
/// Each stage registers its own kinds (registerOnnxOps, registerQuantOps,
/// registerChipOps); registerAllOps() calls them all and is idempotent.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IR_OPREGISTRY_H
#define QNN_IR_OPREGISTRY_H

#include "qnn/IR/Graph.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/Support/Error.h"
#include <functional>

namespace qnn {

struct Target;

struct EvalContext {
  EvalContext(NmpuMode Nmpu = NmpuMode::Fixed, const Target *TargetDesc = nullptr)
      : Nmpu(Nmpu), TargetDesc(TargetDesc) {}
  /// How chip ops re-quantize (NMPU arithmetic).
  NmpuMode Nmpu = NmpuMode::Fixed;
  /// The target, for chip ops whose semantics depend on it (may be null for
  /// graphs before lowering).
  const Target *TargetDesc = nullptr;
  /// When set, the mvm kernel calls it with every input vector it drives
  /// onto the rows (the unsigned values, before input phases): how the
  /// `read-ranges` pass sees the column sums of calibration data.
  std::function<void(const Op &, llvm::ArrayRef<int64_t>)> OnMvmInput;
};

/// Checks an op beyond the structural rules (operand counts, attribute
/// kinds, type relations). Returns an error naming the op.
using VerifyFn = llvm::Error (*)(const Op &O);
/// Computes the results of \p O from its operands (null for absent optional
/// operands). \p Results has one default-constructed entry per result; the
/// kernel sets type, shape and data.
using EvalFn = llvm::Error (*)(const Op &O, llvm::ArrayRef<const Tensor *> Operands,
                               std::vector<Tensor> &Results, const EvalContext &Ctx);

struct OpDef {
  std::string Kind;
  unsigned MinOperands = 0;
  unsigned MaxOperands = 0;
  unsigned NumResults = 1;
  VerifyFn Verify = nullptr;
  EvalFn Eval = nullptr;
};

class OpRegistry {
public:
  static OpRegistry &instance();
  void add(OpDef Def);
  const OpDef *lookup(llvm::StringRef Kind) const;
  std::vector<std::string> kinds() const;

private:
  llvm::StringMap<OpDef> Defs;
};

void registerOnnxOps(OpRegistry &R);  // compiler/Import
void registerQuantOps(OpRegistry &R); // compiler/Transforms (canonical stage)
void registerChipOps(OpRegistry &R);  // compiler/Transforms (lowered stage)
void registerAllOps();

} // namespace qnn

#endif

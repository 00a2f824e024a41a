//===- LegalizeQuant.cpp - The legalize-quant pass ------------------------===//
//
// 1. Puts the quantization of every integer tensor into its type, from the
//    QuantizeLinear, DequantizeLinear and QOperator ops that name it.
// 2. Rewrites QOperator and integer ops (LegalizeQOperator.cpp) and QDQ
//    anchors (LegalizeQdq.cpp) in graph order.
// 3. Turns the quantizers that are left into quantize / dequantize /
//    requantize, fuses clamps into their producers and refuses any op that
//    still computes in float. docs/legalize.md describes every rewrite.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/Printer.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Transforms/LegalizeUtils.h"
#include "qnn/Transforms/Passes.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"

namespace qnn {

namespace {

std::string describeQuant(const QuantParams &Q) {
  std::string S;
  llvm::raw_string_ostream OS(S);
  printType(TensorType{DType::I8, {}, Q}, OS);
  // printType renders "i8[] q(...)"; keep the q(...) part.
  return OS.str().substr(OS.str().find("q("));
}

/// Records that \p V (an integer tensor named by \p O) has quantization \p Q.
llvm::Error assignQuant(const Op &O, Value *V, const QuantParams &Q) {
  if (!V || V->isConstant() || !isInteger(V->Type.Elem))
    return llvm::Error::success();
  if (!V->Type.Quant) {
    V->Type.Quant = Q;
    return llvm::Error::success();
  }
  if (*V->Type.Quant == Q)
    return llvm::Error::success();
  return opError(O, "reads '" + V->Name + "' as " + describeQuant(Q) + ", but it is quantized as " +
                        describeQuant(*V->Type.Quant) +
                        " elsewhere; the chip keeps one quantization per tensor");
}

/// Where a QOperator op names the quantization of a tensor: operand Value
/// (-1: the result) with scale and zero point operands.
struct QuantRole {
  int Value, Scale, ZeroPoint;
};

const llvm::StringMap<std::vector<QuantRole>> &quantRoles() {
  static const llvm::StringMap<std::vector<QuantRole>> Roles = {
      {"onnx.QuantizeLinear", {{-1, 1, 2}}},
      {"onnx.DequantizeLinear", {{0, 1, 2}}},
      {"onnx.QLinearConv", {{0, 1, 2}, {-1, 6, 7}}},
      {"onnx.QLinearMatMul", {{0, 1, 2}, {-1, 6, 7}}},
      {"ms.QGemm", {{0, 1, 2}, {-1, 7, 8}}},
      {"ms.QLinearAdd", {{0, 1, 2}, {3, 4, 5}, {-1, 6, 7}}},
      {"ms.QLinearGlobalAveragePool", {{0, 1, 2}, {-1, 3, 4}}},
      {"ms.QLinearConcat", {{-1, 0, 1}}},
  };
  return Roles;
}

/// Ops that move quantized integers without changing them.
bool isPassThrough(llvm::StringRef Kind) {
  static const llvm::StringSet<> Kinds = {"onnx.MaxPool", "onnx.Flatten",   "onnx.Reshape",
                                          "onnx.Squeeze", "onnx.Unsqueeze", "onnx.Identity"};
  return Kinds.contains(Kind);
}

llvm::Error annotateRole(const Op &O, const QuantRole &R) {
  Value *V = R.Value < 0 ? O.result() : O.operand(R.Value);
  if (!V || !O.operand(R.Scale))
    return llvm::Error::success();
  int64_t Rank = static_cast<int64_t>(V->Type.Dims.size());
  auto Q = paramsFromOperands(O, O.operand(R.Scale), O.operand(R.ZeroPoint),
                              O.Attrs.getInt("axis", 1), Rank);
  if (!Q)
    return Q.takeError();
  return assignQuant(O, V, *Q);
}

/// Step 1: quantization into the types.
llvm::Error annotate(Graph &G) {
  for (const auto &Owned : G.ops()) {
    const Op &O = *Owned;
    if (O.Attrs.getInt("block_size", 0) > 0)
      continue; // blocked parameters do not fit a type; quantize/dequantize keep them
    auto It = quantRoles().find(O.Kind);
    if (It != quantRoles().end())
      for (const QuantRole &R : It->second)
        if (llvm::Error E = annotateRole(O, R))
          return E;
    if (O.Kind == "ms.QLinearConcat")
      for (int I = 2; I + 1 < static_cast<int>(O.Operands.size()); I += 3)
        if (llvm::Error E = annotateRole(O, {I, I + 1, I + 2}))
          return E;
    if (O.Kind == "onnx.ConvInteger" || O.Kind == "onnx.MatMulInteger") {
      // Only the zero point matters to an integer op; a tensor quantized
      // elsewhere must agree on it, a bare one gets scale 1.
      Value *X = O.operand(0);
      const Value *Zp = O.operand(2);
      int64_t Z = Zp && Zp->isConstant() && Zp->Const->size() == 1
                      ? static_cast<int64_t>(Zp->Const->Data[0])
                      : 0;
      if (X && X->Type.Quant && X->Type.Quant->isPerTensor()) {
        if (X->Type.Quant->ZeroPoint[0] != Z)
          return opError(O, "reads '" + X->Name + "' with zero point " + llvm::Twine(Z) +
                                ", but it is quantized with zero point " +
                                llvm::Twine(X->Type.Quant->ZeroPoint[0]) + " elsewhere");
      } else if (llvm::Error E = assignQuant(O, X, QuantParams{{1.0}, {Z}, -1})) {
        return E;
      }
    }
    if (isPassThrough(O.Kind) && O.operand(0) && O.operand(0)->Type.Quant &&
        O.result()->Type.Elem == O.operand(0)->Type.Elem)
      if (llvm::Error E = assignQuant(O, O.result(), *O.operand(0)->Type.Quant))
        return E;
  }
  return llvm::Error::success();
}

bool isKind(const Value *V, llvm::StringRef Kind) { return V && V->Def && V->Def->Kind == Kind; }

/// A QuantizeLinear no anchor consumed: DequantizeLinear -> QuantizeLinear
/// collapses (or re-quantizes); otherwise it quantizes float data.
llvm::Error rewriteQuantize(Legalizer &L, Op *O) {
  Value *X = O->operand(0);
  Value *R = O->result();
  if (isKind(X, "onnx.DequantizeLinear") && !X->Def->operand(0)->isConstant()) {
    Value *Src = X->Def->operand(0);
    const auto &SQ = Src->Type.Quant, &RQ = R->Type.Quant;
    if (SQ && RQ && SQ->isPerTensor() && RQ->isPerTensor() && isInteger(R->Type.Elem)) {
      // A DequantizeLinear read by this op alone dies with it; erasing it
      // first lets Src's producer take over R and its name.
      if (L.graph().users(X).size() == 1 && !L.graph().isOutput(X))
        L.erase(X->Def);
      R->Def = nullptr;
      L.defineAs(O, R, Src, minValue(R->Type.Elem), maxValue(R->Type.Elem));
      L.erase(O);
      return llvm::Error::success();
    }
  }
  if (!isFloat(X->Type.Elem))
    return opError(*O, "input '" + X->Name + "' must be a float tensor");
  AttrMap A;
  A.set("axis", O->Attrs.getInt("axis", 1));
  if (O->Attrs.has("block_size"))
    A.set("block_size", O->Attrs.getInt("block_size"));
  L.emit(O, "quantize", {X, O->operand(1), O->operand(2)}, R, std::move(A));
  L.erase(O);
  return llvm::Error::success();
}

void rewriteDequantize(Legalizer &L, Op *O) {
  AttrMap A;
  A.set("axis", O->Attrs.getInt("axis", 1));
  if (O->Attrs.has("block_size"))
    A.set("block_size", O->Attrs.getInt("block_size"));
  L.emit(O, "dequantize", {O->operand(0), O->operand(1), O->operand(2)}, O->result(), std::move(A));
  L.erase(O);
}

/// clamp(op(x)) -> op(x) with a narrower act range, when nothing else reads
/// op's result.
void fuseClamps(Legalizer &L) {
  Graph &G = L.graph();
  std::vector<Op *> Clamps;
  for (const auto &O : G.ops())
    if (O->Kind == "clamp")
      Clamps.push_back(O.get());
  for (Op *C : Clamps) {
    Value *In = C->operand(0);
    Op *P = In->Def;
    static const llvm::StringSet<> Fusable = {"qconv", "qmatmul", "qadd", "requantize"};
    if (!P || !Fusable.contains(P->Kind) || G.isOutput(In) || G.users(In).size() != 1 ||
        !(In->Type == C->result()->Type))
      continue;
    DType Elem = In->Type.Elem;
    int64_t Lo = std::max(P->Attrs.getInt("act_min", minValue(Elem)), C->Attrs.getInt("min"));
    int64_t Hi = std::min(P->Attrs.getInt("act_max", maxValue(Elem)), C->Attrs.getInt("max"));
    if (Lo > Hi)
      continue;
    P->Attrs.set("act_min", Lo);
    P->Attrs.set("act_max", Hi);
    Value *Out = C->result();
    L.erase(C);
    P->Results[0] = Out;
    Out->Def = P;
    In->Def = nullptr;
  }
}

bool isCanonical(llvm::StringRef Kind) {
  static const llvm::StringSet<> Kinds = {
      "quantize", "dequantize", "qconv",          "qmatmul",  "qadd",    "qconcat", "requantize",
      "qmaxpool", "threshold",  "qglobalavgpool", "qavgpool", "reshape", "clamp",   "slice"};
  return Kinds.contains(Kind);
}

/// Float ONNX ops that stay for the host: host op kinds on float tensors
/// computed from dequantized results (or from each other) whose results
/// only reach other host ops or graph outputs (docs/ir.md).
llvm::DenseSet<const Op *> hostSide(const Graph &G) {
  llvm::DenseSet<const Op *> Host;
  for (const auto &O : G.ops()) {
    if (hostOpType(O->Kind).empty())
      continue;
    bool FromDequantized = true, AnyComputed = false;
    for (const Value *V : O->Operands) {
      if (!V || V->isConstant())
        continue;
      AnyComputed = true;
      FromDequantized &= V->Def && (V->Def->Kind == "dequantize" || Host.count(V->Def));
    }
    if (AnyComputed && FromDequantized)
      Host.insert(O.get());
  }
  // Drop those whose results reach the chip again, until none does.
  for (bool Changed = true; Changed;) {
    Changed = false;
    for (const auto &O : G.ops())
      if (Host.count(O.get()))
        for (const Value *R : O->Results)
          for (const Op *U : G.users(R))
            if (!Host.count(U)) {
              Changed |= Host.erase(O.get());
              break;
            }
  }
  return Host;
}

class LegalizeQuantPass : public Pass {
public:
  llvm::StringRef name() const override { return "legalize-quant"; }

  llvm::Error run(Graph &G, PassContext &) override {
    G.eraseDeadCode();
    if (llvm::Error E = annotate(G))
      return E;
    Legalizer L(G);
    hoistAboveDequantize(L);
    llvm::DenseSet<const Op *> Host = hostSide(G);
    for (Op *O : snapshot(G)) {
      if (L.isErased(O) || Host.count(O))
        continue;
      RewriteFn QOp = qoperatorRewrite(O->Kind), Qdq = qdqRewrite(O->Kind);
      bool IntegerInput = O->operand(0) && isInteger(O->operand(0)->Type.Elem);
      // MaxPool, Reshape, ... take the QOperator path on quantized integers
      // and the QDQ one on floats.
      RewriteFn F = QOp && (IntegerInput || !isPassThrough(O->Kind)) ? QOp : Qdq;
      if (F)
        if (llvm::Error E = F(L, O))
          return E;
    }
    for (Op *O : snapshot(G))
      if (!L.isErased(O) && O->Kind == "onnx.QuantizeLinear")
        if (llvm::Error E = rewriteQuantize(L, O))
          return E;
    G.eraseDeadCode();
    for (Op *O : snapshot(G))
      if (O->Kind == "onnx.DequantizeLinear")
        rewriteDequantize(L, O);
    fuseClamps(L);
    G.eraseDeadCode();
    G.sortTopologically();
    Host = hostSide(G);
    for (const auto &O : G.ops()) {
      if (isCanonical(O->Kind) || Host.count(O.get()))
        continue;
      if (qdqRewrite(O->Kind) || qoperatorRewrite(O->Kind))
        return opError(*O, llvm::Twine("computes in float between quantizers; ") + ChipOnlyHint);
      if (O->Kind == "onnx.DynamicQuantizeLinear")
        return opError(*O, "derives its scale and zero point from the data at run time; the "
                           "chip needs quantization fixed at compile time (export the model "
                           "with static quantization)");
      return opError(*O, "computes in float and the chip has no quantized form of it; it "
                         "runs quantized Conv, Gemm, MatMul, MaxPool, AveragePool, "
                         "GlobalAveragePool, Add, Concat, Flatten, Reshape, Relu and Clip");
    }
    return llvm::Error::success();
  }

private:
  static std::vector<Op *> snapshot(const Graph &G) {
    std::vector<Op *> Ops;
    for (const auto &O : G.ops())
      Ops.push_back(O.get());
    return Ops;
  }
};

} // namespace

std::unique_ptr<Pass> createLegalizeQuantPass() { return std::make_unique<LegalizeQuantPass>(); }

} // namespace qnn

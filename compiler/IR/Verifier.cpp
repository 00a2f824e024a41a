//===- Verifier.cpp - Structural and per-op checks of a graph -------------===//
#include "qnn/IR/Verifier.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/Support/MathExtras.h"

namespace qnn {

namespace {

/// A range must describe a non-empty arithmetic progression of values the
/// element type can store, and a constant must keep to it.
llvm::Error verifyRange(const Value &V) {
  if (!V.Type.Range)
    return llvm::Error::success();
  const ValueRange &R = *V.Type.Range;
  DType Elem = V.Type.Elem;
  std::string Text = fmt::format("range({}:{}:{})", R.Lo, R.Hi, R.Step);
  if (!isInteger(Elem))
    return makeError("value '{}' has {} but element type {}; only integer tensors take a range",
                     V.Name, Text, dtypeName(Elem).str());
  int64_t Span = 0;
  if (R.Step <= 0 || R.Lo > R.Hi || llvm::SubOverflow(R.Hi, R.Lo, Span) || Span % R.Step != 0)
    return makeError("value '{}' has an invalid {}: it needs lo <= hi, step > 0 and hi - lo "
                     "a multiple of step",
                     V.Name, Text);
  if (R.Lo < minValue(Elem) || R.Hi > maxValue(Elem))
    return makeError("value '{}' has {} outside its element type {} [{}, {}]", V.Name, Text,
                     dtypeName(Elem).str(), minValue(Elem), maxValue(Elem));
  if (V.isConstant())
    for (double D : V.Const->Data)
      if (!R.contains(static_cast<int64_t>(D)))
        return makeError("constant '{}' holds {}, which is not in its {}", V.Name,
                         static_cast<int64_t>(D), Text);
  return llvm::Error::success();
}

} // namespace

llvm::Error verifyGraph(const Graph &G) {
  llvm::DenseSet<const Value *> Defined;
  for (const Value *In : G.Inputs)
    if (!Defined.insert(In).second)
      return makeError("graph input '{}' is listed twice", In->Name);
  for (const auto &V : G.values())
    if (llvm::Error E = verifyRange(*V))
      return E;
  for (const auto &V : G.values())
    if (V->isConstant()) {
      if (V->Const->size() != numElements(V->Type.Dims) || V->Const->Dims != V->Type.Dims)
        return makeError("constant '{}' does not match its type", V->Name);
      Defined.insert(V.get());
    }
  const OpRegistry &Registry = OpRegistry::instance();
  for (const auto &O : G.ops()) {
    const OpDef *Def = Registry.lookup(O->Kind);
    if (!Def)
      return opError(*O, "unknown op kind");
    if (O->Operands.size() < Def->MinOperands || O->Operands.size() > Def->MaxOperands)
      return opError(*O, llvm::Twine("expects ") + llvm::Twine(Def->MinOperands) + " to " +
                             llvm::Twine(Def->MaxOperands) + " operands, has " +
                             llvm::Twine(O->Operands.size()));
    if (O->Results.size() != Def->NumResults)
      return opError(*O, llvm::Twine("expects ") + llvm::Twine(Def->NumResults) +
                             " results, has " + llvm::Twine(O->Results.size()));
    for (const Value *V : O->Operands)
      if (V && !Defined.count(V))
        return opError(*O, "operand '" + V->Name + "' is used before it is defined");
    for (const Value *R : O->Results) {
      if (R->Def != O.get())
        return opError(*O, "result '" + R->Name + "' does not point back to its op");
      if (!Defined.insert(R).second)
        return opError(*O, "result '" + R->Name + "' is defined twice");
    }
    if (Def->Verify)
      if (llvm::Error E = Def->Verify(*O))
        return E;
  }
  for (const Value *Out : G.Outputs)
    if (!Defined.count(Out))
      return makeError("graph output '{}' is not defined", Out->Name);
  return llvm::Error::success();
}

} // namespace qnn

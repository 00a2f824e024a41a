//===- Verifier.cpp - Structural and per-op checks of a graph -------------===//
#include "qnn/IR/Verifier.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/DenseSet.h"

namespace qnn {

llvm::Error verifyGraph(const Graph &G) {
  llvm::DenseSet<const Value *> Defined;
  for (const Value *In : G.Inputs)
    if (!Defined.insert(In).second)
      return makeError("graph input '{}' is listed twice", In->Name);
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

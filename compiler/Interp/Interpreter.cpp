//===- Interpreter.cpp - Reference interpreter of the IR ------------------===//
#include "qnn/Interp/Interpreter.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/DenseMap.h"

namespace qnn {

namespace {
/// Whether a computed shape agrees with a declared one ('?' matches any).
bool shapeMatches(const Shape &Declared, const Shape &Actual) {
  if (Declared.size() != Actual.size())
    return false;
  for (size_t I = 0; I < Declared.size(); ++I)
    if (Declared[I] >= 0 && Declared[I] != Actual[I])
      return false;
  return true;
}
} // namespace

llvm::Expected<std::vector<Tensor>> evaluateGraph(const Graph &G,
                                                  llvm::ArrayRef<Tensor> Inputs,
                                                  const EvalContext &Ctx) {
  if (Inputs.size() != G.Inputs.size())
    return makeError("graph '{}' takes {} inputs, {} were given", G.Name, G.Inputs.size(),
                     Inputs.size());
  llvm::DenseMap<const Value *, const Tensor *> Env;
  std::vector<std::unique_ptr<Tensor>> Storage;
  for (size_t I = 0; I < Inputs.size(); ++I) {
    const Value *In = G.Inputs[I];
    if (!shapeMatches(In->Type.Dims, Inputs[I].Dims))
      return makeError("input '{}' has shape {}, the graph expects {}", In->Name,
                       shapeToString(Inputs[I].Dims), shapeToString(In->Type.Dims));
    Env[In] = &Inputs[I];
  }
  for (const auto &V : G.values())
    if (V->isConstant())
      Env[V.get()] = V->Const.get();

  const OpRegistry &Registry = OpRegistry::instance();
  for (const auto &O : G.ops()) {
    const OpDef *Def = Registry.lookup(O->Kind);
    if (!Def || !Def->Eval)
      return opError(*O, "the interpreter has no kernel for this op");
    std::vector<const Tensor *> Operands;
    for (const Value *V : O->Operands)
      Operands.push_back(V ? Env.lookup(V) : nullptr);
    std::vector<Tensor> Results(O->Results.size());
    if (llvm::Error E = Def->Eval(*O, Operands, Results, Ctx))
      return E;
    for (size_t I = 0; I < Results.size(); ++I) {
      const Value *R = O->Results[I];
      if (!shapeMatches(R->Type.Dims, Results[I].Dims))
        return opError(*O, "computed shape " + shapeToString(Results[I].Dims) +
                               " of '" + R->Name + "' differs from its type " +
                               shapeToString(R->Type.Dims));
      Storage.push_back(std::make_unique<Tensor>(std::move(Results[I])));
      Env[R] = Storage.back().get();
    }
  }
  std::vector<Tensor> Outputs;
  for (const Value *Out : G.Outputs)
    Outputs.push_back(*Env.lookup(Out));
  return Outputs;
}

} // namespace qnn

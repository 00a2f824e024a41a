//===- Graph.cpp - The qnn IR ---------------------------------------------===//
#include "qnn/IR/Graph.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include <algorithm>
#include <cassert>

namespace qnn {

std::string Op::describe() const {
  return "'" + Name + "' (" + Kind + ")";
}

llvm::Error opError(const Op &O, const llvm::Twine &Message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 O.describe() + ": " + Message.str());
}

std::string Graph::uniqueName(llvm::StringRef Base) const {
  std::string Candidate(Base.empty() ? "v" : Base);
  if (!ByName.count(Candidate))
    return Candidate;
  for (unsigned Suffix = 1;; ++Suffix) {
    std::string Next = Candidate + "_" + std::to_string(Suffix);
    if (!ByName.count(Next))
      return Next;
  }
}

Value *Graph::addValue(llvm::StringRef Name, TensorType Type) {
  auto V = std::make_unique<Value>();
  V->Name = uniqueName(Name);
  V->Type = std::move(Type);
  Value *Raw = V.get();
  ByName[Raw->Name] = Raw;
  Values.push_back(std::move(V));
  return Raw;
}

Value *Graph::addConstant(llvm::StringRef Name, Tensor Data,
                          std::optional<QuantParams> Quant) {
  TensorType Type{Data.Type, Data.Dims, std::move(Quant)};
  Value *V = addValue(Name, std::move(Type));
  V->Const = std::make_shared<const Tensor>(std::move(Data));
  return V;
}

Op *Graph::addOp(llvm::StringRef Kind, llvm::StringRef Name,
                 std::vector<Value *> Operands, std::vector<Value *> Results,
                 AttrMap Attrs, Op *Before) {
  auto O = std::make_unique<Op>();
  O->Kind = std::string(Kind);
  O->Name = std::string(Name);
  O->Operands = std::move(Operands);
  O->Results = std::move(Results);
  O->Attrs = std::move(Attrs);
  for (Value *R : O->Results)
    R->Def = O.get();
  Op *Raw = O.get();
  auto Pos = Ops.end();
  if (Before)
    Pos = std::find_if(Ops.begin(), Ops.end(),
                       [&](const std::unique_ptr<Op> &P) { return P.get() == Before; });
  Ops.insert(Pos, std::move(O));
  return Raw;
}

Value *Graph::findValue(llvm::StringRef Name) const {
  auto It = ByName.find(std::string(Name));
  return It == ByName.end() ? nullptr : It->second;
}

std::vector<Op *> Graph::users(const Value *V) const {
  std::vector<Op *> Result;
  for (const auto &O : Ops)
    if (std::find(O->Operands.begin(), O->Operands.end(), V) != O->Operands.end())
      Result.push_back(O.get());
  return Result;
}

bool Graph::isOutput(const Value *V) const {
  return std::find(Outputs.begin(), Outputs.end(), V) != Outputs.end();
}

void Graph::replaceAllUsesWith(Value *From, Value *To) {
  for (auto &O : Ops)
    std::replace(O->Operands.begin(), O->Operands.end(), From, To);
  std::replace(Outputs.begin(), Outputs.end(), From, To);
}

void Graph::eraseOp(Op *O) {
  for (Value *R : O->Results)
    if (R->Def == O)
      R->Def = nullptr;
  Ops.erase(std::remove_if(Ops.begin(), Ops.end(),
                           [&](const std::unique_ptr<Op> &P) { return P.get() == O; }),
            Ops.end());
}

void Graph::eraseDeadCode() {
  llvm::DenseSet<const Value *> Live(Outputs.begin(), Outputs.end());
  // Walk backwards: an op is live if any result is live.
  std::vector<bool> Keep(Ops.size(), false);
  for (size_t I = Ops.size(); I-- > 0;) {
    const Op &O = *Ops[I];
    bool Used = std::any_of(O.Results.begin(), O.Results.end(),
                            [&](const Value *R) { return Live.count(R); });
    if (!Used)
      continue;
    Keep[I] = true;
    for (const Value *V : O.Operands)
      if (V)
        Live.insert(V);
  }
  std::vector<std::unique_ptr<Op>> Kept;
  for (size_t I = 0; I < Ops.size(); ++I)
    if (Keep[I])
      Kept.push_back(std::move(Ops[I]));
  Ops = std::move(Kept);
  for (const Value *In : Inputs)
    Live.insert(In);
  std::vector<std::unique_ptr<Value>> KeptValues;
  for (auto &V : Values) {
    if (Live.count(V.get()))
      KeptValues.push_back(std::move(V));
    else
      ByName.erase(V->Name);
  }
  Values = std::move(KeptValues);
}

void Graph::sortTopologically() {
  llvm::DenseSet<const Value *> Ready;
  for (const auto &V : Values)
    if (!V->Def)
      Ready.insert(V.get());
  std::vector<std::unique_ptr<Op>> Sorted;
  std::vector<bool> Done(Ops.size(), false);
  bool Progress = true;
  while (Sorted.size() < Ops.size() && Progress) {
    Progress = false;
    for (size_t I = 0; I < Ops.size(); ++I) {
      if (Done[I])
        continue;
      bool CanRun = std::all_of(Ops[I]->Operands.begin(), Ops[I]->Operands.end(),
                                [&](const Value *V) { return !V || Ready.count(V); });
      if (!CanRun)
        continue;
      for (const Value *R : Ops[I]->Results)
        Ready.insert(R);
      Done[I] = true;
      Progress = true;
      Sorted.push_back(std::move(Ops[I]));
    }
  }
  assert(Sorted.size() == Ops.size() && "graph has a cycle");
  Ops = std::move(Sorted);
}

} // namespace qnn

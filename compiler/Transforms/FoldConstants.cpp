//===- FoldConstants.cpp - The fold-constants pass ------------------------===//
//
// Three rewrites, in one walk over the graph in order:
// - an op whose operands are all constants is evaluated by its interpreter
//   kernel and its results become constants (quantizers excepted: they carry
//   the quantization legalize-quant reads, and a weight stays
//   "DequantizeLinear of an integer constant");
// - shape arithmetic (Shape, Gather, Unsqueeze, Squeeze, Concat, Slice, Cast)
//   is evaluated symbolically, so a shape that depends on the batch size
//   still folds into a Reshape as [0, rest...] (0 copies the batch);
// - Identity and Cast noise (a Cast to the type it already has, a float ->
//   float -> float round trip) is removed.
// Dead code goes last.
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/OpRegistry.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Transforms/LegalizeUtils.h"
#include "qnn/Transforms/Passes.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringSet.h"

namespace qnn {

namespace {

/// A shape-like integer tensor (rank 0 or 1) whose entries are known, or
/// std::nullopt for the symbolic batch size.
struct SymTensor {
  Shape Dims;
  std::vector<std::optional<int64_t>> Elems;

  bool isKnown() const {
    return llvm::all_of(Elems, [](const auto &E) { return E.has_value(); });
  }
};

class FoldConstantsPass : public Pass {
public:
  llvm::StringRef name() const override { return "fold-constants"; }
  llvm::Error run(Graph &G, PassContext &Ctx) override;

private:
  llvm::Error evaluate(Graph &G, Op *O);
  /// Symbolic evaluation of shape arithmetic; true if \p O was handled.
  bool evaluateSymbolic(Graph &G, Op *O);
  std::optional<SymTensor> symbolic(const Value *V) const;
  bool removeNoise(Graph &G, Op *O);
  void foldBatchReshape(Graph &G, Op *O);

  llvm::DenseMap<const Value *, SymTensor> Sym;
};

/// Quantizers stay: legalize-quant and legalize-qonnx read the quantization
/// (and the integers of quantized weights) from them.
bool neverFolds(llvm::StringRef Kind) {
  static const llvm::StringSet<> Kinds = {
      "onnx.QuantizeLinear", "onnx.DequantizeLinear", "quantize",          "dequantize",
      "qonnx.Quant",         "qonnx.BipolarQuant",    "qonnx.MultiThreshold"};
  return Kinds.contains(Kind);
}

bool allOperandsConstant(const Op &O) {
  bool Any = false;
  for (const Value *V : O.Operands) {
    if (!V)
      continue;
    if (!V->isConstant())
      return false;
    Any = true;
  }
  return Any;
}

/// Turns \p V into a constant holding \p T (its name and uses stay).
void makeConstant(Value *V, Tensor T) {
  V->Type.Elem = T.Type;
  V->Type.Dims = T.Dims;
  V->Const = std::make_shared<const Tensor>(std::move(T));
  V->Def = nullptr;
}

llvm::Error FoldConstantsPass::evaluate(Graph &G, Op *O) {
  const OpDef *Def = OpRegistry::instance().lookup(O->Kind);
  if (!Def || !Def->Eval)
    return llvm::Error::success();
  std::vector<const Tensor *> Operands;
  for (const Value *V : O->Operands)
    Operands.push_back(V ? V->Const.get() : nullptr);
  std::vector<Tensor> Results(O->Results.size());
  if (llvm::Error E = Def->Eval(*O, Operands, Results, EvalContext()))
    return addContext(std::move(E), "while folding constants");
  std::vector<Value *> Out = O->Results;
  G.eraseOp(O);
  for (size_t I = 0; I < Out.size(); ++I)
    makeConstant(Out[I], std::move(Results[I]));
  return llvm::Error::success();
}

std::optional<SymTensor> FoldConstantsPass::symbolic(const Value *V) const {
  if (!V)
    return std::nullopt;
  if (V->isConstant() && isInteger(V->Type.Elem) && V->Type.Dims.size() <= 1) {
    SymTensor S{V->Type.Dims, {}};
    for (double D : V->Const->Data)
      S.Elems.push_back(static_cast<int64_t>(D));
    return S;
  }
  auto It = Sym.find(V);
  if (It == Sym.end())
    return std::nullopt;
  return It->second;
}

/// The integer list given by operand \p I (a constant) or attribute \p Name.
std::optional<std::vector<int64_t>> intsOf(const Op &O, size_t I, llvm::StringRef Name) {
  if (const Value *V = O.operand(I)) {
    if (!V->isConstant())
      return std::nullopt;
    std::vector<int64_t> R;
    for (double D : V->Const->Data)
      R.push_back(static_cast<int64_t>(D));
    return R;
  }
  if (O.Attrs.has(Name))
    return O.Attrs.getInts(Name);
  return std::nullopt;
}

bool FoldConstantsPass::evaluateSymbolic(Graph &G, Op *O) {
  std::optional<SymTensor> R;
  llvm::StringRef K = O->Kind;
  if (K == "onnx.Shape") {
    const Shape &Dims = O->operand(0)->Type.Dims;
    int64_t Rank = static_cast<int64_t>(Dims.size());
    auto Clip = [&](int64_t I) { return std::clamp(I < 0 ? I + Rank : I, int64_t(0), Rank); };
    int64_t Start = Clip(O->Attrs.getInt("start", 0)), End = Clip(O->Attrs.getInt("end", Rank));
    R = SymTensor{{std::max<int64_t>(End - Start, 0)}, {}};
    for (int64_t I = Start; I < End; ++I)
      R->Elems.push_back(Dims[I] < 0 ? std::nullopt : std::optional<int64_t>(Dims[I]));
  } else {
    std::optional<SymTensor> In = symbolic(O->operand(0));
    if (!In || (O->operand(0)->isConstant() && allOperandsConstant(*O)))
      return false; // nothing symbolic: the kernel folds it
    int64_t N = static_cast<int64_t>(In->Elems.size());
    if (K == "onnx.Cast" || K == "onnx.Identity") {
      if (!isInteger(O->result()->Type.Elem))
        return false;
      R = In;
    } else if (K == "onnx.Gather" && In->Dims.size() == 1 && O->Attrs.getInt("axis", 0) == 0) {
      std::optional<SymTensor> Idx = symbolic(O->operand(1));
      if (!Idx || !Idx->isKnown())
        return false;
      R = SymTensor{Idx->Dims, {}};
      for (const auto &I : Idx->Elems) {
        int64_t J = *I < 0 ? *I + N : *I;
        if (J < 0 || J >= N)
          return false;
        R->Elems.push_back(In->Elems[J]);
      }
    } else if ((K == "onnx.Unsqueeze" && In->Dims.empty()) ||
               (K == "onnx.Squeeze" && In->Dims == Shape{1})) {
      R = SymTensor{K == "onnx.Unsqueeze" ? Shape{1} : Shape{}, In->Elems};
    } else if (K == "onnx.Concat") {
      R = SymTensor{{0}, {}};
      for (const Value *V : O->Operands) {
        std::optional<SymTensor> Part = symbolic(V);
        if (!Part || Part->Dims.size() != 1)
          return false;
        R->Elems.insert(R->Elems.end(), Part->Elems.begin(), Part->Elems.end());
      }
      R->Dims = {static_cast<int64_t>(R->Elems.size())};
    } else if (K == "onnx.Slice" && In->Dims.size() == 1) {
      auto Starts = intsOf(*O, 1, "starts"), Ends = intsOf(*O, 2, "ends");
      auto Steps = intsOf(*O, 4, "steps");
      if (!Starts || !Ends || Starts->size() != 1 || Ends->size() != 1 ||
          (Steps && (*Steps != std::vector<int64_t>{1})))
        return false;
      auto Clip = [&](int64_t I) { return std::clamp(I < 0 ? I + N : I, int64_t(0), N); };
      int64_t B = Clip((*Starts)[0]), E = Clip((*Ends)[0]);
      R = SymTensor{{std::max<int64_t>(E - B, 0)}, {}};
      for (int64_t I = B; I < E; ++I)
        R->Elems.push_back(In->Elems[I]);
    } else {
      return false;
    }
  }
  Value *V = O->result();
  if (!R->isKnown()) {
    Sym[V] = *R;
    return true;
  }
  Tensor T(V->Type.Elem == DType::I32 ? DType::I32 : DType::I64, R->Dims);
  for (size_t I = 0; I < R->Elems.size(); ++I)
    T.Data[I] = static_cast<double>(*R->Elems[I]);
  G.eraseOp(O);
  makeConstant(V, std::move(T));
  return true;
}

void FoldConstantsPass::foldBatchReshape(Graph &G, Op *O) {
  if (O->Kind != "onnx.Reshape" || O->Attrs.getInt("allowzero", 0) != 0)
    return;
  auto It = Sym.find(O->operand(1));
  const Shape &InDims = O->operand(0)->Type.Dims;
  if (It == Sym.end() || InDims.empty() || InDims[0] >= 0)
    return;
  const SymTensor &S = It->second;
  // Only the batch may be unknown, and only as the first entry: [batch, rest].
  if (S.Elems.empty() || S.Elems[0] ||
      !llvm::all_of(llvm::drop_begin(S.Elems), [](const auto &E) { return E.has_value(); }))
    return;
  Tensor T(DType::I64, {static_cast<int64_t>(S.Elems.size())});
  for (size_t I = 1; I < S.Elems.size(); ++I)
    T.Data[I] = static_cast<double>(*S.Elems[I]);
  O->Operands[1] = G.addConstant(O->Name + "_shape", std::move(T));
}

bool FoldConstantsPass::removeNoise(Graph &G, Op *O) {
  Value *In = O->operand(0);
  Value *Out = O->Results.empty() ? nullptr : O->result();
  if (!In || !Out)
    return false;
  Value *Source = nullptr;
  if (O->Kind == "onnx.Identity") {
    Source = In;
  } else if (O->Kind == "onnx.Cast") {
    DType To = Out->Type.Elem;
    if (In->Type.Elem == To)
      Source = In;
    // float -> float -> float: an exporter's precision round trip.
    else if (isFloat(To) && isFloat(In->Type.Elem) && In->Def && In->Def->Kind == "onnx.Cast" &&
             In->Def->operand(0) && In->Def->operand(0)->Type.Elem == To)
      Source = In->Def->operand(0);
  }
  if (!Source || !canForwardValue(G, Out, Source))
    return false;
  G.eraseOp(O);
  forwardValue(G, Out, Source);
  return true;
}

llvm::Error FoldConstantsPass::run(Graph &G, PassContext &) {
  Sym.clear();
  std::vector<Op *> Ops;
  for (const auto &O : G.ops())
    Ops.push_back(O.get());
  for (Op *O : Ops) {
    if (removeNoise(G, O) || neverFolds(O->Kind) || evaluateSymbolic(G, O))
      continue;
    if (allOperandsConstant(*O)) {
      if (llvm::Error E = evaluate(G, O))
        return E;
      continue;
    }
    foldBatchReshape(G, O);
  }
  Sym.clear();
  G.eraseDeadCode();
  return llvm::Error::success();
}

} // namespace

std::unique_ptr<Pass> createFoldConstantsPass() { return std::make_unique<FoldConstantsPass>(); }

} // namespace qnn

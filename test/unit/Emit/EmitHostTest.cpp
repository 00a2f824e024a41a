//===- EmitHostTest.cpp - Host ops emitted, then run by the runtime -------===//
//
// Float ONNX ops left in a graph become host steps; the runtime runs them
// and must give the reference interpreter's results bit for bit.
//
//===----------------------------------------------------------------------===//
#include "qnn/Emit/Emit.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Runtime/Runtime.h"
#include "gtest/gtest.h"
#include <random>

using namespace qnn;
using namespace qnn::image;

namespace {

const char *HostGraph = R"(graph @head(%x: f32[?,5]) {
  %scale = const : f32[5] dense<[0.5, 2, -1, 1, 0.25]>
  %shift = const : f32[] dense<[0.125]>
  %k = const : i64[1] dense<[3]>
  %a = onnx.Mul "scale"(%x, %scale) : f32[?,5]
  %b = onnx.Sub "shift"(%a, %shift) : f32[?,5]
  %r = onnx.Relu "relu"(%b) : f32[?,5]
  %p = onnx.Softmax "softmax"(%r) {axis = -1} : f32[?,5]
  %v, %i = onnx.TopK "top3"(%p, %k) {axis = 1, largest = 1} : f32[?,3], i64[?,3]
  %c = onnx.ArgMax "class"(%b) {axis = 1, keepdims = 0, start_cycle = 7} : i64[?]
  return %v, %i, %c
}
)";

TEST(EmitHost, HostStepsMatchTheReferenceInterpreter) {
  registerAllOps();
  llvm::Expected<std::unique_ptr<Graph>> G = parseGraph(HostGraph, "head.qnn");
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  llvm::Expected<Target> T = loadTarget("small");
  ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
  llvm::Expected<Program> P = emitProgram(**G, *T);
  ASSERT_TRUE(static_cast<bool>(P)) << llvm::toString(P.takeError());

  ASSERT_EQ(P->Steps.size(), 6u);
  for (const Step &S : P->Steps)
    EXPECT_EQ(S.Kind, StepKind::Host) << S.Layer;
  const Step &Mul = P->Steps[0];
  EXPECT_EQ(Mul.Host.Op, "Mul");
  EXPECT_EQ(Mul.Host.Operands, std::vector<int32_t>({0, -1}));
  ASSERT_EQ(Mul.Host.Constants.size(), 1u);
  EXPECT_EQ(Mul.Host.Constants[0].Data, std::vector<double>({0.5, 2, -1, 1, 0.25}));
  EXPECT_EQ(P->Steps[4].Outputs.size(), 2u);
  // The schedule's attributes are not the op's.
  EXPECT_EQ(P->Steps[5].Host.IntAttrs,
            (std::vector<std::pair<std::string, int64_t>>{{"axis", 1}, {"keepdims", 0}}));

  llvm::Expected<runtime::Session> S =
      runtime::Session::create(std::move(*P), runtime::RunOptions(), "head");
  ASSERT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError());
  std::mt19937_64 Rng(5);
  std::uniform_int_distribution<int> Value(-12, 12);
  Tensor X(DType::F32, {7, 5});
  for (double &V : X.Data)
    V = Value(Rng) / 4.0; // quarter steps: many ties for TopK and ArgMax
  llvm::Expected<std::vector<Tensor>> Chip = S->run({X});
  ASSERT_TRUE(static_cast<bool>(Chip)) << llvm::toString(Chip.takeError());
  llvm::Expected<std::vector<Tensor>> Reference = evaluateGraph(**G, {X});
  ASSERT_TRUE(static_cast<bool>(Reference)) << llvm::toString(Reference.takeError());
  ASSERT_EQ(Chip->size(), 3u);
  for (size_t I = 0; I < 3; ++I)
    EXPECT_EQ((*Chip)[I], (*Reference)[I]) << "output " << I;
}

TEST(EmitHost, TheMappingReportListsHostSteps) {
  registerAllOps();
  std::unique_ptr<Graph> G = llvm::cantFail(parseGraph(HostGraph, "head.qnn"));
  Target T = llvm::cantFail(loadTarget("small"));
  llvm::json::Value Report = mappingReportJson(*G, T);
  const llvm::json::Array *Layers = nullptr;
  if (const llvm::json::Object *O = Report.getAsObject())
    Layers = O->getArray("layers");
  ASSERT_NE(Layers, nullptr);
  ASSERT_EQ(Layers->size(), 6u);
  const char *Ops[] = {"host:Mul",     "host:Sub",  "host:Relu",
                       "host:Softmax", "host:TopK", "host:ArgMax"};
  for (size_t I = 0; I < 6; ++I) {
    const llvm::json::Object *L = (*Layers)[I].getAsObject();
    ASSERT_NE(L, nullptr);
    EXPECT_EQ(L->getString("op"), llvm::Optional<llvm::StringRef>(Ops[I]));
    EXPECT_EQ(L->getNumber("energy_pj"), llvm::Optional<double>(0.0));
    EXPECT_EQ(L->getInteger("cycles"), llvm::Optional<int64_t>(0));
  }
}

} // namespace

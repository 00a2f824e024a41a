//===- RoundTripTest.cpp - Printing and parsing the IR ---------------------===//
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "gtest/gtest.h"
#include <random>

using namespace qnn;

namespace {

TEST(IRRoundTrip, HandWrittenGraphParsesAndPrintsIdentically) {
  const char *Text = R"(// a comment line
graph @main(%x: u8[?,4] q(scale=0.5, zp=3)) {
  %w = const : i8[4,2] q(axis=1, scale=[0.25, 0.125], zp=[0, 0]) dense<[1, -2, 3, -4, 5, -6, 7, -8]>
  %"onnx::b" = const : f32[2] dense<[0.1, -inf]>
  %y = test.op "fc/1"(%x, %w, _) {f = 0.5, fs = [1.5, 2.0], i = -3, is = [1, 2], s = "a\"b"} : u8[?,2] q(scale=0.0625, zp=128)
  return %y
}
)";
  auto G = parseGraph(Text, "test");
  ASSERT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
  std::string Once = graphToString(**G);
  auto Again = parseGraph(Once, "printed");
  ASSERT_TRUE(static_cast<bool>(Again)) << llvm::toString(Again.takeError());
  EXPECT_EQ(Once, graphToString(**Again));
  const Op &O = *(*G)->ops().front();
  EXPECT_EQ(O.Kind, "test.op");
  EXPECT_EQ(O.Name, "fc/1");
  EXPECT_EQ(O.Operands[2], nullptr);
  EXPECT_EQ(O.Attrs.getString("s"), "a\"b");
  EXPECT_EQ(O.Attrs.getInt("i"), -3);
  EXPECT_DOUBLE_EQ(O.Attrs.getFloat("f"), 0.5);
  EXPECT_EQ(O.Attrs.getInts("is"), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ((*G)->findValue("onnx::b")->Const->Data[0], static_cast<double>(0.1f));
  EXPECT_EQ((*G)->Inputs[0]->Type.Dims, (Shape{-1, 4}));
}

TEST(IRRoundTrip, RandomConstantsSurviveExactly) {
  std::mt19937 Rng(7);
  for (int Trial = 0; Trial < 20; ++Trial) {
    Graph G;
    Value *In = G.addValue("x", TensorType{DType::F32, {2}, std::nullopt});
    G.Inputs.push_back(In);
    std::uniform_real_distribution<float> F(-1e6f, 1e6f);
    std::uniform_int_distribution<int> I(-128, 127);
    Tensor Floats(DType::F32, {5});
    for (double &D : Floats.Data)
      D = F(Rng) * std::pow(10.0f, static_cast<float>(I(Rng) % 20));
    Tensor Ints(DType::I8, {2, 3});
    for (double &D : Ints.Data)
      D = I(Rng);
    QuantParams Q{{std::ldexp(F(Rng), -40)}, {I(Rng)}, -1};
    G.addConstant("f", Floats);
    G.addConstant("i", Ints, Q);
    G.Outputs.push_back(In);
    auto Parsed = parseGraph(graphToString(G), "random");
    ASSERT_TRUE(static_cast<bool>(Parsed)) << llvm::toString(Parsed.takeError());
    EXPECT_EQ((*Parsed)->findValue("f")->Const->Data, Floats.Data);
    EXPECT_EQ((*Parsed)->findValue("i")->Const->Data, Ints.Data);
    EXPECT_EQ((*Parsed)->findValue("i")->Type.Quant, Q);
  }
}

TEST(IRParser, ErrorsPointAtTheProblem) {
  auto G = parseGraph("graph @g(%x: f32[2]) {\n  %y = k \"n\"(%z) : f32[2]\n  return %y\n}\n",
                      "bad.qnn");
  ASSERT_FALSE(static_cast<bool>(G));
  std::string Msg = llvm::toString(G.takeError());
  EXPECT_NE(Msg.find("bad.qnn:2:"), std::string::npos) << Msg;
  EXPECT_NE(Msg.find("undefined value '%z'"), std::string::npos) << Msg;
}

// Found by fuzz-ir-text: an i8 constant holding 1.1e104 reached a verifier
// that converts elements to int64_t, which is undefined behaviour.
TEST(IRParser, IntegerConstantsMustFitTheirType) {
  auto parseConst = [](const std::string &Type, const std::string &Values) {
    return parseGraph("graph @g(%x: f32[2]) {\n  %c = const : " + Type + " dense<[" + Values +
                          "]>\n  return %x\n}\n",
                      "c.qnn");
  };
  struct Case {
    const char *Type, *Values;
    bool Fits;
  } Cases[] = {{"i8[2]", "-128, 127", true},
               {"i8[2]", "-129, 0", false},
               {"i8[2]", "0, 128", false},
               {"u8[1]", "255", true},
               {"u8[1]", "-1", false},
               {"i4[2]", "-8, 7", true},
               {"i4[1]", "8", false},
               {"i8[1]", "1.5", false},
               {"i8[1]", "1e104", false},
               {"i8[1]", "nan", false},
               {"i64[1]", "9223372036854775807", false},
               {"i64[1]", "-9223372036854775808", true},
               {"bool[2]", "0, 1", true},
               {"bool[1]", "2", false}};
  for (const Case &C : Cases) {
    auto G = parseConst(C.Type, C.Values);
    EXPECT_EQ(static_cast<bool>(G), C.Fits) << C.Type << " " << C.Values;
    if (!G) {
      std::string Msg = llvm::toString(G.takeError());
      EXPECT_NE(Msg.find("c.qnn:2:"), std::string::npos) << Msg;
      EXPECT_NE(Msg.find("can hold"), std::string::npos) << Msg;
    }
  }
}

TEST(IRVerifier, RejectsUnknownOpKinds) {
  auto G = parseGraph("graph @g(%x: f32[2]) {\n  %y = no.such \"n\"(%x) : f32[2]\n  return %y\n}\n",
                      "t");
  ASSERT_TRUE(static_cast<bool>(G));
  llvm::Error E = verifyGraph(**G);
  ASSERT_TRUE(static_cast<bool>(E));
  EXPECT_NE(llvm::toString(std::move(E)).find("unknown op kind"), std::string::npos);
}

} // namespace

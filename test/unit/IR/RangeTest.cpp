//===- RangeTest.cpp - Value ranges: text form and verifier ---------------===//
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "gtest/gtest.h"
#include <random>

using namespace qnn;

namespace {

/// The verifier's message for a graph returning input %x of type \p Type,
/// with constant %k of the same type holding \p Data; "" when it verifies.
std::string verifyRangeOf(const std::string &Type, const std::string &Data = "") {
  std::string Text = "graph @g(%x: " + Type + ") {\n";
  if (!Data.empty())
    Text += "  %k = const : " + Type + " dense<[" + Data + "]>\n";
  Text += "  return %x\n}\n";
  auto G = parseGraph(Text, "range.qnn");
  if (!G)
    return "parse: " + llvm::toString(G.takeError());
  llvm::Error E = verifyGraph(**G);
  return E ? llvm::toString(std::move(E)) : "";
}

TEST(IRRange, RandomRangesRoundTrip) {
  std::mt19937 Rng(5);
  const DType Types[] = {DType::I8, DType::U8, DType::I4, DType::U2, DType::I32};
  for (int Trial = 0; Trial < 50; ++Trial) {
    DType Elem = Types[Trial % std::size(Types)];
    int64_t Lo = std::uniform_int_distribution<int64_t>(minValue(Elem), maxValue(Elem))(Rng);
    int64_t Step = std::uniform_int_distribution<int64_t>(1, 4)(Rng);
    int64_t Levels = std::uniform_int_distribution<int64_t>(0, 5)(Rng);
    int64_t Hi = Lo + Levels * Step;
    if (Hi > maxValue(Elem))
      Hi = Lo;
    Graph G;
    TensorType T{Elem, {-1, 3}, std::nullopt};
    if (Trial % 2)
      T.Quant = QuantParams{{0.5}, {Lo}, -1};
    T.Range = ValueRange{Lo, Hi, Step};
    Value *X = G.addValue("x", T);
    G.Inputs.push_back(X);
    G.Outputs.push_back(X);
    ASSERT_FALSE(static_cast<bool>(verifyGraph(G)));
    std::string Text = graphToString(G);
    auto Parsed = parseGraph(Text, "printed");
    ASSERT_TRUE(static_cast<bool>(Parsed)) << llvm::toString(Parsed.takeError());
    EXPECT_EQ((*Parsed)->Inputs[0]->Type, T) << Text;
    EXPECT_EQ(graphToString(**Parsed), Text);
  }
}

TEST(IRRange, PrintsAfterTheQuantization) {
  Graph G;
  TensorType T{DType::I8, {2}, QuantParams{{1.0}, {0}, -1}};
  T.Range = ValueRange{-1, 1, 2};
  G.Inputs.push_back(G.addValue("x", T));
  G.Outputs.push_back(G.Inputs[0]);
  EXPECT_NE(graphToString(G).find("%x: i8[2] q(scale=1.0, zp=0) range(-1:1:2)"), std::string::npos)
      << graphToString(G);
}

TEST(IRRange, VerifierChecksTheRange) {
  EXPECT_EQ(verifyRangeOf("i8[2] range(-1:1:2)", "1, -1"), "");
  EXPECT_EQ(verifyRangeOf("u8[2] q(scale=0.5, zp=0) range(0:3:1)"), "");
  EXPECT_NE(verifyRangeOf("i8[2] range(1:-1:2)").find("needs lo <= hi, step > 0"),
            std::string::npos);
  EXPECT_NE(verifyRangeOf("i8[2] range(-1:1:0)").find("invalid range(-1:1:0)"), std::string::npos);
  EXPECT_NE(verifyRangeOf("i8[2] range(0:5:2)").find("a multiple of step"), std::string::npos);
  EXPECT_NE(verifyRangeOf("u8[2] range(-1:1:2)").find("outside its element type u8 [0, 255]"),
            std::string::npos);
  EXPECT_NE(verifyRangeOf("i4[2] range(0:8:1)").find("outside its element type i4"),
            std::string::npos);
  EXPECT_NE(verifyRangeOf("f32[2] range(0:1:1)").find("only integer tensors take a range"),
            std::string::npos);
  EXPECT_NE(verifyRangeOf("i8[2] range(-1:1:2)", "1, 0").find("holds 0, which is not in"),
            std::string::npos);
  EXPECT_NE(verifyRangeOf("i8[2] range(-1:1)").find("expected ':'"), std::string::npos);
}

} // namespace

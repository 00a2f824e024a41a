//===- JsonTest.cpp - JSON documents with limits --------------------------===//
#include "qnn/Support/Json.h"
#include "qnn/Support/Limits.h"
#include "gtest/gtest.h"

using namespace qnn;

namespace {

std::string errorOf(llvm::Expected<llvm::json::Value> V) {
  return V ? "" : llvm::toString(V.takeError());
}

std::string nested(unsigned Depth) { return std::string(Depth, '[') + std::string(Depth, ']'); }

TEST(Json, NestingUpToTheLimitParses) {
  EXPECT_EQ(errorOf(parseJson(nested(limits::MaxJsonDepth), "t.json")), "");
  EXPECT_EQ(errorOf(parseJson(nested(limits::MaxJsonDepth + 1), "t.json")),
            "t.json: line 1: JSON nested deeper than 64 levels");
  // Far deeper than any stack could recurse.
  EXPECT_EQ(errorOf(parseJson(std::string(1 << 20, '{'), "t.json")),
            "t.json: line 1: JSON nested deeper than 64 levels");
}

TEST(Json, BracketsInsideStringsDoNotCount) {
  std::string Deep = "[\"" + std::string(1000, '[') + "\\\"" + std::string(1000, '{') + "\"]";
  EXPECT_EQ(errorOf(parseJson(Deep, "t.json")), "");
}

TEST(Json, RepeatedKeysAreRefusedPerObject) {
  EXPECT_EQ(errorOf(parseJson("{\"a\": 1,\n \"b\": {\"a\": 2}, \"c\": [{\"a\": 3}]}", "t.json")),
            "");
  EXPECT_EQ(errorOf(parseJson("{\"a\": 1,\n \"b\": {\"x\": 2,\n \"x\": 3}}", "t.json")),
            "t.json: line 3: key 'x' appears twice in one object");
  // Escapes spell the same key.
  EXPECT_EQ(errorOf(parseJson("{\"ab\": 1, \"a\\u0062\": 2}", "t.json")),
            "t.json: line 1: key 'ab' appears twice in one object");
  // A value equal to a key is no key.
  EXPECT_EQ(errorOf(parseJson("{\"a\": \"a\", \"b\": [\"a\", \"b\"]}", "t.json")), "");
}

TEST(Json, IntegersAreExact) {
  auto IntegerOf = [](llvm::StringRef Text) { return jsonInteger(*llvm::json::parse(Text)); };
  EXPECT_EQ(IntegerOf("42"), 42);
  EXPECT_EQ(IntegerOf("-7"), -7);
  EXPECT_EQ(IntegerOf("3.0"), 3);
  EXPECT_EQ(IntegerOf("3.5"), std::nullopt);
  EXPECT_EQ(IntegerOf("\"3\""), std::nullopt);
  // 2^63 and beyond are doubles that no int64 holds.
  EXPECT_EQ(IntegerOf("9223372036854775808"), std::nullopt);
  EXPECT_EQ(IntegerOf("9.3e18"), std::nullopt);
  EXPECT_EQ(IntegerOf("-1e300"), std::nullopt);
}

TEST(Json, SyntaxErrorsComeFromTheParser) {
  std::string E = errorOf(parseJson("{\"a\": }", "t.json"));
  EXPECT_EQ(E.rfind("t.json: invalid JSON: ", 0), 0u) << E;
  EXPECT_NE(errorOf(parseJson("{\"a", "t.json")), "");
}

} // namespace

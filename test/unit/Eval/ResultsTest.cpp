//===- ResultsTest.cpp - Statistics, JSON and merging of instances --------===//
#include "qnn-eval/Plot.h"
#include "qnn-eval/ResultsJson.h"
#include "gtest/gtest.h"
#include <cmath>

using namespace qnn::eval;

namespace {

std::string errorOf(llvm::Expected<Results> V) { return V ? "" : llvm::toString(V.takeError()); }

/// Results of \p Count images with a reference of \p Reference correct and
/// one point with the instances given as (index, correct).
Results make(int64_t Count, int64_t Reference,
             std::vector<std::pair<uint64_t, int64_t>> Instances) {
  Results R;
  R.S.Image = {"m.qnnimg", "0123456789abcdef"};
  R.S.Images = {"images.idx", "1111111111111111"};
  R.S.Labels = {"labels.idx", "2222222222222222"};
  R.S.Count = Count;
  R.S.Scale = 1.0 / 255;
  R.S.Target = "flash";
  R.S.Nmpu = "fixed";
  R.S.Seed = 10;
  R.S.Analog = {{"sigma-read", 0.005}, {"sigma-offset", 0.002}};
  R.S.ReferenceCorrect = Reference;
  PointResult P;
  for (auto [Index, Correct] : Instances)
    P.Instances.push_back({Index, Correct});
  R.Points.push_back(P);
  return R;
}

std::string text(const Results &R) {
  std::string Out;
  llvm::raw_string_ostream OS(Out);
  printResults(OS, R);
  return OS.str();
}

TEST(Summary, SampleStatisticsInPercent) {
  // 90, 92 and 97 of 100 against a reference of 95: mean 93, sample
  // variance ((-3)^2 + (-1)^2 + 4^2) / 2 = 13, drop 95 - 93.
  Results R = make(100, 95, {{0, 90}, {1, 92}, {2, 97}});
  Summary S = summarize(R.S, R.Points[0]);
  EXPECT_DOUBLE_EQ(S.Mean, 93);
  EXPECT_DOUBLE_EQ(S.Std, std::sqrt(13.0));
  EXPECT_DOUBLE_EQ(S.Min, 90);
  EXPECT_DOUBLE_EQ(S.Max, 97);
  EXPECT_DOUBLE_EQ(S.Drop, 2);
  // The same percentages of 200 images: counts 186 -+ (6, 2, 8) have a
  // sample standard deviation of sqrt(52) = 2 sqrt(13) images, sqrt(13) %.
  R = make(200, 190, {{0, 180}, {1, 184}, {2, 194}});
  S = summarize(R.S, R.Points[0]);
  EXPECT_DOUBLE_EQ(S.Mean, 93);
  EXPECT_DOUBLE_EQ(S.Std, std::sqrt(13.0));
  EXPECT_DOUBLE_EQ(S.Drop, 2);
}

TEST(Summary, EqualInstancesHaveExactlyNoSpreadOrDrop) {
  // 1/3 is not a binary fraction: summing percentages would leave rounding
  // errors, counts leave none.
  Results R = make(3, 1, {{0, 1}, {1, 1}, {2, 1}, {3, 1}, {4, 1}, {5, 1}, {6, 1}});
  Summary S = summarize(R.S, R.Points[0]);
  EXPECT_EQ(S.Std, 0);
  EXPECT_EQ(S.Drop, 0);
  EXPECT_EQ(S.Mean, 100.0 / 3);
  // A single instance has no spread.
  EXPECT_EQ(summarize(R.S, make(3, 1, {{4, 2}}).Points[0]).Std, 0);
}

TEST(Summary, Lines) {
  EXPECT_EQ(text(make(100, 95, {{0, 90}, {1, 92}, {2, 97}})),
            "reference (ideal chip): 95/100 = 95.00 %\n"
            "instance 0 (seed 10): 90/100 = 90.00 %\n"
            "instance 1 (seed 11): 92/100 = 92.00 %\n"
            "instance 2 (seed 12): 97/100 = 97.00 %\n"
            "3 instances: mean 93.00 %, std 3.61, min 90.00 %, max 97.00 %, drop vs "
            "reference 2.00 points\n");
}

TEST(ResultsJson, RoundTrips) {
  Results R = make(100, 95, {{3, 90}, {5, 92}});
  R.S.Model = FileId{"m.onnx", "3333333333333333"};
  R.S.Swept = Sweep{"sigma-read", 0, 0.02, 2};
  R.Points.push_back(R.Points[0]);
  R.Points[0].Value = 0;
  R.Points[1].Value = 0.02;
  R.Points[1].Instances[1].Correct = 40;
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << resultsToJson(R);
  llvm::Expected<Results> Back = resultsFromJson(OS.str(), "r.json");
  ASSERT_TRUE(bool(Back)) << llvm::toString(Back.takeError());
  EXPECT_EQ(text(*Back), text(R));
  EXPECT_EQ(plotSvg(*Back), plotSvg(R));
  ASSERT_TRUE(Back->S.Model.has_value());
  EXPECT_EQ(Back->S.Model->Digest, "3333333333333333");
  EXPECT_EQ(Back->S.Scale, 1.0 / 255);
}

/// The error of reading \p R's JSON after \p Edit changed it.
std::string readEdited(const Results &R, llvm::function_ref<void(llvm::json::Object &)> Edit) {
  llvm::json::Value V = resultsToJson(R);
  Edit(*V.getAsObject());
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  OS << V;
  return errorOf(resultsFromJson(OS.str(), "r.json"));
}

llvm::json::Object &firstInstance(llvm::json::Object &O) {
  return *(*(*O.getArray("points"))[0].getAsObject()->getArray("instances"))[0].getAsObject();
}

TEST(ResultsJson, RefusesDamagedFiles) {
  Results R = make(100, 95, {{0, 90}, {1, 92}});
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { O["format"] = "qnn-eval-instances 2"; }),
            "r.json: 'format' is 'qnn-eval-instances 2', not 'qnn-eval-instances 1' (results of "
            "this qnn-eval --json)");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { O.erase("data"); }),
            "r.json: 'data' is missing");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { (*O.getObject("data"))["count"] = -1; }),
            "r.json: 'data.count' must be an integer from 1 to 134217728");
  // A sweep of more values than qnn-eval runs would be a huge allocation.
  EXPECT_EQ(readEdited(R,
                       [](llvm::json::Object &O) {
                         O["sweep"] = llvm::json::Object{
                             {"name", "sigma-read"}, {"start", 0}, {"stop", 1}, {"count", 1 << 30}};
                       }),
            "r.json: 'sweep.count' must be an integer from 1 to 10000");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { O["extra"] = 1; }),
            "r.json: 'extra' is not a field of a results file");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { firstInstance(O)["correct"] = 101; }),
            "r.json: 'points[0].instances[0].correct' must be an integer from 0 to 100");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { firstInstance(O)["seed"] = 3; }),
            "r.json: 'points[0].instances[0].seed' is 3, but instance 0 runs with seed 10 "
            "(chip.seed + index)");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { firstInstance(O)["index"] = 1; }),
            "r.json: 'points[0].instances[0].seed' is 10, but instance 1 runs with seed 11 "
            "(chip.seed + index)");
  EXPECT_EQ(readEdited(R,
                       [](llvm::json::Object &O) {
                         firstInstance(O)["index"] = 1;
                         firstInstance(O)["seed"] = 11;
                       }),
            "r.json: 'points[0].instances[1]' repeats instance 1");
  EXPECT_EQ(readEdited(R,
                       [](llvm::json::Object &O) {
                         (*(*O.getArray("points"))[0].getAsObject())["instances"] =
                             llvm::json::Array();
                       }),
            "r.json: 'points[0].instances' is empty (a run has at least one instance)");
  EXPECT_EQ(readEdited(R, [](llvm::json::Object &O) { O["points"] = llvm::json::Array(); }),
            "r.json: 'points' has 0 entries, not one per value of the sweep (1)");
  EXPECT_EQ(errorOf(resultsFromJson("[1]", "r.json")),
            "r.json: not a results file of qnn-eval --json (a JSON object)");
}

TEST(Merge, UnionInIndexOrder) {
  Results A = make(100, 95, {{0, 90}, {2, 91}});
  Results B = make(100, 95, {{1, 93}, {2, 91}, {5, 80}});
  llvm::Expected<Results> M = mergeResults({B, A}, {"b.json", "a.json"});
  ASSERT_TRUE(bool(M)) << llvm::toString(M.takeError());
  EXPECT_EQ(text(*M), text(make(100, 95, {{0, 90}, {1, 93}, {2, 91}, {5, 80}})));
}

TEST(Merge, RefusesOtherSettingsAndDifferentInstances) {
  Results A = make(100, 95, {{0, 90}});
  Results B = make(100, 95, {{1, 93}});
  B.S.Image.Digest = "fedcba9876543210";
  EXPECT_EQ(errorOf(mergeResults({A, B}, {"a.json", "b.json"})),
            "b.json: 'image.xxhash64' is \"fedcba9876543210\", but \"0123456789abcdef\" in "
            "a.json; only results of the same image, data set and chip settings merge");
  B = make(100, 95, {{1, 93}});
  B.S.Analog[0].second = 0.01;
  EXPECT_EQ(errorOf(mergeResults({A, B}, {"a.json", "b.json"})),
            "b.json: 'chip.analog.sigma-read' is 0.01, but 0.005 in a.json; only results of the "
            "same image, data set and chip settings merge");
  B = make(100, 95, {{0, 91}});
  EXPECT_EQ(errorOf(mergeResults({A, B}, {"a.json", "b.json"})),
            "b.json: instance 0 (seed 10) classifies 91 images correctly, but 90 in a.json; an "
            "instance gives the same result in every run, so one of the files comes from "
            "another build or input");
}

TEST(Plot, SameResultsSameBytes) {
  Results R = make(100, 95, {{0, 90}, {1, 92}, {2, 97}});
  std::string Svg = plotSvg(R);
  EXPECT_EQ(Svg, plotSvg(R));
  EXPECT_EQ(Svg.rfind("<svg ", 0), 0u);
  EXPECT_NE(Svg.find(">accuracy (%)</text>"), std::string::npos);
  EXPECT_NE(Svg.find("stroke-dasharray"), std::string::npos);
  // Text from the files is escaped.
  R.S.Image.Name = "a<b>&c.qnnimg";
  EXPECT_NE(plotSvg(R).find("a&lt;b&gt;&amp;c.qnnimg"), std::string::npos);
}

} // namespace

//===- ThresholdHostStepsTest.cpp - Threshold and host steps executed -----===//
//
// Threshold steps (float and integer inputs, per channel), the threshold
// read-out of an MVM with an input step, and host steps, each run through a
// Session and compared with a naive loop written here.
//
//===----------------------------------------------------------------------===//
#include "qnn/Runtime/Runtime.h"
#include "gtest/gtest.h"
#include <cmath>
#include <random>

using namespace qnn;
using namespace qnn::image;
using namespace qnn::runtime;

namespace {

/// A target with default parameters, for steps that use no array.
Target plainTarget() {
  Target T;
  T.Name = "plain";
  return T;
}

Program programFor(const Target &T, std::vector<TensorDesc> Tensors, std::vector<Step> Steps,
                   std::vector<uint32_t> Inputs, std::vector<uint32_t> Outputs) {
  Program P;
  P.TargetJson = targetToJson(T);
  P.TargetFingerprint = targetFingerprint(T);
  P.Tensors = std::move(Tensors);
  P.Steps = std::move(Steps);
  P.Inputs = std::move(Inputs);
  P.Outputs = std::move(Outputs);
  return P;
}

std::vector<Tensor> run(Program P, std::vector<Tensor> Inputs, RunStats *Stats = nullptr) {
  llvm::Expected<Session> S = Session::create(std::move(P), RunOptions(), "test");
  EXPECT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError());
  if (!S)
    return {};
  llvm::Expected<std::vector<Tensor>> Out = S->run(Inputs);
  EXPECT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
  if (Stats)
    *Stats = S->stats();
  return Out ? *Out : std::vector<Tensor>();
}

/// The comparator bank written out: count the thresholds that sign * x
/// reaches.
int64_t naiveLevel(const ThresholdStep &B, uint32_t Channel, double X) {
  int64_t Count = 0;
  for (uint32_t I = 0; I < B.Count; ++I)
    if (B.Signs[Channel] * X >= B.Thresholds[Channel * B.Count + I])
      ++Count;
  return B.OutMin + B.OutStep * Count;
}

class ThresholdSteps : public ::testing::Test {
protected:
  std::mt19937_64 Rng{31};
  int64_t pick(int64_t Lo, int64_t Hi) {
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
  }

  /// Thresholds on a grid of 1/4 so that inputs hit them exactly.
  ThresholdStep bank(uint32_t Channels) {
    ThresholdStep B;
    B.Channels = Channels;
    B.Count = pick(0, 5);
    B.OutStep = pick(0, 1) ? 2 : -1;
    B.OutMin = B.OutStep > 0 ? -5 : 5;
    for (uint32_t C = 0; C < Channels; ++C) {
      std::vector<double> T;
      for (uint32_t I = 0; I < B.Count; ++I)
        T.push_back(pick(-12, 12) / 4.0);
      std::sort(T.begin(), T.end());
      B.Thresholds.insert(B.Thresholds.end(), T.begin(), T.end());
      B.Signs.push_back(pick(0, 1) ? 1 : -1);
    }
    return B;
  }
};

TEST_F(ThresholdSteps, FloatAndIntegerInputsPerChannel) {
  Target T = plainTarget();
  for (int Trial = 0; Trial < 60; ++Trial) {
    SCOPED_TRACE("trial " + std::to_string(Trial));
    Shape Dims;
    for (int64_t R = pick(1, 4); R > 0; --R)
      Dims.push_back(pick(1, 4));
    bool FloatInput = Trial % 2 == 0;
    bool PerChannel = pick(0, 2) != 0;
    int32_t Axis = static_cast<int32_t>(pick(0, Dims.size() - 1));
    uint32_t Channels = PerChannel ? Dims[Axis] : 1;
    Step S;
    S.Kind = StepKind::Threshold;
    S.Layer = "q";
    S.Inputs = {0};
    S.Outputs = {1};
    S.Threshold = bank(Channels);
    S.Threshold.Axis = PerChannel ? Axis : -1;
    DType InType = FloatInput ? DType::F32 : DType::I16;
    Program P = programFor(T, {{"x", InType, Dims, {}, {}, -1}, {"y", DType::I8, Dims, {}, {}, -1}},
                           {S}, {0}, {1});
    Tensor X(InType, Dims);
    for (double &V : X.Data)
      V = FloatInput ? pick(-16, 16) / 4.0 + (pick(0, 3) == 0 ? 0.1 : 0.0) : pick(-4, 4);
    std::vector<Tensor> Out = run(P, {X});
    ASSERT_EQ(Out.size(), 1u);
    ASSERT_EQ(Out[0].Dims, Dims);
    std::vector<int64_t> Strides = stridesOf(Dims);
    for (int64_t E = 0; E < X.size(); ++E) {
      uint32_t C = PerChannel ? (E / Strides[Axis]) % Dims[Axis] : 0;
      EXPECT_EQ(Out[0].Data[E], naiveLevel(S.Threshold, C, X.Data[E])) << "element " << E;
    }
  }
}

/// Binary inputs {-1, +1} drive the rows as (x + 1) >> 1; each output
/// counts the thresholds its accumulator reaches.
TEST_F(ThresholdSteps, MvmThresholdReadoutWithInputStep) {
  for (int Trial = 0; Trial < 40; ++Trial) {
    SCOPED_TRACE("trial " + std::to_string(Trial));
    Target T;
    T.Name = "bin";
    T.Tiles = 1;
    T.ArraysPerTile = 1;
    T.Rows = 8;
    T.Cols = 8;
    T.Neurons = 8;
    T.CellBits = 2;
    T.DacBits = pick(1, 2);
    T.ActBits = 8;
    T.AdcBits = 8; // 8 rows x level 3 fit: exact read-out
    uint32_t K = pick(1, 8), N = pick(1, 8);
    ArrayImage A;
    A.Rows = A.Cols = 8;
    A.Levels.assign(64, 0);
    for (uint32_t R = 0; R < K; ++R)
      for (uint32_t C = 0; C < N; ++C)
        A.Levels[R * 8 + C] = pick(0, 3);
    Step S;
    S.Layer = "fc";
    S.Inputs = {0};
    S.Outputs = {1};
    MvmStep &M = S.Mvm;
    M.K = K;
    M.N = N;
    M.InputShift = 1;
    M.InputStepShift = 1;
    M.Polarity = PolarityMode::Unipolar;
    for (uint32_t C = 0; C < N; ++C)
      M.Columns.push_back({C, 1, 0});
    M.Blocks = {{0, 0, 0, 0, K, 0, N, {}}};
    for (uint32_t C = 0; C < N; ++C)
      M.Bias.push_back(pick(-3, 3));
    M.Requant = RequantMode::Threshold;
    M.Threshold = bank(N);
    for (double &Th : M.Threshold.Thresholds)
      Th = std::round(Th * 2); // integer thresholds around the sums
    Program P = programFor(
        T, {{"x", DType::I8, {-1, K}, {}, {}, -1}, {"y", DType::I8, {-1, N}, {}, {}, -1}}, {S}, {0},
        {1});
    P.Arrays.push_back(A);
    int64_t Rows = pick(1, 3);
    Tensor X(DType::I8, {Rows, K});
    for (double &V : X.Data)
      V = pick(0, 1) ? 1 : -1;
    std::vector<Tensor> Out = run(P, {X});
    ASSERT_EQ(Out.size(), 1u);
    for (int64_t R = 0; R < Rows; ++R)
      for (uint32_t C = 0; C < N; ++C) {
        int64_t Acc = M.Bias[C];
        for (uint32_t I = 0; I < K; ++I)
          Acc += (X.Data[R * K + I] > 0 ? 1 : 0) * A.Levels[I * 8 + C];
        EXPECT_EQ(Out[0].Data[R * N + C], naiveLevel(M.Threshold, C, Acc))
            << "row " << R << " output " << C;
      }
  }
}

/// A host Softmax over a host Mul by an embedded constant: the values of
/// exp/sum, and the step costs nothing on the chip.
TEST(HostSteps, RunOffTheChip) {
  Target T = plainTarget();
  Step Mul;
  Mul.Kind = StepKind::Host;
  Mul.Layer = "scale";
  Mul.Inputs = {0};
  Mul.Outputs = {1};
  Mul.Host = {"Mul", {}, {-1, 0}, {{DType::F32, {3}, {1, 2, -1}}}};
  Step Soft;
  Soft.Kind = StepKind::Host;
  Soft.Layer = "softmax";
  Soft.Inputs = {1};
  Soft.Outputs = {2};
  Soft.Host = {"Softmax", {{"axis", 1}}, {0}, {}};
  Program P = programFor(T,
                         {{"x", DType::F32, {-1, 3}, {}, {}, -1},
                          {"s", DType::F32, {-1, 3}, {}, {}, -1},
                          {"p", DType::F32, {-1, 3}, {}, {}, -1}},
                         {Mul, Soft}, {0}, {2});
  Tensor X(DType::F32, {2, 3}, {0, 1, 2, 1, -1, 0.5});
  RunStats Stats;
  std::vector<Tensor> Out = run(P, {X}, &Stats);
  ASSERT_EQ(Out.size(), 1u);
  ASSERT_EQ(Out[0].Dims, Shape({2, 3}));
  const double Scale[] = {1, 2, -1};
  for (int R = 0; R < 2; ++R) {
    double Sum = 0;
    for (int C = 0; C < 3; ++C)
      Sum += std::exp(Scale[C] * X.Data[R * 3 + C]);
    for (int C = 0; C < 3; ++C)
      EXPECT_NEAR(Out[0].Data[R * 3 + C], std::exp(Scale[C] * X.Data[R * 3 + C]) / Sum, 1e-6);
  }
  ASSERT_EQ(Stats.Steps.size(), 2u);
  for (const StepStats &S : Stats.Steps) {
    EXPECT_EQ(S.Kind, StepKind::Host);
    EXPECT_EQ(S.HostElements, 6u);
    EXPECT_EQ(S.NmpuOps + S.BufferBytes + S.TransferBytes, 0u);
    EXPECT_EQ(S.EnergyPj, 0.0);
  }
  EXPECT_EQ(Stats.Total.EnergyPj, 0.0);
}

TEST(HostSteps, ResultsThatDisagreeWithTheImageAreRefused) {
  Target T = plainTarget();
  Step Arg;
  Arg.Kind = StepKind::Host;
  Arg.Layer = "argmax";
  Arg.Inputs = {0};
  Arg.Outputs = {1};
  Arg.Host = {"ArgMax", {{"axis", 1}}, {0}, {}};
  // keepdims = 1 makes [1, 1], the image says [1].
  Program P =
      programFor(T, {{"x", DType::F32, {1, 3}, {}, {}, -1}, {"c", DType::I64, {1}, {}, {}, -1}},
                 {Arg}, {0}, {1});
  Session S = llvm::cantFail(Session::create(P, RunOptions(), "a.img"));
  llvm::Expected<std::vector<Tensor>> Out = S.run({Tensor(DType::F32, {1, 3}, {1, 2, 3})});
  ASSERT_FALSE(static_cast<bool>(Out));
  EXPECT_EQ(llvm::toString(Out.takeError()),
            "step 0 ('argmax'): host op ArgMax makes i64 1x1 for output 'c', the image "
            "declares i64 1");
}

} // namespace

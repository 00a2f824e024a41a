//===- ThresholdHostImageTest.cpp - Threshold banks and host steps --------===//
//
// The image fields of issue 3: an MVM's threshold read-out and input step,
// standalone threshold steps and host steps survive the round trip, and the
// verifier refuses every inconsistency with a message naming the step.
//
//===----------------------------------------------------------------------===//
#include "RandomProgram.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Target/Target.h"
#include "gtest/gtest.h"
#include <cmath>
#include <functional>

using namespace qnn;
using namespace qnn::image;

namespace {

/// x f32[1,3] -threshold-> xb i8[1,3] -mvm(threshold)-> h u8[1,2]
/// -dequantize-> hf f32[1,2] -host Mul(hf, const)-> y f32[1,2]
/// -host TopK(y, const k)-> v f32[1,1], i i64[1,1].
Program binaryProgram() {
  Program P = tinyProgram(1);
  P.Tensors = {{"x", DType::F32, {1, 3}, {}, {}, -1}, {"xb", DType::I8, {1, 3}, {}, {}, -1},
               {"h", DType::U8, {1, 2}, {}, {}, -1},  {"hf", DType::F32, {1, 2}, {}, {}, -1},
               {"y", DType::F32, {1, 2}, {}, {}, -1}, {"v", DType::F32, {1, 1}, {}, {}, -1},
               {"i", DType::I64, {1, 1}, {}, {}, -1}};
  P.Inputs = {0};
  P.Outputs = {5, 6};
  ArrayImage A;
  A.Rows = A.Cols = 4;
  A.Levels.assign(16, 1);
  P.Arrays.push_back(A);

  Step Sign;
  Sign.Kind = StepKind::Threshold;
  Sign.Layer = "sign";
  Sign.Inputs = {0};
  Sign.Outputs = {1};
  Sign.Threshold = {1, 3, 1, {0.0, 0.5, -0.25}, {1, 1, -1}, -1, 2};
  P.Steps.push_back(Sign);

  Step Fc;
  Fc.Layer = "fc";
  Fc.Inputs = {1};
  Fc.Outputs = {2};
  MvmStep &M = Fc.Mvm;
  M.K = 3;
  M.N = 2;
  M.InputShift = 1;
  M.InputStepShift = 1;
  M.Columns = {{0, 1, 0}, {1, 1, 0}};
  M.Blocks = {{0, 0, 0, 0, 3, 0, 2, {}}};
  M.Bias = {0, -1};
  M.Requant = RequantMode::Threshold;
  M.Threshold = {-1, 2, 2, {1, 2, -3, 0.5}, {1, -1}, 0, 1};
  P.Steps.push_back(Fc);

  Step Dq;
  Dq.Kind = StepKind::Dequantize;
  Dq.Layer = "dq";
  Dq.Inputs = {2};
  Dq.Outputs = {3};
  Dq.Quant.Scale = {1.0f};
  Dq.Quant.ZeroPoint = {0};
  P.Steps.push_back(Dq);

  Step Mul;
  Mul.Kind = StepKind::Host;
  Mul.Layer = "denorm";
  Mul.Inputs = {3};
  Mul.Outputs = {4};
  Mul.Host = {"Mul", {}, {0, -1}, {{DType::F32, {2}, {0.5, 0.25}}}};
  P.Steps.push_back(Mul);

  Step Top;
  Top.Kind = StepKind::Host;
  Top.Layer = "top";
  Top.Inputs = {4};
  Top.Outputs = {5, 6};
  Top.Host = {"TopK", {{"axis", -1}, {"largest", 1}}, {0, -1}, {{DType::I64, {1}, {1}}}};
  P.Steps.push_back(Top);
  return P;
}

std::string errorOf(llvm::Expected<Program> P) { return P ? "" : llvm::toString(P.takeError()); }

TEST(ThresholdHostImage, RoundTripKeepsEveryNewField) {
  Program P = binaryProgram();
  llvm::Expected<std::vector<uint8_t>> Bytes = writeImage(P);
  ASSERT_TRUE(static_cast<bool>(Bytes)) << llvm::toString(Bytes.takeError());
  llvm::Expected<Program> Q = readImage(*Bytes, "b.img");
  ASSERT_TRUE(static_cast<bool>(Q)) << llvm::toString(Q.takeError());
  ASSERT_EQ(Q->Steps.size(), 5u);

  const ThresholdStep &S = Q->Steps[0].Threshold;
  EXPECT_EQ(Q->Steps[0].Kind, StepKind::Threshold);
  EXPECT_EQ(S.Axis, 1);
  EXPECT_EQ(S.Channels, 3u);
  EXPECT_EQ(S.Count, 1u);
  EXPECT_EQ(S.Thresholds, std::vector<double>({0.0, 0.5, -0.25}));
  EXPECT_EQ(S.Signs, std::vector<int8_t>({1, 1, -1}));
  EXPECT_EQ(S.OutMin, -1);
  EXPECT_EQ(S.OutStep, 2);

  const MvmStep &M = Q->Steps[1].Mvm;
  EXPECT_EQ(M.InputStepShift, 1);
  EXPECT_EQ(M.Requant, RequantMode::Threshold);
  EXPECT_EQ(M.Threshold.Channels, 2u);
  EXPECT_EQ(M.Threshold.Count, 2u);
  EXPECT_EQ(M.Threshold.Thresholds, std::vector<double>({1, 2, -3, 0.5}));
  EXPECT_EQ(M.Threshold.Signs, std::vector<int8_t>({1, -1}));

  const HostStep &H = Q->Steps[4].Host;
  EXPECT_EQ(Q->Steps[4].Kind, StepKind::Host);
  EXPECT_EQ(H.Op, "TopK");
  EXPECT_EQ(H.IntAttrs,
            (std::vector<std::pair<std::string, int64_t>>{{"axis", -1}, {"largest", 1}}));
  EXPECT_EQ(H.Operands, std::vector<int32_t>({0, -1}));
  ASSERT_EQ(H.Constants.size(), 1u);
  EXPECT_EQ(H.Constants[0].Type, DType::I64);
  EXPECT_EQ(H.Constants[0].Dims, std::vector<int64_t>({1}));
  EXPECT_EQ(H.Constants[0].Data, std::vector<double>({1}));
  EXPECT_EQ(Q->Steps[4].Outputs, std::vector<uint32_t>({5, 6}));
  EXPECT_EQ(Q->Steps[3].Host.Constants[0].Data, std::vector<double>({0.5, 0.25}));
}

TEST(ThresholdHostImage, VerifierRefusals) {
  ASSERT_EQ(errorOf(readImage(llvm::cantFail(encodeImage(binaryProgram())), "b.img")), "");
  struct Case {
    std::function<void(Program &)> Break;
    std::string Message;
  } Cases[] = {
      {[](Program &P) { P.Steps[0].Threshold.Thresholds.pop_back(); },
       "b.img: step 0 ('sign'): 2 thresholds and 3 signs for 3 channels of 1 thresholds"},
      {[](Program &P) { P.Steps[0].Threshold.Signs[2] = 0; },
       "b.img: step 0 ('sign'): threshold channel 2 has sign 0, not +1 or -1"},
      {[](Program &P) { P.Steps[0].Threshold.Axis = 0; },
       "b.img: step 0 ('sign'): 3 threshold channels along axis 0 of a 1x3 input"},
      {[](Program &P) { P.Steps[0].Threshold.OutStep = 200; },
       "b.img: step 0 ('sign'): threshold levels -1 + 200 * [0, 1] do not fit the output type "
       "i8 (an integer type and a non-zero step are needed)"},
      {[](Program &P) { P.Steps[0].Outputs = {3}; },
       "b.img: step 0 ('sign'): threshold levels -1 + 2 * [0, 1] do not fit the output type f32 "
       "(an integer type and a non-zero step are needed)"},
      {[](Program &P) {
         P.Steps[1].Mvm.Threshold.Thresholds = {1, 2, 0.5, -3};
       },
       "b.img: step 1 ('fc'): thresholds of channel 1 are not ascending (threshold 1 is -3 "
       "after 0.5)"},
      {[](Program &P) { P.Steps[1].Mvm.Threshold.Thresholds[0] = NAN; },
       "b.img: step 1 ('fc'): thresholds of channel 0 are not ascending (threshold 0 is nan)"},
      {[](Program &P) {
         P.Steps[1].Mvm.Threshold.Channels = 1;
         P.Steps[1].Mvm.Threshold.Count = 4;
       },
       "b.img: step 1 ('fc'): threshold read-out has 1 channels for N = 2"},
      {[](Program &P) { P.Steps[1].Mvm.InputStepShift = 8; },
       "b.img: step 1 ('fc'): input step shift 8 leaves no bit of act_bits = 8"},
      {[](Program &P) { P.Steps[3].Host.Op = "Gemm"; },
       "b.img: step 3 ('denorm'): unknown host op 'Gemm' (host ops: Add, Sub, Mul, Div, Relu, "
       "BatchNormalization, Softmax, ArgMax, TopK)"},
      {[](Program &P) {
         P.Steps[3].Host.Operands = {0, -2};
       },
       "b.img: step 3 ('denorm'): host operand 1 is -2, out of range (1 inputs, 1 constants)"},
      {[](Program &P) {
         P.Steps[3].Host.Operands = {1, -1};
       },
       "b.img: step 3 ('denorm'): host operand 0 is 1, out of range (1 inputs, 1 constants)"},
      {[](Program &P) { P.Steps[3].Host.Operands = {0}; },
       "b.img: step 3 ('denorm'): host op Mul has 1 operands, it takes 2"},
      {[](Program &P) { P.Steps[3].Host.Constants[0].Dims = {3}; },
       "b.img: step 3 ('denorm'): host constant 0 is f32 3 but holds 2 values"},
      {[](Program &P) { P.Steps[3].Host.Constants[0].Dims = {-1}; },
       "b.img: step 3 ('denorm'): host constant 0 has dimension 0 = -1; sizes are non-negative"},
      {[](Program &P) {
         P.Steps[4].Host.IntAttrs = {{"largest", 1}, {"axis", -1}};
       },
       "b.img: step 4 ('top'): host op attributes are not sorted by name ('axis' after "
       "'largest')"},
      {[](Program &P) {
         P.Steps[4].Host.IntAttrs = {{"keepdims", 1}};
       },
       "b.img: step 4 ('top'): host op TopK has no attribute 'keepdims'"},
      {[](Program &P) { P.Steps[4].Outputs = {5}; },
       "b.img: step 4 ('top'): has 1 inputs and 1 outputs"},
  };
  for (const Case &C : Cases) {
    Program P = binaryProgram();
    C.Break(P);
    EXPECT_EQ(errorOf(readImage(llvm::cantFail(encodeImage(P)), "b.img")), C.Message);
  }
}

} // namespace

//===- SliceStepTest.cpp - The Slice step through writer, reader, verifier ===//
#include "qnn/Image/ImageReader.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Runtime/ImageLayout.h"
#include "gtest/gtest.h"
#include <functional>

using namespace qnn;
using namespace qnn::image;

namespace {

/// x [3, 2, 4] -> slice along axis 0 of [1, 3) -> y [2, 2, 4], quantized alike.
Program sliceProgram() {
  Target T;
  T.Name = "t";
  T.Tiles = 2;
  T.ArraysPerTile = 1;
  T.Rows = 4;
  T.Cols = 4;
  T.Neurons = 4;
  Program P;
  P.TargetJson = targetToJson(T);
  P.TargetFingerprint = targetFingerprint(T);
  P.ModelName = "sliced";
  P.Tensors = {{"x", DType::I8, {3, 2, 4}, {0.25f}, {-3}, -1},
               {"y", DType::I8, {2, 2, 4}, {0.25f}, {-3}, -1}};
  P.Inputs = {0};
  P.Outputs = {1};
  Step S;
  S.Kind = StepKind::Slice;
  S.Layer = "mm";
  S.Inputs = {0};
  S.Outputs = {1};
  S.Tile = 1;
  S.StartCycle = 5;
  S.Cycles = 17;
  S.Slice.Axis = 0;
  S.Slice.Start = 1;
  S.Slice.Size = 2;
  P.Steps.push_back(S);
  return P;
}

std::string errorOf(llvm::Expected<Program> P) {
  if (P)
    return "";
  return llvm::toString(P.takeError());
}

TEST(SliceStep, RoundTripKeepsEveryField) {
  Program P = sliceProgram();
  llvm::Expected<std::vector<uint8_t>> Bytes = writeImage(P);
  ASSERT_TRUE(static_cast<bool>(Bytes)) << llvm::toString(Bytes.takeError());
  llvm::Expected<Program> Q = readImage(*Bytes, "s.img");
  ASSERT_TRUE(static_cast<bool>(Q)) << llvm::toString(Q.takeError());
  ASSERT_EQ(Q->Steps.size(), 1u);
  const Step &S = Q->Steps[0];
  EXPECT_EQ(S.Kind, StepKind::Slice);
  EXPECT_EQ(S.Layer, "mm");
  EXPECT_EQ(S.Inputs, std::vector<uint32_t>{0});
  EXPECT_EQ(S.Outputs, std::vector<uint32_t>{1});
  EXPECT_EQ(S.Tile, 1u);
  EXPECT_EQ(S.StartCycle, 5u);
  EXPECT_EQ(S.Cycles, 17u);
  EXPECT_EQ(S.Slice.Axis, 0);
  EXPECT_EQ(S.Slice.Start, 1);
  EXPECT_EQ(S.Slice.Size, 2);
  EXPECT_EQ(Q->Tensors[1].Dims, (std::vector<int64_t>{2, 2, 4}));
}

TEST(SliceStep, OtherAxesAndEdgesRoundTrip) {
  // The last axis, a slice of the whole dimension and one of its last entry.
  for (auto [Start, Size] : {std::pair<int64_t, int64_t>{0, 4}, {3, 1}}) {
    Program P = sliceProgram();
    P.Steps[0].Slice = {2, Start, Size};
    P.Tensors[1].Dims = {3, 2, Size};
    llvm::Expected<Program> Q = readImage(llvm::cantFail(writeImage(P)), "s.img");
    ASSERT_TRUE(static_cast<bool>(Q)) << llvm::toString(Q.takeError());
    EXPECT_EQ(Q->Steps[0].Slice.Axis, 2);
    EXPECT_EQ(Q->Steps[0].Slice.Start, Start);
    EXPECT_EQ(Q->Steps[0].Slice.Size, Size);
  }
}

TEST(SliceStep, VerifierRefusesSlicesOutsideTheInput) {
  struct Case {
    std::function<void(Program &)> Break;
    std::string Message;
  } Cases[] = {
      {[](Program &P) { P.Steps[0].Slice.Axis = 3; },
       "s.img: step 0 ('mm'): slice axis 3 is out of range for the input's rank 3"},
      {[](Program &P) { P.Steps[0].Slice.Axis = -1; },
       "s.img: step 0 ('mm'): slice axis -1 is out of range for the input's rank 3"},
      {[](Program &P) { P.Steps[0].Slice.Start = 2; },
       "s.img: step 0 ('mm'): slice [2, 4) does not fit dimension 0 of size 3"},
      {[](Program &P) { P.Steps[0].Slice.Start = -1; },
       "s.img: step 0 ('mm'): slice [-1, 1) does not fit dimension 0 of size 3"},
      {[](Program &P) { P.Steps[0].Slice.Size = 1; },
       "s.img: step 0 ('mm'): slice output is i8 2x2x4, expected i8 1x2x4"},
      {[](Program &P) { P.Tensors[1].Type = DType::U8; },
       "s.img: step 0 ('mm'): slice output is u8 2x2x4, expected i8 2x2x4"},
      {[](Program &P) { P.Tensors[1].ZeroPoint = {0}; },
       "s.img: step 0 ('mm'): slice output quantization differs from the input's; a slice "
       "copies the data"},
      {[](Program &P) {
         P.Tensors[0].Dims[0] = -1;
         P.Tensors[1].Dims[0] = -1;
       },
       "s.img: step 0 ('mm'): slice axis 0 is the batch; only static dimensions can be sliced"},
      {[](Program &P) {
         P.Steps[0].Inputs = {0, 0};
       },
       "s.img: step 0 ('mm'): has 2 inputs and 1 outputs"},
  };
  for (const Case &C : Cases) {
    Program P = sliceProgram();
    C.Break(P);
    EXPECT_EQ(errorOf(readImage(llvm::cantFail(encodeImage(P)), "s.img")), C.Message);
  }
}

} // namespace

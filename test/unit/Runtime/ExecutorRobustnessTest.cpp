//===- ExecutorRobustnessTest.cpp - Valid images, inconsistent shapes -----===//
//
// The image verifier cannot know the batch, so shape mismatches between a
// step and its tensors surface only while executing: they must be errors
// naming the step, never a crash.
//
//===----------------------------------------------------------------------===//
#include "../Image/RandomProgram.h"
#include "qnn/Runtime/Runtime.h"
#include "gtest/gtest.h"

using namespace qnn;
using namespace qnn::image;
using namespace qnn::runtime;

namespace {

TEST(ExecutorRobustness, RandomProgramsRunOrFailCleanly) {
  std::mt19937_64 Rng(17);
  unsigned Ran = 0, Refused = 0;
  for (uint64_t Seed = 1; Seed <= 400; ++Seed) {
    Program P = RandomProgram(Seed).make();
    for (NmpuMode Mode : {NmpuMode::Fixed, NmpuMode::Fp32, NmpuMode::Fp16}) {
      RunOptions O;
      O.Nmpu = Mode;
      O.Analog = Seed % 2;
      llvm::Expected<Session> S = Session::create(P, O, "random");
      if (!S) { // e.g. a step that reads a tensor no step writes
        llvm::consumeError(S.takeError());
        ++Refused;
        continue;
      }
      std::vector<Tensor> Inputs;
      for (uint32_t I : P.Inputs) {
        const TensorDesc &D = P.Tensors[I];
        Shape Dims = D.Dims;
        for (int64_t &Dim : Dims)
          Dim = Dim < 0 ? 2 : Dim;
        Tensor T(D.Type, Dims);
        for (double &V : T.Data)
          V = isInteger(D.Type) ? std::uniform_int_distribution<int64_t>(
                                      std::max<int64_t>(minValue(D.Type), -1000),
                                      std::min<int64_t>(maxValue(D.Type), 1000))(Rng)
                                : std::uniform_real_distribution<double>(-5, 5)(Rng);
        Inputs.push_back(std::move(T));
      }
      llvm::Expected<std::vector<Tensor>> Out = S->run(Inputs);
      if (Out) {
        ++Ran;
        continue;
      }
      std::string Message = llvm::toString(Out.takeError());
      EXPECT_FALSE(Message.empty());
      ++Refused;
    }
  }
  EXPECT_GT(Refused, 0u);
  RecordProperty("ran", Ran);
}

} // namespace

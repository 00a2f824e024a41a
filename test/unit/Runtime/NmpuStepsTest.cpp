//===- NmpuStepsTest.cpp - NMPU-only steps vs naive references ------------===//
#include "qnn/Image/ImageWriter.h"
#include "qnn/Runtime/Runtime.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/Support/FileSystem.h"
#include "gtest/gtest.h"
#include <cmath>
#include <random>

using namespace qnn;
using namespace qnn::image;
using namespace qnn::runtime;

namespace {

/// A Program of one step over tensors 0..N-1 (inputs first, the output last).
Program oneStep(Step S, std::vector<TensorDesc> Tensors) {
  Target T;
  T.Name = "nmpu";
  Program P;
  P.TargetJson = targetToJson(T);
  P.TargetFingerprint = targetFingerprint(T);
  P.Tensors = std::move(Tensors);
  uint32_t Out = P.Tensors.size() - 1;
  for (uint32_t I = 0; I < Out; ++I)
    if (std::find(P.Inputs.begin(), P.Inputs.end(), I) == P.Inputs.end())
      P.Inputs.push_back(I);
  P.Outputs = {Out};
  if (S.Inputs.empty())
    S.Inputs = P.Inputs;
  S.Outputs = {Out};
  P.Steps.push_back(std::move(S));
  return P;
}

Tensor run(const Program &P, std::vector<Tensor> Inputs, NmpuMode Mode) {
  RunOptions O;
  O.Nmpu = Mode;
  Session S = llvm::cantFail(Session::create(P, O, "nmpu"));
  llvm::Expected<std::vector<Tensor>> Out = S.run(Inputs);
  EXPECT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
  return Out ? (*Out)[0] : Tensor();
}

class NmpuSteps : public ::testing::Test {
protected:
  std::mt19937_64 Rng{2024};
  int64_t pick(int64_t Lo, int64_t Hi) {
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
  }
  float real(float Lo, float Hi) { return std::uniform_real_distribution<float>(Lo, Hi)(Rng); }
  Tensor randomInts(DType T, Shape S, int64_t Lo, int64_t Hi) {
    Tensor X(T, S);
    for (double &V : X.Data)
      V = pick(Lo, Hi);
    return X;
  }
};

TEST_F(NmpuSteps, QuantizePerTensorPerAxisAndBlocked) {
  const DType Types[] = {DType::U8, DType::I8, DType::I4,  DType::U4,
                         DType::I2, DType::U2, DType::I16, DType::U16};
  for (int Trial = 0; Trial < 120; ++Trial) {
    Shape Dims = {pick(1, 3), pick(1, 4), pick(1, 5)};
    DType OutType = Types[Trial % 8];
    Step S;
    S.Kind = StepKind::Quantize;
    int Mode = Trial % 3; // per tensor, per axis, blocked
    int64_t Axis = pick(0, 2), Block = pick(1, 3);
    // The scale tensor's shape: the input's, with the axis reduced.
    Shape ScaleDims = Dims;
    if (Mode == 0)
      ScaleDims = {};
    else if (Mode == 1)
      ScaleDims = {Dims[Axis]};
    else
      ScaleDims[Axis] = (Dims[Axis] + Block - 1) / Block;
    for (int64_t I = 0; I < numElements(ScaleDims); ++I) {
      S.Quant.Scale.push_back(real(0.01f, 0.5f));
      S.Quant.ZeroPoint.push_back(pick(minValue(OutType), maxValue(OutType)));
    }
    S.Quant.Axis = Mode == 0 ? -1 : Axis;
    S.Quant.BlockSize = Mode == 2 ? Block : 0;
    Program P = oneStep(S, {{"x", DType::F32, Dims, {}, {}, -1}, {"q", OutType, Dims, {}, {}, -1}});
    Tensor X(DType::F32, Dims);
    for (double &V : X.Data)
      V = roundToF32(real(-30, 30));
    Tensor Q = run(P, {X}, NmpuMode::Fixed);
    ASSERT_EQ(Q.Dims, Dims);
    for (int64_t A = 0; A < Dims[0]; ++A)
      for (int64_t B = 0; B < Dims[1]; ++B)
        for (int64_t C = 0; C < Dims[2]; ++C) {
          int64_t Idx[3] = {A, B, C};
          int64_t Si = 0;
          if (Mode == 1) {
            Si = Idx[Axis];
          } else if (Mode == 2) {
            Idx[Axis] /= Block;
            Si = (Idx[0] * ScaleDims[1] + Idx[1]) * ScaleDims[2] + Idx[2];
          }
          int64_t E = (A * Dims[1] + B) * Dims[2] + C;
          float Scaled = std::nearbyintf(static_cast<float>(X.Data[E]) / S.Quant.Scale[Si]);
          double Want = std::clamp<double>(Scaled + S.Quant.ZeroPoint[Si], minValue(OutType),
                                           maxValue(OutType));
          ASSERT_EQ(Q.Data[E], Want) << "trial " << Trial << " element " << E;
        }
  }
}

TEST_F(NmpuSteps, DequantizeToF32AndF16) {
  Step S;
  S.Kind = StepKind::Dequantize;
  S.Quant.Scale = {0.0123f, 3.3f};
  S.Quant.ZeroPoint = {3, -7};
  S.Quant.Axis = 1;
  for (DType Out : {DType::F32, DType::F16}) {
    Program P = oneStep(S, {{"q", DType::I8, {2, 2}, {}, {}, -1}, {"y", Out, {2, 2}, {}, {}, -1}});
    Tensor Q(DType::I8, {2, 2}, {-128, 127, 5, 100});
    Tensor Y = run(P, {Q}, NmpuMode::Fixed);
    for (int I = 0; I < 4; ++I) {
      float F = static_cast<float>(Q.Data[I] - S.Quant.ZeroPoint[I % 2]) * S.Quant.Scale[I % 2];
      double Want = Out == DType::F16 ? halfToFloat(floatToHalf(F)) : F;
      EXPECT_EQ(Y.Data[I], Want);
    }
  }
}

TEST_F(NmpuSteps, PoolingWithPaddingStridesAndDilations) {
  for (int Trial = 0; Trial < 60; ++Trial) {
    PoolStep Pool;
    Pool.IsMax = Trial % 3 == 0;
    Pool.Global = Trial % 3 == 2;
    Pool.KernelH = pick(1, 3), Pool.KernelW = pick(1, 3);
    Pool.StrideH = pick(1, 2), Pool.StrideW = pick(1, 2);
    Pool.DilationH = Pool.IsMax ? pick(1, 2) : 1;
    Pool.DilationW = Pool.IsMax ? pick(1, 2) : 1;
    Pool.PadTop = pick(0, Pool.KernelH - 1), Pool.PadBottom = pick(0, Pool.KernelH - 1);
    Pool.PadLeft = pick(0, Pool.KernelW - 1), Pool.PadRight = pick(0, Pool.KernelW - 1);
    Pool.CountIncludePad = pick(0, 1);
    Pool.InScale = real(0.01f, 1), Pool.OutScale = real(0.01f, 1);
    Pool.InZeroPoint = pick(0, 20), Pool.OutZeroPoint = pick(0, 20);
    if (Pool.IsMax)
      Pool.OutScale = Pool.InScale, Pool.OutZeroPoint = Pool.InZeroPoint;
    int64_t B = pick(1, 2), C = pick(1, 3);
    int64_t H = pick(Pool.DilationH * (Pool.KernelH - 1) + 1, 7);
    int64_t W = pick(Pool.DilationW * (Pool.KernelW - 1) + 1, 7);
    int64_t OH = 1, OW = 1;
    if (!Pool.Global) {
      OH = (H + Pool.PadTop + Pool.PadBottom - Pool.DilationH * (Pool.KernelH - 1) - 1) /
               Pool.StrideH +
           1;
      OW = (W + Pool.PadLeft + Pool.PadRight - Pool.DilationW * (Pool.KernelW - 1) - 1) /
               Pool.StrideW +
           1;
    }
    Step S;
    S.Kind = StepKind::Pool;
    S.Pool = Pool;
    Program P = oneStep(S, {{"x", DType::U8, {B, C, H, W}, {}, {}, -1},
                            {"y", DType::U8, {B, C, OH, OW}, {}, {}, -1}});
    Tensor X = randomInts(DType::U8, {B, C, H, W}, 0, 255);
    Tensor Fp32 = run(P, {X}, NmpuMode::Fp32), Fixed = run(P, {X}, NmpuMode::Fixed);
    int64_t KH = Pool.Global ? H : Pool.KernelH, KW = Pool.Global ? W : Pool.KernelW;
    for (int64_t Plane = 0; Plane < B * C; ++Plane)
      for (int64_t I = 0; I < OH; ++I)
        for (int64_t J = 0; J < OW; ++J) {
          double Max = -1;
          float Sum = 0;
          int Valid = 0, Padded = 0;
          for (int64_t A = 0; A < KH; ++A)
            for (int64_t Bk = 0; Bk < KW; ++Bk) {
              int64_t Y = Pool.Global ? A : I * Pool.StrideH + A * Pool.DilationH - Pool.PadTop;
              int64_t Xc = Pool.Global ? Bk : J * Pool.StrideW + Bk * Pool.DilationW - Pool.PadLeft;
              ++Padded; // the window never leaves the padded input here
              if (Y < 0 || Y >= H || Xc < 0 || Xc >= W)
                continue;
              double V = X.Data[(Plane * H + Y) * W + Xc];
              Max = std::max(Max, V);
              Sum += static_cast<float>(V - Pool.InZeroPoint) * Pool.InScale;
              ++Valid;
            }
          double Want;
          if (Pool.IsMax) {
            Want = Max;
          } else {
            float Avg = Sum / static_cast<float>(Pool.CountIncludePad ? Padded : Valid);
            Want = std::clamp<double>(std::nearbyintf(Avg / Pool.OutScale) + Pool.OutZeroPoint, 0,
                                      255);
          }
          int64_t E = (Plane * OH + I) * OW + J;
          ASSERT_EQ(Fp32.Data[E], Want) << "trial " << Trial << " element " << E;
          ASSERT_LE(std::abs(Fixed.Data[E] - Want), 1) << "trial " << Trial << " element " << E;
        }
  }
}

// The fixed NMPU rounds Value * 2^-Shift half to even, as ONNX does; ties
// are common (averages of 4 values, power-of-two multipliers), so they are
// drawn on purpose beside random values of both signs.
TEST(NmpuArith, RoundingShiftIsHalfToEven) {
  std::mt19937_64 Rng(7);
  for (int Trial = 0; Trial < 100000; ++Trial) {
    int32_t Shift = static_cast<int32_t>(Rng() % 40);
    int64_t Value = static_cast<int64_t>(Rng() % (int64_t(1) << 50)) - (int64_t(1) << 49);
    if (Trial % 3 == 0 && Shift > 0) { // an exact tie: a multiple of 2^Shift plus half
      int64_t Unit = int64_t(1) << Shift;
      Value = Value - ((Value % Unit) + Unit) % Unit + Unit / 2;
    }
    long double Want = std::nearbyint(std::ldexp(static_cast<long double>(Value), -Shift));
    ASSERT_EQ(nmpu::roundingShift(Value, Shift), static_cast<int64_t>(Want))
        << Value << " * 2^-" << Shift;
  }
  EXPECT_EQ(nmpu::roundingShift(5, 1), 2);
  EXPECT_EQ(nmpu::roundingShift(7, 1), 4);
  EXPECT_EQ(nmpu::roundingShift(-5, 1), -2);
  EXPECT_EQ(nmpu::roundingShift(-7, 1), -4);
  EXPECT_EQ(nmpu::roundingShift(-3, 2), -1);
}

// applyFixedMultiplier takes 64-bit arithmetic for 31-bit accumulators and
// 128-bit beyond: both round as roundingShift does on the exact product,
// at the bounds and across them, ties included.
TEST(NmpuArith, FixedMultiplierMatchesExactProduct) {
  std::mt19937_64 Rng(11);
  const int64_t Bound = int64_t(1) << 31;
  const int64_t Edges[] = {0, 1, -1, Bound - 1, -Bound + 1, Bound, -Bound, Bound + 1};
  for (int Trial = 0; Trial < 200000; ++Trial) {
    nmpu::FixedMultiplier F{static_cast<int32_t>(Rng() >> 33), static_cast<int32_t>(Rng() % 63)};
    if (Trial % 5 == 0)
      F.Mult = -F.Mult;
    int64_t Acc = Trial % 7 == 0 ? Edges[Trial / 7 % 8]
                                 : static_cast<int64_t>(Rng() % (4 * Bound)) - 2 * Bound;
    if (Trial % 3 == 0 && F.Shift > 0 && F.Mult % 2 != 0 && F.Mult != 0)
      Acc = (int64_t(1) << (F.Shift - 1)) / F.Mult; // near a tie where the product allows
    __int128 Exact = static_cast<__int128>(Acc) * F.Mult;
    ASSERT_EQ(nmpu::applyFixedMultiplier(Acc, F), nmpu::roundingShift(Exact, F.Shift))
        << Acc << " * " << F.Mult << " * 2^-" << F.Shift;
  }
  // Ties in 64-bit arithmetic: 3 * 1 * 2^-1 = 1.5 -> 2, 5 * 2^-1 = 2.5 -> 2.
  EXPECT_EQ(nmpu::applyFixedMultiplier(3, {1, 1}), 2);
  EXPECT_EQ(nmpu::applyFixedMultiplier(5, {1, 1}), 2);
  EXPECT_EQ(nmpu::applyFixedMultiplier(-5, {1, 1}), -2);
  EXPECT_EQ(nmpu::applyFixedMultiplier(-3, {1, 1}), -2);
}

// addFixed takes 64-bit arithmetic for small activations and close shifts,
// 128-bit otherwise: both round the exact sum of the two products once.
TEST(NmpuArith, AddFixedMatchesExactSum) {
  std::mt19937_64 Rng(13);
  auto draw = [&](int64_t Span) { return static_cast<int64_t>(Rng() % (2 * Span)) - Span; };
  for (int Trial = 0; Trial < 200000; ++Trial) {
    nmpu::FixedMultiplier FA{static_cast<int32_t>(Rng() >> 33), static_cast<int32_t>(Rng() % 40)};
    nmpu::FixedMultiplier FB{static_cast<int32_t>(Rng() >> 33),
                             Trial % 2 ? FA.Shift : static_cast<int32_t>(Rng() % 40)};
    int64_t Span = Trial % 4 == 0 ? int64_t(1) << 20 : int64_t(1) << 16;
    int64_t A = draw(Span), B = draw(Span);
    int32_t Shift = std::max(FA.Shift, FB.Shift);
    __int128 Exact =
        static_cast<__int128>(A) * FA.Mult * (static_cast<__int128>(1) << (Shift - FA.Shift)) +
        static_cast<__int128>(B) * FB.Mult * (static_cast<__int128>(1) << (Shift - FB.Shift));
    ASSERT_EQ(nmpu::addFixed(A, FA, B, FB), nmpu::roundingShift(Exact, Shift))
        << A << " * " << FA.Mult << " >> " << FA.Shift << " + " << B << " * " << FB.Mult << " >> "
        << FB.Shift;
  }
  // 1 * 2^-1 + 2 * 2^-1 = 1.5 -> 2; 1 * 2^-1 + 0 = 0.5 -> 0.
  EXPECT_EQ(nmpu::addFixed(1, {1, 1}, 2, {1, 1}), 2);
  EXPECT_EQ(nmpu::addFixed(1, {1, 1}, 0, {1, 1}), 0);
}

TEST_F(NmpuSteps, AddBroadcastsLikeNumpy) {
  int64_t Compared = 0, FixedDiffers = 0;
  for (int Trial = 0; Trial < 40; ++Trial) {
    Shape Out = {pick(1, 2), pick(1, 3), pick(1, 3), pick(1, 4)};
    // B drops leading dimensions and sets some of the rest to 1.
    Shape BDims(Out.begin() + pick(0, 3), Out.end());
    for (int64_t &D : BDims)
      if (pick(0, 1))
        D = 1;
    Step S;
    S.Kind = StepKind::Combine;
    CombineStep &C = S.Combine;
    C.Kind = CombineStep::Op::Add;
    C.InScale = {real(0.01f, 0.2f), real(0.01f, 0.2f)};
    C.InZeroPoint = {static_cast<int32_t>(pick(-10, 10)), static_cast<int32_t>(pick(-10, 10))};
    C.OutScale = real(0.05f, 0.3f);
    C.OutZeroPoint = pick(-5, 5);
    C.ClampMin = -128, C.ClampMax = 127;
    for (int I = 0; I < 2; ++I) {
      nmpu::FixedMultiplier F = nmpu::quantizeMultiplier(double(C.InScale[I]) / C.OutScale, 32);
      C.InFixedMultiplier.push_back(F.Mult);
      C.InFixedShift.push_back(F.Shift);
    }
    Program P = oneStep(S, {{"a", DType::I8, Out, {}, {}, -1},
                            {"b", DType::I8, BDims, {}, {}, -1},
                            {"y", DType::I8, Out, {}, {}, -1}});
    Tensor A = randomInts(DType::I8, Out, -128, 127), B = randomInts(DType::I8, BDims, -128, 127);
    Tensor Fp32 = run(P, {A, B}, NmpuMode::Fp32), Fixed = run(P, {A, B}, NmpuMode::Fixed);
    std::vector<int64_t> BStr = stridesOf(BDims);
    for (int64_t E = 0; E < A.size(); ++E) {
      int64_t Idx[4] = {E / (Out[1] * Out[2] * Out[3]), (E / (Out[2] * Out[3])) % Out[1],
                        (E / Out[3]) % Out[2], E % Out[3]};
      int64_t BE = 0;
      for (size_t D = 0; D < BDims.size(); ++D)
        BE += (BDims[D] == 1 ? 0 : Idx[4 - BDims.size() + D]) * BStr[D];
      float Sum = static_cast<float>(A.Data[E] - C.InZeroPoint[0]) * C.InScale[0] +
                  static_cast<float>(B.Data[BE] - C.InZeroPoint[1]) * C.InScale[1];
      double Want =
          std::clamp<double>(std::nearbyintf(Sum / C.OutScale) + C.OutZeroPoint, -128, 127);
      ASSERT_EQ(Fp32.Data[E], Want) << "trial " << Trial << " element " << E;
      // Fixed: the exact sum of both rescaled inputs, rounded half to even once
      // (long double holds the 40-bit products and their sum exactly).
      long double Exact = 0;
      for (int I = 0; I < 2; ++I) {
        int64_t Q = (I == 0 ? static_cast<int64_t>(A.Data[E]) : static_cast<int64_t>(B.Data[BE])) -
                    C.InZeroPoint[I];
        Exact +=
            std::ldexp(static_cast<long double>(Q) * C.InFixedMultiplier[I], -C.InFixedShift[I]);
      }
      double WantFixed = std::clamp<double>(std::nearbyint(Exact) + C.OutZeroPoint, -128, 127);
      ASSERT_EQ(Fixed.Data[E], WantFixed) << "trial " << Trial << " element " << E;
      ++Compared;
      FixedDiffers += Fixed.Data[E] != Want;
    }
  }
  // One rounding, like the float reference: the two differ only where the
  // 31-bit multipliers move a sum across a rounding boundary.
  EXPECT_LT(FixedDiffers * 100, Compared) << FixedDiffers << " of " << Compared;
}

TEST_F(NmpuSteps, ConcatRescalesEachInput) {
  Step S;
  S.Kind = StepKind::Combine;
  CombineStep &C = S.Combine;
  C.Kind = CombineStep::Op::Concat;
  C.Axis = 1;
  C.InScale = {0.5f, 0.25f};
  C.InZeroPoint = {10, 0};
  C.OutScale = 0.5f;
  C.OutZeroPoint = 10;
  C.ClampMin = 0, C.ClampMax = 255;
  for (int I = 0; I < 2; ++I) {
    nmpu::FixedMultiplier F = nmpu::quantizeMultiplier(double(C.InScale[I]) / C.OutScale, 32);
    C.InFixedMultiplier.push_back(F.Mult);
    C.InFixedShift.push_back(F.Shift);
  }
  Program P = oneStep(S, {{"a", DType::U8, {2, 1, 2}, {}, {}, -1},
                          {"b", DType::U8, {2, 2, 2}, {}, {}, -1},
                          {"y", DType::U8, {2, 3, 2}, {}, {}, -1}});
  Tensor A(DType::U8, {2, 1, 2}, {0, 1, 2, 3});
  Tensor B(DType::U8, {2, 2, 2}, {4, 5, 6, 7, 8, 9, 10, 11});
  // b halves (scale 0.25 -> 0.5, half to even) and moves to zero point 10.
  std::vector<double> Want = {0, 1, 12, 12, 13, 14, 2, 3, 14, 14, 15, 16};
  EXPECT_EQ(run(P, {A, B}, NmpuMode::Fp32).Data, Want);
  // Fixed point rounds ties to even as well: 5/2 -> 2, 9/2 -> 4, 11/2 -> 6.
  EXPECT_EQ(run(P, {A, B}, NmpuMode::Fixed).Data, Want);
}

TEST_F(NmpuSteps, WrongInputsAreErrors) {
  Step S;
  S.Kind = StepKind::Reshape;
  Program P =
      oneStep(S, {{"x", DType::U8, {-1, 2, 3}, {}, {}, -1}, {"y", DType::U8, {-1, 6}, {}, {}, -1}});
  Session Sess = llvm::cantFail(Session::create(P, RunOptions(), "r"));
  auto ErrorOf = [&](std::vector<Tensor> In) {
    llvm::Expected<std::vector<Tensor>> Out = Sess.run(In);
    return Out ? std::string() : llvm::toString(Out.takeError());
  };
  EXPECT_EQ(ErrorOf({}), "the model takes 1 inputs ('x'), 0 given");
  EXPECT_EQ(ErrorOf({Tensor(DType::I8, {1, 2, 3})}),
            "input 'x' has element type i8, the model expects u8");
  EXPECT_EQ(ErrorOf({Tensor(DType::U8, {1, 3, 2})}),
            "input 'x' has shape 1x3x2, the model expects ?x2x3");
  Tensor Batch(DType::U8, {3, 2, 3});
  for (size_t I = 0; I < Batch.Data.size(); ++I)
    Batch.Data[I] = I;
  llvm::Expected<std::vector<Tensor>> Out = Sess.run({Batch});
  ASSERT_TRUE(static_cast<bool>(Out));
  EXPECT_EQ((*Out)[0].Dims, Shape({3, 6}));
  EXPECT_EQ((*Out)[0].Data, Batch.Data);
  EXPECT_EQ(Sess.stats().Total.Samples, 3u);
}

TEST_F(NmpuSteps, ShapeMismatchesNameTheStep) {
  auto ErrorOf = [](Step S, std::vector<TensorDesc> Tensors) {
    S.Layer = "bad";
    Program P = oneStep(S, Tensors);
    llvm::Expected<Session> Sess = Session::create(P, RunOptions(), "m");
    if (!Sess)
      return llvm::toString(Sess.takeError());
    std::vector<Tensor> In;
    for (uint32_t I : P.Inputs)
      In.push_back(Tensor(P.Tensors[I].Type, P.Tensors[I].Dims));
    llvm::Expected<std::vector<Tensor>> Out = Sess->run(In);
    return Out ? std::string() : llvm::toString(Out.takeError());
  };
  Step Pool;
  Pool.Kind = StepKind::Pool;
  EXPECT_EQ(
      ErrorOf(Pool, {{"x", DType::U8, {1, 4}, {}, {}, -1}, {"y", DType::U8, {1, 4}, {}, {}, -1}}),
      "m: step 0 ('bad'): input 1x4 and output 1x4 are not the NCHW shapes of a pooling");
  Step Add;
  Add.Kind = StepKind::Combine;
  Add.Combine.InScale = {1, 1};
  Add.Combine.InZeroPoint = {0, 0};
  Add.Combine.InFixedMultiplier = {1, 1};
  Add.Combine.InFixedShift = {0, 0};
  EXPECT_EQ(ErrorOf(Add, {{"a", DType::U8, {2, 3}, {}, {}, -1},
                          {"b", DType::U8, {2}, {}, {}, -1},
                          {"y", DType::U8, {2, 3}, {}, {}, -1}}),
            "step 0 ('bad'): input 2 does not broadcast to the output 2x3");
  Step Concat = Add;
  Concat.Combine.Kind = CombineStep::Op::Concat;
  Concat.Combine.Axis = 1;
  EXPECT_EQ(ErrorOf(Concat, {{"a", DType::U8, {2, 3}, {}, {}, -1},
                             {"b", DType::U8, {2, 1}, {}, {}, -1},
                             {"y", DType::U8, {2, 5}, {}, {}, -1}}),
            "step 0 ('bad'): inputs add up to 4 along axis 1, the output has 5");
  Step Quant;
  Quant.Kind = StepKind::Quantize;
  Quant.Quant.Scale = {1, 2, 3};
  Quant.Quant.ZeroPoint = {0, 0, 0};
  Quant.Quant.Axis = 1;
  EXPECT_EQ(
      ErrorOf(Quant, {{"x", DType::F32, {2, 4}, {}, {}, -1}, {"q", DType::U8, {2, 4}, {}, {}, -1}}),
      "step 0 ('bad'): 3 scales for a 2x4 tensor along axis 1 (expected 4)");
  Step Reshape;
  Reshape.Kind = StepKind::Reshape;
  EXPECT_EQ(
      ErrorOf(Reshape, {{"x", DType::U8, {2, 4}, {}, {}, -1}, {"y", DType::U8, {7}, {}, {}, -1}}),
      "step 0 ('bad'): input 2x4 and output 7 differ in size");
}

/// Results are stored as their type (qnn::TypedTensor): a clamp wider than
/// an i4 output wraps, as the reference interpreters' stores do.
TEST_F(NmpuSteps, ResultsWrapToTheirType) {
  Step S;
  S.Kind = StepKind::Clamp;
  S.Clamp.ClampMin = -20;
  S.Clamp.ClampMax = 20;
  Program P =
      oneStep(S, {{"x", DType::I16, {-1, 4}, {}, {}, -1}, {"y", DType::I4, {-1, 4}, {}, {}, -1}});
  Tensor X(DType::I16, {2, 4}, {-300, -20, -9, 0, 7, 8, 15, 300});
  Tensor Y = run(P, {X}, NmpuMode::Fixed);
  EXPECT_EQ(Y.Type, DType::I4);
  std::vector<double> Want;
  for (double V : X.Data)
    Want.push_back(storeAs(DType::I4, std::clamp(V, -20.0, 20.0)));
  EXPECT_EQ(Y.Data, Want);
}

TEST_F(NmpuSteps, LoadReadsAndVerifiesTheImageFile) {
  Step S;
  S.Kind = StepKind::Clamp;
  S.Clamp.ClampMin = 2;
  S.Clamp.ClampMax = 5;
  Program P =
      oneStep(S, {{"x", DType::U8, {-1, 3}, {}, {}, -1}, {"y", DType::U8, {-1, 3}, {}, {}, -1}});
  llvm::SmallString<128> Path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("qnn-runtime-test", "qnnimg", Path));
  ASSERT_FALSE(static_cast<bool>(writeImageFile(P, Path)));
  llvm::Expected<Session> Sess = Session::load(Path, RunOptions());
  ASSERT_TRUE(static_cast<bool>(Sess)) << llvm::toString(Sess.takeError());
  std::vector<Tensor> Out =
      llvm::cantFail(Sess->run({Tensor(DType::U8, {2, 3}, {0, 3, 9, 5, 1, 2})}));
  EXPECT_EQ(Out[0].Data, std::vector<double>({2, 3, 5, 5, 2, 2}));
  llvm::sys::fs::remove(Path);
  llvm::Expected<Session> Missing = Session::load(Path, RunOptions());
  ASSERT_FALSE(static_cast<bool>(Missing));
  EXPECT_NE(llvm::toString(Missing.takeError()).find("cannot read the image"), std::string::npos);
}

} // namespace

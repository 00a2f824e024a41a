//===- HostOpsTest.cpp - Host op kernels vs hand-computed expectations ----===//
#include "qnn/Support/HostOps.h"
#include "gtest/gtest.h"
#include <cmath>
#include <random>

using namespace qnn;

namespace {

using Attrs = std::vector<std::pair<std::string, int64_t>>;
using FloatAttrs = std::vector<std::pair<std::string, double>>;

std::vector<Tensor> run(llvm::StringRef Op, std::vector<const Tensor *> In, Attrs A = {},
                        FloatAttrs F = {}) {
  std::vector<Tensor> Out;
  llvm::Error E = runHostOp(Op, {A, F}, In, Out);
  EXPECT_FALSE(static_cast<bool>(E)) << llvm::toString(std::move(E));
  return Out;
}

std::string errorOf(llvm::StringRef Op, std::vector<const Tensor *> In, Attrs A = {},
                    FloatAttrs F = {}) {
  std::vector<Tensor> Out;
  llvm::Error E = runHostOp(Op, {A, F}, In, Out);
  return E ? llvm::toString(std::move(E)) : "";
}

TEST(HostOps, BinaryOpsBroadcast) {
  Tensor A(DType::F32, {2, 3}, {1, 2, 3, 4, 5, 6});
  Tensor Row(DType::F32, {3}, {10, 20, 30});
  Tensor Col(DType::F32, {2, 1}, {2, 4});
  Tensor Scalar(DType::F32, {}, {0.5});
  EXPECT_EQ(run("Add", {&A, &Row})[0], Tensor(DType::F32, {2, 3}, {11, 22, 33, 14, 25, 36}));
  EXPECT_EQ(run("Sub", {&Row, &A})[0], Tensor(DType::F32, {2, 3}, {9, 18, 27, 6, 15, 24}));
  EXPECT_EQ(run("Mul", {&A, &Col})[0], Tensor(DType::F32, {2, 3}, {2, 4, 6, 16, 20, 24}));
  EXPECT_EQ(run("Div", {&A, &Scalar})[0], Tensor(DType::F32, {2, 3}, {2, 4, 6, 8, 10, 12}));
  // [2, 1] against [3] makes [2, 3].
  EXPECT_EQ(run("Add", {&Col, &Row})[0], Tensor(DType::F32, {2, 3}, {12, 22, 32, 14, 24, 34}));
  // Results round to float32: 1/3 is not a double here.
  Tensor One(DType::F32, {}, {1}), Three(DType::F32, {}, {3});
  EXPECT_EQ(run("Div", {&One, &Three})[0].Data[0], static_cast<double>(1.0f / 3.0f));
}

TEST(HostOps, IntegerDivisionTruncates) {
  Tensor A(DType::I32, {4}, {7, -7, 9, -1});
  Tensor B(DType::I32, {4}, {2, 2, -4, 3});
  EXPECT_EQ(run("Div", {&A, &B})[0], Tensor(DType::I32, {4}, {3, -3, -2, 0}));
  Tensor Zero(DType::I32, {}, {0});
  EXPECT_EQ(errorOf("Div", {&A, &Zero}), "integer division by zero");
}

TEST(HostOps, Relu) {
  Tensor A(DType::F32, {2, 2}, {-1.5, 0, 2.25, -0.0});
  EXPECT_EQ(run("Relu", {&A})[0], Tensor(DType::F32, {2, 2}, {0, 0, 2.25, 0}));
}

TEST(HostOps, BatchNormByHand) {
  // Channel 0: (1 - 0.5) / sqrt(3.75 + 0.25) * -2 + 1 = 0.5;
  // channel 1: (-2 - -1) / sqrt(0 + 0.25) * 0.5 + 0 = -1.
  Tensor X(DType::F32, {1, 2}, {1, -2});
  Tensor Scale(DType::F32, {2}, {-2, 0.5}), B(DType::F32, {2}, {1, 0});
  Tensor Mean(DType::F32, {2}, {0.5, -1}), Var(DType::F32, {2}, {3.75, 0});
  EXPECT_EQ(run("BatchNormalization", {&X, &Scale, &B, &Mean, &Var}, {}, {{"epsilon", 0.25}})[0],
            Tensor(DType::F32, {1, 2}, {0.5, -1}));
  // The default epsilon is 1e-5 as a float32 (ONNX stores it so), and the
  // result is rounded to float32 once.
  Tensor One(DType::F32, {1, 1}, {1}), Unit(DType::F32, {1}, {1}), Zero(DType::F32, {1}, {0});
  Tensor Y = run("BatchNormalization", {&One, &Unit, &Zero, &Zero, &Zero})[0];
  EXPECT_EQ(Y.Data[0],
            static_cast<double>(static_cast<float>(1 / std::sqrt(static_cast<double>(1e-5f)))));
}

TEST(HostOps, BatchNormMatchesTheFormulaOverNCHWAndNC) {
  std::mt19937_64 Rng(5);
  std::uniform_real_distribution<float> Value(-4, 4), Variance(0, 9);
  for (int Trial = 0; Trial < 40; ++Trial) {
    // [N, C, H, W] on even trials, [N, C] on odd ones.
    int64_t N = 1 + Rng() % 3, C = 1 + Rng() % 4;
    int64_t H = Trial % 2 ? 1 : 1 + Rng() % 3, W = Trial % 2 ? 1 : 1 + Rng() % 4;
    Shape S = Trial % 2 ? Shape{N, C} : Shape{N, C, H, W};
    Tensor X(DType::F32, S);
    for (double &V : X.Data)
      V = Value(Rng);
    Tensor Scale(DType::F32, {C}), B(DType::F32, {C}), Mean(DType::F32, {C}), Var(DType::F32, {C});
    for (int64_t K = 0; K < C; ++K) {
      Scale.Data[K] = Value(Rng); // negative scales too
      B.Data[K] = Value(Rng);
      Mean.Data[K] = Value(Rng);
      Var.Data[K] = Variance(Rng);
    }
    float Eps = Trial % 3 ? 1e-3f : 0.5f;
    Tensor Y = run("BatchNormalization", {&X, &Scale, &B, &Mean, &Var}, {{"training_mode", 0}},
                   {{"epsilon", Eps}})[0];
    ASSERT_EQ(Y.Dims, S);
    ASSERT_EQ(Y.Type, DType::F32);
    for (int64_t In = 0; In < N; ++In)
      for (int64_t K = 0; K < C; ++K)
        for (int64_t I = 0; I < H * W; ++I) {
          int64_t E = (In * C + K) * H * W + I;
          float Want = static_cast<float>((X.Data[E] - Mean.Data[K]) /
                                              std::sqrt(Var.Data[K] + double(Eps)) * Scale.Data[K] +
                                          B.Data[K]);
          EXPECT_FLOAT_EQ(Y.Data[E], Want) << "trial " << Trial << " element " << E;
        }
  }
}

TEST(HostOps, SoftmaxSumsToOneAndMatchesExpOverSum) {
  std::mt19937_64 Rng(7);
  std::uniform_real_distribution<float> Value(-6, 6);
  for (int Trial = 0; Trial < 30; ++Trial) {
    Shape S = {1 + int64_t(Rng() % 3), 1 + int64_t(Rng() % 4), 1 + int64_t(Rng() % 5)};
    int64_t Axis = int64_t(Rng() % 3) - (Trial % 2 ? 3 : 0); // negative axes too
    int64_t A = Axis < 0 ? Axis + 3 : Axis;
    Tensor X(DType::F32, S);
    for (double &V : X.Data)
      V = Value(Rng);
    Tensor Y = run("Softmax", {&X}, {{"axis", Axis}})[0];
    ASSERT_EQ(Y.Dims, S);
    std::vector<int64_t> Strides = stridesOf(S);
    for (int64_t E = 0; E < X.size(); ++E) {
      // The lane of E: every index with E's coordinates but along A.
      int64_t Coord = (E / Strides[A]) % S[A], First = E - Coord * Strides[A];
      long double Sum = 0, SumY = 0;
      for (int64_t K = 0; K < S[A]; ++K) {
        Sum += std::exp(static_cast<long double>(X.Data[First + K * Strides[A]]));
        SumY += Y.Data[First + K * Strides[A]];
      }
      double Expected = static_cast<double>(std::exp(static_cast<long double>(X.Data[E])) / Sum);
      EXPECT_NEAR(Y.Data[E], Expected, 1e-6 * std::max(1.0, Expected)) << "element " << E;
      EXPECT_NEAR(static_cast<double>(SumY), 1.0, 1e-6);
    }
  }
}

TEST(HostOps, ArgMaxTiesTakeTheFirstIndexUnlessAskedForTheLast) {
  Tensor X(DType::F32, {2, 4}, {3, 1, 3, 2, 0, 5, 5, 5});
  Tensor First = run("ArgMax", {&X}, {{"axis", 1}})[0];
  EXPECT_EQ(First, Tensor(DType::I64, {2, 1}, {0, 1}));
  Tensor Last = run("ArgMax", {&X}, {{"axis", -1}, {"keepdims", 0}, {"select_last_index", 1}})[0];
  EXPECT_EQ(Last, Tensor(DType::I64, {2}, {2, 3}));
  // The default axis is 0.
  EXPECT_EQ(run("ArgMax", {&X})[0], Tensor(DType::I64, {1, 4}, {0, 1, 1, 1}));
}

TEST(HostOps, TopKTiesKeepTheLowerIndexFirst) {
  Tensor X(DType::F32, {5}, {1, 3, 3, 2, 3});
  Tensor K2(DType::I64, {1}, {2}), K3(DType::I64, {1}, {3}), K0(DType::I64, {1}, {0});
  std::vector<Tensor> Top = run("TopK", {&X, &K2});
  ASSERT_EQ(Top.size(), 2u);
  EXPECT_EQ(Top[0], Tensor(DType::F32, {2}, {3, 3}));
  EXPECT_EQ(Top[1], Tensor(DType::I64, {2}, {1, 2}));
  std::vector<Tensor> Low = run("TopK", {&X, &K3}, {{"largest", 0}});
  EXPECT_EQ(Low[0], Tensor(DType::F32, {3}, {1, 2, 3}));
  EXPECT_EQ(Low[1], Tensor(DType::I64, {3}, {0, 3, 1}));
  EXPECT_EQ(run("TopK", {&X, &K0})[1], Tensor(DType::I64, {0}, {}));
}

TEST(HostOps, TopKAlongAnInnerAxisMatchesANaiveSelection) {
  std::mt19937_64 Rng(11);
  for (int Trial = 0; Trial < 40; ++Trial) {
    Shape S = {1 + int64_t(Rng() % 3), 1 + int64_t(Rng() % 5), 1 + int64_t(Rng() % 3)};
    int64_t Axis = Rng() % 3, K = Rng() % (S[Axis] + 1);
    bool Largest = Rng() % 2;
    Tensor X(DType::F32, S);
    for (double &V : X.Data)
      V = static_cast<double>(Rng() % 4); // many ties
    Tensor KT(DType::I64, {1}, {static_cast<double>(K)});
    std::vector<Tensor> R = run("TopK", {&X, &KT}, {{"axis", Axis}, {"largest", Largest}});
    Shape OutS = S;
    OutS[Axis] = K;
    ASSERT_EQ(R[0].Dims, OutS);
    std::vector<int64_t> In = stridesOf(S), Out = stridesOf(OutS);
    for (int64_t E = 0; E < R[0].size(); ++E) {
      // Rank of output position I along the axis: the I-th pick of a naive
      // selection that takes the best remaining value, lowest index on ties.
      int64_t I = (E / Out[Axis]) % K;
      int64_t Base = E - I * Out[Axis];
      int64_t Outer = Base / (K * Out[Axis]), Inner = Base % Out[Axis];
      int64_t First = Outer * S[Axis] * In[Axis] + Inner;
      std::vector<bool> Taken(S[Axis], false);
      int64_t Pick = -1;
      for (int64_t Round = 0; Round <= I; ++Round) {
        Pick = -1;
        for (int64_t J = 0; J < S[Axis]; ++J) {
          if (Taken[J])
            continue;
          double V = X.Data[First + J * In[Axis]];
          if (Pick < 0 ||
              (Largest ? V > X.Data[First + Pick * In[Axis]] : V < X.Data[First + Pick * In[Axis]]))
            Pick = J;
        }
        Taken[Pick] = true;
      }
      EXPECT_EQ(R[1].Data[E], Pick) << "trial " << Trial << " element " << E;
      EXPECT_EQ(R[0].Data[E], X.Data[First + Pick * In[Axis]]);
    }
  }
}

TEST(HostOps, Refusals) {
  Tensor F(DType::F32, {2, 3}), G(DType::F32, {4}), I(DType::I32, {2, 3});
  Tensor K(DType::I64, {1}, {4}), KF(DType::F32, {1}, {1});
  EXPECT_EQ(errorOf("Gemm", {&F}),
            "'Gemm' is not a host op (host ops: Add, Sub, Mul, Div, Relu, BatchNormalization, "
            "Softmax, ArgMax, TopK)");
  EXPECT_EQ(errorOf("Add", {&F}), "Add takes 2 operands, 1 given");
  EXPECT_EQ(errorOf("Add", {&F, nullptr}), "Add takes 2 operands, 1 given");
  EXPECT_EQ(errorOf("Add", {&F, &I}), "operands have different types f32 and i32");
  EXPECT_EQ(errorOf("Mul", {&F, &G}), "shapes 2x3 and 4 do not broadcast (dimension 3 vs 4)");
  EXPECT_EQ(errorOf("Softmax", {&I}), "input must be a float tensor, it is i32");
  EXPECT_EQ(errorOf("Softmax", {&F}, {{"axis", 2}}), "axis 2 is out of range for rank 2");
  EXPECT_EQ(errorOf("TopK", {&F, &K}), "k = 4 is out of range for axis 1 of size 3");
  EXPECT_EQ(errorOf("TopK", {&F, &KF}), "k must be a one-element i64 tensor, it is f32 1");
  Tensor Empty(DType::F32, {2, 0});
  EXPECT_EQ(errorOf("ArgMax", {&Empty}, {{"axis", 1}}),
            "axis 1 is empty; ArgMax needs at least one element");
  Tensor Tall(DType::F32, {1 << 15, 1}), Wide(DType::F32, {1, 1 << 14});
  EXPECT_EQ(errorOf("Add", {&Tall, &Wide}),
            "the result 32768x16384 has more than 268435456 elements");
  Tensor Row(DType::F32, {3}), Three(DType::F32, {3}), Two(DType::F32, {2});
  Tensor IntScale(DType::I32, {3});
  EXPECT_EQ(
      errorOf("BatchNormalization", {&F, &Three, &Three, &Three, &Three}, {{"training_mode", 1}}),
      "training_mode = 1 is not supported; export the model for inference");
  EXPECT_EQ(errorOf("BatchNormalization", {&Row, &Three, &Three, &Three, &Three}),
            "X must have a rank of at least 2 (N, C, ...), its shape is 3");
  EXPECT_EQ(errorOf("BatchNormalization", {&I, &Three, &Three, &Three, &Three}),
            "X must be a float tensor, it is i32");
  EXPECT_EQ(errorOf("BatchNormalization", {&F, &Three, &Three, &Two, &Three}),
            "mean must be a float tensor of shape 3 (the channels of X), it is f32 2");
  EXPECT_EQ(errorOf("BatchNormalization", {&F, &IntScale, &Three, &Three, &Three}),
            "scale must be a float tensor of shape 3 (the channels of X), it is i32 3");
  Tensor Bad(DType::F32, {3}, {1});
  EXPECT_EQ(errorOf("Relu", {&Bad}), "Relu: an operand holds 1 values for the shape 3");
}

} // namespace

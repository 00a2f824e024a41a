//===- ChipMatchesInterpreterTest.cpp - End-to-end property tests ---------===//
//
// Random QLinearConv / QLinearMatMul / QGemm graphs at the ONNX level,
// compiled for random tiny targets through the whole pipeline, emitted,
// serialized, read back and run on the chip model in ideal mode:
//   chip (fp32 NMPU)  == reference interpreter on the ONNX-level graph
//   chip (fixed NMPU) == interpreter on the lowered IR (fixed NMPU)
//   chip (fixed NMPU) within 1 of the ONNX-level result (how often: printed)
//
//===----------------------------------------------------------------------===//
#include "qnn/Emit/Emit.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Runtime/Runtime.h"
#include "gtest/gtest.h"
#include <random>

using namespace qnn;

namespace {

using Rng = std::mt19937_64;

int64_t uniform(Rng &R, int64_t Lo, int64_t Hi) {
  return std::uniform_int_distribution<int64_t>(Lo, Hi)(R);
}

/// A tiny target on which every mapping path is exercised: arrays of a few
/// rows and columns (row and column splits), random cell and DAC widths, an
/// ADC wide enough for one row to read exactly (so exact mappings exist), and
/// room for many arrays.
Target randomTarget(Rng &R) {
  Target T;
  T.Name = "property";
  T.Tiles = 64;
  T.ArraysPerTile = 64;
  T.Rows = static_cast<unsigned>(uniform(R, 3, 16));
  T.Cols = static_cast<unsigned>(uniform(R, 3, 16));
  T.Neurons = static_cast<unsigned>(uniform(R, 1, T.Cols));
  T.BufferBytes = 1 << 20;
  T.CellBits = static_cast<unsigned>(uniform(R, 1, 4));
  T.DacBits = static_cast<unsigned>(uniform(R, 1, 8));
  T.AdcBits = static_cast<unsigned>(
      std::min<int64_t>(16, T.CellBits + T.DacBits + uniform(R, 0, 4)));
  T.WeightBits = 8;
  T.ActBits = 8;
  T.AccBits = 32;
  T.MultBits = static_cast<unsigned>(uniform(R, 16, 32));
  return T;
}

struct QParams {
  DType Type;
  float Scale;
  int64_t ZeroPoint;
};

QParams randomActivation(Rng &R) {
  DType T = uniform(R, 0, 1) ? DType::U8 : DType::I8;
  float Scale = std::ldexp(static_cast<float>(uniform(R, 1000, 9999)) / 10000.0f,
                           static_cast<int>(uniform(R, -9, -3)));
  return {T, Scale, uniform(R, minValue(T) / 2, maxValue(T) / 2)};
}

Tensor scalar(DType T, double V) { return Tensor(T, {}, {V}); }

/// Mixed: any u8/i8 weights and zero points (w - zp spans 9 signed bits).
/// Unipolar: every w - zp >= 0. Symmetric: i8 with zero point 0, the range an
/// offset mapping can store in 8 weight bits.
enum class WeightKind { Mixed, Unipolar, Symmetric };

/// Weights of \p Shape with per-tensor or per-channel (along \p Axis) scales
/// and zero points.
struct WeightSet {
  Tensor Values, Scales, ZeroPoints;
};

WeightSet randomWeights(Rng &R, const Shape &S, int64_t Axis, WeightKind Kind) {
  bool Unipolar = Kind == WeightKind::Unipolar;
  DType T = Kind == WeightKind::Symmetric || uniform(R, 0, 1) ? DType::I8 : DType::U8;
  int64_t Channels = S[Axis];
  bool PerChannel = uniform(R, 0, 1);
  int64_t NumParams = PerChannel ? Channels : 1;
  WeightSet W{Tensor(T, S), Tensor(DType::F32, PerChannel ? Shape{Channels} : Shape{}),
              Tensor(T, PerChannel ? Shape{Channels} : Shape{})};
  for (int64_t C = 0; C < NumParams; ++C) {
    W.Scales.Data[C] = std::ldexp(static_cast<float>(uniform(R, 1000, 9999)) / 10000.0f,
                                  static_cast<int>(uniform(R, -9, -5)));
    // Unipolar layers: the zero point sits at the type's minimum, so that
    // every w - zp is >= 0.
    W.ZeroPoints.Data[C] = Unipolar                        ? minValue(T)
                           : Kind == WeightKind::Symmetric ? 0
                                                           : uniform(R, minValue(T) / 4, maxValue(T) / 4);
  }
  std::vector<int64_t> Strides = stridesOf(S);
  for (int64_t I = 0; I < W.Values.size(); ++I) {
    int64_t C = PerChannel ? (I / Strides[Axis]) % Channels : 0;
    int64_t Zp = static_cast<int64_t>(W.ZeroPoints.Data[C]);
    W.Values.Data[I] = Unipolar ? uniform(R, Zp, maxValue(T)) : uniform(R, minValue(T), maxValue(T));
  }
  return W;
}

Tensor randomInput(Rng &R, DType T, const Shape &S) {
  Tensor X(T, S);
  for (double &V : X.Data)
    V = static_cast<double>(uniform(R, minValue(T), maxValue(T)));
  return X;
}

struct Case {
  std::unique_ptr<Graph> G;
  Tensor Input;
  std::string Description;
};

/// Adds the x/w/y quantization constants shared by QLinearConv and
/// QLinearMatMul, in ONNX operand order around the weight.
std::vector<Value *> qlinearOperands(Graph &G, Value *X, const QParams &XQ, const WeightSet &W,
                                     const QParams &YQ) {
  return {X,
          G.addConstant("x_scale", scalar(DType::F32, XQ.Scale)),
          G.addConstant("x_zp", scalar(XQ.Type, static_cast<double>(XQ.ZeroPoint))),
          G.addConstant("w", W.Values),
          G.addConstant("w_scale", W.Scales),
          G.addConstant("w_zp", W.ZeroPoints),
          G.addConstant("y_scale", scalar(DType::F32, YQ.Scale)),
          G.addConstant("y_zp", scalar(YQ.Type, static_cast<double>(YQ.ZeroPoint)))};
}

Tensor randomBias(Rng &R, int64_t N) {
  Tensor B(DType::I32, {N});
  for (double &V : B.Data)
    V = static_cast<double>(uniform(R, -20000, 20000));
  return B;
}

Case randomConv(Rng &R, WeightKind Kind) {
  int64_t Group = uniform(R, 1, 3);
  int64_t C = Group * uniform(R, 1, 3), M = Group * uniform(R, 1, 3);
  int64_t KH = uniform(R, 1, 3), KW = uniform(R, 1, 3);
  int64_t DH = uniform(R, 1, 2), DW = uniform(R, 1, 2);
  int64_t SH = uniform(R, 1, 3), SW = uniform(R, 1, 3);
  std::vector<int64_t> Pads = {uniform(R, 0, 2), uniform(R, 0, 2), uniform(R, 0, 2),
                               uniform(R, 0, 2)};
  int64_t H = (KH - 1) * DH + 1 + uniform(R, 0, 5), W = (KW - 1) * DW + 1 + uniform(R, 0, 5);
  int64_t Batch = uniform(R, 1, 2);
  QParams XQ = randomActivation(R), YQ = randomActivation(R);
  WeightSet Wt = randomWeights(R, {M, C / Group, KH, KW}, 0, Kind);

  Case Out;
  Out.G = std::make_unique<Graph>();
  Graph &G = *Out.G;
  Value *X = G.addValue("x", TensorType{XQ.Type, {-1, C, H, W}, std::nullopt});
  G.Inputs.push_back(X);
  std::vector<Value *> Operands = qlinearOperands(G, X, XQ, Wt, YQ);
  if (uniform(R, 0, 1))
    Operands.push_back(G.addConstant("b", randomBias(R, M)));
  int64_t OH = (H + Pads[0] + Pads[2] - ((KH - 1) * DH + 1)) / SH + 1;
  int64_t OW = (W + Pads[1] + Pads[3] - ((KW - 1) * DW + 1)) / SW + 1;
  Value *Y = G.addValue("y", TensorType{YQ.Type, {-1, M, OH, OW}, std::nullopt});
  AttrMap Attrs;
  Attrs.set("group", Group);
  Attrs.set("kernel_shape", std::vector<int64_t>{KH, KW});
  Attrs.set("strides", std::vector<int64_t>{SH, SW});
  Attrs.set("dilations", std::vector<int64_t>{DH, DW});
  // ONNX pads: [top, left, bottom, right] = [x1_begin, x2_begin, x1_end, x2_end].
  Attrs.set("pads", Pads);
  G.addOp("onnx.QLinearConv", "conv", Operands, {Y}, Attrs);
  G.Outputs.push_back(Y);
  Out.Input = randomInput(R, XQ.Type, {Batch, C, H, W});
  Out.Description = "conv C=" + std::to_string(C) + " M=" + std::to_string(M) +
                    " group=" + std::to_string(Group) + " k=" + std::to_string(KH) + "x" +
                    std::to_string(KW) + " in=" + std::to_string(H) + "x" + std::to_string(W);
  return Out;
}

Case randomMatMul(Rng &R, WeightKind Kind) {
  int64_t K = uniform(R, 1, 40), N = uniform(R, 1, 24), Rows = uniform(R, 1, 3);
  bool ThreeD = uniform(R, 0, 1);
  QParams XQ = randomActivation(R), YQ = randomActivation(R);
  WeightSet Wt = randomWeights(R, {K, N}, 1, Kind);
  Case Out;
  Out.G = std::make_unique<Graph>();
  Graph &G = *Out.G;
  Shape XShape = ThreeD ? Shape{-1, Rows, K} : Shape{-1, K};
  Shape YShape = ThreeD ? Shape{-1, Rows, N} : Shape{-1, N};
  Value *X = G.addValue("x", TensorType{XQ.Type, XShape, std::nullopt});
  G.Inputs.push_back(X);
  Value *Y = G.addValue("y", TensorType{YQ.Type, YShape, std::nullopt});
  G.addOp("onnx.QLinearMatMul", "matmul", qlinearOperands(G, X, XQ, Wt, YQ), {Y});
  G.Outputs.push_back(Y);
  XShape[0] = uniform(R, 1, 3);
  Out.Input = randomInput(R, XQ.Type, XShape);
  Out.Description = "matmul K=" + std::to_string(K) + " N=" + std::to_string(N);
  return Out;
}

std::unique_ptr<Graph> cloneGraph(const Graph &G) {
  std::string Text;
  llvm::raw_string_ostream OS(Text);
  printGraph(G, OS);
  auto Copy = parseGraph(OS.str(), "clone");
  EXPECT_TRUE(static_cast<bool>(Copy)) << llvm::toString(Copy.takeError());
  return std::move(*Copy);
}

template <typename T> T unwrap(llvm::Expected<T> E, const std::string &What) {
  if (!E) {
    ADD_FAILURE() << What << ": " << llvm::toString(E.takeError());
    return T();
  }
  return std::move(*E);
}

struct Tally {
  int64_t Elements = 0, FixedOffByOne = 0;
};

/// Compiles and runs one case through every check of the file comment.
void checkCase(Case &C, const Target &T, llvm::StringRef Polarity, Tally &Counts) {
  registerAllOps();
  SCOPED_TRACE(C.Description + " polarity=" + Polarity.str() + " rows=" +
               std::to_string(T.Rows) + " cols=" + std::to_string(T.Cols) + " cell_bits=" +
               std::to_string(T.CellBits) + " dac_bits=" + std::to_string(T.DacBits) +
               " adc_bits=" + std::to_string(T.AdcBits));
  std::vector<Tensor> Golden = unwrap(evaluateGraph(*C.G, {C.Input}), "golden");
  ASSERT_EQ(Golden.size(), 1u);

  std::unique_ptr<Graph> Lowered = cloneGraph(*C.G);
  PassContext Ctx;
  Ctx.TargetDesc = T;
  if (!Polarity.empty())
    Ctx.Options["polarity"] = Polarity.str();
  PassManager PM;
  for (const std::string &Name : defaultPipeline())
    ASSERT_FALSE(static_cast<bool>(PM.addPass(Name)));
  if (llvm::Error E = PM.run(*Lowered, Ctx))
    FAIL() << "pipeline: " << llvm::toString(std::move(E));

  EvalContext Fixed{NmpuMode::Fixed, &T}, Fp32{NmpuMode::Fp32, &T};
  std::vector<Tensor> LoweredFp32 = unwrap(evaluateGraph(*Lowered, {C.Input}, Fp32), "lowered");
  std::vector<Tensor> LoweredFixed = unwrap(evaluateGraph(*Lowered, {C.Input}, Fixed), "lowered");
  ASSERT_EQ(LoweredFp32.size(), 1u);
  EXPECT_EQ(LoweredFp32[0].Data, Golden[0].Data) << "lowered IR (fp32 NMPU) != ONNX level";

  image::Program P = unwrap(emitProgram(*Lowered, T), "emit");
  std::vector<uint8_t> Bytes = unwrap(image::writeImage(P), "write");
  image::Program Read = unwrap(image::readImage(Bytes, "property"), "read");
  for (NmpuMode Mode : {NmpuMode::Fp32, NmpuMode::Fixed}) {
    runtime::RunOptions Opts;
    Opts.Nmpu = Mode;
    auto S = runtime::Session::create(Read, Opts, "property");
    ASSERT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError());
    std::vector<Tensor> Chip = unwrap(S->run({C.Input}), "chip");
    ASSERT_EQ(Chip.size(), 1u);
    ASSERT_EQ(Chip[0].Dims, Golden[0].Dims);
    if (Mode == NmpuMode::Fp32) {
      EXPECT_EQ(Chip[0].Data, Golden[0].Data) << "chip (fp32 NMPU) != ONNX level";
      continue;
    }
    EXPECT_EQ(Chip[0].Data, LoweredFixed[0].Data) << "chip (fixed NMPU) != lowered IR";
    for (int64_t I = 0; I < Chip[0].size(); ++I) {
      double Diff = std::abs(Chip[0].Data[I] - Golden[0].Data[I]);
      EXPECT_LE(Diff, 1.0) << "fixed NMPU off by more than 1 at element " << I;
      Counts.FixedOffByOne += Diff != 0;
    }
    Counts.Elements += Chip[0].size();
  }
}

/// A matmul whose constant weight is a batch of G matrices [G, K, N]:
/// legalize-quant splits it into one qmatmul per group (slices of x
/// [G, M, K], or all of x [M, K] when \p SharedX).
Case randomBatchedMatMul(Rng &R, WeightKind Kind, bool SharedX) {
  int64_t Groups = uniform(R, 1, 4), K = uniform(R, 1, 24), N = uniform(R, 1, 12);
  int64_t Rows = uniform(R, 1, 3);
  QParams XQ = randomActivation(R), YQ = randomActivation(R);
  WeightSet Wt = randomWeights(R, {Groups, K, N}, 2, Kind);
  Case C;
  C.G = std::make_unique<Graph>();
  Graph &G = *C.G;
  Shape XShape = SharedX ? Shape{Rows, K} : Shape{Groups, Rows, K};
  Value *X = G.addValue("x", TensorType{XQ.Type, XShape, std::nullopt});
  G.Inputs.push_back(X);
  Value *Y = G.addValue("y", TensorType{YQ.Type, {Groups, Rows, N}, std::nullopt});
  G.addOp("onnx.QLinearMatMul", "matmul", qlinearOperands(G, X, XQ, Wt, YQ), {Y});
  G.Outputs.push_back(Y);
  C.Input = randomInput(R, XQ.Type, XShape);
  C.Description = "batched matmul G=" + std::to_string(Groups) + " K=" + std::to_string(K) +
                  " N=" + std::to_string(N) + (SharedX ? " shared x" : "");
  return C;
}

const char *const Polarities[] = {"", "differential", "offset"};

/// The weights a forced polarity mode can take.
WeightKind weightsFor(llvm::StringRef Polarity) {
  return Polarity == "offset" ? WeightKind::Symmetric : WeightKind::Mixed;
}

/// Checks \p Trials cases, each on a fresh random target; \p MakeCase(R,
/// Trial, Polarity) builds trial's case for the polarity it chooses. Prints
/// how often the fixed-point NMPU was one step off the ONNX-level result.
template <typename MakeFn>
void runTrials(uint64_t Seed, int Trials, llvm::StringRef Label, MakeFn MakeCase) {
  Rng R(Seed);
  Tally Counts;
  for (int Trial = 0; Trial < Trials; ++Trial) {
    Target T = randomTarget(R);
    std::string Polarity;
    Case C = MakeCase(R, Trial, Polarity);
    checkCase(C, T, Polarity, Counts);
  }
  EXPECT_GT(Counts.Elements, 0);
  std::printf("%s: fixed NMPU differs from ONNX semantics by 1 on %lld of %lld outputs\n",
              Label.str().c_str(), static_cast<long long>(Counts.FixedOffByOne),
              static_cast<long long>(Counts.Elements));
}

TEST(ChipMatchesInterpreter, RandomConvolutions) {
  runTrials(20261123, 200, "conv", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomConv(R, weightsFor(Polarity));
  });
}

TEST(ChipMatchesInterpreter, RandomMatMuls) {
  runTrials(7, 200, "matmul", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomMatMul(R, weightsFor(Polarity));
  });
}

TEST(ChipMatchesInterpreter, UnipolarLayers) {
  runTrials(99, 100, "unipolar", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Trial % 3 ? "unipolar" : "";
    return Trial % 2 ? randomConv(R, WeightKind::Unipolar)
                     : randomMatMul(R, WeightKind::Unipolar);
  });
}

TEST(ChipMatchesInterpreter, RandomBatchedWeightMatMuls) {
  runTrials(4242, 60, "batched matmul", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomBatchedMatMul(R, weightsFor(Polarity), /*SharedX=*/Trial % 4 == 3);
  });
}

} // namespace

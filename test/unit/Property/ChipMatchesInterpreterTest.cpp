//===- ChipMatchesInterpreterTest.cpp - End-to-end property tests ---------===//
//
// Random ONNX-level graphs (QLinearConv / QLinearMatMul with single or
// batched weights, ConvInteger / MatMulInteger, com.microsoft QGemm, QDQ
// Conv / Gemm with an optional Relu, and two-layer chains through a MaxPool)
// compiled for random tiny targets through the whole pipeline, emitted,
// serialized, read back and run on the chip model in ideal mode:
//   chip (fp32 NMPU)  == reference interpreter on the ONNX-level graph
//                        (within 1 where ONNX computes in float: QDQ, and
//                        QGemm with alpha != 1; how often: printed)
//   chip (fixed NMPU) == interpreter on the lowered IR (fixed NMPU)
//   chip (fixed NMPU) within 1 of the fp32 NMPU's tolerance of the ONNX-level
//                        result for single layers (how often: printed)
//
//===----------------------------------------------------------------------===//
#include "../Common/RandomQonnx.h"
#include "../Common/TempDir.h"
#include "qnn/Emit/Emit.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Parser.h"
#include "qnn/IR/Printer.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Runtime/Runtime.h"
#include "qnn/Support/TensorIO.h"
#include "gtest/gtest.h"
#include <limits>
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
  T.AdcBits =
      static_cast<unsigned>(std::min<int64_t>(16, T.CellBits + T.DacBits + uniform(R, 0, 4)));
  T.ReadGainBits = static_cast<unsigned>(uniform(R, 0, 4));
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
    W.ZeroPoints.Data[C] = Unipolar ? minValue(T)
                           : Kind == WeightKind::Symmetric
                               ? 0
                               : uniform(R, minValue(T) / 4, maxValue(T) / 4);
  }
  std::vector<int64_t> Strides = stridesOf(S);
  for (int64_t I = 0; I < W.Values.size(); ++I) {
    int64_t C = PerChannel ? (I / Strides[Axis]) % Channels : 0;
    int64_t Zp = static_cast<int64_t>(W.ZeroPoints.Data[C]);
    W.Values.Data[I] =
        Unipolar ? uniform(R, Zp, maxValue(T)) : uniform(R, minValue(T), maxValue(T));
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
  /// How far the fp32 NMPU may be from the ONNX-level result: 0 where the
  /// ONNX semantics are the chip's integer arithmetic; 1 where ONNX computes
  /// in float (QDQ) or rounds its multiplier differently (QGemm alpha != 1).
  double GoldenTolerance = 0;
  /// How many steps the fixed-point NMPU may add to that: one for a
  /// single layer; unbounded for chains, where one step of the first layer
  /// moves the second by up to its weights' sum (only counted then).
  double FixedTolerance = 1;
};

/// How the layers of a random case are written at the ONNX level.
enum class Flavor {
  QLinear, ///< QLinearConv / QLinearMatMul
  Integer, ///< ConvInteger / MatMulInteger: the int32 accumulator
  QGemm,   ///< com.microsoft QGemm (matmul only)
  Qdq,     ///< DequantizeLinear -> Conv / Gemm -> [Relu] -> QuantizeLinear
};

Tensor randomBias(Rng &R, int64_t N) {
  Tensor B(DType::I32, {N});
  for (double &V : B.Data)
    V = static_cast<double>(uniform(R, -20000, 20000));
  return B;
}

/// onnx.DequantizeLinear of \p X (per tensor, or along \p Axis) to f32.
Value *dequantize(Graph &G, Value *X, Tensor Scale, Tensor ZeroPoint, int64_t Axis) {
  Value *F = G.addValue(X->Name + "_f", TensorType{DType::F32, X->Type.Dims, std::nullopt});
  AttrMap Attrs;
  Attrs.set("axis", Axis);
  G.addOp("onnx.DequantizeLinear", X->Name + "_dq",
          {X, G.addConstant(X->Name + "_scale", std::move(Scale)),
           G.addConstant(X->Name + "_zp", std::move(ZeroPoint))},
          {F}, Attrs);
  return F;
}

/// The float operands of a QDQ Conv / Gemm: x, w (dequantized along
/// \p WAxis) and, when \p WithBias, an int32 bias of \p N entries at scale
/// x_scale * w_scale (float32 product) and zero point 0, as onnxruntime's
/// quantizer writes it.
std::vector<Value *> qdqOperands(Rng &R, Graph &G, Value *X, const QParams &XQ, const WeightSet &W,
                                 int64_t WAxis, int64_t N, bool WithBias) {
  std::vector<Value *> Operands = {
      dequantize(G, X, scalar(DType::F32, XQ.Scale),
                 scalar(XQ.Type, static_cast<double>(XQ.ZeroPoint)), 1),
      dequantize(G, G.addConstant("w", W.Values), W.Scales, W.ZeroPoints, WAxis)};
  if (!WithBias)
    return Operands;
  Tensor BiasScale = W.Scales;
  for (double &S : BiasScale.Data)
    S = static_cast<double>(XQ.Scale * static_cast<float>(S));
  Tensor BiasZp(DType::I32, BiasScale.Dims);
  Operands.push_back(
      dequantize(G, G.addConstant("b", randomBias(R, N)), std::move(BiasScale), BiasZp, 0));
  return Operands;
}

/// [Relu ->] QuantizeLinear of the float result \p F into \p Y.
void quantizeResult(Rng &R, Graph &G, Value *F, const QParams &YQ, Value *Y) {
  if (uniform(R, 0, 1)) {
    Value *Relu = G.addValue("relu", F->Type);
    G.addOp("onnx.Relu", "relu", {F}, {Relu});
    F = Relu;
  }
  G.addOp("onnx.QuantizeLinear", "quantize",
          {F, G.addConstant("y_scale", scalar(DType::F32, YQ.Scale)),
           G.addConstant("y_zp", scalar(YQ.Type, static_cast<double>(YQ.ZeroPoint)))},
          {Y});
}

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

Case randomConv(Rng &R, WeightKind Kind, Flavor F = Flavor::QLinear) {
  // Grouped ConvInteger is refused (its int32 groups cannot be concatenated
  // on the NMPU), so integer convolutions have one group.
  int64_t Group = F == Flavor::Integer ? 1 : uniform(R, 1, 3);
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
  int64_t OH = (H + Pads[0] + Pads[2] - ((KH - 1) * DH + 1)) / SH + 1;
  int64_t OW = (W + Pads[1] + Pads[3] - ((KW - 1) * DW + 1)) / SW + 1;
  Shape YShape = {-1, M, OH, OW};
  AttrMap Attrs;
  Attrs.set("group", Group);
  Attrs.set("kernel_shape", std::vector<int64_t>{KH, KW});
  Attrs.set("strides", std::vector<int64_t>{SH, SW});
  Attrs.set("dilations", std::vector<int64_t>{DH, DW});
  // ONNX pads: [top, left, bottom, right] = [x1_begin, x2_begin, x1_end, x2_end].
  Attrs.set("pads", Pads);
  const char *OpName = "QLinearConv";
  if (F == Flavor::QLinear) {
    std::vector<Value *> Operands = qlinearOperands(G, X, XQ, Wt, YQ);
    if (uniform(R, 0, 1))
      Operands.push_back(G.addConstant("b", randomBias(R, M)));
    Value *Y = G.addValue("y", TensorType{YQ.Type, YShape, std::nullopt});
    G.addOp("onnx.QLinearConv", "conv", Operands, {Y}, Attrs);
    G.Outputs.push_back(Y);
  } else if (F == Flavor::Integer) {
    OpName = "ConvInteger";
    std::vector<Value *> Operands = {
        X, G.addConstant("w", Wt.Values),
        G.addConstant("x_zp", scalar(XQ.Type, static_cast<double>(XQ.ZeroPoint)))};
    if (uniform(R, 0, 1))
      Operands.push_back(G.addConstant("w_zp", Wt.ZeroPoints));
    Value *Y = G.addValue("y", TensorType{DType::I32, YShape, std::nullopt});
    G.addOp("onnx.ConvInteger", "conv", Operands, {Y}, Attrs);
    G.Outputs.push_back(Y);
  } else {
    assert(F == Flavor::Qdq && "QGemm is a matmul");
    OpName = "QDQ Conv";
    Out.GoldenTolerance = 1;
    std::vector<Value *> Operands = qdqOperands(R, G, X, XQ, Wt, 0, M, uniform(R, 0, 1));
    Value *Conv = G.addValue("conv_f", TensorType{DType::F32, YShape, std::nullopt});
    G.addOp("onnx.Conv", "conv", Operands, {Conv}, Attrs);
    Value *Y = G.addValue("y", TensorType{YQ.Type, YShape, std::nullopt});
    quantizeResult(R, G, Conv, YQ, Y);
    G.Outputs.push_back(Y);
  }
  Out.Input = randomInput(R, XQ.Type, {Batch, C, H, W});
  Out.Description = std::string(OpName) + " C=" + std::to_string(C) + " M=" + std::to_string(M) +
                    " group=" + std::to_string(Group) + " k=" + std::to_string(KH) + "x" +
                    std::to_string(KW) + " in=" + std::to_string(H) + "x" + std::to_string(W);
  return Out;
}

Case randomMatMul(Rng &R, WeightKind Kind, Flavor F = Flavor::QLinear) {
  int64_t K = uniform(R, 1, 40), N = uniform(R, 1, 24), Rows = uniform(R, 1, 3);
  // QGemm and Gemm take matrices only.
  bool ThreeD = uniform(R, 0, 1) && (F == Flavor::QLinear || F == Flavor::Integer);
  QParams XQ = randomActivation(R), YQ = randomActivation(R);
  bool TransB = (F == Flavor::QGemm || F == Flavor::Qdq) && uniform(R, 0, 1);
  WeightSet Wt = TransB ? randomWeights(R, {N, K}, 0, Kind) : randomWeights(R, {K, N}, 1, Kind);
  Case Out;
  Out.G = std::make_unique<Graph>();
  Graph &G = *Out.G;
  Shape XShape = ThreeD ? Shape{-1, Rows, K} : Shape{-1, K};
  Shape YShape = ThreeD ? Shape{-1, Rows, N} : Shape{-1, N};
  Value *X = G.addValue("x", TensorType{XQ.Type, XShape, std::nullopt});
  G.Inputs.push_back(X);
  Value *Y = G.addValue(
      "y", TensorType{F == Flavor::Integer ? DType::I32 : YQ.Type, YShape, std::nullopt});
  std::string OpName = "QLinearMatMul";
  AttrMap Attrs;
  Attrs.set("transB", static_cast<int64_t>(TransB));
  if (F == Flavor::QLinear) {
    G.addOp("onnx.QLinearMatMul", "matmul", qlinearOperands(G, X, XQ, Wt, YQ), {Y});
  } else if (F == Flavor::Integer) {
    OpName = "MatMulInteger";
    std::vector<Value *> Operands = {
        X, G.addConstant("w", Wt.Values),
        G.addConstant("x_zp", scalar(XQ.Type, static_cast<double>(XQ.ZeroPoint)))};
    if (uniform(R, 0, 1))
      Operands.push_back(G.addConstant("w_zp", Wt.ZeroPoints));
    G.addOp("onnx.MatMulInteger", "matmul", Operands, {Y});
  } else if (F == Flavor::QGemm) {
    // Operands A, a_scale, a_zp, B, b_scale, b_zp, C, y_scale, y_zp: C is
    // optional (written as an absent operand) and sits at alpha * a_scale *
    // b_scale.
    std::vector<Value *> Operands = qlinearOperands(G, X, XQ, Wt, YQ);
    Operands.insert(Operands.begin() + 6,
                    uniform(R, 0, 1) ? G.addConstant("c", randomBias(R, N)) : nullptr);
    double Alpha = 1.0;
    if (uniform(R, 0, 1))
      Alpha = static_cast<double>(uniform(R, 500, 2000)) / 1000.0;
    Attrs.set("alpha", Alpha);
    // alpha joins the weight scale on the chip: (x_s * (w_s * alpha)) / y_s
    // may round differently from the kernel's ((x_s * w_s) / y_s) * alpha.
    Out.GoldenTolerance = Alpha == 1.0 ? 0 : 1;
    OpName = "QGemm alpha=" + std::to_string(Alpha);
    G.addOp("ms.QGemm", "gemm", Operands, {Y}, Attrs);
  } else {
    OpName = "QDQ Gemm";
    Out.GoldenTolerance = 1;
    std::vector<Value *> Operands =
        qdqOperands(R, G, X, XQ, Wt, TransB ? 0 : 1, N, uniform(R, 0, 1));
    Value *Gemm = G.addValue("gemm_f", TensorType{DType::F32, YShape, std::nullopt});
    G.addOp("onnx.Gemm", "gemm", Operands, {Gemm}, Attrs);
    quantizeResult(R, G, Gemm, YQ, Y);
  }
  G.Outputs.push_back(Y);
  XShape[0] = uniform(R, 1, 3);
  Out.Input = randomInput(R, XQ.Type, XShape);
  Out.Description =
      OpName + " K=" + std::to_string(K) + " N=" + std::to_string(N) + (TransB ? " transB" : "");
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
  int64_t Elements = 0, FixedOffByOne = 0, Fp32Differs = 0;
  /// Layers compiled with copies of their weights (--replication).
  int64_t ReplicatedLayers = 0;
  /// Layers whose read-outs may clip (lossy, or ranges from calibration data).
  int64_t LossyLayers = 0;
  /// MVM step runs, and those that ran as GEMMs (ExactMatrix.h).
  int64_t MvmRuns = 0, BatchedMvmRuns = 0;
};

/// The batched path counts what the step-by-step model counts, step by step.
void expectSameStats(const runtime::RunStats &Batched, const runtime::RunStats &Stepwise) {
  ASSERT_EQ(Batched.Steps.size(), Stepwise.Steps.size());
  for (size_t I = 0; I <= Batched.Steps.size(); ++I) {
    const runtime::StepStats &A = I < Batched.Steps.size() ? Batched.Steps[I] : Batched.Total;
    const runtime::StepStats &B = I < Stepwise.Steps.size() ? Stepwise.Steps[I] : Stepwise.Total;
    SCOPED_TRACE("step " + A.Layer);
    EXPECT_EQ(A.Samples, B.Samples);
    EXPECT_EQ(A.ArrayPhases, B.ArrayPhases);
    EXPECT_EQ(A.SequentialReads, B.SequentialReads);
    EXPECT_EQ(A.AdcConversions, B.AdcConversions);
    EXPECT_EQ(A.DacPhases, B.DacPhases);
    EXPECT_EQ(A.NmpuOps, B.NmpuOps);
    EXPECT_EQ(A.BufferBytes, B.BufferBytes);
    EXPECT_EQ(A.TransferBytes, B.TransferBytes);
    EXPECT_EQ(A.LinkBytes, B.LinkBytes);
    EXPECT_EQ(A.Cycles, B.Cycles);
  }
}

/// Checks |\p Actual - \p Golden| <= \p Tolerance element by element (exact
/// equality when it is 0); returns how many elements differ.
int64_t expectWithin(const Tensor &Actual, const Tensor &Golden, double Tolerance,
                     const char *What) {
  EXPECT_EQ(Actual.Dims, Golden.Dims) << What;
  if (Actual.Dims != Golden.Dims)
    return 0;
  if (Tolerance == 0) {
    EXPECT_EQ(Actual.Data, Golden.Data) << What;
  }
  int64_t Differs = 0;
  for (int64_t I = 0; I < Actual.size(); ++I) {
    double Diff = std::abs(Actual.Data[I] - Golden.Data[I]);
    if (Tolerance != 0) {
      EXPECT_LE(Diff, Tolerance) << What << " at element " << I;
    }
    Differs += Diff != 0;
  }
  return Differs;
}

/// Compiles and runs one case through every check of the file comment.
/// With \p RangePercentile set, the case's input is also the calibration
/// data of read-ranges: reads may clip, so the chip is checked against the
/// lowered IR only (the read-out models the clip), not the ONNX level.
void checkCase(Case &C, const Target &T, llvm::StringRef Polarity, Tally &Counts,
               llvm::StringRef Replication = "", llvm::StringRef RangePercentile = "") {
  registerAllOps();
  SCOPED_TRACE(C.Description + " polarity=" + Polarity.str() + " rows=" + std::to_string(T.Rows) +
               " cols=" + std::to_string(T.Cols) + " cell_bits=" + std::to_string(T.CellBits) +
               " dac_bits=" + std::to_string(T.DacBits) + " adc_bits=" + std::to_string(T.AdcBits));
  std::vector<Tensor> Golden = unwrap(evaluateGraph(*C.G, {C.Input}), "golden");
  ASSERT_EQ(Golden.size(), 1u);

  std::unique_ptr<Graph> Lowered = cloneGraph(*C.G);
  PassContext Ctx;
  Ctx.TargetDesc = T;
  if (!Polarity.empty())
    Ctx.Options["polarity"] = Polarity.str();
  if (!Replication.empty())
    Ctx.Options["replication"] = Replication.str();
  test::TempDir Dir;
  const bool Calibrated = !RangePercentile.empty();
  if (Calibrated) {
    std::string Data = Dir.Path + "/calibration.npy";
    ASSERT_FALSE(static_cast<bool>(writeNpyFile(C.Input, Data)));
    Ctx.Options["calibration-data"] = Data;
    Ctx.Options["range-percentile"] = RangePercentile.str();
  }
  PassManager PM;
  for (const std::string &Name : defaultPipeline())
    ASSERT_FALSE(static_cast<bool>(PM.addPass(Name)));
  if (llvm::Error E = PM.run(*Lowered, Ctx))
    FAIL() << "pipeline: " << llvm::toString(std::move(E));
  for (const auto &O : Lowered->ops()) {
    Counts.ReplicatedLayers += O->Attrs.getInt("replicas", 1) > 1;
    if (const Attribute *Readout = O->Attrs.find("readout"))
      Counts.LossyLayers += *std::get_if<std::string>(Readout) == "lossy";
  }

  EvalContext Fixed{NmpuMode::Fixed, &T}, Fp32{NmpuMode::Fp32, &T};
  std::vector<Tensor> LoweredFp32 = unwrap(evaluateGraph(*Lowered, {C.Input}, Fp32), "lowered");
  std::vector<Tensor> LoweredFixed = unwrap(evaluateGraph(*Lowered, {C.Input}, Fixed), "lowered");
  ASSERT_EQ(LoweredFp32.size(), 1u);
  ASSERT_EQ(LoweredFixed.size(), 1u);
  if (!Calibrated)
    expectWithin(LoweredFp32[0], Golden[0], C.GoldenTolerance,
                 "lowered IR (fp32 NMPU) != ONNX level");

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
    // The batched GEMMs against the step-by-step chip model: same outputs,
    // same counters.
    Opts.StepByStep = true;
    auto Stepwise = runtime::Session::create(Read, Opts, "property");
    ASSERT_TRUE(static_cast<bool>(Stepwise)) << llvm::toString(Stepwise.takeError());
    std::vector<Tensor> Reference = unwrap(Stepwise->run({C.Input}), "step by step");
    EXPECT_EQ(Chip[0].Data, Reference[0].Data) << "batched chip model != step by step";
    expectSameStats(S->stats(), Stepwise->stats());
    EXPECT_EQ(Stepwise->stats().BatchedMvmRuns, 0u);
    // Typed inputs and outputs (what qnn-run streams) hold the same values.
    std::vector<TypedTensor> Typed =
        unwrap(Stepwise->run(std::vector<TypedTensor>{TypedTensor(C.Input)}), "typed");
    EXPECT_EQ(Typed[0].toTensor(), Chip[0]) << "typed run != tensor run";
    Counts.MvmRuns += S->stats().MvmRuns;
    Counts.BatchedMvmRuns += S->stats().BatchedMvmRuns;
    if (Mode == NmpuMode::Fp32) {
      if (Calibrated)
        EXPECT_EQ(Chip[0].Data, LoweredFp32[0].Data) << "chip (fp32 NMPU) != lowered IR";
      else
        Counts.Fp32Differs +=
            expectWithin(Chip[0], Golden[0], C.GoldenTolerance, "chip (fp32 NMPU) != ONNX level");
      continue;
    }
    EXPECT_EQ(Chip[0].Data, LoweredFixed[0].Data) << "chip (fixed NMPU) != lowered IR";
    if (Calibrated) {
      Counts.Elements += Chip[0].size();
      continue;
    }
    // The fixed-point NMPU is within one step of the fp32 one.
    Counts.FixedOffByOne += expectWithin(Chip[0], Golden[0], C.FixedTolerance + C.GoldenTolerance,
                                         "fixed NMPU too far from the ONNX level");
    Counts.Elements += Chip[0].size();
  }
  // Analog mode with every non-ideality: chunks of vectors block by block
  // on two threads against the step-by-step model, one vector at a time.
  // The read noise is keyed by where it is read, so outputs and counters
  // are the same.
  runtime::RunOptions Analog;
  Analog.Analog = true;
  Analog.Seed = 11;
  Analog.Threads = 2;
  AnalogParams Noisy;
  Noisy.SigmaProgram = 0.05, Noisy.SigmaRead = 0.02, Noisy.SigmaSupply = 0.02;
  Noisy.Nonlinearity = 0.3, Noisy.SigmaGain = 0.02, Noisy.SigmaOffset = 0.01;
  Analog.AnalogOverride = Noisy;
  auto Batched = runtime::Session::create(Read, Analog, "analog");
  ASSERT_TRUE(static_cast<bool>(Batched)) << llvm::toString(Batched.takeError());
  Analog.StepByStep = true;
  auto Stepwise = runtime::Session::create(Read, Analog, "analog");
  ASSERT_TRUE(static_cast<bool>(Stepwise)) << llvm::toString(Stepwise.takeError());
  EXPECT_EQ(unwrap(Batched->run({C.Input}), "analog")[0].Data,
            unwrap(Stepwise->run({C.Input}), "analog step by step")[0].Data)
      << "analog batched != step by step";
  expectSameStats(Batched->stats(), Stepwise->stats());
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

AttrMap convAttrs(int64_t Kernel, int64_t Pad) {
  AttrMap Attrs;
  Attrs.set("kernel_shape", std::vector<int64_t>{Kernel, Kernel});
  Attrs.set("strides", std::vector<int64_t>{1, 1});
  Attrs.set("dilations", std::vector<int64_t>{1, 1});
  Attrs.set("pads", std::vector<int64_t>{Pad, Pad, Pad, Pad});
  return Attrs;
}

/// Two layers, the second reading the first's quantized result:
/// QLinearConv -> MaxPool on the u8/i8 tensor (as onnxruntime writes it) ->
/// QLinearConv, or QLinearMatMul -> QLinearMatMul.
Case randomChain(Rng &R, WeightKind Kind, bool Conv) {
  QParams XQ = randomActivation(R), MidQ = randomActivation(R), YQ = randomActivation(R);
  Case Out;
  Out.FixedTolerance = std::numeric_limits<double>::infinity();
  Out.G = std::make_unique<Graph>();
  Graph &G = *Out.G;
  auto Layer = [&](const char *OpKind, Value *In, const QParams &InQ, const WeightSet &W,
                   const QParams &ResQ, const Shape &ResShape, const AttrMap &Attrs,
                   int64_t BiasSize) {
    std::vector<Value *> Operands = qlinearOperands(G, In, InQ, W, ResQ);
    if (BiasSize && uniform(R, 0, 1))
      Operands.push_back(G.addConstant("b", randomBias(R, BiasSize)));
    Value *Res = G.addValue("y", TensorType{ResQ.Type, ResShape, std::nullopt});
    G.addOp(OpKind, G.uniqueName("layer"), Operands, {Res}, Attrs);
    return Res;
  };
  if (!Conv) {
    int64_t K = uniform(R, 1, 32), N1 = uniform(R, 1, 20), N2 = uniform(R, 1, 20);
    WeightSet W1 = randomWeights(R, {K, N1}, 1, Kind), W2 = randomWeights(R, {N1, N2}, 1, Kind);
    Value *X = G.addValue("x", TensorType{XQ.Type, {-1, K}, std::nullopt});
    G.Inputs.push_back(X);
    Value *Mid = Layer("onnx.QLinearMatMul", X, XQ, W1, MidQ, {-1, N1}, {}, 0);
    G.Outputs.push_back(Layer("onnx.QLinearMatMul", Mid, MidQ, W2, YQ, {-1, N2}, {}, 0));
    Out.Input = randomInput(R, XQ.Type, {uniform(R, 1, 3), K});
    Out.Description = "matmul chain K=" + std::to_string(K) + " N1=" + std::to_string(N1) +
                      " N2=" + std::to_string(N2);
    return Out;
  }
  int64_t C = uniform(R, 1, 3), M1 = uniform(R, 1, 4), M2 = uniform(R, 1, 3);
  int64_t K1 = uniform(R, 1, 3), K2 = uniform(R, 1, 2), Pool = uniform(R, 1, 2);
  int64_t Pad = uniform(R, 0, 1);
  // Large enough for the second convolution to have an output.
  int64_t H = Pool * K2 + K1 - 1 + uniform(R, 0, 4), W = Pool * K2 + K1 - 1 + uniform(R, 0, 4);
  int64_t H1 = H + 2 * Pad - K1 + 1, W1 = W + 2 * Pad - K1 + 1;
  int64_t H2 = (H1 - Pool) / Pool + 1, W2 = (W1 - Pool) / Pool + 1;
  WeightSet Wt1 = randomWeights(R, {M1, C, K1, K1}, 0, Kind);
  WeightSet Wt2 = randomWeights(R, {M2, M1, K2, K2}, 0, Kind);
  Value *X = G.addValue("x", TensorType{XQ.Type, {-1, C, H, W}, std::nullopt});
  G.Inputs.push_back(X);
  Value *Mid =
      Layer("onnx.QLinearConv", X, XQ, Wt1, MidQ, {-1, M1, H1, W1}, convAttrs(K1, Pad), M1);
  AttrMap PoolAttrs;
  PoolAttrs.set("kernel_shape", std::vector<int64_t>{Pool, Pool});
  PoolAttrs.set("strides", std::vector<int64_t>{Pool, Pool});
  PoolAttrs.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  Value *Pooled = G.addValue("pooled", TensorType{MidQ.Type, {-1, M1, H2, W2}, std::nullopt});
  G.addOp("onnx.MaxPool", "pool", {Mid}, {Pooled}, PoolAttrs);
  G.Outputs.push_back(Layer("onnx.QLinearConv", Pooled, MidQ, Wt2, YQ,
                            {-1, M2, H2 - K2 + 1, W2 - K2 + 1}, convAttrs(K2, 0), M2));
  Out.Input = randomInput(R, XQ.Type, {uniform(R, 1, 2), C, H, W});
  Out.Description = "conv chain C=" + std::to_string(C) + " M1=" + std::to_string(M1) +
                    " M2=" + std::to_string(M2) + " k=" + std::to_string(K1) + "," +
                    std::to_string(K2) + " pool=" + std::to_string(Pool) +
                    " in=" + std::to_string(H) + "x" + std::to_string(W);
  return Out;
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
Tally runTrials(uint64_t Seed, int Trials, llvm::StringRef Label, MakeFn MakeCase,
                llvm::StringRef Replication = "", llvm::StringRef RangePercentile = "") {
  Rng R(Seed);
  Tally Counts;
  for (int Trial = 0; Trial < Trials; ++Trial) {
    Target T = randomTarget(R);
    std::string Polarity;
    Case C = MakeCase(R, Trial, Polarity);
    checkCase(C, T, Polarity, Counts, Replication, RangePercentile);
  }
  EXPECT_GT(Counts.Elements, 0);
  std::printf("%s: fixed NMPU differs from ONNX semantics on %lld of %lld outputs, fp32 NMPU "
              "on %lld; %lld of %lld MVM step runs batched\n",
              Label.str().c_str(), static_cast<long long>(Counts.FixedOffByOne),
              static_cast<long long>(Counts.Elements), static_cast<long long>(Counts.Fp32Differs),
              static_cast<long long>(Counts.BatchedMvmRuns),
              static_cast<long long>(Counts.MvmRuns));
  return Counts;
}

TEST(ChipMatchesInterpreter, RandomConvolutions) {
  runTrials(20261123, 200, "conv", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomConv(R, weightsFor(Polarity));
  });
}

/// A single convolution (odd trials) or a chain of two (even trials), with
/// the polarity of the trial.
Case convOrConvChain(Rng &R, int Trial, std::string &Polarity) {
  Polarity = Polarities[Trial % 3];
  return Trial % 2 ? randomConv(R, weightsFor(Polarity))
                   : randomChain(R, weightsFor(Polarity), /*Conv=*/true);
}

// Read-out ranges from calibration data (the case's own input) at a
// percentile that lets a quarter of the observed reads clip: the chip's
// read-outs clip where the interpreter's do, whichever copy reads.
TEST(ChipMatchesInterpreter, CalibratedReadRanges) {
  Tally Counts = runTrials(20261206, 100, "calibrated ranges", convOrConvChain, "1", "75");
  EXPECT_GT(Counts.LossyLayers, 20);
}

// Copies of the weights on spare arrays (--replication) read different
// output pixels; every copy must compute what the layer computes.
TEST(ChipMatchesInterpreter, ReplicatedConvolutions) {
  Tally Counts = runTrials(20261205, 100, "replicated conv", convOrConvChain, "1");
  EXPECT_GT(Counts.ReplicatedLayers, 50);
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
    return Trial % 2 ? randomConv(R, WeightKind::Unipolar) : randomMatMul(R, WeightKind::Unipolar);
  });
}

TEST(ChipMatchesInterpreter, RandomBatchedWeightMatMuls) {
  runTrials(4242, 60, "batched matmul", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomBatchedMatMul(R, weightsFor(Polarity), /*SharedX=*/Trial % 4 == 3);
  });
}

TEST(ChipMatchesInterpreter, RandomIntegerOps) {
  Tally Counts = runTrials(31337, 100, "integer ops", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return Trial % 2 ? randomConv(R, weightsFor(Polarity), Flavor::Integer)
                     : randomMatMul(R, weightsFor(Polarity), Flavor::Integer);
  });
  // No requantization: the accumulator is exact in every NMPU mode.
  EXPECT_EQ(Counts.FixedOffByOne, 0);
}

TEST(ChipMatchesInterpreter, RandomQGemms) {
  runTrials(2718, 100, "qgemm", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomMatMul(R, weightsFor(Polarity), Flavor::QGemm);
  });
}

TEST(ChipMatchesInterpreter, RandomQdqLayers) {
  runTrials(1618, 100, "qdq", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return Trial % 2 ? randomConv(R, weightsFor(Polarity), Flavor::Qdq)
                     : randomMatMul(R, weightsFor(Polarity), Flavor::Qdq);
  });
}

TEST(ChipMatchesInterpreter, RandomTwoLayerChains) {
  runTrials(1414, 100, "chain", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    return randomChain(R, weightsFor(Polarity), /*Conv=*/Trial % 2);
  });
}

/// Random low-bit QONNX networks (test/unit/Common/RandomQonnx.h): MLPs
/// and small CNNs with weights and activations of 1 to 8 bits, binary
/// layers, thresholds folded from BatchNorm / Mul / Add / Relu,
/// MultiThreshold; with power-of-two scales the chip must give the
/// ONNX-level result bit for bit, in both NMPU modes (threshold read-outs do
/// not re-quantize).
TEST(ChipMatchesInterpreter, RandomQonnxNetworks) {
  Tally Counts = runTrials(8128, 400, "qonnx", [](Rng &R, int Trial, std::string &Polarity) {
    Polarity = Polarities[Trial % 3];
    test::Random Draw(static_cast<unsigned>(uniform(R, 0, 1 << 30)));
    test::QonnxBuilder B(Draw);
    Shape In = Trial % 2
                   ? Shape{uniform(R, 1, 2), uniform(R, 1, 3), uniform(R, 1, 6), uniform(R, 1, 6)}
                   : Shape{uniform(R, 1, 4), uniform(R, 1, 24)};
    Case C;
    C.Description = In.size() == 2 ? B.build(In[0], In[1], static_cast<int>(uniform(R, 1, 3)))
                                   : B.buildCnn(In[0], In[1], In[2], In[3]);
    auto G = parseGraph(C.Description, "qonnx");
    EXPECT_TRUE(static_cast<bool>(G)) << llvm::toString(G.takeError());
    C.G = G ? std::move(*G) : std::make_unique<Graph>();
    C.Input = Tensor(DType::F32, In);
    for (double &V : C.Input.Data)
      V = static_cast<float>(Draw.real(-3, 3));
    C.FixedTolerance = 0;
    return C;
  });
  EXPECT_EQ(Counts.FixedOffByOne, 0);
}

} // namespace

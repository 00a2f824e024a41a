//===- ChipModelTest.cpp - MVMs on the chip model vs a naive reference ----===//
//
// Random layers are encoded onto random little chips the way the mapping
// passes would (bit slicing, the three polarity modes, blocks over several
// arrays at random offsets), run through a Session, and compared with a
// convolution / matrix product written directly here.
//
//===----------------------------------------------------------------------===//
#include "../Image/RandomProgram.h"
#include "qnn/Runtime/Runtime.h"
#include "qnn/Target/NmpuArith.h"
#include "gtest/gtest.h"
#include <algorithm>
#include <random>

using namespace qnn;
using namespace qnn::image;
using namespace qnn::runtime;

namespace {

struct Layer {
  Program P;
  std::vector<std::vector<int64_t>> W; ///< [K][N], signed
  std::vector<int64_t> ModelBias;      ///< per output
  int64_t Zx = 0;                      ///< input zero point in the stored type
  Tensor X;                            ///< a random input
};

class LayerBuilder {
public:
  explicit LayerBuilder(uint64_t Seed) : Rng(Seed) {}
  int64_t pick(int64_t Lo, int64_t Hi) {
    return std::uniform_int_distribution<int64_t>(Lo, Hi)(Rng);
  }

  /// A random layer; \p Requant selects accumulator or re-quantized outputs.
  Layer make(bool Conv, RequantMode Requant) {
    Target T;
    T.Name = "unit";
    T.CellBits = pick(1, 4);
    T.ActBits = 8;
    T.DacBits = pick(1, 8);
    T.AdcBits = 16; // every column sum below fits: an exact read-out
    T.Rows = pick(2, 8);
    T.Cols = pick(3, 12);
    T.Neurons = pick(1, T.Cols);
    T.AccBits = 40;
    Layer L;
    MvmStep M;
    bool SignedInput = pick(0, 1);
    DType InType = SignedInput ? DType::I8 : DType::U8;
    L.Zx = pick(minValue(InType), maxValue(InType));
    M.InputShift = SignedInput ? 128 : 0;
    M.InputZeroPoint = L.Zx + M.InputShift;
    M.N = pick(1, 5);
    Shape InDims, OutDims;
    if (Conv) {
      M.Window = WindowKind::Conv2d;
      pickConvWindow(M, [this](int64_t Lo, int64_t Hi) { return pick(Lo, Hi); });
      // At least one output pixel.
      int64_t SpanH = M.DilationH * (M.KernelH - 1) + 1, SpanW = M.DilationW * (M.KernelW - 1) + 1;
      M.InH = pick(std::max<int64_t>(1, SpanH - M.PadTop - M.PadBottom), 6);
      M.InW = pick(std::max<int64_t>(1, SpanW - M.PadLeft - M.PadRight), 6);
      setConvOutput(M);
      int64_t B = pick(1, 2);
      InDims = {B, M.InChannels, M.InH, M.InW};
      OutDims = {B, M.N, M.OutH, M.OutW};
    } else {
      M.K = pick(1, 24);
      int64_t Rows = pick(1, 3);
      InDims = {Rows, M.K};
      OutDims = {Rows, M.N};
    }

    // Weights and their physical columns in the chosen polarity mode.
    M.Polarity = static_cast<PolarityMode>(pick(0, 2));
    unsigned WBits = pick(1, 7);
    unsigned Slices = (WBits + T.CellBits - 1) / T.CellBits;
    uint64_t Mask = (1u << T.CellBits) - 1;
    L.W.assign(M.K, std::vector<int64_t>(M.N));
    std::vector<int> OutSign(M.N);
    for (int &S : OutSign)
      S = pick(0, 1) ? 1 : -1;
    int64_t Max = (int64_t(1) << WBits) - 1;
    for (uint32_t K = 0; K < M.K; ++K)
      for (uint32_t N = 0; N < M.N; ++N) {
        if (M.Polarity == PolarityMode::Differential)
          L.W[K][N] = pick(-Max, Max);
        else if (M.Polarity == PolarityMode::Offset)
          L.W[K][N] = pick(-(Max + 1) / 2, Max / 2);
        else
          L.W[K][N] = OutSign[N] * pick(0, Max);
      }
    if (M.Polarity == PolarityMode::Offset)
      M.Offset = (Max + 1) / 2;
    // Each physical column: output, sign, slice, and which part of w it holds.
    struct Col {
      uint32_t N;
      int Sign;
      unsigned Slice;
      int Part; ///< +1 positive part, -1 negative part, 0 offset-encoded / magnitude
    };
    std::vector<Col> Cols;
    for (uint32_t N = 0; N < M.N; ++N)
      for (unsigned S = 0; S < Slices; ++S) {
        if (M.Polarity == PolarityMode::Differential) {
          Cols.push_back({N, 1, S, 1});
          Cols.push_back({N, -1, S, -1});
        } else {
          Cols.push_back({N, M.Polarity == PolarityMode::Unipolar ? OutSign[N] : 1, S, 0});
        }
      }
    std::shuffle(Cols.begin(), Cols.end(), Rng);
    auto LevelOf = [&](uint32_t K, const Col &C) -> uint8_t {
      int64_t W = L.W[K][C.N];
      uint64_t Stored = C.Part > 0                           ? std::max<int64_t>(W, 0)
                        : C.Part < 0                         ? std::max<int64_t>(-W, 0)
                        : M.Polarity == PolarityMode::Offset ? W + M.Offset
                                                             : std::abs(W);
      return (Stored >> (C.Slice * T.CellBits)) & Mask;
    };
    for (const Col &C : Cols)
      M.Columns.push_back(
          {C.N, static_cast<int8_t>(C.Sign), static_cast<uint8_t>(C.Slice * T.CellBits)});

    // Tile rows and columns into blocks, one array each, at random offsets.
    std::vector<std::pair<uint32_t, uint32_t>> RowChunks = chunks(M.K, T.Rows),
                                               ColChunks = chunks(Cols.size(), T.Cols);
    L.P.Arrays.clear();
    for (auto [KBegin, KCount] : RowChunks)
      for (auto [CBegin, CCount] : ColChunks) {
        Block B;
        B.Array = L.P.Arrays.size();
        B.KBegin = KBegin;
        B.KCount = KCount;
        B.ColBegin = CBegin;
        B.ColCount = CCount;
        B.RowOffset = pick(0, T.Rows - KCount);
        B.ColOffset = pick(0, T.Cols - CCount);
        ArrayImage A;
        A.Tile = 0;
        A.IndexInTile = B.Array;
        A.Rows = T.Rows;
        A.Cols = T.Cols;
        A.Levels.resize(T.Rows * T.Cols);
        for (uint8_t &Lv : A.Levels) // unused cells hold junk that must not count
          Lv = pick(0, Mask);
        for (uint32_t K = 0; K < KCount; ++K)
          for (uint32_t C = 0; C < CCount; ++C)
            A.Levels[(B.RowOffset + K) * T.Cols + B.ColOffset + C] =
                LevelOf(KBegin + K, Cols[CBegin + C]);
        L.P.Arrays.push_back(std::move(A));
        M.Blocks.push_back(B);
      }
    T.ArraysPerTile = L.P.Arrays.size();

    for (uint32_t N = 0; N < M.N; ++N) {
      L.ModelBias.push_back(pick(-5000, 5000));
      int64_t SumW = 0;
      for (uint32_t K = 0; K < M.K; ++K)
        SumW += L.W[K][N];
      M.Bias.push_back(L.ModelBias[N] - M.InputZeroPoint * SumW);
    }
    M.Requant = Requant;
    DType OutType = DType::I32;
    if (Requant == RequantMode::Scale) {
      OutType = pick(0, 1) ? DType::U8 : DType::I8;
      M.OutZeroPoint = pick(minValue(OutType) / 2, maxValue(OutType) / 2);
      M.ClampMin = pick(minValue(OutType), M.OutZeroPoint);
      M.ClampMax = pick(M.OutZeroPoint, maxValue(OutType));
      for (uint32_t N = 0; N < M.N; ++N) {
        float Mult = std::uniform_real_distribution<float>(1e-5f, 0.05f)(Rng);
        M.Multiplier.push_back(Mult);
        nmpu::FixedMultiplier F = nmpu::quantizeMultiplier(Mult, 32);
        M.FixedMultiplier.push_back(F.Mult);
        M.FixedShift.push_back(static_cast<int8_t>(F.Shift));
      }
    }

    L.P.TargetJson = targetToJson(T);
    L.P.TargetFingerprint = targetFingerprint(T);
    L.P.ModelName = "layer";
    L.P.Tensors = {{"x", InType, InDims, {}, {}, -1}, {"y", OutType, OutDims, {}, {}, -1}};
    L.P.Inputs = {0};
    L.P.Outputs = {1};
    Step S;
    S.Kind = StepKind::Mvm;
    S.Layer = "mvm";
    S.Inputs = {0};
    S.Outputs = {1};
    S.Mvm = M;
    L.P.Steps.push_back(S);
    L.X = Tensor(InType, InDims);
    for (double &V : L.X.Data)
      V = pick(minValue(InType), maxValue(InType));
    return L;
  }

private:
  std::mt19937_64 Rng;

  /// Splits [0, Total) into consecutive chunks of at most Limit.
  std::vector<std::pair<uint32_t, uint32_t>> chunks(uint32_t Total, uint32_t Limit) {
    std::vector<std::pair<uint32_t, uint32_t>> Out;
    for (uint32_t Begin = 0; Begin < Total;) {
      uint32_t Count = pick(1, std::min(Limit, Total - Begin));
      Out.push_back({Begin, Count});
      Begin += Count;
    }
    return Out;
  }
};

/// The layer's accumulators computed directly from the signed weights.
std::vector<int64_t> naiveAccumulators(const Layer &L) {
  const MvmStep &M = L.P.Steps[0].Mvm;
  const Tensor &X = L.X;
  std::vector<int64_t> Acc;
  if (M.Window == WindowKind::Rows) {
    int64_t Rows = X.size() / M.K;
    for (int64_t R = 0; R < Rows; ++R)
      for (uint32_t N = 0; N < M.N; ++N) {
        int64_t A = L.ModelBias[N];
        for (uint32_t K = 0; K < M.K; ++K)
          A += (static_cast<int64_t>(X.Data[R * M.K + K]) - L.Zx) * L.W[K][N];
        Acc.push_back(A);
      }
    return Acc;
  }
  int64_t B = X.Dims[0], C = X.Dims[1], H = X.Dims[2], W = X.Dims[3];
  Acc.resize(B * M.N * M.OutH * M.OutW);
  for (int64_t Bi = 0; Bi < B; ++Bi)
    for (uint32_t N = 0; N < M.N; ++N)
      for (int64_t OH = 0; OH < M.OutH; ++OH)
        for (int64_t OW = 0; OW < M.OutW; ++OW) {
          int64_t A = L.ModelBias[N];
          for (uint32_t Ci = 0; Ci < M.Channels; ++Ci)
            for (int64_t KH = 0; KH < M.KernelH; ++KH)
              for (int64_t KW = 0; KW < M.KernelW; ++KW) {
                int64_t IH = OH * M.StrideH + KH * M.DilationH - M.PadTop;
                int64_t IW = OW * M.StrideW + KW * M.DilationW - M.PadLeft;
                if (IH < 0 || IH >= H || IW < 0 || IW >= W)
                  continue; // padding holds the zero point: contributes 0
                int64_t V = X.Data[((Bi * C + M.ChannelBegin + Ci) * H + IH) * W + IW];
                A += (V - L.Zx) * L.W[(Ci * M.KernelH + KH) * M.KernelW + KW][N];
              }
          Acc[((Bi * M.N + N) * M.OutH + OH) * M.OutW + OW] = A;
        }
  return Acc;
}

/// Output channel of element I of the layer's output.
uint32_t channelOf(const MvmStep &M, size_t I) {
  return M.Window == WindowKind::Rows ? I % M.N : (I / (M.OutH * M.OutW)) % M.N;
}

std::vector<double> runLayer(const Layer &L, const RunOptions &O) {
  llvm::Expected<Session> S = Session::create(L.P, O, "unit");
  EXPECT_TRUE(static_cast<bool>(S)) << llvm::toString(S.takeError());
  if (!S)
    return {};
  llvm::Expected<std::vector<Tensor>> Out = S->run({L.X});
  EXPECT_TRUE(static_cast<bool>(Out)) << llvm::toString(Out.takeError());
  return Out ? (*Out)[0].Data : std::vector<double>();
}

TEST(ChipModel, AccumulatorsMatchNaiveMatmulAndConv) {
  for (uint64_t Seed = 1; Seed <= 300; ++Seed) {
    SCOPED_TRACE("seed " + std::to_string(Seed));
    LayerBuilder B(Seed);
    Layer L = B.make(/*Conv=*/Seed % 2, RequantMode::None);
    std::vector<int64_t> Want = naiveAccumulators(L);
    std::vector<double> Got = runLayer(L, RunOptions());
    ASSERT_EQ(Got.size(), Want.size());
    for (size_t I = 0; I < Want.size(); ++I)
      ASSERT_EQ(Got[I], Want[I]) << "element " << I;
  }
}

TEST(ChipModel, RequantizedOutputsInEveryNmpuMode) {
  uint64_t Differ = 0, Total = 0;
  for (uint64_t Seed = 1; Seed <= 200; ++Seed) {
    SCOPED_TRACE("seed " + std::to_string(Seed));
    LayerBuilder B(1000 + Seed);
    Layer L = B.make(Seed % 2, RequantMode::Scale);
    const MvmStep &M = L.P.Steps[0].Mvm;
    std::vector<int64_t> Acc = naiveAccumulators(L);
    RunOptions Fp32, Fixed, Fp16;
    Fp32.Nmpu = NmpuMode::Fp32;
    Fixed.Nmpu = NmpuMode::Fixed;
    Fp16.Nmpu = NmpuMode::Fp16;
    std::vector<double> GotFp32 = runLayer(L, Fp32), GotFixed = runLayer(L, Fixed),
                        GotFp16 = runLayer(L, Fp16);
    ASSERT_EQ(GotFp32.size(), Acc.size());
    ASSERT_EQ(GotFixed.size(), Acc.size());
    for (size_t I = 0; I < Acc.size(); ++I) {
      uint32_t N = channelOf(M, I);
      // ONNX: saturate(round_half_even(float(acc) * m) + zp).
      float Scaled = std::nearbyintf(static_cast<float>(Acc[I]) * M.Multiplier[N]);
      double Want = std::clamp<double>(Scaled + M.OutZeroPoint, M.ClampMin, M.ClampMax);
      ASSERT_EQ(GotFp32[I], Want) << "element " << I;
      // fp16: operands and product rounded to half precision.
      auto Half = [](float V) { return halfToFloat(floatToHalf(V)); };
      float Product = Half(Half(static_cast<float>(Acc[I])) * Half(M.Multiplier[N]));
      double WantHalf =
          std::clamp<double>(std::nearbyintf(Product) + M.OutZeroPoint, M.ClampMin, M.ClampMax);
      ASSERT_EQ(GotFp16[I], WantHalf) << "element " << I;
      ASSERT_LE(std::abs(GotFixed[I] - GotFp32[I]), 1) << "element " << I;
      Differ += GotFixed[I] != GotFp32[I];
      ++Total;
    }
  }
  EXPECT_GT(Total, 0u);
  RecordProperty("fixed_differs", std::to_string(Differ) + "/" + std::to_string(Total));
}

TEST(ChipModel, BatchesOfAFixedBatchModelRunInOrder) {
  LayerBuilder B(77);
  Layer L = B.make(/*Conv=*/true, RequantMode::None);
  Layer Twice = L;
  Twice.X.Dims[0] *= 2;
  Twice.X.Data.insert(Twice.X.Data.end(), L.X.Data.begin(), L.X.Data.end());
  std::vector<double> One = runLayer(L, RunOptions()), Two = runLayer(Twice, RunOptions());
  ASSERT_EQ(Two.size(), 2 * One.size());
  EXPECT_TRUE(std::equal(One.begin(), One.end(), Two.begin()));
  EXPECT_TRUE(std::equal(One.begin(), One.end(), Two.begin() + One.size()));
}

/// One column of \p Rows cells of level \p Level read by an \p AdcBits ADC
/// with \p ReadShift, inputs of \p DacBits bits in one phase (or of
/// \p InputBits bits in several); the output is the accumulator.
Program oneColumn(unsigned Rows, uint8_t Level, unsigned DacBits, unsigned AdcBits,
                  int8_t ReadShift, int64_t Samples, unsigned InputBits = 0) {
  Target T;
  T.Name = "column";
  T.Rows = Rows;
  T.Cols = T.Neurons = 1;
  T.CellBits = 2;
  T.DacBits = DacBits;
  T.ActBits = InputBits ? InputBits : DacBits;
  T.AdcBits = AdcBits;
  T.ReadGainBits = 4;
  Program P;
  P.TargetJson = targetToJson(T);
  P.TargetFingerprint = targetFingerprint(T);
  P.Tensors = {{"x", DType::U8, {Samples, Rows}, {}, {}, -1},
               {"y", DType::I32, {Samples, 1}, {}, {}, -1}};
  P.Inputs = {0};
  P.Outputs = {1};
  ArrayImage A;
  A.Rows = Rows;
  A.Cols = 1;
  A.ReadShift = ReadShift;
  A.Levels.assign(Rows, Level);
  P.Arrays = {A};
  Step S;
  S.Inputs = {0};
  S.Outputs = {1};
  S.Mvm.K = Rows;
  S.Mvm.N = 1;
  S.Mvm.InputBits = T.ActBits;
  S.Mvm.Columns = {{0, 1, 0}};
  S.Mvm.Blocks = {{0, 0, 0, 0, Rows, 0, 1, {}}};
  S.Mvm.Bias = {0};
  S.Mvm.Requant = RequantMode::None;
  P.Steps = {S};
  return P;
}

/// The ideal outputs of a one-row oneColumn program for inputs 0 .. 255.
std::vector<double> rampOutputs(const Program &P) {
  Tensor X(DType::U8, {256, 1});
  for (int I = 0; I < 256; ++I)
    X.Data[I] = I;
  Session Sess = llvm::cantFail(Session::create(P, RunOptions(), "ramp"));
  return llvm::cantFail(Sess.run({X}))[0].Data;
}

TEST(ChipModel, LossyReadOutRoundsAndSaturates) {
  // One cell of level 3 read by a 3-bit ADC whose full scale is 7 << 2:
  // v = min(floor(3x / 4 + 1/2), 7) << 2, worked out here by hand.
  std::vector<double> Out = rampOutputs(oneColumn(1, 3, 8, 3, 2, 256));
  for (int I = 0; I < 256; ++I) {
    int Code = std::min((3 * I + 2) / 4, 7); // floor(3I/4 + 1/2)
    EXPECT_EQ(Out[I], Code * 4) << "x = " << I;
  }
}

TEST(ChipModel, AmplifiedReadOutIsExactWhileItFits) {
  // One cell of level 3 read by a 5-bit ADC with a gain of 2 (read shift
  // -1): the code is min(6x, 31) and the NMPU halves it, rounding half up,
  // worked out here by hand.
  std::vector<double> Out = rampOutputs(oneColumn(1, 3, 8, 5, -1, 256));
  for (int I = 0; I < 256; ++I) {
    int Code = std::min(6 * I, 31);
    EXPECT_EQ(Out[I], (Code + 1) / 2) << "x = " << I;
    if (I <= 5) {
      EXPECT_EQ(Out[I], 3 * I) << "a read that fits must be exact";
    }
  }
}

/// The root mean square difference between analog and ideal outputs of a
/// 16-row binary column (sums up to 16, a 8-bit ADC: gains up to 8 keep
/// the read exact) read with \p ReadShift, on 500 random input vectors and
/// 10 chip instances (an offset is one draw per instance).
double readError(int8_t ReadShift, const AnalogParams &A) {
  const int64_t Samples = 500, Instances = 10;
  Program P = oneColumn(16, 1, 1, 8, ReadShift, Samples);
  Tensor X(DType::U8, {Samples, 16});
  std::mt19937 Rng(7);
  for (double &V : X.Data)
    V = Rng() & 1;
  Tensor Want =
      llvm::cantFail(llvm::cantFail(Session::create(P, RunOptions(), "ideal")).run({X}))[0];
  RunOptions Analog;
  Analog.Analog = true;
  Analog.AnalogOverride = A;
  double Sum = 0;
  for (Analog.Seed = 1; Analog.Seed <= Instances; ++Analog.Seed) {
    Tensor Got = llvm::cantFail(llvm::cantFail(Session::create(P, Analog, "analog")).run({X}))[0];
    for (int64_t I = 0; I < Samples; ++I)
      Sum += (Got.Data[I] - Want.Data[I]) * (Got.Data[I] - Want.Data[I]);
  }
  return std::sqrt(Sum / (Samples * Instances));
}

TEST(ChipModelAnalog, ReadGainShrinksReadNoiseAndOffsetButNotTheFloor) {
  // Read noise and offset are relative to the range in use: a gain of 8
  // narrows it eight times. sigma_read 0.01 of a 255-code range is 2.55
  // current units at gain 1, 0.32 at gain 8.
  AnalogParams Read;
  Read.SigmaRead = 0.01;
  EXPECT_GT(readError(0, Read), 4 * readError(-3, Read));
  AnalogParams Offset;
  Offset.SigmaOffset = 0.01;
  EXPECT_GT(readError(0, Offset), 4 * readError(-3, Offset));
  // The floor is the column current's own noise: no gain removes it.
  AnalogParams Floor;
  Floor.SigmaReadFloor = 0.01;
  const double Plain = readError(0, Floor), Amplified = readError(-3, Floor);
  EXPECT_GT(Plain, 1.5);
  EXPECT_GT(Amplified, 0.75 * Plain);
  EXPECT_LT(Amplified, 1.25 * Plain);
}

TEST(ChipModelAnalog, BlockReadShiftsReadAsTheirRange) {
  // A block's own read shift (read-ranges) replaces its array's: the same
  // chip instance gives the same outputs, every non-ideality on, whether the
  // array or the block asks for the gain of 8.
  const int64_t Samples = 200;
  Tensor X(DType::U8, {Samples, 16});
  std::mt19937 Rng(3);
  for (double &V : X.Data)
    V = Rng() & 1;
  RunOptions Analog;
  Analog.Analog = true;
  AnalogParams A;
  A.SigmaProgram = 0.05, A.SigmaRead = 0.01, A.SigmaReadFloor = 0.001, A.SigmaSupply = 0.02;
  A.Nonlinearity = 0.2, A.SigmaGain = 0.02, A.SigmaOffset = 0.01;
  Analog.AnalogOverride = A;
  Analog.Seed = 5;
  auto run = [&](const Program &P, const RunOptions &O) {
    return llvm::cantFail(llvm::cantFail(Session::create(P, O, "shifts")).run({X}))[0].Data;
  };
  Program ArrayGain = oneColumn(16, 1, 1, 8, -3, Samples);
  Program BlockGain = oneColumn(16, 1, 1, 8, 0, Samples);
  BlockGain.Steps[0].Mvm.Blocks[0].PhaseShifts = {-3};
  Program BlockPlain = oneColumn(16, 1, 1, 8, -3, Samples);
  BlockPlain.Steps[0].Mvm.Blocks[0].PhaseShifts = {0};
  EXPECT_EQ(run(ArrayGain, Analog), run(BlockGain, Analog));
  EXPECT_EQ(run(oneColumn(16, 1, 1, 8, 0, Samples), Analog), run(BlockPlain, Analog));
  EXPECT_NE(run(ArrayGain, Analog), run(BlockPlain, Analog));
  // Ideal mode: exact either way.
  EXPECT_EQ(run(ArrayGain, RunOptions()), run(BlockGain, RunOptions()));
}

TEST(ChipModelAnalog, PhasesThatDriveNoRowAreNotRead) {
  // A large offset and read noise on a 16-row column read bit-serially
  // (8 phases): an input that drives no row in some phase must not pick up
  // that phase's offset or noise. Input 0 drives nothing: exactly 0. Input 1
  // drives phase 0 only: the error is that of one read, far below the
  // eight reads' error of input 255.
  const int64_t Samples = 64;
  Program P = oneColumn(16, 1, 1, 8, 0, Samples, /*InputBits=*/8);
  RunOptions Analog;
  Analog.Analog = true;
  AnalogParams A;
  A.SigmaRead = 0.02, A.SigmaOffset = 0.02;
  Analog.AnalogOverride = A;
  auto rmsError = [&](int Value) {
    Tensor X(DType::U8, {Samples, 16});
    std::fill(X.Data.begin(), X.Data.end(), Value);
    double Sum = 0;
    for (Analog.Seed = 1; Analog.Seed <= 5; ++Analog.Seed) {
      Tensor Got = llvm::cantFail(llvm::cantFail(Session::create(P, Analog, "idle")).run({X}))[0];
      for (double V : Got.Data)
        Sum += (V - 16.0 * Value) * (V - 16.0 * Value);
    }
    return std::sqrt(Sum / (5 * Samples));
  };
  EXPECT_EQ(rmsError(0), 0.0);
  const double One = rmsError(1), All = rmsError(255);
  EXPECT_GT(One, 0.0);
  EXPECT_GT(All, 20 * One); // the phase of bit 7 alone weighs 128 times bit 0
}

TEST(ChipModelAnalog, CalibrationFromTestReadsUndoesColumnGainAndOffset) {
  // Column gain and offset mismatch (and a little read noise) on a 16-row
  // column of level 3 read bit-serially at a gain of 4 (sums up to 48, codes
  // up to 192): the calibration measured from test reads alone must cut the
  // error against the ideal chip at least four times on every one of 10
  // instances that has one (an instance whose mismatch the read shift
  // rounds away must stay exact), and leave the ideal chip exact.
  const int64_t Samples = 200;
  Program P = oneColumn(16, 3, 1, 8, -2, Samples, /*InputBits=*/8);
  Tensor X(DType::U8, {Samples, 16});
  std::mt19937 Rng(9);
  for (double &V : X.Data)
    V = Rng() & 255;
  auto run = [&](const RunOptions &O) {
    return llvm::cantFail(llvm::cantFail(Session::create(P, O, "calibrate")).run({X}))[0].Data;
  };
  const std::vector<double> Ideal = run(RunOptions());
  RunOptions Calibrated;
  Calibrated.Calibrate = true;
  EXPECT_EQ(run(Calibrated), Ideal);
  auto rmsError = [&](const std::vector<double> &Got) {
    double Sum = 0;
    for (size_t I = 0; I < Got.size(); ++I)
      Sum += (Got[I] - Ideal[I]) * (Got[I] - Ideal[I]);
    return std::sqrt(Sum / Got.size());
  };
  RunOptions Analog;
  Analog.Analog = true;
  AnalogParams A;
  A.SigmaGain = 0.1, A.SigmaOffset = 0.02, A.SigmaRead = 0.0002;
  Analog.AnalogOverride = A;
  int Mismatched = 0;
  for (Analog.Seed = 1; Analog.Seed <= 10; ++Analog.Seed) {
    const double Plain = rmsError(run(Analog));
    Analog.Calibrate = true;
    const double Corrected = rmsError(run(Analog));
    Analog.Calibrate = false;
    if (Plain == 0) {
      EXPECT_EQ(Corrected, 0.0) << "seed " << Analog.Seed;
      continue;
    }
    ++Mismatched;
    EXPECT_GT(Plain, 4 * Corrected) << "seed " << Analog.Seed;
  }
  // A gain drawn with sigma 0.1 shows at codes up to 192 on most instances.
  EXPECT_GE(Mismatched, 6);
}

TEST(ChipModelAnalog, SeedsAreChipInstances) {
  LayerBuilder B(5);
  Layer L = B.make(/*Conv=*/false, RequantMode::None);
  RunOptions O;
  O.Analog = true;
  AnalogParams A;
  A.SigmaProgram = 0.1;
  A.SigmaRead = 0.01;
  A.SigmaSupply = 0.02;
  A.Nonlinearity = 0.5;
  A.SigmaGain = 0.02;
  A.SigmaOffset = 0.001;
  O.AnalogOverride = A;
  O.Seed = 42;
  std::vector<double> First = runLayer(L, O), Again = runLayer(L, O);
  O.Seed = 43;
  std::vector<double> Other = runLayer(L, O);
  EXPECT_EQ(First, Again);
  EXPECT_NE(First, Other);
}

TEST(ChipModelAnalog, ZeroSigmaIsIdeal) {
  for (uint64_t Seed = 1; Seed <= 40; ++Seed) {
    LayerBuilder B(500 + Seed);
    Layer L = B.make(Seed % 2, RequantMode::Scale);
    RunOptions Analog;
    Analog.Analog = true;
    Analog.AnalogOverride = AnalogParams();
    Analog.Seed = Seed;
    EXPECT_EQ(runLayer(L, Analog), runLayer(L, RunOptions())) << "seed " << Seed;
  }
}

TEST(ChipModelAnalog, DriftLowersEveryCurrent) {
  // With drift only, every read-out can only shrink: accumulators of a layer
  // with non-negative weights and inputs never grow.
  LayerBuilder B(9);
  Layer L = B.make(false, RequantMode::None);
  RunOptions O;
  O.Analog = true;
  AnalogParams A;
  A.DriftPerDecade = 0.05;
  A.DriftSeconds = 1e6;
  O.AnalogOverride = A;
  std::vector<double> Ideal = runLayer(L, RunOptions()), Drifted = runLayer(L, O);
  EXPECT_NE(Ideal, Drifted);
}

} // namespace

namespace {

TEST(ChipModelStats, CountsFollowTheCostModel) {
  for (uint64_t Seed = 1; Seed <= 30; ++Seed) {
    LayerBuilder B(3000 + Seed);
    Layer L = B.make(Seed % 2, RequantMode::Scale);
    const MvmStep &M = L.P.Steps[0].Mvm;
    Target T = llvm::cantFail(parseTarget(L.P.TargetJson, "t"));
    Session S = llvm::cantFail(Session::create(L.P, RunOptions(), "stats"));
    llvm::cantFail(S.run({L.X}));
    const StepStats &St = S.stats().Steps[0];
    // docs/cost-model.md, worked out from the blocks: every block sits on
    // its own array here, so the sequential reads are the largest block's.
    uint64_t Vectors =
        M.Window == WindowKind::Rows ? L.X.size() / M.K : L.X.Dims[0] * M.OutH * M.OutW;
    uint64_t P = (T.ActBits + T.DacBits - 1) / T.DacBits;
    uint64_t Groups = 0, MaxGroups = 0, Cols = 0, Rows = 0;
    for (const Block &Bl : M.Blocks) {
      uint64_t G = (Bl.ColCount + T.Neurons - 1) / T.Neurons;
      Groups += G;
      MaxGroups = std::max(MaxGroups, G);
      Cols += Bl.ColCount;
      Rows += Bl.KCount;
    }
    EXPECT_EQ(St.ArrayPhases, Vectors * P * Groups);
    EXPECT_EQ(St.SequentialReads, Vectors * P * MaxGroups);
    EXPECT_EQ(St.AdcConversions, Vectors * P * Cols);
    EXPECT_EQ(St.DacPhases, Vectors * P * Rows);
    uint64_t PerOutput = M.Polarity == PolarityMode::Offset ? 2 : 1;
    EXPECT_EQ(St.NmpuOps, Vectors * P * Cols + Vectors * M.N * PerOutput);
    EXPECT_EQ(St.BufferBytes, static_cast<uint64_t>(L.X.size() + Vectors * M.N));
  }
}

} // namespace

//===- ImageRoundTripTest.cpp - Writer/reader round trip and refusals -----===//
#include "RandomProgram.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Runtime/ImageLayout.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "gtest/gtest.h"
#include <fmt/format.h>
#include <functional>
#include <random>

using namespace qnn;
using namespace qnn::image;

namespace {

void expectEqual(const ThresholdStep &X, const ThresholdStep &Y) {
  EXPECT_EQ(X.Axis, Y.Axis);
  EXPECT_EQ(X.Channels, Y.Channels);
  EXPECT_EQ(X.Count, Y.Count);
  EXPECT_EQ(X.Thresholds, Y.Thresholds);
  EXPECT_EQ(X.Signs, Y.Signs);
  EXPECT_EQ(X.OutMin, Y.OutMin);
  EXPECT_EQ(X.OutStep, Y.OutStep);
}

void expectEqual(const HostStep &X, const HostStep &Y) {
  EXPECT_EQ(X.Op, Y.Op);
  EXPECT_EQ(X.IntAttrs, Y.IntAttrs);
  EXPECT_EQ(X.FloatAttrs, Y.FloatAttrs);
  EXPECT_EQ(X.Operands, Y.Operands);
  ASSERT_EQ(X.Constants.size(), Y.Constants.size());
  for (size_t I = 0; I < X.Constants.size(); ++I) {
    EXPECT_EQ(X.Constants[I].Type, Y.Constants[I].Type);
    EXPECT_EQ(X.Constants[I].Dims, Y.Constants[I].Dims);
    EXPECT_EQ(X.Constants[I].Data, Y.Constants[I].Data);
  }
}

void expectEqual(const Program &A, const Program &B) {
  EXPECT_EQ(A.TargetJson, B.TargetJson);
  EXPECT_EQ(A.TargetFingerprint, B.TargetFingerprint);
  EXPECT_EQ(A.ModelName, B.ModelName);
  EXPECT_EQ(A.Chips, B.Chips);
  EXPECT_EQ(A.Inputs, B.Inputs);
  EXPECT_EQ(A.Outputs, B.Outputs);
  ASSERT_EQ(A.Tensors.size(), B.Tensors.size());
  for (size_t I = 0; I < A.Tensors.size(); ++I) {
    const TensorDesc &X = A.Tensors[I], &Y = B.Tensors[I];
    EXPECT_EQ(X.Name, Y.Name);
    EXPECT_EQ(X.Type, Y.Type);
    EXPECT_EQ(X.Dims, Y.Dims);
    EXPECT_EQ(X.Scale, Y.Scale);
    EXPECT_EQ(X.ZeroPoint, Y.ZeroPoint);
    EXPECT_EQ(X.Axis, Y.Axis);
  }
  ASSERT_EQ(A.Arrays.size(), B.Arrays.size());
  for (size_t I = 0; I < A.Arrays.size(); ++I) {
    const ArrayImage &X = A.Arrays[I], &Y = B.Arrays[I];
    EXPECT_EQ(X.Tile, Y.Tile);
    EXPECT_EQ(X.IndexInTile, Y.IndexInTile);
    EXPECT_EQ(X.Rows, Y.Rows);
    EXPECT_EQ(X.Cols, Y.Cols);
    EXPECT_EQ(X.ReadShift, Y.ReadShift);
    EXPECT_EQ(X.Levels, Y.Levels);
  }
  ASSERT_EQ(A.Steps.size(), B.Steps.size());
  for (size_t I = 0; I < A.Steps.size(); ++I) {
    const Step &X = A.Steps[I], &Y = B.Steps[I];
    EXPECT_EQ(X.Kind, Y.Kind);
    EXPECT_EQ(X.Layer, Y.Layer);
    EXPECT_EQ(X.Inputs, Y.Inputs);
    EXPECT_EQ(X.Outputs, Y.Outputs);
    EXPECT_EQ(X.Tile, Y.Tile);
    EXPECT_EQ(X.StartCycle, Y.StartCycle);
    EXPECT_EQ(X.Cycles, Y.Cycles);
    if (X.Kind == StepKind::Mvm) {
      const MvmStep &M = X.Mvm, &N = Y.Mvm;
      EXPECT_EQ(M.Window, N.Window);
      std::vector<uint32_t> GM = {M.InChannels, M.InH,       M.InW,       M.ChannelBegin,
                                  M.Channels,   M.KernelH,   M.KernelW,   M.StrideH,
                                  M.StrideW,    M.DilationH, M.DilationW, M.PadTop,
                                  M.PadLeft,    M.PadBottom, M.PadRight,  M.OutH,
                                  M.OutW,       M.K,         M.N};
      std::vector<uint32_t> GN = {N.InChannels, N.InH,       N.InW,       N.ChannelBegin,
                                  N.Channels,   N.KernelH,   N.KernelW,   N.StrideH,
                                  N.StrideW,    N.DilationH, N.DilationW, N.PadTop,
                                  N.PadLeft,    N.PadBottom, N.PadRight,  N.OutH,
                                  N.OutW,       N.K,         N.N};
      EXPECT_EQ(GM, GN);
      EXPECT_EQ(M.InputShift, N.InputShift);
      EXPECT_EQ(M.InputZeroPoint, N.InputZeroPoint);
      EXPECT_EQ(M.InputStepShift, N.InputStepShift);
      EXPECT_EQ(M.InputBits, N.InputBits);
      EXPECT_EQ(M.Polarity, N.Polarity);
      EXPECT_EQ(M.Offset, N.Offset);
      ASSERT_EQ(M.Columns.size(), N.Columns.size());
      for (size_t C = 0; C < M.Columns.size(); ++C) {
        EXPECT_EQ(M.Columns[C].Output, N.Columns[C].Output);
        EXPECT_EQ(M.Columns[C].Sign, N.Columns[C].Sign);
        EXPECT_EQ(M.Columns[C].Shift, N.Columns[C].Shift);
      }
      ASSERT_EQ(M.Blocks.size(), N.Blocks.size());
      for (size_t B = 0; B < M.Blocks.size(); ++B) {
        const Block &U = M.Blocks[B], &V = N.Blocks[B];
        EXPECT_EQ(std::vector<uint32_t>({U.Array, U.RowOffset, U.ColOffset, U.KBegin, U.KCount,
                                         U.ColBegin, U.ColCount}),
                  std::vector<uint32_t>({V.Array, V.RowOffset, V.ColOffset, V.KBegin, V.KCount,
                                         V.ColBegin, V.ColCount}));
      }
      EXPECT_EQ(M.Bias, N.Bias);
      EXPECT_EQ(M.Requant, N.Requant);
      EXPECT_EQ(M.Multiplier, N.Multiplier);
      EXPECT_EQ(M.FixedMultiplier, N.FixedMultiplier);
      EXPECT_EQ(M.FixedShift, N.FixedShift);
      EXPECT_EQ(M.OutZeroPoint, N.OutZeroPoint);
      EXPECT_EQ(M.ClampMin, N.ClampMin);
      EXPECT_EQ(M.ClampMax, N.ClampMax);
      if (M.Requant == RequantMode::Threshold)
        expectEqual(M.Threshold, N.Threshold);
    }
    if (X.Kind == StepKind::Threshold)
      expectEqual(X.Threshold, Y.Threshold);
    if (X.Kind == StepKind::Host)
      expectEqual(X.Host, Y.Host);
    if (X.Kind == StepKind::Quantize || X.Kind == StepKind::Dequantize) {
      EXPECT_EQ(X.Quant.Scale, Y.Quant.Scale);
      EXPECT_EQ(X.Quant.ZeroPoint, Y.Quant.ZeroPoint);
      EXPECT_EQ(X.Quant.Axis, Y.Quant.Axis);
      EXPECT_EQ(X.Quant.BlockSize, Y.Quant.BlockSize);
    }
    if (X.Kind == StepKind::Pool) {
      const PoolStep &M = X.Pool, &N = Y.Pool;
      EXPECT_EQ(std::vector<bool>({M.IsMax, M.Global, M.CountIncludePad}),
                std::vector<bool>({N.IsMax, N.Global, N.CountIncludePad}));
      EXPECT_EQ(std::vector<uint32_t>({M.KernelH, M.KernelW, M.StrideH, M.StrideW, M.DilationH,
                                       M.DilationW, M.PadTop, M.PadLeft, M.PadBottom, M.PadRight}),
                std::vector<uint32_t>({N.KernelH, N.KernelW, N.StrideH, N.StrideW, N.DilationH,
                                       N.DilationW, N.PadTop, N.PadLeft, N.PadBottom, N.PadRight}));
      EXPECT_EQ(M.InScale, N.InScale);
      EXPECT_EQ(M.OutScale, N.OutScale);
      EXPECT_EQ(std::vector<int32_t>({M.InZeroPoint, M.OutZeroPoint, M.ClampMin, M.ClampMax}),
                std::vector<int32_t>({N.InZeroPoint, N.OutZeroPoint, N.ClampMin, N.ClampMax}));
    }
    if (X.Kind == StepKind::Combine) {
      const CombineStep &M = X.Combine, &N = Y.Combine;
      EXPECT_EQ(M.Kind, N.Kind);
      EXPECT_EQ(M.Axis, N.Axis);
      EXPECT_EQ(M.InScale, N.InScale);
      EXPECT_EQ(M.InZeroPoint, N.InZeroPoint);
      EXPECT_EQ(M.InFixedMultiplier, N.InFixedMultiplier);
      EXPECT_EQ(M.InFixedShift, N.InFixedShift);
      EXPECT_EQ(M.OutScale, N.OutScale);
      EXPECT_EQ(std::vector<int32_t>({M.OutZeroPoint, M.ClampMin, M.ClampMax}),
                std::vector<int32_t>({N.OutZeroPoint, N.ClampMin, N.ClampMax}));
    }
    if (X.Kind == StepKind::Clamp) {
      EXPECT_EQ(X.Clamp.ClampMin, Y.Clamp.ClampMin);
      EXPECT_EQ(X.Clamp.ClampMax, Y.Clamp.ClampMax);
    }
    if (X.Kind == StepKind::Slice) {
      EXPECT_EQ(X.Slice.Axis, Y.Slice.Axis);
      EXPECT_EQ(X.Slice.Start, Y.Slice.Start);
      EXPECT_EQ(X.Slice.Size, Y.Slice.Size);
    }
  }
}

std::string errorOf(llvm::Expected<Program> P) {
  if (P)
    return "";
  return llvm::toString(P.takeError());
}

/// Rewrites the section CRCs and the table CRC after \p Bytes were patched,
/// so that decoding (not the integrity check) meets the damage.
void fixCrcs(std::vector<uint8_t> &Bytes) {
  llvm::Expected<ImageHeader> H = readImageHeader(Bytes, "x");
  ASSERT_TRUE(static_cast<bool>(H)) << llvm::toString(H.takeError());
  for (size_t I = 0; I < H->Sections.size(); ++I) {
    const SectionEntry &E = H->Sections[I];
    uint32_t Crc = llvm::crc32(llvm::ArrayRef<uint8_t>(Bytes).slice(E.Offset, E.Size));
    llvm::support::endian::write32le(Bytes.data() + HeaderSize + I * SectionEntrySize + 4, Crc);
  }
  uint64_t TableEnd = HeaderSize + NumSections * SectionEntrySize;
  uint32_t Crc = llvm::crc32(llvm::ArrayRef<uint8_t>(Bytes).take_front(TableCrcOffset));
  Crc = llvm::crc32(Crc, llvm::ArrayRef<uint8_t>(Bytes).slice(HeaderSize, TableEnd - HeaderSize));
  llvm::support::endian::write32le(Bytes.data() + TableCrcOffset, Crc);
}

std::vector<uint8_t> bytesOf(const Program &P) {
  llvm::Expected<std::vector<uint8_t>> B = writeImage(P);
  EXPECT_TRUE(static_cast<bool>(B)) << llvm::toString(B.takeError());
  return B ? *B : std::vector<uint8_t>();
}

TEST(ImageRoundTrip, RandomProgramsKeepEveryField) {
  for (uint64_t Seed = 1; Seed <= 200; ++Seed) {
    SCOPED_TRACE("seed " + std::to_string(Seed));
    Program P = RandomProgram(Seed).make();
    std::vector<uint8_t> Bytes = bytesOf(P);
    llvm::Expected<Program> Q = readImage(Bytes, "rand.qnnimg");
    ASSERT_TRUE(static_cast<bool>(Q)) << llvm::toString(Q.takeError());
    expectEqual(P, *Q);
  }
}

TEST(ImageRoundTrip, SameProgramSameBytes) {
  for (uint64_t Seed = 1; Seed <= 20; ++Seed) {
    Program P = RandomProgram(Seed).make();
    Program Copy = P;
    EXPECT_EQ(bytesOf(P), bytesOf(Copy));
    EXPECT_EQ(bytesOf(P), bytesOf(P));
  }
}

TEST(ImageRoundTrip, LevelsArePackedAtCellBits) {
  for (uint64_t Seed = 1; Seed <= 30; ++Seed) {
    Program P = RandomProgram(Seed).make();
    Target T = llvm::cantFail(parseTarget(P.TargetJson, "t"));
    std::vector<uint8_t> Bytes = bytesOf(P);
    ImageHeader H = llvm::cantFail(readImageHeader(Bytes, "x"));
    // Per array: 4 x u32 position/size, u8 read shift, u8 cell bits, u64
    // byte count, then ceil(cells * cell_bits / 8) bytes.
    uint64_t Expected = 4;
    for (const ArrayImage &A : P.Arrays)
      Expected += 16 + 2 + 8 + (uint64_t(A.Rows) * A.Cols * T.CellBits + 7) / 8;
    EXPECT_EQ(H.Sections[static_cast<uint32_t>(SectionId::Arrays) - 1].Size, Expected);
  }
}

TEST(ImageRefusal, EverySectionCrc) {
  Program P = RandomProgram(7).make();
  std::vector<uint8_t> Bytes = bytesOf(P);
  ImageHeader H = llvm::cantFail(readImageHeader(Bytes, "x"));
  for (const SectionEntry &E : H.Sections) {
    for (uint64_t At : {E.Offset, E.Offset + E.Size / 2, E.Offset + E.Size - 1}) {
      std::vector<uint8_t> Damaged = Bytes;
      Damaged[At] ^= 0x01;
      EXPECT_EQ(errorOf(readImage(Damaged, "image.qnnimg")), "image.qnnimg: section '" +
                                                                 sectionName(E.Id).str() +
                                                                 "' is corrupt (CRC mismatch)");
    }
  }
}

TEST(ImageRefusal, HeaderAndTable) {
  std::vector<uint8_t> Bytes = bytesOf(RandomProgram(3).make());
  std::vector<uint8_t> Magic = Bytes;
  Magic[2] = 'X';
  EXPECT_EQ(errorOf(readImage(Magic, "a.img")), "a.img: not a qnn image (bad magic)");
  std::vector<uint8_t> Version = Bytes;
  Version[VersionOffset] = 9;
  EXPECT_EQ(errorOf(readImage(Version, "a.img")),
            "a.img: unsupported image format version 9 (this runtime reads version 7; "
            "recompile the model)");
  for (uint64_t At = FingerprintOffset; At < HeaderSize + NumSections * SectionEntrySize; ++At) {
    if (At >= TableCrcOffset && At < HeaderSize)
      continue;
    std::vector<uint8_t> Table = Bytes;
    Table[At] ^= 0x10;
    EXPECT_EQ(errorOf(readImage(Table, "a.img")),
              "a.img: header or section table is corrupt (CRC mismatch)")
        << "byte " << At;
  }
  std::vector<uint8_t> Trailing = Bytes;
  Trailing.push_back(0);
  EXPECT_EQ(errorOf(readImage(Trailing, "a.img")),
            "a.img: 1 unexpected bytes after the last section");
}

TEST(ImageRefusal, TruncationAtEveryOffset) {
  std::vector<uint8_t> Bytes = bytesOf(RandomProgram(11).make());
  for (size_t N = 0; N < Bytes.size(); ++N) {
    std::vector<uint8_t> Short(Bytes.begin(), Bytes.begin() + N);
    EXPECT_NE(errorOf(readImage(Short, "t.img")), "") << "kept " << N << " bytes";
  }
}

TEST(ImageRefusal, FingerprintMismatch) {
  Program P = RandomProgram(5).make();
  uint64_t Right = P.TargetFingerprint;
  P.TargetFingerprint ^= 0x100;
  std::vector<uint8_t> Bytes = llvm::cantFail(encodeImage(P));
  std::string E = errorOf(readImage(Bytes, "f.img"));
  EXPECT_NE(E.find("f.img: target fingerprint mismatch"), std::string::npos) << E;
  EXPECT_NE(E.find(fmt::format("{:#018x}", Right)), std::string::npos) << E;
  // The writer refuses the same Program.
  llvm::Expected<std::vector<uint8_t>> W = writeImage(P);
  ASSERT_FALSE(static_cast<bool>(W));
  llvm::consumeError(W.takeError());
}

/// A Program with one MVM step whose fields the tests below break one by one.
Program mvmProgram() {
  Program P = tinyProgram(2);
  P.Tensors = {{"x", DType::U8, {1, 3}, {}, {}, -1}, {"y", DType::I32, {1, 2}, {}, {}, -1}};
  P.Inputs = {0};
  P.Outputs = {1};
  ArrayImage A;
  A.Rows = A.Cols = 4;
  A.Levels.assign(16, 1);
  P.Arrays.push_back(A);
  Step S;
  S.Layer = "fc";
  S.Inputs = {0};
  S.Outputs = {1};
  S.Mvm.K = 3;
  S.Mvm.N = 2;
  S.Mvm.Columns = {{0, 1, 0}, {1, 1, 0}};
  S.Mvm.Blocks = {{0, 0, 0, 0, 3, 0, 2, {}}};
  S.Mvm.Bias = {0, 0};
  S.Mvm.Requant = RequantMode::None;
  P.Steps.push_back(S);
  return P;
}

TEST(ImageRefusal, OutOfRangeIndices) {
  ASSERT_EQ(errorOf(readImage(bytesOf(mvmProgram()), "m.img")), "");
  struct Case {
    std::function<void(Program &)> Break;
    std::string Message;
  } Cases[] = {
      {[](Program &P) { P.Steps[0].Mvm.Blocks[0].Array = 5; },
       "m.img: step 0 ('fc'): block 0 uses array 5, the image has 1"},
      {[](Program &P) { P.Steps[0].Mvm.Blocks[0].RowOffset = 2; },
       "m.img: step 0 ('fc'): block 0 (rows [2, 5), columns [0, 2)) does not fit its 4x4 "
       "array 0"},
      {[](Program &P) { P.Steps[0].Mvm.Blocks[0].KBegin = 1; },
       "m.img: step 0 ('fc'): block 0 (K rows [1, 4), layer columns [0, 2)) exceeds K = 3 or "
       "the 2 columns"},
      {[](Program &P) { P.Steps[0].Mvm.Columns[1].Output = 2; },
       "m.img: step 0 ('fc'): column 1 (output 2, sign 1, shift 0) is out of range (N = 2, sign "
       "+-1, shift <= 16)"},
      {[](Program &P) { P.Steps[0].Inputs = {7}; },
       "m.img: step 0 input tensor index 7 out of range (2 tensors)"},
      {[](Program &P) { P.Outputs = {2}; },
       "m.img: graph output tensor index 2 out of range (2 tensors)"},
      {[](Program &P) { P.Steps[0].Mvm.Bias.pop_back(); },
       "m.img: step 0 ('fc'): 1 biases for N = 2"},
      {[](Program &P) { P.Steps[0].Mvm.Replicas = 0; },
       "m.img: step 0 ('fc'): 0 replicas of 1 blocks: replicas must be 1..4096, blocks a "
       "multiple of them"},
      {[](Program &P) {
         P.Steps[0].Mvm.Blocks.push_back(P.Steps[0].Mvm.Blocks[0]);
         P.Steps[0].Mvm.Replicas = 2;
       },
       "m.img: step 0 ('fc'): only a conv2d layer may have replicas"},
      {[](Program &P) {
         MvmStep &M = P.Steps[0].Mvm;
         M.Blocks.push_back(M.Blocks[0]);
         M.Blocks.back().KCount = 1;
         M.Blocks.push_back(M.Blocks[0]);
         M.Replicas = 3;
       },
       "m.img: step 0 ('fc'): block 1 is not a copy of block 0 (replicas)"},
      {[](Program &P) { P.Arrays[0].Tile = 1; },
       "m.img: array 0: position tile 1 array 0 is outside the target (1 chip(s) of 1 tiles of 2)"},
      {[](Program &P) { P.Steps[0].Tile = 3; },
       "m.img: step 0 ('fc'): runs on tile 3, 1 chip(s) of the target have 1"},
      {[](Program &P) {
         P.Steps[0].Kind = StepKind::Combine;
         P.Steps[0].Inputs = {0, 0};
       },
       "m.img: step 0 ('fc'): 2 inputs but 0/0/0/0 input scales/zero points/multipliers/shifts"},
  };
  for (const Case &C : Cases) {
    Program P = mvmProgram();
    C.Break(P);
    EXPECT_EQ(errorOf(readImage(llvm::cantFail(encodeImage(P)), "m.img")), C.Message);
  }
}

TEST(ImageRefusal, LevelsThatDoNotFitCellBits) {
  Program P = mvmProgram();
  P.Arrays[0].Levels[5] = 4; // cell_bits = 2
  llvm::Expected<std::vector<uint8_t>> B = encodeImage(P);
  ASSERT_FALSE(static_cast<bool>(B));
  EXPECT_EQ(llvm::toString(B.takeError()),
            "array 0 holds level 4, which does not fit cell_bits = 2");
}

TEST(ImageRefusal, GarbageWithValidCrcsNeverCrashes) {
  std::mt19937_64 Rng(99);
  for (uint64_t Seed = 1; Seed <= 20; ++Seed) {
    std::vector<uint8_t> Bytes = bytesOf(RandomProgram(Seed).make());
    ImageHeader H = llvm::cantFail(readImageHeader(Bytes, "x"));
    for (int Trial = 0; Trial < 60; ++Trial) {
      std::vector<uint8_t> Damaged = Bytes;
      // Damage only the decoded sections (not the target JSON, whose damage
      // the fingerprint catches).
      const SectionEntry &E = H.Sections[1 + Rng() % (NumSections - 1)];
      if (E.Size == 0)
        continue;
      for (int Flip = 0; Flip < 3; ++Flip)
        Damaged[E.Offset + Rng() % E.Size] = static_cast<uint8_t>(Rng());
      fixCrcs(Damaged);
      llvm::Expected<Program> P = readImage(Damaged, "g.img");
      if (!P)
        llvm::consumeError(P.takeError());
    }
  }
}

TEST(ImageFile, WriteIsAtomic) {
  llvm::SmallString<128> Dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("qnn-image-test", Dir));
  llvm::SmallString<128> Path(Dir);
  llvm::sys::path::append(Path, "ok.qnnimg");
  Program P = mvmProgram();
  ASSERT_FALSE(static_cast<bool>(writeImageFile(P, Path)));
  llvm::Expected<Program> Back = readImageFile(Path);
  ASSERT_TRUE(static_cast<bool>(Back)) << llvm::toString(Back.takeError());
  expectEqual(P, *Back);

  // An invalid Program, or an unwritable place, leaves nothing behind.
  llvm::SmallString<128> Bad(Dir);
  llvm::sys::path::append(Bad, "bad.qnnimg");
  P.Steps[0].Mvm.Blocks[0].Array = 3;
  llvm::Error E = writeImageFile(P, Bad);
  EXPECT_TRUE(static_cast<bool>(E));
  llvm::consumeError(std::move(E));
  llvm::SmallString<128> Missing(Dir);
  llvm::sys::path::append(Missing, "no-such-dir", "x.qnnimg");
  E = writeImageFile(mvmProgram(), Missing);
  EXPECT_TRUE(static_cast<bool>(E));
  llvm::consumeError(std::move(E));
  std::error_code EC;
  std::vector<std::string> Left;
  for (llvm::sys::fs::directory_iterator It(Dir, EC), End; It != End && !EC; It.increment(EC))
    Left.push_back(llvm::sys::path::filename(It->path()).str());
  EXPECT_EQ(Left, std::vector<std::string>({"ok.qnnimg"}));
  llvm::sys::fs::remove_directories(Dir);
}

} // namespace

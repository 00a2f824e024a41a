//===- TensorIOTest.cpp - .npy and TensorProto files ----------------------===//
//
// .npy files come from numpy itself (written by /usr/bin/python3 during the
// test) or are spelled out byte by byte from the format's specification;
// TensorProto files from ONNX's own test data.
//
//===----------------------------------------------------------------------===//
#include "qnn/Support/TensorIO.h"
#include "../Common/TempDir.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "gtest/gtest.h"
#include <fstream>
#include <onnx/onnx_pb.h>

using namespace qnn;

namespace {

using qnn::test::TempDir;

void writeBytes(const std::string &Path, const std::string &Bytes) {
  std::ofstream(Path, std::ios::binary) << Bytes;
}

/// Runs a Python snippet with numpy; false when python3 or numpy is missing.
bool runNumpy(const std::string &Script) {
  auto Python = llvm::sys::findProgramByName("python3", {"/usr/bin"});
  if (!Python)
    return false;
  std::string Code = "import numpy as np\n" + Script;
  llvm::StringRef Args[] = {*Python, "-c", Code};
  return llvm::sys::ExecuteAndWait(*Python, Args) == 0;
}

TEST(TensorIO, ReadsNpyWrittenByNumpy) {
  TempDir Tmp;
  const std::string &Dir = Tmp.Path;
  if (!runNumpy("d = '" + Dir +
                "'\n"
                "np.save(d + '/f4.npy', np.array([[1.5, -2.25, 3e-8], [0, -0.0, 7]], np.float32))\n"
                "np.save(d + '/i1.npy', np.array([-128, 127, 0, 5], np.int8))\n"
                "np.save(d + '/u2.npy', np.array([[65535], [1]], np.uint16))\n"
                "np.save(d + '/f2.npy', np.array([0.5, 65504, -1e-7], np.float16))\n"
                "np.save(d + '/i8.npy', np.array(-(2**40), np.int64))\n"
                "np.save(d + '/b1.npy', np.array([True, False], np.bool_))\n"
                "np.save(d + '/fortran.npy', np.asfortranarray(np.ones((2, 3), np.float32)))\n"
                "np.save(d + '/big.npy', np.array([1, 2], '>i4'))\n"))
    GTEST_SKIP() << "/usr/bin/python3 with numpy is not available";

  auto Read = [&](const char *Name) { return readTensorFile(Dir + "/" + Name); };
  auto F4 = Read("f4.npy");
  ASSERT_TRUE(static_cast<bool>(F4)) << llvm::toString(F4.takeError());
  EXPECT_EQ(F4->Value,
            Tensor(DType::F32, {2, 3}, {1.5, -2.25, static_cast<double>(3e-8f), 0, -0.0, 7}));
  auto I1 = Read("i1.npy");
  ASSERT_TRUE(static_cast<bool>(I1));
  EXPECT_EQ(I1->Value, Tensor(DType::I8, {4}, {-128, 127, 0, 5}));
  auto U2 = Read("u2.npy");
  ASSERT_TRUE(static_cast<bool>(U2));
  EXPECT_EQ(U2->Value, Tensor(DType::U16, {2, 1}, {65535, 1}));
  auto F2 = Read("f2.npy");
  ASSERT_TRUE(static_cast<bool>(F2));
  // float16 nearest values: 0.5, 65504 and the subnormal nearest to -1e-7.
  EXPECT_EQ(F2->Value, Tensor(DType::F16, {3}, {0.5, 65504, -std::ldexp(2.0, -24)}));
  auto I8 = Read("i8.npy");
  ASSERT_TRUE(static_cast<bool>(I8));
  EXPECT_EQ(I8->Value, Tensor(DType::I64, {}, {-std::ldexp(1.0, 40)}));
  auto B1 = Read("b1.npy");
  ASSERT_TRUE(static_cast<bool>(B1));
  EXPECT_EQ(B1->Value, Tensor(DType::Bool, {2}, {1, 0}));

  auto Fortran = Read("fortran.npy");
  ASSERT_FALSE(static_cast<bool>(Fortran));
  EXPECT_NE(llvm::toString(Fortran.takeError()).find("Fortran order"), std::string::npos);
  auto Big = Read("big.npy");
  ASSERT_FALSE(static_cast<bool>(Big));
  EXPECT_NE(llvm::toString(Big.takeError()).find("unsupported .npy dtype '>i4'"),
            std::string::npos);
}

TEST(TensorIO, WrittenNpyLoadsInNumpy) {
  TempDir Tmp;
  const std::string &Dir = Tmp.Path;
  Tensor T(DType::I16, {2, 2}, {-32768, 1, 2, 32767});
  ASSERT_FALSE(static_cast<bool>(writeNpyFile(T, Dir + "/out.npy")));
  Tensor Sub(DType::I4, {3}, {-8, 7, -1});
  ASSERT_FALSE(static_cast<bool>(writeNpyFile(Sub, Dir + "/i4.npy")));
  if (!runNumpy("d = '" + Dir +
                "'\n"
                "a = np.load(d + '/out.npy')\n"
                "assert a.dtype == np.int16 and a.shape == (2, 2), a\n"
                "assert a.tolist() == [[-32768, 1], [2, 32767]], a\n"
                "b = np.load(d + '/i4.npy')\n"
                "assert b.dtype == np.int8 and b.tolist() == [-8, 7, -1], b\n"))
    GTEST_SKIP() << "python3 with numpy is not available or rejected the file";
}

TEST(TensorIO, NpyFromTheSpecification) {
  // Version 2.0 header (4-byte length), '<f8', shape (2,), then 16 bytes.
  std::string Header = "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }";
  std::string Bytes = std::string("\x93NUMPY\x02\x00", 8);
  uint32_t Len = static_cast<uint32_t>(Header.size());
  Bytes += std::string(reinterpret_cast<const char *>(&Len), 4) + Header;
  double Values[2] = {0.1, -3.5};
  Bytes += std::string(reinterpret_cast<const char *>(Values), 16);
  TempDir Tmp;
  const std::string &Dir = Tmp.Path;
  writeBytes(Dir + "/v2.npy", Bytes);
  auto T = readTensorFile(Dir + "/v2.npy");
  ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
  EXPECT_EQ(T->Value, Tensor(DType::F64, {2}, {0.1, -3.5}));

  writeBytes(Dir + "/short.npy", Bytes.substr(0, Bytes.size() - 3));
  auto Short = readTensorFile(Dir + "/short.npy");
  ASSERT_FALSE(static_cast<bool>(Short));
  EXPECT_NE(llvm::toString(Short.takeError()).find("the data holds 13 bytes"), std::string::npos);
  writeBytes(Dir + "/junk.npy", "not numpy");
  auto Junk = readTensorFile(Dir + "/junk.npy");
  ASSERT_FALSE(static_cast<bool>(Junk));
  EXPECT_NE(llvm::toString(Junk.takeError()).find("not a valid .npy file"), std::string::npos);
}

TEST(TensorIO, NpyRowsReadSlabsOfTheFirstDimension) {
  TempDir Tmp;
  const std::string Path = Tmp.Path + "/rows.npy";
  std::vector<double> Values(5 * 2 * 3);
  for (size_t I = 0; I < Values.size(); ++I)
    Values[I] = static_cast<double>(I) - 7;
  ASSERT_FALSE(static_cast<bool>(writeNpyFile(Tensor(DType::I16, {5, 2, 3}, Values), Path)));
  auto Rows = NpyRows::open(Path);
  ASSERT_TRUE(static_cast<bool>(Rows)) << llvm::toString(Rows.takeError());
  EXPECT_EQ(Rows->rowCount(), 5);
  EXPECT_EQ(Rows->rowElements(), 6);
  EXPECT_EQ(Rows->type(), DType::I16);
  // Rows 1 and 2 are elements 6 to 17.
  EXPECT_EQ(
      Rows->rows(1, 2).toTensor(),
      Tensor(DType::I16, {2, 2, 3}, std::vector<double>(Values.begin() + 6, Values.begin() + 18)));
  EXPECT_EQ(Rows->rows(4, 1).toTensor().Data.back(), Values.back());
  EXPECT_EQ(Rows->rows(5, 0).dims(), (Shape{0, 2, 3}));

  // A scalar has no rows.
  ASSERT_FALSE(static_cast<bool>(writeNpyFile(Tensor(DType::F32, {}, {1.5}), Path)));
  auto Scalar = NpyRows::open(Path);
  ASSERT_FALSE(static_cast<bool>(Scalar));
  EXPECT_NE(llvm::toString(Scalar.takeError()).find("needs a first dimension"), std::string::npos);
}

TEST(TensorIO, ProtoRoundTripOfEveryType) {
  TempDir Tmp;
  const std::string &Dir = Tmp.Path;
  const std::pair<DType, std::vector<double>> Cases[] = {
      {DType::F32, {1.5, -0.0, 0x1p34}},
      {DType::F16, {0.5, -2, 65504}},
      {DType::F64, {0.1, -1e300, 5}},
      {DType::I2, {-2, 1, 0}},
      {DType::U2, {3, 0, 2}},
      {DType::I4, {-8, 7, 3}},
      {DType::U4, {15, 0, 9}},
      {DType::I8, {-128, 127, 0}},
      {DType::U8, {255, 0, 1}},
      {DType::I16, {-32768, 2, 3}},
      {DType::U16, {65535, 4, 5}},
      {DType::I32, {-2147483648.0, 6, 7}},
      {DType::U32, {4294967295.0, 8, 9}},
      {DType::I64, {-1e15, 10, 11}},
      {DType::U64, {1e15, 12, 13}},
      {DType::Bool, {1, 0, 1}},
  };
  for (const auto &[Type, Data] : Cases) {
    Tensor T(Type, {3}, Data);
    std::string Path = Dir + "/t.pb";
    ASSERT_FALSE(static_cast<bool>(writeTensorProtoFile(T, "t", Path)));
    auto Back = readTensorFile(Path);
    ASSERT_TRUE(static_cast<bool>(Back)) << llvm::toString(Back.takeError());
    EXPECT_EQ(Back->Name, "t");
    EXPECT_EQ(Back->Value, T) << dtypeName(Type).str();
  }
}

TEST(TensorIO, PackedAndTypedFields) {
  // int4 raw data: elements 1, -1, 7 packed low nibble first: 0xF1, 0x07.
  onnx::TensorProto P;
  P.set_data_type(22);
  P.add_dims(3);
  P.set_raw_data(std::string("\xF1\x07", 2));
  auto T = tensorFromProto(P, "ctx");
  ASSERT_TRUE(static_cast<bool>(T)) << llvm::toString(T.takeError());
  EXPECT_EQ(*T, Tensor(DType::I4, {3}, {1, -1, 7}));

  // uint2 in int32_data: one packed byte per entry, 0b11100100 = 0, 1, 2, 3.
  onnx::TensorProto Q;
  Q.set_data_type(25);
  Q.add_dims(4);
  Q.add_int32_data(0xE4);
  auto U = tensorFromProto(Q, "ctx");
  ASSERT_TRUE(static_cast<bool>(U)) << llvm::toString(U.takeError());
  EXPECT_EQ(*U, Tensor(DType::U2, {4}, {0, 1, 2, 3}));

  // float16 typed data holds the bit patterns: 0x3C00 = 1.0, 0xC000 = -2.0.
  onnx::TensorProto H;
  H.set_data_type(10);
  H.add_dims(2);
  H.add_int32_data(0x3C00);
  H.add_int32_data(0xC000);
  auto HT = tensorFromProto(H, "ctx");
  ASSERT_TRUE(static_cast<bool>(HT));
  EXPECT_EQ(*HT, Tensor(DType::F16, {2}, {1.0, -2.0}));

  onnx::TensorProto Count;
  Count.set_name("short");
  Count.set_data_type(1);
  Count.add_dims(3);
  Count.add_float_data(1);
  auto Bad = tensorFromProto(Count, "m.onnx");
  ASSERT_FALSE(static_cast<bool>(Bad));
  EXPECT_EQ(llvm::toString(Bad.takeError()),
            "m.onnx: tensor 'short' holds 1 elements, its shape 3 needs 3");
}

TEST(TensorIO, RefusesWhatQnnDoesNotCompute) {
  onnx::TensorProto F8;
  F8.set_name("f8");
  F8.set_data_type(17);
  F8.add_dims(1);
  F8.set_raw_data(std::string("\x01", 1));
  auto T = tensorFromProto(F8, "m.onnx");
  ASSERT_FALSE(static_cast<bool>(T));
  EXPECT_EQ(llvm::toString(T.takeError()),
            "m.onnx: tensor 'f8' has element type f8e4m3fn, which qnnc does not support");

  onnx::TensorProto BF;
  BF.set_data_type(16);
  auto B = tensorFromProto(BF, "");
  ASSERT_FALSE(static_cast<bool>(B));
  EXPECT_NE(llvm::toString(B.takeError()).find("element type bf16"), std::string::npos);

  onnx::TensorProto Ext;
  Ext.set_name("w");
  Ext.set_data_type(1);
  Ext.set_data_location(onnx::TensorProto::EXTERNAL);
  auto E = tensorFromProto(Ext, "m.onnx");
  ASSERT_FALSE(static_cast<bool>(E));
  EXPECT_NE(
      llvm::toString(E.takeError()).find("m.onnx: tensor 'w' keeps its data in an external file"),
      std::string::npos);
}

TEST(TensorIO, ReadsOnnxTestData) {
  // test_quantizelinear: y_scale = 2 (float scalar), y_zero_point = 128 (uint8).
  const char *Dir = "/usr/share/libonnx-testdata/data/node/test_quantizelinear/test_data_set_0";
  if (!llvm::sys::fs::exists(Dir))
    GTEST_SKIP() << "libonnx-testdata is not installed";
  auto Scale = readTensorFile(std::string(Dir) + "/input_1.pb");
  ASSERT_TRUE(static_cast<bool>(Scale)) << llvm::toString(Scale.takeError());
  EXPECT_EQ(Scale->Value, Tensor(DType::F32, {}, {2.0}));
  auto Zp = readTensorFile(std::string(Dir) + "/input_2.pb");
  ASSERT_TRUE(static_cast<bool>(Zp));
  EXPECT_EQ(Zp->Value, Tensor(DType::U8, {}, {128}));
  auto Missing = readTensorFile(std::string(Dir) + "/nothing.pb");
  ASSERT_FALSE(static_cast<bool>(Missing));
  EXPECT_NE(llvm::toString(Missing.takeError()).find("nothing.pb: No such file"),
            std::string::npos);
}

TEST(TensorIO, FailedWriteLeavesNoFile) {
  TempDir Tmp;
  const std::string &Dir = Tmp.Path;
  std::string Path = Dir + "/no/such/dir/out.npy";
  EXPECT_TRUE(static_cast<bool>(llvm::errorToBool(writeNpyFile(Tensor(DType::F32, {1}), Path))));
  EXPECT_FALSE(llvm::sys::fs::exists(Path));
  EXPECT_TRUE(Tmp.entries().empty());
}

} // namespace

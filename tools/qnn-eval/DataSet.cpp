//===- DataSet.cpp - Labelled data sets for qnn-eval ----------------------===//
#include "DataSet.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Limits.h"
#include "qnn/Support/TensorIO.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include <climits>
#include <cstring>
#include <zlib.h>

using namespace llvm;

namespace qnn::eval {

/// The most bytes an IDX file may hold: the header of the largest rank and
/// the largest tensor of 8-byte elements. Inflating stops there, so a small
/// gzip bomb cannot exhaust memory.
static constexpr uint64_t MaxIdxBytes = 4 + 4 * 255 + limits::MaxElements * 8;

/// Inflates a gzip stream (all of its members, as gunzip does).
static Expected<std::vector<uint8_t>> gunzip(StringRef Data, StringRef Path) {
  if (Data.size() > UINT_MAX) // zlib counts input bytes in a uInt
    return makeError("{}: a gzip file of more than 4 GiB is not supported; decompress it first",
                     Path.str());
  std::vector<uint8_t> Out;
  z_stream Z;
  std::memset(&Z, 0, sizeof(Z));
  // 16 + MAX_WBITS: expect a gzip header and trailer, not a raw zlib stream.
  if (inflateInit2(&Z, 16 + MAX_WBITS) != Z_OK)
    return makeError("{}: cannot initialize zlib", Path.str());
  Z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(Data.data()));
  Z.avail_in = static_cast<uInt>(Data.size());
  uint8_t Chunk[1 << 16];
  int Status = Z_OK;
  while (Status != Z_STREAM_END || Z.avail_in > 0) {
    if (Status == Z_STREAM_END)
      inflateReset(&Z); // a further gzip member follows
    Z.next_out = Chunk;
    Z.avail_out = sizeof(Chunk);
    Status = inflate(&Z, Z_NO_FLUSH);
    if (Status != Z_OK && Status != Z_STREAM_END) {
      // Z_BUF_ERROR: the input ended before the stream did.
      std::string Why = Status == Z_BUF_ERROR ? "the file is truncated"
                        : Z.msg               ? Z.msg
                                              : "corrupt data";
      inflateEnd(&Z);
      return makeError("{}: cannot decompress gzip data: {}", Path.str(), Why);
    }
    Out.insert(Out.end(), Chunk, Chunk + (sizeof(Chunk) - Z.avail_out));
    if (Out.size() > MaxIdxBytes) {
      inflateEnd(&Z);
      return makeError("{}: decompresses to more than {} bytes, more than an IDX file of the "
                       "largest tensor qnn holds",
                       Path.str(), MaxIdxBytes);
    }
  }
  inflateEnd(&Z);
  return Out;
}

namespace {
/// An IDX element type: its code in the header, size and qnn type.
struct IdxType {
  uint8_t Code;
  unsigned Bytes;
  DType Type;
};
} // namespace

static const IdxType IdxTypes[] = {
    {0x08, 1, DType::U8},  {0x09, 1, DType::I8},  {0x0B, 2, DType::I16},
    {0x0C, 4, DType::I32}, {0x0D, 4, DType::F32}, {0x0E, 8, DType::F64},
};

/// Decodes one big-endian element of type \p T.
static double readIdxElement(const uint8_t *P, const IdxType &T) {
  using namespace llvm::support;
  switch (T.Type) {
  case DType::U8:
    return *P;
  case DType::I8:
    return static_cast<int8_t>(*P);
  case DType::I16:
    return endian::read<int16_t, big, unaligned>(P);
  case DType::I32:
    return endian::read<int32_t, big, unaligned>(P);
  case DType::F32: {
    uint32_t Bits = endian::read<uint32_t, big, unaligned>(P);
    float F;
    std::memcpy(&F, &Bits, sizeof(F));
    return F;
  }
  case DType::F64: {
    uint64_t Bits = endian::read<uint64_t, big, unaligned>(P);
    double D;
    std::memcpy(&D, &Bits, sizeof(D));
    return D;
  }
  default:
    llvm_unreachable("not an IDX element type");
  }
}

Expected<Tensor> readIdxFile(StringRef Path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> Buf =
      MemoryBuffer::getFile(Path, /*IsText=*/false, /*RequiresNullTerminator=*/false);
  if (!Buf)
    return makeError("{}: {}", Path.str(), Buf.getError().message());
  StringRef Raw = (*Buf)->getBuffer();
  std::vector<uint8_t> Bytes;
  if (Raw.startswith("\x1f\x8b")) {
    Expected<std::vector<uint8_t>> Inflated = gunzip(Raw, Path);
    if (!Inflated)
      return Inflated.takeError();
    Bytes = std::move(*Inflated);
  } else {
    Bytes.assign(Raw.bytes_begin(), Raw.bytes_end());
  }

  if (Bytes.size() < 4 || Bytes[0] != 0 || Bytes[1] != 0)
    return makeError("{}: not an IDX file (no 00 00 magic; expected MNIST-style "
                     "*-idx*-ubyte[.gz] or a .npy array)",
                     Path.str());
  const IdxType *Type = nullptr;
  for (const IdxType &T : IdxTypes)
    if (T.Code == Bytes[2])
      Type = &T;
  if (!Type)
    return makeError("{}: unknown IDX element type 0x{:02x}", Path.str(), Bytes[2]);
  unsigned Rank = Bytes[3];
  size_t Offset = 4 + 4 * static_cast<size_t>(Rank);
  if (Rank == 0 || Bytes.size() < Offset)
    return makeError("{}: IDX header of rank {} is truncated or empty", Path.str(), Rank);
  Shape Dims;
  for (unsigned I = 0; I < Rank; ++I)
    Dims.push_back(support::endian::read32be(&Bytes[4 + 4 * I]));
  Expected<int64_t> Elements = limits::checkShape(Dims, Path + ": the IDX array");
  if (!Elements)
    return Elements.takeError();
  uint64_t Count = static_cast<uint64_t>(*Elements);
  if (Bytes.size() - Offset != Count * Type->Bytes)
    return makeError("{}: IDX data has {} bytes, the header's shape {} needs {}", Path.str(),
                     Bytes.size() - Offset, shapeToString(Dims), Count * Type->Bytes);
  Tensor T(Type->Type, Dims);
  for (uint64_t I = 0; I < Count; ++I)
    T.Data[I] = readIdxElement(&Bytes[Offset + I * Type->Bytes], *Type);
  return T;
}

Expected<Tensor> readDataFile(StringRef Path) {
  if (sys::path::extension(Path) != ".npy")
    return readIdxFile(Path);
  Expected<NamedTensor> T = readTensorFile(Path);
  if (!T)
    return T.takeError();
  return std::move(T->Value);
}

Expected<std::vector<int64_t>> labelsFromTensor(const Tensor &T, StringRef Path) {
  bool Column = T.Dims.size() == 2 && T.Dims[1] == 1;
  if (T.Dims.size() != 1 && !Column)
    return makeError("{}: labels must have shape [N] or [N,1], not [{}]", Path.str(),
                     shapeToString(T.Dims));
  if (!isInteger(T.Type))
    return makeError("{}: labels must be integers, not {} (class indices)", Path.str(),
                     dtypeName(T.Type).str());
  return std::vector<int64_t>(T.Data.begin(), T.Data.end());
}

} // namespace qnn::eval

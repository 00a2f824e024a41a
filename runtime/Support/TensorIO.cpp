//===- TensorIO.cpp - Tensors in and out of files -------------------------===//
#include "qnn/Support/TensorIO.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Limits.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <cmath>
#include <cstring>
#include <google/protobuf/io/coded_stream.h>
#include <onnx/onnx_pb.h>

namespace qnn {

namespace {

/// Bytes of one element in a byte-aligned encoding (sub-byte types pack).
unsigned byteWidth(DType T) { return T == DType::Bool ? 1 : bitWidth(T) / 8; }

bool isSubByte(DType T) { return T != DType::Bool && bitWidth(T) < 8; }

uint64_t loadLE(const uint8_t *P, unsigned Bytes) {
  uint64_t V = 0;
  for (unsigned I = 0; I < Bytes; ++I)
    V |= static_cast<uint64_t>(P[I]) << (8 * I);
  return V;
}

void storeLE(uint64_t V, unsigned Bytes, std::string &Out) {
  for (unsigned I = 0; I < Bytes; ++I)
    Out.push_back(static_cast<char>((V >> (8 * I)) & 0xff));
}

/// Interprets the low \p Bits bits of \p Raw as an element of \p T.
double decodeBits(uint64_t Raw, DType T) {
  unsigned Bits = bitWidth(T);
  switch (T) {
  case DType::F32: {
    uint32_t U = static_cast<uint32_t>(Raw);
    float F;
    std::memcpy(&F, &U, 4);
    return F;
  }
  case DType::F64: {
    double D;
    std::memcpy(&D, &Raw, 8);
    return D;
  }
  case DType::F16:
    return halfToFloat(static_cast<uint16_t>(Raw));
  case DType::Bool:
    return (Raw & 0xff) != 0 ? 1.0 : 0.0;
  default:
    break;
  }
  uint64_t Mask = Bits == 64 ? ~uint64_t(0) : (uint64_t(1) << Bits) - 1;
  Raw &= Mask;
  if (isSigned(T) && Bits < 64 && (Raw >> (Bits - 1)) & 1)
    return static_cast<double>(static_cast<int64_t>(Raw | ~Mask));
  if (isSigned(T))
    return static_cast<double>(static_cast<int64_t>(Raw));
  return static_cast<double>(Raw);
}

/// The bit pattern of element \p V stored as type \p T (two's complement for
/// integers, IEEE for floats).
uint64_t encodeBits(double V, DType T) {
  switch (T) {
  case DType::F32: {
    float F = static_cast<float>(V);
    uint32_t U;
    std::memcpy(&U, &F, 4);
    return U;
  }
  case DType::F64: {
    uint64_t U;
    std::memcpy(&U, &V, 8);
    return U;
  }
  case DType::F16:
    return floatToHalf(static_cast<float>(V));
  case DType::Bool:
    return V != 0 ? 1 : 0;
  default:
    break;
  }
  unsigned Bits = bitWidth(T);
  uint64_t Mask = Bits == 64 ? ~uint64_t(0) : (uint64_t(1) << Bits) - 1;
  // UINT64_MAX rounds up to 2^64 as a double; it saturates back, as
  // toInt64 does for the signed extremes.
  uint64_t U = isSigned(T) ? static_cast<uint64_t>(toInt64(V))
                           : (V >= 0x1p64 ? UINT64_MAX
                              : V <= 0    ? 0
                                          : uint64_t(V));
  return U & Mask;
}

/// Decodes \p N little-endian elements; sub-byte types are packed with the
/// first element in the least significant bits, as ONNX stores int4/int2.
std::vector<double> decodeBytes(llvm::StringRef Bytes, DType T, int64_t N) {
  std::vector<double> Data(N);
  const auto *P = reinterpret_cast<const uint8_t *>(Bytes.data());
  if (isSubByte(T)) {
    unsigned Bits = bitWidth(T), PerByte = 8 / Bits;
    for (int64_t I = 0; I < N; ++I)
      Data[I] = decodeBits(P[I / PerByte] >> ((I % PerByte) * Bits), T);
    return Data;
  }
  unsigned W = byteWidth(T);
  for (int64_t I = 0; I < N; ++I)
    Data[I] = decodeBits(loadLE(P + I * W, W), T);
  return Data;
}

std::string encodeBytes(const Tensor &T) {
  std::string Out;
  if (isSubByte(T.Type)) {
    unsigned Bits = bitWidth(T.Type), PerByte = 8 / Bits;
    Out.assign((T.Data.size() + PerByte - 1) / PerByte, '\0');
    for (size_t I = 0; I < T.Data.size(); ++I)
      Out[I / PerByte] =
          static_cast<char>(static_cast<uint8_t>(Out[I / PerByte]) |
                            (encodeBits(T.Data[I], T.Type) << ((I % PerByte) * Bits)));
    return Out;
  }
  unsigned W = byteWidth(T.Type);
  Out.reserve(T.Data.size() * W);
  for (double V : T.Data)
    storeLE(encodeBits(V, T.Type), W, Out);
  return Out;
}

int64_t packedBytes(DType T, int64_t N) {
  if (isSubByte(T)) {
    int64_t PerByte = 8 / bitWidth(T);
    return (N + PerByte - 1) / PerByte;
  }
  return N * byteWidth(T);
}

/// "<context>: tensor '<name>'", or "the tensor" for an unnamed one.
std::string prefix(llvm::StringRef Context, llvm::StringRef Name) {
  std::string P = Context.empty() ? "" : Context.str() + ": ";
  return P + (Name.empty() ? std::string("the tensor") : "tensor '" + Name.str() + "'");
}

/// The range a typed-field entry of \p T may hold: ONNX keeps narrow
/// integers widened to int32 (or uint64), float16 as its bit pattern and
/// packed sub-byte elements a byte an entry. A value outside is damage, not
/// something to wrap.
std::pair<int64_t, int64_t> typedFieldRange(DType T) {
  if (isSubByte(T))
    return {0, 0xff};
  if (T == DType::F16)
    return {0, 0xffff};
  if (T == DType::Bool)
    return {0, 1};
  return {minValue(T), maxValue(T)};
}

/// Typed-field elements of a TensorProto, in the field ONNX assigns to the type.
llvm::Expected<std::vector<double>> typedFieldData(const onnx::TensorProto &P, DType T, int64_t N,
                                                   llvm::StringRef Where) {
  auto [Min, Max] = typedFieldRange(T);
  std::optional<std::string> Problem;
  auto InRange = [&, Min = Min, Max = Max](auto V, size_t I) {
    // Every bound is below 2^53, so comparing as doubles is exact.
    double D = static_cast<double>(V);
    if (Problem || (D >= static_cast<double>(Min) && D <= static_cast<double>(Max)))
      return;
    Problem = fmt::format("{} holds {} at element {}, outside the range [{}, {}] of its "
                          "element type {}",
                          Where, V, I, Min, Max, dtypeName(T).str());
  };
  std::vector<double> Data;
  if (isSubByte(T)) {
    // Each int32_data entry holds one byte of packed elements.
    std::string Bytes;
    for (int32_t V : P.int32_data()) {
      InRange(V, Bytes.size());
      Bytes.push_back(static_cast<char>(V & 0xff));
    }
    if (Problem)
      return makeError("{}", *Problem);
    if (static_cast<int64_t>(Bytes.size()) != packedBytes(T, N))
      return makeError("{} holds {} packed bytes in int32_data, its shape needs {}", Where,
                       Bytes.size(), packedBytes(T, N));
    return decodeBytes(Bytes, T, N);
  }
  switch (T) {
  case DType::F32:
    Data.assign(P.float_data().begin(), P.float_data().end());
    break;
  case DType::F64:
    Data.assign(P.double_data().begin(), P.double_data().end());
    break;
  case DType::I64:
    for (int64_t V : P.int64_data())
      Data.push_back(static_cast<double>(V));
    break;
  case DType::U32:
    for (uint64_t V : P.uint64_data()) {
      InRange(V, Data.size());
      Data.push_back(static_cast<double>(V));
    }
    break;
  case DType::U64:
    for (uint64_t V : P.uint64_data())
      Data.push_back(static_cast<double>(V));
    break;
  default: // int8..int32, uint8, uint16, bool, float16 (as bits) live in int32_data
    for (int32_t V : P.int32_data()) {
      InRange(V, Data.size());
      Data.push_back(decodeBits(static_cast<uint32_t>(V), T));
    }
    break;
  }
  if (Problem)
    return makeError("{}", *Problem);
  if (static_cast<int64_t>(Data.size()) != N)
    return makeError("{} holds {} elements, its shape {} needs {}", Where, Data.size(),
                     shapeToString(Shape(P.dims().begin(), P.dims().end())), N);
  return Data;
}

llvm::Expected<std::unique_ptr<llvm::MemoryBuffer>> readFile(llvm::StringRef Path) {
  auto Buffer = llvm::MemoryBuffer::getFile(Path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!Buffer)
    return makeError("{}: {}", Path.str(), Buffer.getError().message());
  return std::move(*Buffer);
}

//===-- .npy --------------------------------------------------------------===//

struct NpyType {
  const char *Code;
  DType Type;
};
constexpr NpyType NpyTypes[] = {
    {"f4", DType::F32}, {"f2", DType::F16}, {"f8", DType::F64}, {"i1", DType::I8},
    {"u1", DType::U8},  {"i2", DType::I16}, {"u2", DType::U16}, {"i4", DType::I32},
    {"u4", DType::U32}, {"i8", DType::I64}, {"u8", DType::U64}, {"b1", DType::Bool},
};

/// The value text of \p Key in a .npy header dict ("{'descr': '<f4', ...}").
std::optional<llvm::StringRef> headerField(llvm::StringRef Header, llvm::StringRef Key) {
  for (char Quote : {'\'', '"'}) {
    std::string Pattern = std::string(1, Quote) + Key.str() + Quote;
    size_t At = Header.find(Pattern);
    if (At == llvm::StringRef::npos)
      continue;
    llvm::StringRef Rest = Header.drop_front(At + Pattern.size()).ltrim();
    if (!Rest.consume_front(":"))
      return std::nullopt;
    return Rest.ltrim();
  }
  return std::nullopt;
}

/// The element type, shape and data of a .npy file, its header checked.
struct NpyLayout {
  DType Type;
  Shape Dims;
  llvm::StringRef Body;
};

/// Parses the header of the .npy \p Bytes. The shape is checked against the
/// limits whole, or with \p RowsAnyNumber all but its first dimension (an
/// array read a slab of rows at a time); the data size against the shape.
llvm::Expected<NpyLayout> parseNpyHeader(llvm::StringRef Bytes, llvm::StringRef Path,
                                         bool RowsAnyNumber) {
  auto Bad = [&](llvm::StringRef What) {
    return makeError("{}: not a valid .npy file: {}", Path.str(), What.str());
  };
  if (!Bytes.startswith("\x93NUMPY") || Bytes.size() < 10)
    return Bad("missing the \\x93NUMPY magic");
  unsigned Major = static_cast<uint8_t>(Bytes[6]);
  size_t HeaderLen, HeaderStart;
  if (Major == 1) {
    HeaderLen = loadLE(reinterpret_cast<const uint8_t *>(Bytes.data()) + 8, 2);
    HeaderStart = 10;
  } else if (Major == 2 || Major == 3) {
    if (Bytes.size() < 12)
      return Bad("truncated header");
    HeaderLen = loadLE(reinterpret_cast<const uint8_t *>(Bytes.data()) + 8, 4);
    HeaderStart = 12;
  } else {
    return makeError("{}: .npy format version {} is not supported; write it with "
                     "numpy.save (format 1.0 or 2.0)",
                     Path.str(), Major);
  }
  if (Bytes.size() < HeaderStart + HeaderLen)
    return Bad("truncated header");
  llvm::StringRef Header = Bytes.substr(HeaderStart, HeaderLen);
  llvm::StringRef Body = Bytes.drop_front(HeaderStart + HeaderLen);

  auto Descr = headerField(Header, "descr");
  auto Fortran = headerField(Header, "fortran_order");
  auto ShapeText = headerField(Header, "shape");
  if (!Descr || !Fortran || !ShapeText)
    return Bad("the header lacks 'descr', 'fortran_order' or 'shape'");
  if (Fortran->startswith("True"))
    return makeError("{}: the array is stored in Fortran order; save it in C order "
                     "(numpy.ascontiguousarray)",
                     Path.str());
  char Quote = Descr->empty() ? '\0' : Descr->front();
  if (Quote != '\'' && Quote != '"')
    return Bad("'descr' is not a string");
  llvm::StringRef Code = Descr->drop_front().take_until([&](char C) { return C == Quote; });
  if (Code.size() != 3 || (Code[0] != '<' && Code[0] != '|'))
    return makeError("{}: unsupported .npy dtype '{}'; qnn reads little-endian ('<' or '|') "
                     "f4 f2 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1",
                     Path.str(), Code.str());
  std::optional<DType> Type;
  for (const NpyType &N : NpyTypes)
    if (Code.drop_front() == N.Code)
      Type = N.Type;
  if (!Type)
    return makeError("{}: unsupported .npy dtype '{}'; qnn reads little-endian ('<' or '|') "
                     "f4 f2 f8 i1 u1 i2 u2 i4 u4 i8 u8 b1",
                     Path.str(), Code.str());

  if (!ShapeText->consume_front("("))
    return Bad("'shape' is not a tuple");
  llvm::StringRef Dims = ShapeText->take_until([](char C) { return C == ')'; });
  Shape S;
  llvm::SmallVector<llvm::StringRef, 8> Parts;
  Dims.split(Parts, ',');
  for (llvm::StringRef Part : Parts) {
    Part = Part.trim();
    if (Part.empty())
      continue;
    int64_t D;
    if (Part.getAsInteger(10, D) || D < 0)
      return Bad("bad dimension '" + Part.str() + "' in 'shape'");
    S.push_back(D);
  }
  if (RowsAnyNumber && S.empty())
    return makeError("{}: the array is a scalar; it needs a first dimension to be read by rows",
                     Path.str());
  const Shape Checked = RowsAnyNumber ? Shape(S.begin() + 1, S.end()) : S;
  llvm::Expected<int64_t> N = limits::checkShape(Checked, Path + ": the array");
  if (!N)
    return N.takeError();
  // Rows of any number: the byte count is compared by division, so that
  // no product can wrap.
  const uint64_t Width = static_cast<uint64_t>(*N) * byteWidth(*Type);
  const uint64_t Rows = RowsAnyNumber ? static_cast<uint64_t>(S[0]) : 1;
  const bool Fits =
      Width == 0 ? Body.empty() : Body.size() % Width == 0 && Body.size() / Width == Rows;
  if (!Fits)
    return RowsAnyNumber
               ? makeError("{}: the data holds {} bytes, not {} rows of {} bytes (shape {} of {})",
                           Path.str(), Body.size(), Rows, Width, shapeToString(S),
                           dtypeName(*Type).str())
               : makeError("{}: the data holds {} bytes, shape {} of {} needs {}", Path.str(),
                           Body.size(), shapeToString(S), dtypeName(*Type).str(), Width);
  return NpyLayout{*Type, S, Body};
}

llvm::Expected<Tensor> parseNpy(llvm::StringRef Bytes, llvm::StringRef Path) {
  llvm::Expected<NpyLayout> L = parseNpyHeader(Bytes, Path, /*RowsAnyNumber=*/false);
  if (!L)
    return L.takeError();
  const int64_t N = numElements(L->Dims);
  return Tensor(L->Type, L->Dims, decodeBytes(L->Body, L->Type, N));
}

/// numpy has no sub-byte integers: those are written widened to one byte,
/// keeping their values.
DType npyStorageType(DType T) {
  if (isSubByte(T))
    return isSigned(T) ? DType::I8 : DType::U8;
  return T;
}

/// The .npy descr of \p T ("<f4", "|u1"), empty when numpy has no such type.
std::string npyDescr(DType T) {
  for (const NpyType &N : NpyTypes)
    if (N.Type == T)
      return (byteWidth(T) == 1 ? "|" : "<") + std::string(N.Code);
  return "";
}

} // namespace

llvm::Expected<Tensor> tensorFromProto(const onnx::TensorProto &P, llvm::StringRef Context) {
  std::string Where = prefix(Context, P.name());
  if (P.data_location() == onnx::TensorProto::EXTERNAL || P.external_data_size() > 0)
    return makeError("{} keeps its data in an external file, which qnnc does not read; save "
                     "the model with its data inside (onnx.save_model(..., "
                     "save_as_external_data=False))",
                     Where);
  std::optional<DType> Type = dtypeFromOnnx(P.data_type());
  if (!Type)
    return makeError("{} has ONNX element type {}, which qnnc does not know", Where, P.data_type());
  if (!isSupported(*Type))
    return makeError("{} has element type {}, which qnnc does not support", Where,
                     dtypeName(*Type).str());
  Shape S(P.dims().begin(), P.dims().end());
  llvm::Expected<int64_t> Count = limits::checkShape(S, Where);
  if (!Count)
    return Count.takeError();
  int64_t N = *Count;
  if (P.has_raw_data()) {
    const std::string &Raw = P.raw_data();
    if (static_cast<int64_t>(Raw.size()) != packedBytes(*Type, N))
      return makeError("{} holds {} bytes of raw data, its shape {} of {} needs {}", Where,
                       Raw.size(), shapeToString(S), dtypeName(*Type).str(), packedBytes(*Type, N));
    return Tensor(*Type, S, decodeBytes(Raw, *Type, N));
  }
  auto Data = typedFieldData(P, *Type, N, Where);
  if (!Data)
    return Data.takeError();
  return Tensor(*Type, S, std::move(*Data));
}

void tensorToProto(const Tensor &T, llvm::StringRef Name, onnx::TensorProto &P) {
  P.Clear();
  P.set_name(Name.str());
  P.set_data_type(dtypeToOnnx(T.Type));
  for (int64_t D : T.Dims)
    P.add_dims(D);
  P.set_raw_data(encodeBytes(T));
}

llvm::Expected<NamedTensor> parseTensorFile(llvm::StringRef Bytes, llvm::StringRef Path) {
  if (llvm::sys::path::extension(Path).equals_insensitive(".npy")) {
    auto T = parseNpy(Bytes, Path);
    if (!T)
      return T.takeError();
    return NamedTensor{"", std::move(*T)};
  }
  onnx::TensorProto P;
  google::protobuf::io::CodedInputStream Stream(reinterpret_cast<const uint8_t *>(Bytes.data()),
                                                static_cast<int>(Bytes.size()));
  Stream.SetTotalBytesLimit(INT32_MAX);
  if (Bytes.size() > INT32_MAX || !P.ParseFromCodedStream(&Stream) ||
      !Stream.ConsumedEntireMessage())
    return makeError("{}: not a valid ONNX TensorProto file (expected .npy or a serialized "
                     "onnx.TensorProto)",
                     Path.str());
  auto T = tensorFromProto(P, Path);
  if (!T)
    return T.takeError();
  return NamedTensor{P.name(), std::move(*T)};
}

llvm::Expected<NamedTensor> readTensorFile(llvm::StringRef Path) {
  auto Buffer = readFile(Path);
  if (!Buffer)
    return Buffer.takeError();
  return parseTensorFile((*Buffer)->getBuffer(), Path);
}

llvm::Error writeNpyFile(const Tensor &T, llvm::StringRef Path) {
  Tensor Stored = T;
  Stored.Type = npyStorageType(T.Type);
  std::string Descr = npyDescr(Stored.Type);
  if (Descr.empty())
    return makeError("{}: element type {} has no .npy equivalent; write a TensorProto "
                     "(.pb) instead",
                     Path.str(), dtypeName(T.Type).str());
  std::string ShapeText = "(";
  for (int64_t D : T.Dims)
    ShapeText += std::to_string(D) + (T.Dims.size() == 1 ? "," : ", ");
  if (T.Dims.size() > 1)
    ShapeText.resize(ShapeText.size() - 2);
  ShapeText += ")";
  std::string Header =
      "{'descr': '" + Descr + "', 'fortran_order': False, 'shape': " + ShapeText + ", }";
  // Magic (6) + version (2) + length (2) + header + '\n', padded to 64 bytes.
  size_t Total = 10 + Header.size() + 1;
  Header.append((64 - Total % 64) % 64, ' ');
  Header += '\n';
  // Format 1.0 keeps the header length in 16 bits.
  if (Header.size() > 0xffff)
    return makeError("{}: a tensor of rank {} does not fit a .npy header", Path.str(),
                     T.Dims.size());

  std::string Bytes("\x93NUMPY\x01\x00", 8);
  storeLE(Header.size(), 2, Bytes);
  Bytes += Header;
  Bytes += encodeBytes(Stored);
  return writeOutputFile(Path, Bytes);
}

llvm::Error writeTensorProtoFile(const Tensor &T, llvm::StringRef Name, llvm::StringRef Path) {
  onnx::TensorProto P;
  tensorToProto(T, Name, P);
  std::string Bytes;
  if (!P.SerializeToString(&Bytes))
    return makeError("{}: cannot serialize tensor '{}'", Path.str(), Name.str());
  return writeOutputFile(Path, Bytes);
}

llvm::Expected<NpyRows> NpyRows::open(llvm::StringRef Path) {
  auto Buffer = readFile(Path);
  if (!Buffer)
    return Buffer.takeError();
  llvm::Expected<NpyLayout> L =
      parseNpyHeader((*Buffer)->getBuffer(), Path, /*RowsAnyNumber=*/true);
  if (!L)
    return L.takeError();
  NpyRows R;
  R.Buffer = std::move(*Buffer);
  R.Type = L->Type;
  R.Dims = L->Dims;
  R.Body = L->Body;
  R.RowElements = numElements(Shape(R.Dims.begin() + 1, R.Dims.end()));
  return R;
}

TypedTensor NpyRows::rows(int64_t First, int64_t Count) const {
  // .npy has no sub-byte types: every element has whole bytes.
  const int64_t Width = byteWidth(Type);
  Shape Dims = this->Dims;
  Dims[0] = Count;
  TypedTensor T(Type, Dims);
  const llvm::StringRef Slab = Body.substr(First * RowElements * Width);
  // Decoded a block at a time: the slab never exists as doubles.
  constexpr int64_t Block = 4096;
  for (int64_t Done = 0; Done < T.size(); Done += Block) {
    const int64_t N = std::min(Block, T.size() - Done);
    std::vector<double> Values = decodeBytes(Slab.substr(Done * Width, N * Width), Type, N);
    T.write(Done, N, Values.data());
  }
  return T;
}

} // namespace qnn

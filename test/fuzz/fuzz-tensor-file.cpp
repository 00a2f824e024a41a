//===- fuzz-tensor-file.cpp - Fuzzes the .npy and TensorProto readers -----===//
//
// Covers: the .npy header parser and element decoder, and protobuf parsing
// plus tensorFromProto (raw_data, typed fields, packed sub-byte types,
// float16) of a TensorProto .pb: the same bytes are read both ways. Property:
// a tensor that reads converts to a TensorProto and back (in memory, as the
// importer and writeTensorProtoFile do) unchanged.
//
//===----------------------------------------------------------------------===//
#include "qnn/Support/TensorIO.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <onnx/onnx_pb.h>

using namespace qnn;

namespace {

/// Element-wise bit equality (a zero keeps its sign), except that any NaN
/// equals any NaN: float16 stores canonicalize NaN payloads.
bool sameValues(const std::vector<double> &A, const std::vector<double> &B) {
  return std::equal(A.begin(), A.end(), B.begin(), B.end(), [](double X, double Y) {
    return (std::isnan(X) && std::isnan(Y)) || std::memcmp(&X, &Y, sizeof(double)) == 0;
  });
}

void readAndRoundTrip(llvm::StringRef Bytes, llvm::StringRef Path) {
  llvm::Expected<NamedTensor> T = parseTensorFile(Bytes, Path);
  if (!T) {
    llvm::consumeError(T.takeError());
    return;
  }
  onnx::TensorProto P;
  tensorToProto(T->Value, T->Name, P);
  llvm::Expected<Tensor> Back = tensorFromProto(P, "round trip");
  if (!Back) {
    llvm::errs() << Path << ": a tensor that reads does not convert back: "
                 << llvm::toString(Back.takeError()) << '\n';
    std::abort();
  }
  if (Back->Type != T->Value.Type || Back->Dims != T->Value.Dims ||
      !sameValues(Back->Data, T->Value.Data)) {
    llvm::errs() << Path << ": the TensorProto round trip changes the tensor\n";
    std::abort();
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *Data, size_t Size) {
  llvm::StringRef Bytes(reinterpret_cast<const char *>(Data), Size);
  readAndRoundTrip(Bytes, "fuzz.npy");
  readAndRoundTrip(Bytes, "fuzz.pb");
  return 0;
}

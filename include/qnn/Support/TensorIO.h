//===- TensorIO.h - Tensors in and out of files ------------------*- C++ -*-===//
///
/// \file
/// ONNX TensorProto (.pb) and NumPy (.npy) files, and the TensorProto <->
/// Tensor conversion the importer uses for initializers. Part of the runtime
/// side (qnn-support), so qnn-run and qnnc share one implementation.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_SUPPORT_TENSORIO_H
#define QNN_SUPPORT_TENSORIO_H

#include "qnn/Support/Tensor.h"
#include "qnn/Support/TypedTensor.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"
#include <memory>

namespace onnx {
class TensorProto;
}

namespace qnn {

struct NamedTensor {
  std::string Name; ///< TensorProto name; empty for .npy
  Tensor Value;
};

/// Converts a TensorProto (raw_data or typed fields; int4/uint4/int2/uint2
/// packed; float16; external data refused) to a Tensor. Types qnn does not
/// compute (float8, float4, bfloat16) are an error naming the type.
llvm::Expected<Tensor> tensorFromProto(const onnx::TensorProto &P, llvm::StringRef Context);
/// Converts a Tensor to a TensorProto (raw_data, little-endian).
void tensorToProto(const Tensor &T, llvm::StringRef Name, onnx::TensorProto &P);

/// Reads a .npy or a TensorProto .pb file (chosen by extension; anything that
/// is not .npy is read as a TensorProto).
llvm::Expected<NamedTensor> readTensorFile(llvm::StringRef Path);
/// The same, on the file's bytes already in memory (\p Path picks the format
/// and names the file in messages).
llvm::Expected<NamedTensor> parseTensorFile(llvm::StringRef Bytes, llvm::StringRef Path);
/// A .npy array read a slab of rows (of its first dimension) at a time. The
/// file is mapped, not read, and only a row's shape must be within the
/// limits (docs/limits.md), so data sets larger than memory stream through.
class NpyRows {
public:
  static llvm::Expected<NpyRows> open(llvm::StringRef Path);

  DType type() const { return Type; }
  const Shape &dims() const { return Dims; }
  int64_t rowCount() const { return Dims[0]; }
  int64_t rowElements() const { return RowElements; }
  /// Rows [First, First + Count), which must lie inside the array, as a
  /// tensor of shape [Count, dims()[1:]...], each element stored as its type
  /// (what Session::run takes, at a fraction of the doubles' memory).
  TypedTensor rows(int64_t First, int64_t Count) const;

private:
  std::unique_ptr<llvm::MemoryBuffer> Buffer;
  DType Type = DType::F32;
  Shape Dims;
  llvm::StringRef Body;
  int64_t RowElements = 0;
};

/// Writes .npy (format 1.0, little-endian, C order) or .pb, atomically.
llvm::Error writeNpyFile(const Tensor &T, llvm::StringRef Path);
llvm::Error writeTensorProtoFile(const Tensor &T, llvm::StringRef Name, llvm::StringRef Path);

} // namespace qnn

#endif

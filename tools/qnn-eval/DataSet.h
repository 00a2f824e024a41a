//===- DataSet.h - Labelled data sets for qnn-eval ---------------*- C++ -*-===//
///
/// \file
/// Reads the images and the labels of a data set: MNIST-style IDX files
/// (plain or gzip-compressed) and NumPy .npy arrays. Only qnn-eval needs
/// them, so they live beside the tool rather than in the runtime.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_DATASET_H
#define QNN_TOOLS_QNN_EVAL_DATASET_H

#include "qnn/Support/Tensor.h"
#include "llvm/Support/Error.h"
#include <vector>

namespace qnn::eval {

/// Reads an IDX file (http://yann.lecun.com/exdb/mnist/: big-endian, element
/// types ubyte, byte, short, int, float and double), gunzipping it first when
/// it starts with the gzip magic bytes.
llvm::Expected<Tensor> readIdxFile(llvm::StringRef Path);

/// Reads an array of images or labels: .npy by extension, IDX otherwise.
llvm::Expected<Tensor> readDataFile(llvm::StringRef Path);

/// Checks that \p T (read from \p Path) is a list of integer class labels,
/// shape [N] or [N,1], and returns them.
llvm::Expected<std::vector<int64_t>> labelsFromTensor(const Tensor &T, llvm::StringRef Path);

} // namespace qnn::eval

#endif

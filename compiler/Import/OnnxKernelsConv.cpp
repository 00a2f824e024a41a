//===- OnnxKernelsConv.cpp - Float Conv, Gemm, MatMul, pools, BatchNorm ---===//
//
// Float products accumulate in double and round once to the result type
// (float32), which is ONNX's result up to the order of float additions the
// standard leaves open.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/HostOps.h"
#include <cmath>
#include <limits>

namespace qnn::onnx_ops {

namespace {

llvm::Error checkFloat(InferContext &C, unsigned I, llvm::StringRef What) {
  DType T = C.elem(I);
  if (T != DType::F32 && T != DType::F16 && T != DType::F64)
    return makeError("{} must be a float tensor (f32, f16, f64), it is {}", What.str(),
                     dtypeName(T).str());
  return llvm::Error::success();
}

llvm::Error inferConv(InferContext &C) {
  if (llvm::Error E = checkFloat(C, 0, "X"))
    return E;
  if (C.elem(1) != C.elem(0))
    return makeError("W has type {}, X {}", dtypeName(C.elem(1)).str(), dtypeName(C.elem(0)).str());
  auto G = convGeometry(C.shape(0), C.shape(1), C.O.Attrs);
  if (!G)
    return G.takeError();
  if (C.has(2) && (C.shape(2) != Shape{G->OutChannels} || C.elem(2) != C.elem(0)))
    return makeError("B must be {}[{}], it is {}[{}]", dtypeName(C.elem(0)).str(), G->OutChannels,
                     dtypeName(C.elem(2)).str(), shapeToString(C.shape(2)));
  C.setResult(0, C.elem(0), G->outputShape());
  return llvm::Error::success();
}

llvm::Error computeConv(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  auto G = convGeometry(In[0]->Dims, In[1]->Dims, O.Attrs);
  if (!G)
    return G.takeError();
  const std::vector<double> &X = In[0]->Data, &W = In[1]->Data;
  const Tensor *B = In.size() > 2 ? In[2] : nullptr;
  convolve<double>(
      *G, [&](int64_t XI, int64_t WI) { return X[XI] * W[WI]; },
      [&](int64_t OutI, int64_t M, double Acc) {
        Out[0].Data[OutI] = storeAs(Out[0].Type, Acc + (B ? B->Data[M] : 0.0));
      });
  return llvm::Error::success();
}

llvm::Error inferGemm(InferContext &C) {
  if (llvm::Error E = checkFloat(C, 0, "A"))
    return E;
  const Shape &A = C.shape(0), &B = C.shape(1);
  if (A.size() != 2 || B.size() != 2)
    return makeError("A and B must be matrices, they are {} and {}", shapeToString(A),
                     shapeToString(B));
  bool TA = C.O.Attrs.getInt("transA", 0), TB = C.O.Attrs.getInt("transB", 0);
  int64_t M = TA ? A[1] : A[0], K = TA ? A[0] : A[1], N = TB ? B[0] : B[1];
  if ((TB ? B[1] : B[0]) != K)
    return makeError("inner dimensions of {} and {} differ (transA={}, transB={})",
                     shapeToString(A), shapeToString(B), TA, TB);
  if (C.has(2)) {
    auto S = broadcastShapes(C.shape(2), {M, N});
    if (!S)
      return S.takeError();
    if (*S != Shape{M, N})
      return makeError("C of shape {} does not broadcast to {}", shapeToString(C.shape(2)),
                       shapeToString({M, N}));
  }
  C.setResult(0, C.elem(0), {M, N});
  return llvm::Error::success();
}

llvm::Error computeGemm(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  bool TA = O.Attrs.getInt("transA", 0), TB = O.Attrs.getInt("transB", 0);
  double Alpha = O.Attrs.getFloat("alpha", 1.0), Beta = O.Attrs.getFloat("beta", 1.0);
  int64_t M = Out[0].Dims[0], N = Out[0].Dims[1];
  int64_t K = TA ? In[0]->Dims[0] : In[0]->Dims[1];
  const Tensor *Bias = In.size() > 2 ? In[2] : nullptr;
  std::vector<int64_t> BiasIndex;
  if (Bias)
    BiasIndex = broadcastIndices(Bias->Dims, Out[0].Dims);
  for (int64_t I = 0; I < M; ++I)
    for (int64_t J = 0; J < N; ++J) {
      double Acc = 0;
      for (int64_t P = 0; P < K; ++P)
        Acc += In[0]->Data[TA ? P * M + I : I * K + P] * In[1]->Data[TB ? J * K + P : P * N + J];
      double Y = Alpha * Acc + (Bias ? Beta * Bias->Data[BiasIndex[I * N + J]] : 0.0);
      Out[0].Data[I * N + J] = storeAs(Out[0].Type, Y);
    }
  return llvm::Error::success();
}

llvm::Error inferMatMul(InferContext &C) {
  if (C.elem(0) != C.elem(1))
    return makeError("A and B have different types {} and {}", dtypeName(C.elem(0)).str(),
                     dtypeName(C.elem(1)).str());
  auto G = matMulGeometry(C.shape(0), C.shape(1));
  if (!G)
    return G.takeError();
  C.setResult(0, C.elem(0), G->OutShape);
  return llvm::Error::success();
}

llvm::Error computeMatMul(const Op &O, llvm::ArrayRef<const Tensor *> In,
                          std::vector<Tensor> &Out) {
  auto G = matMulGeometry(In[0]->Dims, In[1]->Dims);
  if (!G)
    return G.takeError();
  matMul<double>(
      *G, [&](int64_t AI, int64_t BI) { return In[0]->Data[AI] * In[1]->Data[BI]; },
      [&](int64_t OutI, int64_t, int64_t, double Acc) {
        Out[0].Data[OutI] = storeAs(Out[0].Type, Acc);
      });
  return llvm::Error::success();
}

llvm::Error inferPool(InferContext &C) {
  bool Max = llvm::StringRef(C.O.Kind).endswith("MaxPool");
  if (!Max || !isInteger(C.elem(0)))
    if (llvm::Error E = checkFloat(C, 0, "X"))
      return E;
  if (C.O.Attrs.getInt("storage_order", 0) != 0)
    return makeError("storage_order=1 is not supported; it only affects the Indices output");
  if (!Max && C.O.Attrs.getInt("ceil_mode", 0) && C.O.Attrs.getInt("count_include_pad", 0))
    return makeError("ceil_mode=1 together with count_include_pad=1 is not supported; use "
                     "explicit pads instead of ceil_mode");
  auto G = poolGeometry(C.shape(0), C.O.Attrs);
  if (!G)
    return G.takeError();
  C.setResult(0, C.elem(0), G->outputShape());
  return llvm::Error::success();
}

llvm::Error computeMaxPool(const Op &O, llvm::ArrayRef<const Tensor *> In,
                           std::vector<Tensor> &Out) {
  auto G = poolGeometry(In[0]->Dims, O.Attrs);
  if (!G)
    return G.takeError();
  int64_t InSize = G->inSpatialSize(), OutSize = G->outSpatialSize();
  for (int64_t Plane = 0; Plane < G->Batch * G->InChannels; ++Plane)
    for (int64_t P = 0; P < OutSize; ++P) {
      // Padding never wins: a window of padding only (impossible with ONNX's
      // pad limits) would yield the lowest value.
      double Best = -std::numeric_limits<double>::infinity();
      forEachWindowTap(*G, P, [&](int64_t, int64_t I) {
        if (I >= 0)
          Best = std::max(Best, In[0]->Data[Plane * InSize + I]);
      });
      Out[0].Data[Plane * OutSize + P] = Best;
    }
  return llvm::Error::success();
}

llvm::Error computeAveragePool(const Op &O, llvm::ArrayRef<const Tensor *> In,
                               std::vector<Tensor> &Out) {
  auto G = poolGeometry(In[0]->Dims, O.Attrs);
  if (!G)
    return G.takeError();
  bool IncludePad = O.Attrs.getInt("count_include_pad", 0) != 0;
  int64_t InSize = G->inSpatialSize(), OutSize = G->outSpatialSize();
  for (int64_t Plane = 0; Plane < G->Batch * G->InChannels; ++Plane)
    for (int64_t P = 0; P < OutSize; ++P) {
      double Sum = 0;
      int64_t Count = 0;
      forEachWindowTap(*G, P, [&](int64_t, int64_t I) {
        if (I >= 0) {
          Sum += In[0]->Data[Plane * InSize + I];
          ++Count;
        }
      });
      if (IncludePad)
        Count = G->kernelSize();
      Out[0].Data[Plane * OutSize + P] = storeAs(Out[0].Type, Sum / static_cast<double>(Count));
    }
  return llvm::Error::success();
}

llvm::Error inferGlobalAveragePool(InferContext &C) {
  if (llvm::Error E = checkFloat(C, 0, "X"))
    return E;
  const Shape &X = C.shape(0);
  if (X.size() < 3)
    return makeError("X must be [N, C, spatial...], it is {}", shapeToString(X));
  Shape Y(X.size(), 1);
  Y[0] = X[0];
  Y[1] = X[1];
  C.setResult(0, C.elem(0), Y);
  return llvm::Error::success();
}

llvm::Error computeGlobalAveragePool(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                     std::vector<Tensor> &Out) {
  int64_t Planes = Out[0].size();
  int64_t Area = Planes ? In[0]->size() / Planes : 0;
  for (int64_t P = 0; P < Planes; ++P) {
    double Sum = 0;
    for (int64_t E = 0; E < Area; ++E)
      Sum += In[0]->Data[P * Area + E];
    Out[0].Data[P] = storeAs(Out[0].Type, Sum / static_cast<double>(Area));
  }
  return llvm::Error::success();
}

llvm::Error inferBatchNorm(InferContext &C) {
  if (C.O.Attrs.getInt("training_mode", 0) != 0)
    return makeError("training_mode=1 is not supported; export the model for inference");
  if (llvm::Error E = checkFloat(C, 0, "X"))
    return E;
  const Shape &X = C.shape(0);
  if (X.size() < 2)
    return makeError("X must be [N, C, ...], it is {}", shapeToString(X));
  for (unsigned I = 1; I < 5; ++I)
    if (C.shape(I) != Shape{X[1]})
      return makeError("scale, B, mean and var must be [{}], operand {} is {}", X[1], I,
                       shapeToString(C.shape(I)));
  C.setResult(0, C.elem(0), X);
  return llvm::Error::success();
}

/// One kernel with the runtime's host steps (qnn/Support/HostOps.h), where a
/// BatchNormalization after the last quantized tensor runs.
llvm::Error computeBatchNorm(const Op &O, llvm::ArrayRef<const Tensor *> In,
                             std::vector<Tensor> &Out) {
  return runHostOp("BatchNormalization", hostOpAttrs("BatchNormalization", O.Attrs), In, Out);
}

} // namespace

void appendConvOps(std::vector<OnnxOpInfo> &Ops) {
  const char *PoolAttrs = "auto_pad:s ceil_mode:i dilations:I kernel_shape:I pads:I "
                          "storage_order:i strides:I count_include_pad:i";
  Ops.push_back({"onnx.Conv", 2, 3, 1,
                 "auto_pad:s dilations:I group:i kernel_shape:I pads:I strides:I", inferConv,
                 computeConv});
  Ops.push_back({"onnx.Gemm", 2, 3, 1, "alpha:f beta:f transA:i transB:i", inferGemm, computeGemm});
  Ops.push_back({"onnx.MatMul", 2, 2, 1, "", inferMatMul, computeMatMul});
  Ops.push_back({"onnx.MaxPool", 1, 1, 1, PoolAttrs, inferPool, computeMaxPool});
  Ops.push_back({"onnx.AveragePool", 1, 1, 1, PoolAttrs, inferPool, computeAveragePool});
  Ops.push_back(
      {"onnx.GlobalAveragePool", 1, 1, 1, "", inferGlobalAveragePool, computeGlobalAveragePool});
  Ops.push_back({"onnx.BatchNormalization", 5, 5, 1,
                 "epsilon:f momentum:f training_mode:i spatial:i", inferBatchNorm,
                 computeBatchNorm});
}

} // namespace qnn::onnx_ops

//===- OnnxKernelsMicrosoft.cpp - onnxruntime's com.microsoft quant ops ---===//
//
// QGemm, QLinearAdd, QLinearGlobalAveragePool and QLinearConcat, as
// onnxruntime's optimizer writes them into QOperator models. Roundings go
// through qnn::nmpu, as for the standard quantization ops.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Target/NmpuArith.h"

namespace qnn::onnx_ops {

namespace {

//===-- QGemm -------------------------------------------------------------===//

/// [M, K] x [K, N] dimensions of QGemm after transA / transB.
struct GemmDims {
  int64_t M, K, N;
};

llvm::Expected<GemmDims> gemmDims(const Shape &A, const Shape &B, const AttrMap &Attrs) {
  if (A.size() != 2 || B.size() != 2)
    return makeError("A and B must be matrices, they are {} and {}", shapeToString(A),
                     shapeToString(B));
  bool TA = Attrs.getInt("transA", 0), TB = Attrs.getInt("transB", 0);
  GemmDims D{TA ? A[1] : A[0], TA ? A[0] : A[1], TB ? B[0] : B[1]};
  if ((TB ? B[1] : B[0]) != D.K)
    return makeError("inner dimensions of {} and {} differ (transA={}, transB={})",
                     shapeToString(A), shapeToString(B), TA, TB);
  return D;
}

llvm::Error inferQGemm(InferContext &C) {
  auto D = gemmDims(C.shape(0), C.shape(3), C.O.Attrs);
  if (!D)
    return D.takeError();
  for (auto [I, What] : {std::pair<unsigned, const char *>{1, "A_scale"}, {2, "a_zero_point"}})
    if (llvm::Error E = checkScalar(C, I, What))
      return E;
  for (auto [I, What] : {std::pair<unsigned, const char *>{4, "B_scale"}, {5, "b_zero_point"}})
    if (C.has(I))
      if (llvm::Error E = checkColumnParam(C, I, D->N, What))
        return E;
  if (C.has(6)) {
    if (C.elem(6) != DType::I32)
      return makeError("C must be i32, it is {}", dtypeName(C.elem(6)).str());
    auto B = broadcastShapes(C.shape(6), {D->M, D->N});
    if (!B)
      return B.takeError();
    if (*B != Shape{D->M, D->N})
      return makeError("C of shape {} does not broadcast to [{}, {}]", shapeToString(C.shape(6)),
                       D->M, D->N);
  }
  if (!C.has(7)) {
    C.setResult(0, DType::F32, {D->M, D->N});
    return llvm::Error::success();
  }
  if (llvm::Error E = checkScalar(C, 7, "y_scale"))
    return E;
  C.setResult(0, C.has(8) ? C.elem(8) : C.elem(0), {D->M, D->N});
  return llvm::Error::success();
}

llvm::Error computeQGemm(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  auto D = gemmDims(In[0]->Dims, In[3]->Dims, O.Attrs);
  if (!D)
    return D.takeError();
  bool TA = O.Attrs.getInt("transA", 0), TB = O.Attrs.getInt("transB", 0);
  float Alpha = static_cast<float>(O.Attrs.getFloat("alpha", 1.0));
  int64_t Za = zeroPoint(In, 2);
  const Tensor *BZp = In[5];
  std::vector<int64_t> Bias;
  if (In.size() > 6 && In[6])
    for (int64_t I : broadcastIndices(In[6]->Dims, {D->M, D->N}))
      Bias.push_back(static_cast<int64_t>(In[6]->Data[I]));
  const Tensor *YScale = In.size() > 7 ? In[7] : nullptr;
  int64_t Zy = zeroPoint(In, 8);
  DType T = Out[0].Type;
  float AScale = static_cast<float>(In[1]->Data[0]);
  for (int64_t I = 0; I < D->M; ++I)
    for (int64_t J = 0; J < D->N; ++J) {
      int64_t Acc = Bias.empty() ? 0 : Bias[I * D->N + J];
      int64_t Zb = static_cast<int64_t>(perChannel(BZp, J));
      for (int64_t K = 0; K < D->K; ++K) {
        int64_t A = static_cast<int64_t>(In[0]->Data[TA ? K * D->M + I : I * D->K + K]) - Za;
        int64_t B = static_cast<int64_t>(In[3]->Data[TB ? J * D->K + K : K * D->N + J]) - Zb;
        Acc += A * B;
      }
      float BScale = static_cast<float>(perChannel(In[4], J));
      double &Y = Out[0].Data[I * D->N + J];
      if (!YScale) {
        // Float output: acc * (a_scale * b_scale * alpha), all in float32.
        Y = static_cast<float>(Acc) * (AScale * BScale * Alpha);
        continue;
      }
      float Mult =
          nmpu::requantMultiplier(AScale, BScale, static_cast<float>(YScale->Data[0])) * Alpha;
      Y = static_cast<double>(nmpu::requantFloat(Acc, Mult, Zy, minValue(T), maxValue(T)));
    }
  return llvm::Error::success();
}

//===-- QLinearAdd / QLinearGlobalAveragePool / QLinearConcat -------------===//

llvm::Error inferQLinearAdd(InferContext &C) {
  for (auto [I, What] : {std::pair<unsigned, const char *>{1, "A_scale"},
                         {2, "A_zero_point"},
                         {4, "B_scale"},
                         {5, "B_zero_point"},
                         {6, "C_scale"},
                         {7, "C_zero_point"}})
    if (C.has(I))
      if (llvm::Error E = checkScalar(C, I, What))
        return E;
  if (!isInteger(C.elem(0)) || C.elem(0) != C.elem(3))
    return makeError("A and B must have one integer type, they are {} and {}",
                     dtypeName(C.elem(0)).str(), dtypeName(C.elem(3)).str());
  auto S = broadcastShapes(C.shape(0), C.shape(3));
  if (!S)
    return S.takeError();
  C.setResult(0, C.has(7) ? C.elem(7) : C.elem(0), *S);
  return llvm::Error::success();
}

llvm::Error computeQLinearAdd(const Op &O, llvm::ArrayRef<const Tensor *> In,
                              std::vector<Tensor> &Out) {
  std::vector<int64_t> AI = broadcastIndices(In[0]->Dims, Out[0].Dims);
  std::vector<int64_t> BI = broadcastIndices(In[3]->Dims, Out[0].Dims);
  float As = static_cast<float>(In[1]->Data[0]), Bs = static_cast<float>(In[4]->Data[0]);
  float Cs = static_cast<float>(In[6]->Data[0]);
  int64_t Za = zeroPoint(In, 2), Zb = zeroPoint(In, 5), Zc = zeroPoint(In, 7);
  DType T = Out[0].Type;
  for (size_t I = 0; I < AI.size(); ++I) {
    float Sum = nmpu::dequantizeLinear(static_cast<int64_t>(In[0]->Data[AI[I]]), As, Za) +
                nmpu::dequantizeLinear(static_cast<int64_t>(In[3]->Data[BI[I]]), Bs, Zb);
    Out[0].Data[I] =
        static_cast<double>(nmpu::quantizeLinear(Sum, Cs, Zc, minValue(T), maxValue(T)));
  }
  return llvm::Error::success();
}

llvm::Error inferQLinearGlobalAveragePool(InferContext &C) {
  if (C.O.Attrs.getInt("channels_last", 0) != 0)
    return makeError("channels_last=1 (NHWC) is not supported; export the model in NCHW "
                     "layout");
  const Shape &X = C.shape(0);
  if (X.size() < 3 || !isInteger(C.elem(0)))
    return makeError("X must be an integer [N, C, spatial...] tensor, it is {}[{}]",
                     dtypeName(C.elem(0)).str(), shapeToString(X));
  for (auto [I, What] : {std::pair<unsigned, const char *>{1, "x_scale"},
                         {2, "x_zero_point"},
                         {3, "y_scale"},
                         {4, "y_zero_point"}})
    if (C.has(I))
      if (llvm::Error E = checkScalar(C, I, What))
        return E;
  Shape Y(X.size(), 1);
  Y[0] = X[0];
  Y[1] = X[1];
  C.setResult(0, C.has(4) ? C.elem(4) : C.elem(0), Y);
  return llvm::Error::success();
}

llvm::Error computeQLinearGlobalAveragePool(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                            std::vector<Tensor> &Out) {
  const Tensor &X = *In[0];
  int64_t Planes = X.Dims[0] * X.Dims[1], Area = numElements(X.Dims) / std::max<int64_t>(Planes, 1);
  float Xs = static_cast<float>(In[1]->Data[0]), Ys = static_cast<float>(In[3]->Data[0]);
  int64_t Zx = zeroPoint(In, 2), Zy = zeroPoint(In, 4);
  DType T = Out[0].Type;
  for (int64_t P = 0; P < Planes; ++P) {
    // Dequantized values are summed exactly (in double), the mean is a float32.
    double Sum = 0;
    for (int64_t E = 0; E < Area; ++E)
      Sum += nmpu::dequantizeLinear(static_cast<int64_t>(X.Data[P * Area + E]), Xs, Zx);
    float Mean = static_cast<float>(Sum / static_cast<double>(Area));
    Out[0].Data[P] =
        static_cast<double>(nmpu::quantizeLinear(Mean, Ys, Zy, minValue(T), maxValue(T)));
  }
  return llvm::Error::success();
}

llvm::Error inferQLinearConcat(InferContext &C) {
  if (C.numOperands() < 5 || (C.numOperands() - 2) % 3 != 0)
    return makeError("operands must be Y_scale, Y_zero_point and (X, X_scale, X_zero_point) "
                     "triples, there are {}",
                     C.numOperands());
  std::vector<Shape> Shapes;
  for (unsigned I = 2; I < C.numOperands(); I += 3) {
    if (!C.has(I) || !C.has(I + 1) || !C.has(I + 2))
      return makeError("input {} lacks its tensor, scale or zero point", (I - 2) / 3);
    if (C.elem(I) != C.elem(1))
      return makeError("input {} has type {}, the result {}", (I - 2) / 3,
                       dtypeName(C.elem(I)).str(), dtypeName(C.elem(1)).str());
    if (llvm::Error E = checkScalar(C, I + 1, "X_scale"))
      return E;
    Shapes.push_back(C.shape(I));
  }
  return inferConcatResult(C, Shapes, C.elem(1));
}

llvm::Error computeQLinearConcat(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                 std::vector<Tensor> &Out) {
  std::vector<Shape> Shapes;
  for (size_t I = 2; I < In.size(); I += 3)
    Shapes.push_back(In[I]->Dims);
  int64_t Axis = concatAxis(O, Shapes);
  float Ys = static_cast<float>(In[0]->Data[0]);
  int64_t Zy = static_cast<int64_t>(In[1]->Data[0]);
  DType T = Out[0].Type;
  forEachConcatElement(Shapes, Axis, [&](size_t Input, int64_t From, int64_t To) {
    const Tensor *X = In[2 + 3 * Input];
    float Xs = static_cast<float>(In[3 + 3 * Input]->Data[0]);
    int64_t Zx = static_cast<int64_t>(In[4 + 3 * Input]->Data[0]);
    int64_t Q = static_cast<int64_t>(X->Data[From]);
    // Inputs quantized like the result are copied.
    Out[0].Data[To] = static_cast<double>(
        Xs == Ys && Zx == Zy ? Q
                             : nmpu::quantizeLinear(nmpu::dequantizeLinear(Q, Xs, Zx), Ys, Zy,
                                                    minValue(T), maxValue(T)));
  });
  return llvm::Error::success();
}

} // namespace

void appendMicrosoftOps(std::vector<OnnxOpInfo> &Ops) {
  Ops.push_back({"ms.QGemm", 6, 9, 1, "alpha:f transA:i transB:i", inferQGemm, computeQGemm});
  Ops.push_back({"ms.QLinearAdd", 7, 8, 1, "", inferQLinearAdd, computeQLinearAdd});
  Ops.push_back({"ms.QLinearGlobalAveragePool", 4, 5, 1, "channels_last:i",
                 inferQLinearGlobalAveragePool, computeQLinearGlobalAveragePool});
  Ops.push_back(
      {"ms.QLinearConcat", 5, 1024, 1, "axis:i", inferQLinearConcat, computeQLinearConcat});
}

} // namespace qnn::onnx_ops

//===- OnnxKernelsQuant.cpp - Quantization ops of ONNX and onnxruntime ----===//
//
// QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, QLinearConv,
// QLinearMatMul, ConvInteger and MatMulInteger. Every rounding goes through
// qnn::nmpu so the golden model and the chip share one formula.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/ADT/STLExtras.h"

namespace qnn::onnx_ops {

namespace {

/// Checks the shape of a scale or zero point against x: one element (per
/// tensor), a 1-D tensor along Axis (per axis) or, with BlockSize > 0, x's
/// rank with ceil(x[Axis] / BlockSize) along Axis (blocked).
llvm::Error checkQuantParamShape(const Shape &X, const Shape &P, int64_t Axis, int64_t BlockSize,
                                 llvm::StringRef What) {
  if (numElements(P) == 1 && BlockSize == 0)
    return llvm::Error::success();
  if (BlockSize > 0) {
    if (P.size() != X.size())
      return makeError("blocked {} must have the rank of the input ({}), it is {}", What.str(),
                       X.size(), shapeToString(P));
    for (size_t D = 0; D < X.size(); ++D) {
      int64_t Want = static_cast<int64_t>(D) == Axis ? (X[D] + BlockSize - 1) / BlockSize : X[D];
      if (X[D] >= 0 && P[D] != Want)
        return makeError("blocked {} has shape {}, input {} with block_size {} along axis "
                         "{} needs {} at dimension {}",
                         What.str(), shapeToString(P), shapeToString(X), BlockSize, Axis, Want, D);
    }
    return llvm::Error::success();
  }
  if (P.size() != 1 || (X[Axis] >= 0 && P[0] != X[Axis]))
    return makeError("per-axis {} has shape {}, input {} needs [{}] along axis {}", What.str(),
                     shapeToString(P), shapeToString(X), X[Axis], Axis);
  return llvm::Error::success();
}

/// Axis and block_size of QuantizeLinear / DequantizeLinear, checked.
llvm::Expected<std::pair<int64_t, int64_t>> quantAxis(InferContext &C) {
  const Shape &X = C.shape(0);
  int64_t BlockSize = C.O.Attrs.getInt("block_size", 0);
  if (BlockSize < 0)
    return makeError("block_size must not be negative");
  bool PerTensor = numElements(C.shape(1)) == 1 && BlockSize == 0;
  int64_t Axis = 0;
  if (!PerTensor) {
    auto A = normalizeAxis(C.O.Attrs.getInt("axis", 1), static_cast<int64_t>(X.size()), "axis");
    if (!A)
      return A.takeError();
    Axis = *A;
  }
  if (llvm::Error E = checkQuantParamShape(X, C.shape(1), Axis, BlockSize, "scale"))
    return E;
  if (C.has(2) && C.shape(2) != C.shape(1) &&
      !(numElements(C.shape(1)) == 1 && numElements(C.shape(2)) == 1))
    return makeError("zero point shape {} differs from scale shape {}", shapeToString(C.shape(2)),
                     shapeToString(C.shape(1)));
  return std::make_pair(Axis, BlockSize);
}

llvm::Error checkScale(InferContext &C, unsigned I, llvm::StringRef What) {
  if (C.elem(I) != DType::F32 && C.elem(I) != DType::F16)
    return makeError("{} must be f32 or f16, it is {}", What.str(), dtypeName(C.elem(I)).str());
  return llvm::Error::success();
}

//===-- QuantizeLinear / DequantizeLinear ---------------------------------===//

llvm::Error inferQuantize(InferContext &C) {
  DType X = C.elem(0);
  if (X != DType::F32 && X != DType::F16 && X != DType::I32)
    return makeError("input must be f32, f16 or i32, it is {}", dtypeName(X).str());
  if (llvm::Error E = checkScale(C, 1, "scale"))
    return E;
  DType Out = C.has(2) ? C.elem(2) : DType::U8;
  if (int64_t T = C.O.Attrs.getInt("output_dtype", 0)) {
    auto D = dtypeAttr(T, "output_dtype");
    if (!D)
      return D.takeError();
    if (C.has(2) && *D != Out)
      return makeError("output_dtype {} differs from the zero point type {}", dtypeName(*D).str(),
                       dtypeName(Out).str());
    Out = *D;
  }
  if (!isInteger(Out))
    return makeError("the quantized type must be an integer type, it is {}", dtypeName(Out).str());
  if (auto Axis = quantAxis(C); !Axis)
    return Axis.takeError();
  C.setResult(0, Out, C.shape(0));
  return llvm::Error::success();
}

llvm::Error computeQuantize(const Op &O, llvm::ArrayRef<const Tensor *> In,
                            std::vector<Tensor> &Out) {
  auto Y = quantizeLinearTensor(*In[0], *In[1], In.size() > 2 ? In[2] : nullptr,
                                O.Attrs.getInt("axis", 1), O.Attrs.getInt("block_size", 0),
                                Out[0].Type);
  if (!Y)
    return Y.takeError();
  Out[0] = std::move(*Y);
  return llvm::Error::success();
}

llvm::Error inferDequantize(InferContext &C) {
  if (!isInteger(C.elem(0)))
    return makeError("input must be an integer type, it is {}", dtypeName(C.elem(0)).str());
  if (llvm::Error E = checkScale(C, 1, "scale"))
    return E;
  if (C.has(2) && C.elem(2) != C.elem(0))
    return makeError("zero point type {} differs from input type {}", dtypeName(C.elem(2)).str(),
                     dtypeName(C.elem(0)).str());
  if (int64_t T = C.O.Attrs.getInt("output_dtype", 0)) {
    auto D = dtypeAttr(T, "output_dtype");
    if (!D)
      return D.takeError();
    if (*D != C.elem(1))
      return makeError("output_dtype {} differs from the scale type {}", dtypeName(*D).str(),
                       dtypeName(C.elem(1)).str());
  }
  if (auto Axis = quantAxis(C); !Axis)
    return Axis.takeError();
  C.setResult(0, C.elem(1), C.shape(0));
  return llvm::Error::success();
}

llvm::Error computeDequantize(const Op &O, llvm::ArrayRef<const Tensor *> In,
                              std::vector<Tensor> &Out) {
  auto Y = dequantizeLinearTensor(*In[0], *In[1], In.size() > 2 ? In[2] : nullptr,
                                  O.Attrs.getInt("axis", 1), O.Attrs.getInt("block_size", 0),
                                  Out[0].Type);
  if (!Y)
    return Y.takeError();
  Out[0] = std::move(*Y);
  return llvm::Error::success();
}

//===-- QLinearConv / ConvInteger -----------------------------------------===//

/// Operand positions of the conv-like quantized ops.
struct ConvOperands {
  unsigned X, XZp, W, WZp;
};

llvm::Error checkWeightParam(InferContext &C, unsigned I, int64_t Channels, llvm::StringRef What) {
  int64_t N = numElements(C.shape(I));
  if (N != 1 && (C.shape(I).size() != 1 || N != Channels))
    return makeError("{} must hold one element or one per output channel ({}), it has "
                     "shape {}",
                     What.str(), Channels, shapeToString(C.shape(I)));
  return llvm::Error::success();
}

llvm::Error inferQLinearConv(InferContext &C) {
  auto G = convGeometry(C.shape(0), C.shape(3), C.O.Attrs);
  if (!G)
    return G.takeError();
  if (!isInteger(C.elem(0)) || !isInteger(C.elem(3)))
    return makeError("x and w must be integer types, they are {} and {}",
                     dtypeName(C.elem(0)).str(), dtypeName(C.elem(3)).str());
  for (auto [I, What] : {std::pair<unsigned, const char *>{1, "x_scale"},
                         {2, "x_zero_point"},
                         {6, "y_scale"},
                         {7, "y_zero_point"}})
    if (llvm::Error E = checkScalar(C, I, What))
      return E;
  for (auto [I, What] : {std::pair<unsigned, const char *>{4, "w_scale"}, {5, "w_zero_point"}})
    if (llvm::Error E = checkWeightParam(C, I, G->OutChannels, What))
      return E;
  if (C.has(8) && (C.elem(8) != DType::I32 || C.shape(8) != Shape{G->OutChannels}))
    return makeError("bias must be i32[{}], it is {}[{}]", G->OutChannels,
                     dtypeName(C.elem(8)).str(), shapeToString(C.shape(8)));
  C.setResult(0, C.elem(7), G->outputShape());
  return llvm::Error::success();
}

llvm::Error computeQLinearConv(const Op &O, llvm::ArrayRef<const Tensor *> In,
                               std::vector<Tensor> &Out) {
  auto G = convGeometry(In[0]->Dims, In[3]->Dims, O.Attrs);
  if (!G)
    return G.takeError();
  int64_t PerChannel = numElements(In[3]->Dims) / G->OutChannels;
  int64_t Zx = zeroPoint(In, 2);
  std::vector<int64_t> X = centered(*In[0], [&](int64_t) { return Zx; });
  std::vector<int64_t> W = centered(
      *In[3], [&](int64_t I) { return static_cast<int64_t>(perChannel(In[5], I / PerChannel)); });
  float XScale = static_cast<float>(In[1]->Data[0]), YScale = static_cast<float>(In[6]->Data[0]);
  int64_t Zy = zeroPoint(In, 7);
  DType T = Out[0].Type;
  convolve<int64_t>(
      *G, [&](int64_t XI, int64_t WI) { return X[XI] * W[WI]; },
      [&](int64_t OutI, int64_t M, int64_t Acc) {
        if (In.size() > 8 && In[8])
          Acc += static_cast<int64_t>(In[8]->Data[M]);
        float Mult =
            nmpu::requantMultiplier(XScale, static_cast<float>(perChannel(In[4], M)), YScale);
        Out[0].Data[OutI] =
            static_cast<double>(nmpu::requantFloat(Acc, Mult, Zy, minValue(T), maxValue(T)));
      });
  return llvm::Error::success();
}

llvm::Error inferConvInteger(InferContext &C) {
  auto G = convGeometry(C.shape(0), C.shape(1), C.O.Attrs);
  if (!G)
    return G.takeError();
  if (!isInteger(C.elem(0)) || !isInteger(C.elem(1)))
    return makeError("x and w must be integer types, they are {} and {}",
                     dtypeName(C.elem(0)).str(), dtypeName(C.elem(1)).str());
  if (C.has(2))
    if (llvm::Error E = checkScalar(C, 2, "x_zero_point"))
      return E;
  if (C.has(3))
    if (llvm::Error E = checkWeightParam(C, 3, G->OutChannels, "w_zero_point"))
      return E;
  C.setResult(0, DType::I32, G->outputShape());
  return llvm::Error::success();
}

llvm::Error computeConvInteger(const Op &O, llvm::ArrayRef<const Tensor *> In,
                               std::vector<Tensor> &Out) {
  auto G = convGeometry(In[0]->Dims, In[1]->Dims, O.Attrs);
  if (!G)
    return G.takeError();
  int64_t PerChannel = numElements(In[1]->Dims) / G->OutChannels;
  int64_t Zx = zeroPoint(In, 2);
  std::vector<int64_t> X = centered(*In[0], [&](int64_t) { return Zx; });
  const Tensor *WZp = In.size() > 3 ? In[3] : nullptr;
  std::vector<int64_t> W = centered(
      *In[1], [&](int64_t I) { return static_cast<int64_t>(perChannel(WZp, I / PerChannel)); });
  convolve<int64_t>(
      *G, [&](int64_t XI, int64_t WI) { return X[XI] * W[WI]; },
      [&](int64_t OutI, int64_t, int64_t Acc) {
        Out[0].Data[OutI] = storeAs(DType::I32, static_cast<double>(Acc));
      });
  return llvm::Error::success();
}

//===-- QLinearMatMul / MatMulInteger -------------------------------------===//

llvm::Error inferQLinearMatMul(InferContext &C) {
  auto G = matMulGeometry(C.shape(0), C.shape(3));
  if (!G)
    return G.takeError();
  if (!isInteger(C.elem(0)) || !isInteger(C.elem(3)))
    return makeError("a and b must be integer types, they are {} and {}",
                     dtypeName(C.elem(0)).str(), dtypeName(C.elem(3)).str());
  for (auto [I, What] : {std::pair<unsigned, const char *>{1, "a_scale"},
                         {2, "a_zero_point"},
                         {6, "y_scale"},
                         {7, "y_zero_point"}})
    if (llvm::Error E = checkRowParam(C, I, G->M, What))
      return E;
  for (auto [I, What] : {std::pair<unsigned, const char *>{4, "b_scale"}, {5, "b_zero_point"}})
    if (llvm::Error E = checkColumnParam(C, I, G->N, What))
      return E;
  C.setResult(0, C.elem(7), G->OutShape);
  return llvm::Error::success();
}

/// a and y parameters are per tensor or per row, b parameters per tensor or
/// per column (ONNX QLinearMatMul).
llvm::Error computeQLinearMatMul(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                 std::vector<Tensor> &Out) {
  auto G = matMulGeometry(In[0]->Dims, In[3]->Dims);
  if (!G)
    return G.takeError();
  std::vector<int64_t> A = centered(*In[0], [&](int64_t I) {
    return static_cast<int64_t>(perChannel(In[2], (I / G->K) % G->M));
  });
  std::vector<int64_t> B = centered(
      *In[3], [&](int64_t I) { return static_cast<int64_t>(perChannel(In[5], I % G->N)); });
  DType T = Out[0].Type;
  matMul<int64_t>(
      *G, [&](int64_t AI, int64_t BI) { return A[AI] * B[BI]; },
      [&](int64_t OutI, int64_t Row, int64_t Col, int64_t Acc) {
        float Mult = nmpu::requantMultiplier(static_cast<float>(perChannel(In[1], Row)),
                                             static_cast<float>(perChannel(In[4], Col)),
                                             static_cast<float>(perChannel(In[6], Row)));
        int64_t Zy = static_cast<int64_t>(perChannel(In[7], Row));
        Out[0].Data[OutI] =
            static_cast<double>(nmpu::requantFloat(Acc, Mult, Zy, minValue(T), maxValue(T)));
      });
  return llvm::Error::success();
}

llvm::Error inferMatMulInteger(InferContext &C) {
  auto G = matMulGeometry(C.shape(0), C.shape(1));
  if (!G)
    return G.takeError();
  if (!isInteger(C.elem(0)) || !isInteger(C.elem(1)))
    return makeError("A and B must be integer types, they are {} and {}",
                     dtypeName(C.elem(0)).str(), dtypeName(C.elem(1)).str());
  if (C.has(2))
    if (llvm::Error E = checkRowParam(C, 2, G->M, "a_zero_point"))
      return E;
  if (C.has(3))
    if (llvm::Error E = checkColumnParam(C, 3, G->N, "b_zero_point"))
      return E;
  C.setResult(0, DType::I32, G->OutShape);
  return llvm::Error::success();
}

llvm::Error computeMatMulInteger(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                 std::vector<Tensor> &Out) {
  auto G = matMulGeometry(In[0]->Dims, In[1]->Dims);
  if (!G)
    return G.takeError();
  const Tensor *AZp = In.size() > 2 ? In[2] : nullptr;
  const Tensor *BZp = In.size() > 3 ? In[3] : nullptr;
  std::vector<int64_t> A = centered(
      *In[0], [&](int64_t I) { return static_cast<int64_t>(perChannel(AZp, (I / G->K) % G->M)); });
  std::vector<int64_t> B =
      centered(*In[1], [&](int64_t I) { return static_cast<int64_t>(perChannel(BZp, I % G->N)); });
  matMul<int64_t>(
      *G, [&](int64_t AI, int64_t BI) { return A[AI] * B[BI]; },
      [&](int64_t OutI, int64_t, int64_t, int64_t Acc) {
        Out[0].Data[OutI] = storeAs(DType::I32, static_cast<double>(Acc));
      });
  return llvm::Error::success();
}

//===-- DynamicQuantizeLinear ---------------------------------------------===//

llvm::Error inferDynamicQuantize(InferContext &C) {
  if (C.elem(0) != DType::F32)
    return makeError("input must be f32, it is {}", dtypeName(C.elem(0)).str());
  C.setResult(0, DType::U8, C.shape(0));
  C.setResult(1, DType::F32, {});
  C.setResult(2, DType::U8, {});
  return llvm::Error::success();
}

llvm::Error computeDynamicQuantize(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                   std::vector<Tensor> &Out) {
  // ONNX: the range always includes 0; scale = (max - min) / 255 and
  // zero point = saturate(round(0 - min / scale)), all in float32.
  float Min = 0, Max = 0;
  for (double V : In[0]->Data) {
    Min = std::min(Min, static_cast<float>(V));
    Max = std::max(Max, static_cast<float>(V));
  }
  float Scale = (Max - Min) / 255.0f;
  float ZpReal = nmpu::roundHalfEven(std::clamp(0.0f - Min / Scale, 0.0f, 255.0f));
  int64_t Zp = Scale == 0 ? 0 : static_cast<int64_t>(ZpReal);
  Out[1].Data[0] = Scale;
  Out[2].Data[0] = static_cast<double>(Zp);
  for (size_t I = 0; I < In[0]->Data.size(); ++I)
    Out[0].Data[I] = Scale == 0 ? static_cast<double>(Zp)
                                : static_cast<double>(nmpu::quantizeLinear(
                                      static_cast<float>(In[0]->Data[I]), Scale, Zp, 0, 255));
  return llvm::Error::success();
}

} // namespace

void appendQuantOps(std::vector<OnnxOpInfo> &Ops) {
  const char *QuantAttrs = "axis:i block_size:i saturate:i output_dtype:i";
  const char *ConvAttrs = "auto_pad:s dilations:I group:i kernel_shape:I pads:I strides:I";
  Ops.push_back({"onnx.QuantizeLinear", 2, 3, 1, QuantAttrs, inferQuantize, computeQuantize});
  Ops.push_back({"onnx.DequantizeLinear", 2, 3, 1, QuantAttrs, inferDequantize, computeDequantize});
  Ops.push_back(
      {"onnx.DynamicQuantizeLinear", 1, 1, 3, "", inferDynamicQuantize, computeDynamicQuantize});
  Ops.push_back({"onnx.QLinearConv", 8, 9, 1, ConvAttrs, inferQLinearConv, computeQLinearConv});
  Ops.push_back({"onnx.ConvInteger", 2, 4, 1, ConvAttrs, inferConvInteger, computeConvInteger});
  Ops.push_back({"onnx.QLinearMatMul", 8, 8, 1, "", inferQLinearMatMul, computeQLinearMatMul});
  Ops.push_back({"onnx.MatMulInteger", 2, 4, 1, "", inferMatMulInteger, computeMatMulInteger});
}

} // namespace qnn::onnx_ops

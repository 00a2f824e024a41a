//===- OnnxKernelsQonnx.cpp - The QONNX / FINN quantization ops -----------===//
//
// Quant, BipolarQuant and Trunc follow the QONNX operator definitions and
// FINN's MultiThreshold its reference execution. Models hold these ops in
// float32 and their reference runs in numpy float32, so every step below is
// rounded to the element type, in the order of the reference.
//
//===----------------------------------------------------------------------===//
#include "OnnxOps.h"
#include "qnn/Interp/KernelUtils.h"
#include "llvm/ADT/StringSwitch.h"
#include <cmath>
#include <optional>

namespace qnn::onnx_ops {

namespace {

enum class Rounding { Round, RoundToZero, Ceil, Floor };

std::optional<Rounding> parseRounding(llvm::StringRef Mode) {
  return llvm::StringSwitch<std::optional<Rounding>>(Mode)
      .Case("ROUND", Rounding::Round)
      .Case("ROUND_TO_ZERO", Rounding::RoundToZero)
      .Case("CEIL", Rounding::Ceil)
      .Case("FLOOR", Rounding::Floor)
      .Default(std::nullopt);
}

/// The op's rounding_mode; \p Default when absent. Infer has accepted it.
Rounding roundingOf(const Op &O, llvm::StringRef Default) {
  std::optional<Rounding> R = parseRounding(O.Attrs.getString("rounding_mode", Default));
  assert(R && "rounding_mode not checked by the op's type rule");
  return *R;
}

double applyRounding(Rounding R, double V) {
  switch (R) {
  case Rounding::Round:
    return std::nearbyint(V); // numpy's round: half to even.
  case Rounding::RoundToZero:
    return std::trunc(V);
  case Rounding::Ceil:
    return std::ceil(V);
  case Rounding::Floor:
    return std::floor(V);
  }
  llvm_unreachable("bad rounding mode");
}

llvm::Error checkRounding(InferContext &C, llvm::StringRef Default) {
  std::string Mode = C.O.Attrs.getString("rounding_mode", Default);
  if (!parseRounding(Mode))
    return makeError("rounding_mode '{}' is not one of ROUND, ROUND_TO_ZERO, CEIL and FLOOR", Mode);
  return llvm::Error::success();
}

/// Operand 0 is a float tensor, operands 1.. are float parameters that
/// broadcast to its shape (per tensor, per channel, ...), named by \p Names.
/// The result has operand 0's type.
llvm::Error inferQuantizer(InferContext &C, llvm::ArrayRef<const char *> Names) {
  if (!isFloat(C.elem(0)))
    return makeError("input must be a float tensor, it is {}", dtypeName(C.elem(0)).str());
  for (unsigned I = 1; I < C.numOperands(); ++I) {
    if (!isFloat(C.elem(I)))
      return makeError("{} must be a float tensor, it is {}", Names[I - 1],
                       dtypeName(C.elem(I)).str());
    auto B = broadcastShapes(C.shape(0), C.shape(I));
    if (!B || *B != C.shape(0)) {
      llvm::consumeError(B.takeError());
      return makeError("{} of shape {} does not broadcast to the input shape {}", Names[I - 1],
                       shapeToString(C.shape(I)), shapeToString(C.shape(0)));
    }
  }
  C.setResult(0, C.elem(0), C.shape(0));
  return llvm::Error::success();
}

/// Element E of each operand, broadcast to the shape of operand 0.
std::vector<std::vector<int64_t>> operandIndices(llvm::ArrayRef<const Tensor *> In) {
  std::vector<std::vector<int64_t>> Index;
  for (const Tensor *T : In)
    Index.push_back(broadcastIndices(T->Dims, In[0]->Dims));
  return Index;
}

llvm::Error checkFlag(InferContext &C, llvm::StringRef Name) {
  int64_t V = C.O.Attrs.getInt(Name, 0);
  if (V != 0 && V != 1)
    return makeError("attribute '{}' must be 0 or 1, it is {}", Name.str(), V);
  return llvm::Error::success();
}

llvm::Error inferQuant(InferContext &C) {
  for (const char *Flag : {"signed", "narrow"})
    if (llvm::Error E = checkFlag(C, Flag))
      return E;
  if (llvm::Error E = checkRounding(C, "ROUND"))
    return E;
  return inferQuantizer(C, {"scale", "zero_point", "bit_width"});
}

/// Brevitas exported binary quantizers as a signed 1-bit Quant before
/// BipolarQuant existed; the QONNX reference reads it as bipolar, although
/// the Quant formula would give the single value 0 (narrow) or [-1, 0].
bool isSignedOneBit(bool Signed, double BitWidth) { return Signed && BitWidth == 1; }

std::string warnQuant(const Op &O) {
  const Value *BitWidth = O.operand(3);
  bool Signed = O.Attrs.getInt("signed", 1) != 0;
  if (!BitWidth->isConstant() ||
      llvm::none_of(BitWidth->Const->Data, [&](double B) { return isSignedOneBit(Signed, B); }))
    return "";
  return "signed 1-bit Quant read as bipolar (+scale where x / scale + zero_point >= 0, else "
         "-scale), the convention of older Brevitas exports; the QONNX Quant formula has no "
         "such range, export binary quantizers as BipolarQuant";
}

llvm::Error computeQuant(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  DType T = Out[0].Type;
  bool Signed = O.Attrs.getInt("signed", 1) != 0;
  double Narrow = O.Attrs.getInt("narrow", 0) != 0 ? 1 : 0;
  Rounding R = roundingOf(O, "ROUND");
  auto Index = operandIndices(In);
  for (int64_t E = 0; E < In[0]->size(); ++E) {
    double Scale = In[1]->Data[Index[1][E]], Zp = In[2]->Data[Index[2][E]],
           BitWidth = In[3]->Data[Index[3][E]];
    double Q = storeAs(T, storeAs(T, In[0]->Data[E] / Scale) + Zp);
    if (isSignedOneBit(Signed, BitWidth)) {
      Q = Q >= 0 ? 1 : -1;
    } else {
      double Min = Signed ? -std::exp2(BitWidth - 1) + Narrow : 0;
      double Max = Signed ? std::exp2(BitWidth - 1) - 1 : std::exp2(BitWidth) - 1 - Narrow;
      // The reference clamps before rounding; with integer bounds the order
      // does not matter.
      Q = applyRounding(R, std::min(std::max(Q, Min), Max));
    }
    Out[0].Data[E] = storeAs(T, storeAs(T, Q - Zp) * Scale);
  }
  return llvm::Error::success();
}

llvm::Error inferBipolarQuant(InferContext &C) { return inferQuantizer(C, {"scale"}); }

llvm::Error computeBipolarQuant(const Op &, llvm::ArrayRef<const Tensor *> In,
                                std::vector<Tensor> &Out) {
  auto Index = operandIndices(In);
  for (int64_t E = 0; E < In[0]->size(); ++E)
    Out[0].Data[E] =
        storeAs(Out[0].Type, (In[0]->Data[E] >= 0 ? 1.0 : -1.0) * In[1]->Data[Index[1][E]]);
  return llvm::Error::success();
}

llvm::Error inferTrunc(InferContext &C) {
  if (llvm::Error E = checkRounding(C, "FLOOR"))
    return E;
  return inferQuantizer(C, {"scale", "zero_point", "input_bit_width", "output_bit_width"});
}

/// QONNX's Trunc (the five-input definition): the integer x / scale + zp
/// loses its low input_bit_width - output_bit_width bits and is scaled back
/// with the input scale.
llvm::Error computeTrunc(const Op &O, llvm::ArrayRef<const Tensor *> In, std::vector<Tensor> &Out) {
  DType T = Out[0].Type;
  Rounding R = roundingOf(O, "FLOOR");
  auto Index = operandIndices(In);
  for (int64_t E = 0; E < In[0]->size(); ++E) {
    double Scale = In[1]->Data[Index[1][E]], Zp = In[2]->Data[Index[2][E]];
    double InBits = In[3]->Data[Index[3][E]], OutBits = In[4]->Data[Index[4][E]];
    // Rounding first removes the float error of the division.
    double Q = std::nearbyint(storeAs(T, storeAs(T, In[0]->Data[E] / Scale) + Zp));
    Q = applyRounding(R, storeAs(T, Q / std::exp2(InBits - OutBits)));
    Out[0].Data[E] = storeAs(T, storeAs(T, Q - Zp) * Scale);
  }
  return llvm::Error::success();
}

/// MultiThreshold's channel axis: the last one when data_layout ends in 'C'
/// (NHWC, NWC, NC), else axis 1 (NCHW, NCW).
int64_t thresholdChannelAxis(const Op &O, size_t Rank) {
  std::string Layout = O.Attrs.getString("data_layout", "NCHW");
  return llvm::StringRef(Layout).endswith("C") ? static_cast<int64_t>(Rank) - 1 : 1;
}

llvm::Error inferMultiThreshold(InferContext &C) {
  const Shape &X = C.shape(0), &Th = C.shape(1);
  if (!isFloat(C.elem(0)))
    return makeError("input must be a float tensor, it is {}", dtypeName(C.elem(0)).str());
  if (X.size() < 2)
    return makeError("input must have a batch and a channel dimension, it has shape {}",
                     shapeToString(X));
  int64_t Channels = X[thresholdChannelAxis(C.O, X.size())];
  if (Th.size() != 2 || (Th[0] != 1 && Th[0] != Channels))
    return makeError("thresholds must have shape [1, T] or [{}, T] (one row per channel), it has "
                     "shape {}",
                     Channels, shapeToString(Th));
  C.setResult(0, C.elem(0), X);
  return llvm::Error::success();
}

/// y = out_scale * (number of thresholds of the channel that x reaches) +
/// out_bias.
llvm::Error computeMultiThreshold(const Op &O, llvm::ArrayRef<const Tensor *> In,
                                  std::vector<Tensor> &Out) {
  const Tensor &X = *In[0], &Th = *In[1];
  DType T = Out[0].Type;
  int64_t Axis = thresholdChannelAxis(O, X.Dims.size());
  int64_t Inner = 1;
  for (size_t D = Axis + 1; D < X.Dims.size(); ++D)
    Inner *= X.Dims[D];
  int64_t Steps = Th.Dims[1];
  double Scale = O.Attrs.getFloat("out_scale", 1.0), Bias = O.Attrs.getFloat("out_bias", 0.0);
  for (int64_t E = 0; E < X.size(); ++E) {
    int64_t Row = Th.Dims[0] == 1 ? 0 : (E / Inner) % X.Dims[Axis];
    int64_t Count = 0;
    for (int64_t S = 0; S < Steps; ++S)
      Count += X.Data[E] >= Th.Data[Row * Steps + S];
    Out[0].Data[E] = storeAs(T, storeAs(T, Scale * static_cast<double>(Count)) + Bias);
  }
  return llvm::Error::success();
}

} // namespace

void appendQonnxOps(std::vector<OnnxOpInfo> &Ops) {
  Ops.push_back({"qonnx.Quant", 4, 4, 1, "signed:i narrow:i rounding_mode:s", inferQuant,
                 computeQuant, /*ShapeOnly=*/false, /*Normalize=*/nullptr, warnQuant});
  Ops.push_back({"qonnx.BipolarQuant", 2, 2, 1, "", inferBipolarQuant, computeBipolarQuant});
  Ops.push_back({"qonnx.Trunc", 5, 5, 1, "rounding_mode:s", inferTrunc, computeTrunc});
  Ops.push_back({"qonnx.MultiThreshold", 2, 2, 1,
                 "out_dtype:s out_scale:f out_bias:f data_layout:s", inferMultiThreshold,
                 computeMultiThreshold});
}

} // namespace qnn::onnx_ops

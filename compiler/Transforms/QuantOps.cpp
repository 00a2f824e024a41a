//===- QuantOps.cpp - The canonical quantized op kinds --------------------===//
//
// Registers every stage-2 kind of docs/ir.md with its verify rule and its
// reference kernel (QuantKernels.cpp; slice in SliceKernel.cpp, threshold in
// ThresholdOp.cpp).
//
//===----------------------------------------------------------------------===//
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/ThresholdTable.h"
#include "qnn/Interp/KernelUtils.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Transforms/LegalizeUtils.h"
#include "qnn/Transforms/QuantKernels.h"

namespace qnn {

namespace {

bool isActivationType(DType T) { return T == DType::U8 || T == DType::I8; }

/// \p V must be an integer tensor whose type carries consistent quantization.
llvm::Error requireQuantized(const Op &O, const Value *V, llvm::StringRef Role,
                             bool PerTensor = true) {
  if (!V)
    return opError(O, Role + " is missing");
  if (!isInteger(V->Type.Elem) || !V->Type.Quant)
    return opError(O, Role + " '" + V->Name + "' must be a quantized integer tensor");
  const QuantParams &Q = *V->Type.Quant;
  if (Q.Scale.empty() || Q.Scale.size() != Q.ZeroPoint.size())
    return opError(O, Role + " '" + V->Name + "' has inconsistent quantization parameters");
  if (PerTensor && !Q.isPerTensor())
    return opError(O, Role + " '" + V->Name + "' must be quantized per tensor");
  for (size_t I = 0; I < Q.Scale.size(); ++I) {
    if (!(Q.Scale[I] > 0) || !std::isfinite(Q.Scale[I]))
      return opError(O, Role + " '" + V->Name + "' has a scale that is not positive");
    if (Q.ZeroPoint[I] < minValue(V->Type.Elem) || Q.ZeroPoint[I] > maxValue(V->Type.Elem))
      return opError(O, Role + " '" + V->Name + "' has a zero point outside its type");
  }
  return llvm::Error::success();
}

/// An integer-list attribute with exactly \p Size entries (when present).
llvm::Error requireInts(const Op &O, llvm::StringRef Name, size_t Size, bool Required,
                        int64_t Min) {
  const Attribute *A = O.Attrs.find(Name);
  if (!A) {
    if (Required)
      return opError(O, "attribute '" + Name + "' is missing");
    return llvm::Error::success();
  }
  const auto *Ints = std::get_if<std::vector<int64_t>>(A);
  if (!Ints || Ints->size() != Size)
    return opError(O,
                   "attribute '" + Name + "' must be a list of " + llvm::Twine(Size) + " integers");
  for (int64_t V : *Ints)
    if (V < Min)
      return opError(O, "attribute '" + Name + "' has an entry below " + llvm::Twine(Min));
  return llvm::Error::success();
}

llvm::Error requireInt(const Op &O, llvm::StringRef Name, bool Required) {
  const Attribute *A = O.Attrs.find(Name);
  if (!A)
    return Required ? opError(O, "attribute '" + Name + "' is missing") : llvm::Error::success();
  if (!std::holds_alternative<int64_t>(*A))
    return opError(O, "attribute '" + Name + "' must be an integer");
  return llvm::Error::success();
}

/// [Lo, Hi] (attributes \p LoName, \p HiName) lies within the result type.
llvm::Error checkRange(const Op &O, llvm::StringRef LoName, llvm::StringRef HiName, bool Required) {
  if (llvm::Error E = requireInt(O, LoName, Required))
    return E;
  if (llvm::Error E = requireInt(O, HiName, Required))
    return E;
  DType Elem = O.result()->Type.Elem;
  int64_t Lo = O.Attrs.getInt(LoName, minValue(Elem));
  int64_t Hi = O.Attrs.getInt(HiName, maxValue(Elem));
  if (Lo > Hi || Lo < minValue(Elem) || Hi > maxValue(Elem))
    return opError(O, llvm::Twine(LoName) + " = " + llvm::Twine(Lo) + ", " + HiName + " = " +
                          llvm::Twine(Hi) + " is not a range within " + dtypeName(Elem));
  return llvm::Error::success();
}

/// The result of an MVM: quantized per tensor u8/i8, or i32 without
/// quantization (ConvInteger, MatMulInteger).
llvm::Error checkMvmResult(const Op &O) {
  const Value *R = O.result();
  if (R->Type.Elem == DType::I32 && !R->Type.Quant) {
    if (O.Attrs.has("act_min") || O.Attrs.has("act_max"))
      return opError(O, "an unquantized i32 result takes no act_min/act_max");
    return llvm::Error::success();
  }
  if (!isActivationType(R->Type.Elem))
    return opError(O, "result must be u8 or i8 (or i32 without quantization)");
  if (llvm::Error E = requireQuantized(O, R, "result"))
    return E;
  return checkRange(O, "act_min", "act_max", false);
}

/// The weight: a u8/i8 constant of rank \p Rank quantized per tensor or per
/// slice along \p Axis (of \p Channels slices).
llvm::Error checkWeight(const Op &O, size_t Rank, int64_t Axis) {
  const Value *W = O.operand(1);
  if (!W || !W->isConstant())
    return opError(O, "weight must be a constant");
  if (!isActivationType(W->Type.Elem) || W->Type.Dims.size() != Rank)
    return opError(O, "weight '" + W->Name + "' must be u8 or i8 of rank " + llvm::Twine(Rank));
  if (llvm::Error E = requireQuantized(O, W, "weight", false))
    return E;
  const QuantParams &Q = *W->Type.Quant;
  if (!Q.isPerTensor() &&
      (Q.Axis != Axis || static_cast<int64_t>(Q.Scale.size()) != W->Type.Dims[Axis]))
    return opError(O, "weight '" + W->Name + "' must be quantized per tensor or along axis " +
                          llvm::Twine(Axis) + " with one scale per slice");
  return llvm::Error::success();
}

llvm::Error checkBias(const Op &O, int64_t Channels) {
  const Value *B = O.operand(2);
  if (!B)
    return llvm::Error::success();
  if (!B->isConstant() || B->Type.Elem != DType::I32 || B->Type.Dims != Shape{Channels})
    return opError(O, "bias must be an i32 constant of shape [" + llvm::Twine(Channels) + "]");
  return llvm::Error::success();
}

llvm::Error verifyMvmInput(const Op &O, size_t Rank) {
  const Value *X = O.operand(0);
  if (llvm::Error E = requireQuantized(O, X, "input"))
    return E;
  if (!isActivationType(X->Type.Elem))
    return opError(O, "input '" + X->Name + "' must be u8 or i8");
  if (Rank && X->Type.Dims.size() != Rank)
    return opError(O, "input '" + X->Name + "' must have rank " + llvm::Twine(Rank));
  return llvm::Error::success();
}

llvm::Error verifyQConv(const Op &O) {
  if (llvm::Error E = verifyMvmInput(O, 4))
    return E;
  if (llvm::Error E = checkWeight(O, 4, 0))
    return E;
  int64_t M = O.operand(1)->Type.Dims[0];
  if (llvm::Error E = checkBias(O, M))
    return E;
  for (auto [Name, Size, Min] : {std::tuple<const char *, size_t, int64_t>{"strides", 2, 1},
                                 {"pads", 4, 0},
                                 {"dilations", 2, 1}})
    if (llvm::Error E = requireInts(O, Name, Size, true, Min))
      return E;
  if (llvm::Error E = requireInt(O, "group", true))
    return E;
  int64_t Group = O.Attrs.getInt("group");
  int64_t C = O.operand(0)->Type.Dims[1];
  if (Group < 1 || M % Group != 0 || O.operand(1)->Type.Dims[1] * Group != C)
    return opError(O, "group " + llvm::Twine(Group) + " does not fit " + llvm::Twine(C) +
                          " input and " + llvm::Twine(M) + " output channels");
  auto Geo = convGeometry(O.operand(0)->Type.Dims, O.operand(1)->Type.Dims, O.Attrs);
  if (!Geo)
    return opError(O, llvm::toString(Geo.takeError()));
  if (O.result()->Type.Dims != Geo->outputShape())
    return opError(O, "result must have shape " + shapeToString(Geo->outputShape()));
  return checkMvmResult(O);
}

llvm::Error verifyQMatMul(const Op &O) {
  if (llvm::Error E = verifyMvmInput(O, 0))
    return E;
  if (llvm::Error E = checkWeight(O, 2, 1))
    return E;
  const Shape &W = O.operand(1)->Type.Dims;
  const Shape &X = O.operand(0)->Type.Dims;
  if (X.empty() || X.back() != W[0])
    return opError(O,
                   "input shape " + shapeToString(X) + " does not end in K = " + llvm::Twine(W[0]));
  if (llvm::Error E = checkBias(O, W[1]))
    return E;
  Shape Expected = X;
  Expected.back() = W[1];
  if (O.result()->Type.Dims != Expected)
    return opError(O, "result must have shape " + shapeToString(Expected));
  return checkMvmResult(O);
}

/// Ops whose operands and result are all quantized per tensor.
llvm::Error verifyAllQuantized(const Op &O) {
  for (size_t I = 0; I < O.Operands.size(); ++I)
    if (llvm::Error E = requireQuantized(O, O.Operands[I], "operand " + std::to_string(I)))
      return E;
  return requireQuantized(O, O.result(), "result");
}

llvm::Error verifyQAdd(const Op &O) {
  if (llvm::Error E = verifyAllQuantized(O))
    return E;
  return checkRange(O, "act_min", "act_max", false);
}

llvm::Error verifyRequantize(const Op &O) {
  if (llvm::Error E = verifyAllQuantized(O))
    return E;
  if (O.operand(0)->Type.Dims != O.result()->Type.Dims)
    return opError(O, "result shape differs from the input's");
  return checkRange(O, "act_min", "act_max", false);
}

llvm::Error verifyQConcat(const Op &O) {
  if (llvm::Error E = verifyAllQuantized(O))
    return E;
  if (llvm::Error E = requireInt(O, "axis", true))
    return E;
  int64_t Rank = static_cast<int64_t>(O.result()->Type.Dims.size());
  int64_t Axis = O.Attrs.getInt("axis");
  if (Axis < -Rank || Axis >= Rank)
    return opError(O, "axis " + llvm::Twine(Axis) + " is out of range");
  for (const Value *V : O.Operands)
    if (V->Type.Dims.size() != static_cast<size_t>(Rank) || V->Type.Elem != O.result()->Type.Elem)
      return opError(O, "operand '" + V->Name + "' differs in rank or element type");
  return llvm::Error::success();
}

llvm::Error verifyPool(const Op &O, bool Dilations) {
  if (llvm::Error E = verifyAllQuantized(O))
    return E;
  if (O.operand(0)->Type.Dims.size() != 4 || O.result()->Type.Dims.size() != 4)
    return opError(O, "input and result must be NCHW (rank 4)");
  if (llvm::Error E = requireInts(O, "kernel_shape", 2, true, 1))
    return E;
  if (llvm::Error E = requireInts(O, "strides", 2, true, 1))
    return E;
  if (llvm::Error E = requireInts(O, "pads", 4, true, 0))
    return E;
  if (Dilations)
    if (llvm::Error E = requireInts(O, "dilations", 2, true, 1))
      return E;
  if (llvm::Error E = requireInt(O, "ceil_mode", false))
    return E;
  auto Geo = poolGeometry(O.operand(0)->Type.Dims, O.Attrs);
  if (!Geo)
    return opError(O, llvm::toString(Geo.takeError()));
  if (O.result()->Type.Dims != Geo->outputShape())
    return opError(O, "result must have shape " + shapeToString(Geo->outputShape()));
  return llvm::Error::success();
}

llvm::Error verifyQMaxPool(const Op &O) {
  if (llvm::Error E = verifyPool(O, true))
    return E;
  if (!(O.operand(0)->Type.Quant == O.result()->Type.Quant) ||
      O.operand(0)->Type.Elem != O.result()->Type.Elem)
    return opError(O, "result must keep the input's type and quantization");
  return llvm::Error::success();
}

llvm::Error verifyQAvgPool(const Op &O) {
  if (llvm::Error E = verifyPool(O, false))
    return E;
  return requireInt(O, "count_include_pad", false);
}

llvm::Error verifyQGlobalAvgPool(const Op &O) {
  if (llvm::Error E = verifyAllQuantized(O))
    return E;
  if (O.operand(0)->Type.Dims.size() < 3)
    return opError(O, "input must be [N, C, spatial...]");
  return llvm::Error::success();
}

llvm::Error verifyReshape(const Op &O) {
  const TensorType &X = O.operand(0)->Type, &Y = O.result()->Type;
  if (X.Elem != Y.Elem || !(X.Quant == Y.Quant))
    return opError(O, "result must keep the input's element type and quantization");
  auto Static = [](const Shape &S) {
    int64_t N = 1;
    for (int64_t D : S)
      if (D >= 0)
        N *= D;
    return N;
  };
  // The batch ('?') maps to the batch, so the static parts hold the same
  // number of elements.
  bool XBatch = llvm::is_contained(X.Dims, -1), YBatch = llvm::is_contained(Y.Dims, -1);
  if (XBatch != YBatch || Static(X.Dims) != Static(Y.Dims))
    return opError(O, "cannot reshape " + shapeToString(X.Dims) + " into " + shapeToString(Y.Dims));
  return llvm::Error::success();
}

llvm::Error verifySlice(const Op &O) {
  const TensorType &X = O.operand(0)->Type, &Y = O.result()->Type;
  if (llvm::Error E = requireQuantized(O, O.operand(0), "input"))
    return E;
  if (X.Elem != Y.Elem || !(X.Quant == Y.Quant))
    return opError(O, "result must keep the input's element type and quantization");
  for (llvm::StringRef Name : {"axis", "start", "size"})
    if (llvm::Error E = requireInt(O, Name, true))
      return E;
  int64_t Rank = static_cast<int64_t>(X.Dims.size());
  int64_t Axis = O.Attrs.getInt("axis"), Start = O.Attrs.getInt("start");
  int64_t Size = O.Attrs.getInt("size");
  if (Axis < 0 || Axis >= Rank)
    return opError(O, "axis " + llvm::Twine(Axis) + " is out of range for the input's rank " +
                          llvm::Twine(Rank));
  int64_t Dim = X.Dims[Axis];
  if (Dim < 0)
    return opError(O, "axis " + llvm::Twine(Axis) +
                          " is the batch; only static dimensions can be sliced");
  if (Start < 0 || Size < 1 || Start > Dim || Size > Dim - Start)
    return opError(O, "slice [" + llvm::Twine(Start) + ", " + llvm::Twine(Start + Size) +
                          ") does not fit dimension " + llvm::Twine(Axis) + " of size " +
                          llvm::Twine(Dim));
  Shape Expected = X.Dims;
  Expected[Axis] = Size;
  if (Y.Dims != Expected)
    return opError(O, "result must have shape " + shapeToString(Expected));
  return llvm::Error::success();
}

llvm::Error verifyClamp(const Op &O) {
  const TensorType &X = O.operand(0)->Type;
  if (!isInteger(X.Elem) || !(X == O.result()->Type))
    return opError(O, "input and result must be the same integer type");
  return checkRange(O, "min", "max", true);
}

/// The quantization in the type of \p Q (when there is one) must be the one
/// the scale and zero point operands of quantize / dequantize give.
llvm::Error checkQuantizerType(const Op &O, const Value *Q) {
  if (!Q->Type.Quant || O.Attrs.getInt("block_size", 0) > 0)
    return llvm::Error::success();
  auto Given = paramsFromOperands(O, O.operand(1), O.operand(2), O.Attrs.getInt("axis", 1),
                                  static_cast<int64_t>(Q->Type.Dims.size()));
  if (!Given)
    return Given.takeError();
  if (!(*Given == *Q->Type.Quant))
    return opError(O, "the quantization in the type of '" + Q->Name +
                          "' differs from the scale and zero point operands");
  return llvm::Error::success();
}

llvm::Error verifyQuantize(const Op &O) {
  const Value *X = O.operand(0);
  if (!isFloat(X->Type.Elem))
    return opError(O, "input '" + X->Name + "' must be a float tensor");
  if (!O.operand(1)->isConstant() || (O.operand(2) && !O.operand(2)->isConstant()))
    return opError(O, "scale and zero point must be constants");
  if (!isInteger(O.result()->Type.Elem))
    return opError(O, "result must be an integer type");
  if (O.operand(2) && O.operand(2)->Type.Elem != O.result()->Type.Elem)
    return opError(O, "zero point type differs from the result type");
  if (llvm::Error E = requireInt(O, "axis", false))
    return E;
  return checkQuantizerType(O, O.result());
}

llvm::Error verifyDequantize(const Op &O) {
  const Value *Q = O.operand(0);
  if (!isInteger(Q->Type.Elem))
    return opError(O, "input '" + Q->Name + "' must be an integer tensor");
  if (!O.operand(1)->isConstant() || (O.operand(2) && !O.operand(2)->isConstant()))
    return opError(O, "scale and zero point must be constants");
  DType R = O.result()->Type.Elem;
  if (R != DType::F32 && R != DType::F16)
    return opError(O, "result must be f32 or f16");
  if (llvm::Error E = requireInt(O, "axis", false))
    return E;
  return checkQuantizerType(O, Q);
}

/// A threshold: comparator table, channel axis and the result's range.
llvm::Error verifyThreshold(const Op &O) {
  const Value *X = O.operand(0), *Th = O.operand(1), *Signs = O.operand(2);
  if (!X)
    return opError(O, "needs an input");
  bool Accumulator = X->Type.Elem == DType::I32 && !X->Type.Quant;
  if (!Accumulator && !isFloat(X->Type.Elem))
    return opError(O, "input '" + X->Name +
                          "' must be an unquantized i32 accumulator or a float tensor");
  if (llvm::Error E = verifyThresholdTable(O, Th, Signs))
    return E;
  for (llvm::StringRef Name : {"out_min", "out_step"})
    if (llvm::Error E = requireInt(O, Name, true))
      return E;
  int64_t C = Th->Type.Dims[0], T = Th->Type.Dims[1];
  const Shape &XD = X->Type.Dims;
  if (C > 1) {
    if (llvm::Error E = requireInt(O, "axis", true))
      return E;
    int64_t Rank = static_cast<int64_t>(XD.size());
    int64_t Axis = O.Attrs.getInt("axis");
    if (Axis < -Rank || Axis >= Rank)
      return opError(O, "axis " + llvm::Twine(Axis) + " is out of range for rank " +
                            llvm::Twine(Rank));
    int64_t Dim = XD[thresholdAxis(O)];
    if (Dim != C)
      return opError(O, "input '" + X->Name + "' has " + llvm::Twine(Dim) +
                            " channels along axis " + llvm::Twine(Axis) + " but the thresholds " +
                            llvm::Twine(C) + " rows");
  }
  const TensorType &Y = O.result()->Type;
  if (!isInteger(Y.Elem) || Y.Dims != XD)
    return opError(O, "result must be an integer tensor of the input's shape " + shapeToString(XD));
  int64_t OutMin = O.Attrs.getInt("out_min"), OutStep = O.Attrs.getInt("out_step");
  if (OutStep <= 0)
    return opError(O, "out_step must be positive; a falling step function takes sign -1");
  ValueRange Expected{OutMin, OutMin + T * OutStep, OutStep};
  if (!(Y.Range == std::optional<ValueRange>(Expected)))
    return opError(O, "result type must carry range(" + llvm::Twine(Expected.Lo) + ":" +
                          llvm::Twine(Expected.Hi) + ":" + llvm::Twine(Expected.Step) +
                          "), the levels of out_min, out_step and " + llvm::Twine(T) +
                          " thresholds");
  return llvm::Error::success();
}

} // namespace

void registerQuantOps(OpRegistry &R) {
  R.add({"quantize", 2, 3, 1, verifyQuantize, evalQuantize});
  R.add({"dequantize", 2, 3, 1, verifyDequantize, evalDequantize});
  R.add({"qconv", 3, 3, 1, verifyQConv, evalQConv});
  R.add({"qmatmul", 3, 3, 1, verifyQMatMul, evalQMatMul});
  R.add({"qadd", 2, 2, 1, verifyQAdd, evalQAdd});
  R.add({"qconcat", 1, 1u << 16, 1, verifyQConcat, evalQConcat});
  R.add({"requantize", 1, 1, 1, verifyRequantize, evalRequantize});
  R.add({"qmaxpool", 1, 1, 1, verifyQMaxPool, evalQMaxPool});
  R.add({"qavgpool", 1, 1, 1, verifyQAvgPool, evalQAvgPool});
  R.add({"qglobalavgpool", 1, 1, 1, verifyQGlobalAvgPool, evalQGlobalAvgPool});
  R.add({"reshape", 1, 1, 1, verifyReshape, evalReshape});
  R.add({"clamp", 1, 1, 1, verifyClamp, evalClamp});
  R.add({"slice", 1, 1, 1, verifySlice, evalSlice});
  R.add({"threshold", 3, 3, 1, verifyThreshold, evalThreshold});
}

} // namespace qnn

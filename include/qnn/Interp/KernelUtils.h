//===- KernelUtils.h - Index helpers shared by interpreter kernels -*- C++ -*-===//
///
/// \file
/// Convolution / pooling windows, batched matrix products, concatenation and
/// quantization parameter layouts (broadcasting is in
/// qnn/Support/ShapeUtils.h, shared with the runtime): the index arithmetic
/// every interpreter kernel family needs (ONNX-level and canonical ops
/// alike), written once. The loops are templates so the kernels'
/// accumulator types and per-element arithmetic stay their own.
///
/// Shapes may hold -1 for the symbolic batch dimension wherever a shape is
/// only being inferred; the loops themselves need static shapes.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_INTERP_KERNELUTILS_H
#define QNN_INTERP_KERNELUTILS_H

#include "qnn/IR/Attribute.h"
#include "qnn/Support/HostOps.h"
#include "qnn/Support/ShapeUtils.h"
#include "qnn/Support/Tensor.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

namespace qnn {

//===-- Host ops ----------------------------------------------------------===//

/// The ONNX op type of an op kind that names a host op (qnn/Support/HostOps.h):
/// "onnx.Softmax" -> "Softmax"; empty for every other kind.
llvm::StringRef hostOpType(llvm::StringRef Kind);
/// The attributes of a host op, owned (HostAttrs views them).
struct HostAttrLists {
  std::vector<std::pair<std::string, int64_t>> Ints;
  std::vector<std::pair<std::string, double>> Floats;
  operator HostAttrs() const { return {Ints, Floats}; }
};
/// The attributes of \p Attrs that host op \p OpType reads, each list
/// sorted by name (other attributes, such as the schedule's, are left out);
/// an integer given for a float attribute becomes a float.
HostAttrLists hostOpAttrs(llvm::StringRef OpType, const AttrMap &Attrs);

//===-- Convolution and pooling windows -----------------------------------===//

/// A sliding window over an [N, C, spatial...] tensor (convolution kernel or
/// pooling window). Spatial vectors all have the input's spatial rank.
struct WindowGeometry {
  int64_t Batch = 0;
  int64_t InChannels = 0;
  int64_t OutChannels = 0;
  int64_t Group = 1;
  Shape InSpatial, Kernel, OutSpatial, Strides, Dilations, PadsBegin, PadsEnd;

  int64_t inSpatialSize() const { return numElements(InSpatial); }
  int64_t outSpatialSize() const { return numElements(OutSpatial); }
  int64_t kernelSize() const { return numElements(Kernel); }
  /// [Batch, OutChannels, OutSpatial...].
  Shape outputShape() const;
};

/// Geometry of ONNX Conv / ConvInteger / QLinearConv of input \p X and weight
/// \p W ([M, C/group, k...]) from the attributes kernel_shape, strides, pads,
/// dilations, group and auto_pad.
llvm::Expected<WindowGeometry> convGeometry(const Shape &X, const Shape &W, const AttrMap &Attrs);
/// Geometry of ONNX MaxPool / AveragePool (kernel_shape required; also
/// ceil_mode). OutChannels = InChannels.
llvm::Expected<WindowGeometry> poolGeometry(const Shape &X, const AttrMap &Attrs);

/// Calls F(KernelIndex, InIndex) for each tap of the window at flattened
/// output position \p OutPos; InIndex is the flattened spatial input index,
/// or -1 where the tap lies in the padding.
template <typename Fn> void forEachWindowTap(const WindowGeometry &G, int64_t OutPos, Fn &&F) {
  size_t Rank = G.InSpatial.size();
  llvm::SmallVector<int64_t, 4> Origin(Rank), Tap(Rank, 0);
  for (size_t D = Rank; D-- > 0;) {
    Origin[D] = (OutPos % G.OutSpatial[D]) * G.Strides[D] - G.PadsBegin[D];
    OutPos /= G.OutSpatial[D];
  }
  int64_t Taps = G.kernelSize();
  for (int64_t K = 0; K < Taps; ++K) {
    int64_t In = 0;
    for (size_t D = 0; D < Rank; ++D) {
      int64_t P = Origin[D] + Tap[D] * G.Dilations[D];
      if (P < 0 || P >= G.InSpatial[D]) {
        In = -1;
        break;
      }
      In = In * G.InSpatial[D] + P;
    }
    F(K, In);
    for (size_t D = Rank; D-- > 0;) {
      if (++Tap[D] < G.Kernel[D])
        break;
      Tap[D] = 0;
    }
  }
}

/// The convolution loop shared by every conv kernel: for each output element
/// sums Tap(XIndex, WIndex) over the input channels of its group and the
/// kernel taps that are not padding (padding contributes zero: x - zx = 0 in
/// the quantized kernels), then calls Store(OutIndex, OutChannel, Acc).
template <typename Acc, typename TapFn, typename StoreFn>
void convolve(const WindowGeometry &G, TapFn &&Tap, StoreFn &&Store) {
  int64_t InPerGroup = G.InChannels / G.Group, OutPerGroup = G.OutChannels / G.Group;
  int64_t InSize = G.inSpatialSize(), OutSize = G.outSpatialSize(), KSize = G.kernelSize();
  for (int64_t N = 0; N < G.Batch; ++N)
    for (int64_t M = 0; M < G.OutChannels; ++M) {
      int64_t FirstC = (M / OutPerGroup) * InPerGroup;
      for (int64_t P = 0; P < OutSize; ++P) {
        Acc Sum = 0;
        forEachWindowTap(G, P, [&](int64_t K, int64_t In) {
          if (In < 0)
            return;
          for (int64_t C = 0; C < InPerGroup; ++C)
            Sum += Tap(((N * G.InChannels + FirstC + C) * InSize) + In,
                       ((M * InPerGroup + C) * KSize) + K);
        });
        Store((N * G.OutChannels + M) * OutSize + P, M, Sum);
      }
    }
}

//===-- Batched matrix products -------------------------------------------===//

/// numpy.matmul of [..., M, K] by [..., K, N] (1-D operands promoted and the
/// promoted dimension dropped from the result, batch dimensions broadcast).
struct MatMulGeometry {
  Shape OutShape;
  int64_t M = 0, K = 0, N = 0;
  /// Per output matrix, the element offsets of its A and B matrices.
  std::vector<int64_t> AOffsets, BOffsets;
};
llvm::Expected<MatMulGeometry> matMulGeometry(const Shape &A, const Shape &B);

/// Calls Store(OutIndex, Row, Col, Acc) with Acc the sum over k of
/// Tap(AIndex, BIndex), for each element of the product.
template <typename Acc, typename TapFn, typename StoreFn>
void matMul(const MatMulGeometry &G, TapFn &&Tap, StoreFn &&Store) {
  int64_t Out = 0;
  for (size_t B = 0; B < G.AOffsets.size(); ++B)
    for (int64_t I = 0; I < G.M; ++I)
      for (int64_t J = 0; J < G.N; ++J, ++Out) {
        Acc Sum = 0;
        for (int64_t K = 0; K < G.K; ++K)
          Sum += Tap(G.AOffsets[B] + I * G.K + K, G.BOffsets[B] + K * G.N + J);
        Store(Out, I, J, Sum);
      }
}

//===-- Concatenation -----------------------------------------------------===//

/// The shape of \p Inputs concatenated along \p Axis (already normalized).
llvm::Expected<Shape> concatShape(llvm::ArrayRef<Shape> Inputs, int64_t Axis);
/// Calls Place(InputNo, InIndex, OutIndex) for every element of every input
/// of a concatenation along \p Axis.
template <typename Fn>
void forEachConcatElement(llvm::ArrayRef<Shape> Inputs, int64_t Axis, Fn &&Place) {
  int64_t Outer = 1, OutRow = 0;
  for (int64_t D = 0; D < Axis; ++D)
    Outer *= Inputs.front()[D];
  for (const Shape &S : Inputs)
    OutRow += numElements(S) / std::max<int64_t>(Outer, 1);
  int64_t Offset = 0;
  for (size_t I = 0; I < Inputs.size(); ++I) {
    int64_t Row = Outer ? numElements(Inputs[I]) / Outer : 0;
    for (int64_t O = 0; O < Outer; ++O)
      for (int64_t E = 0; E < Row; ++E)
        Place(I, O * Row + E, O * OutRow + Offset + E);
    Offset += Row;
  }
}

//===-- Quantization parameters -------------------------------------------===//

/// For each element of a tensor of \p Dims, the index of its scale and zero
/// point in a parameter tensor of \p ParamDims: one element (per tensor), a
/// 1-D tensor along \p Axis (per axis) or, with \p BlockSize > 0, \p Dims
/// with ceil(Dims[Axis] / BlockSize) along \p Axis (blocked). \p Axis may
/// be negative; the error says which layout \p ParamDims fails to match.
llvm::Expected<std::vector<int64_t>> quantParamIndices(const Shape &Dims, const Shape &ParamDims,
                                                       int64_t Axis, int64_t BlockSize);

/// ONNX QuantizeLinear of \p X (per tensor, per axis or blocked, chosen by the
/// shape of \p Scale) into element type \p Elem; \p ZeroPoint may be null.
llvm::Expected<Tensor> quantizeLinearTensor(const Tensor &X, const Tensor &Scale,
                                            const Tensor *ZeroPoint, int64_t Axis,
                                            int64_t BlockSize, DType Elem);
/// ONNX DequantizeLinear of \p Q into float32 (or float16 when \p Elem is F16).
llvm::Expected<Tensor> dequantizeLinearTensor(const Tensor &Q, const Tensor &Scale,
                                              const Tensor *ZeroPoint, int64_t Axis,
                                              int64_t BlockSize, DType Elem);

} // namespace qnn

#endif

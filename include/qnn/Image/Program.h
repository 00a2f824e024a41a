//===- Program.h - What a flash-programming image holds ----------*- C++ -*-===//
///
/// \file
/// The in-memory model of an image: the contract between the compiler, which
/// fills it from the scheduled IR and serializes it (ImageWriter.h), and the
/// runtime, which reads and verifies it (ImageReader.h) and executes it on
/// the chip model. The byte layout is in docs/image-format.md.
///
/// Activations are stored as integers (their quantized values) or floats;
/// every step reads and writes tensors by index into Program::Tensors.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_IMAGE_PROGRAM_H
#define QNN_IMAGE_PROGRAM_H

#include "qnn/Support/DType.h"
#include "llvm/ADT/ArrayRef.h"
#include <cstdint>
#include <string>
#include <vector>

namespace qnn::image {

/// A tensor the program reads or writes. Dimension -1 is the batch.
struct TensorDesc {
  std::string Name;
  DType Type = DType::U8;
  std::vector<int64_t> Dims;
  /// Quantization (empty Scale for float or plain integer tensors).
  std::vector<float> Scale;
  std::vector<int32_t> ZeroPoint;
  int32_t Axis = -1;
};

/// One crossbar array's programmed cell levels.
struct ArrayImage {
  uint32_t Tile = 0;
  uint32_t IndexInTile = 0;
  uint32_t Rows = 0, Cols = 0; ///< the target's array size
  /// The array's full-scale column current is FS = (2^adc_bits - 1) * 2^ReadShift
  /// in units of (one cell level x one DAC step). The ADC code of column
  /// current I is d = clamp(floor(I * (2^adc_bits - 1) / FS + 1/2), 0, 2^adc_bits - 1)
  /// and the NMPU takes d * 2^ReadShift (nmpu::readoutValue). A negative
  /// ReadShift amplifies the currents (a read gain of 2^-ReadShift, at most
  /// 2^read_gain_bits); ReadShift <= 0 with column sums whose amplified value
  /// fits the ADC is an exact read-out.
  int8_t ReadShift = 0;
  std::vector<uint8_t> Levels; ///< Rows * Cols, row-major, each < 2^cell_bits
};

/// A physical column of an MVM layer: its sliced cells contribute
/// Sign * (column sum) << Shift to output Output.
struct PhysColumn {
  uint32_t Output = 0;
  int8_t Sign = 1;
  uint8_t Shift = 0;
};

/// A rectangle of an MVM layer's sliced weight matrix placed on one array:
/// logical rows [KBegin, KBegin + KCount) sit on array rows [RowOffset, ...),
/// layer physical columns [ColBegin, ColBegin + ColCount) on array columns
/// [ColOffset, ...).
struct Block {
  uint32_t Array = 0; ///< index into Program::Arrays
  uint32_t RowOffset = 0, ColOffset = 0;
  uint32_t KBegin = 0, KCount = 0;
  uint32_t ColBegin = 0, ColCount = 0;
  /// Empty, or the read shift of every read of the block: input phase p,
  /// block column j at [p * ColCount + j], in place of the array's
  /// ReadShift (same meaning). The compiler's `read-ranges` pass sets them.
  std::vector<int8_t> PhaseShifts;

  /// The read shift of block column \p Col in input phase \p Phase on
  /// array \p A (this block's array).
  int readShift(const ArrayImage &A, unsigned Phase, uint32_t Col) const {
    return PhaseShifts.empty() ? A.ReadShift : PhaseShifts[size_t(Phase) * ColCount + Col];
  }
};

enum class PolarityMode : uint8_t { Differential = 0, Offset = 1, Unipolar = 2 };

enum class RequantMode : uint8_t {
  None = 0,      ///< the output is the int32 accumulator (ConvInteger, MatMulInteger)
  Scale = 1,     ///< per-output multiplier, rounding, zero point, clamp
  Threshold = 2, ///< per-output comparators (MvmStep::Threshold): low-bit and binary neurons
};

/// A monotone step function per channel, the NMPU's comparator bank:
///   y = OutMin + OutStep * #{t : Signs[c] * x >= Thresholds[c * Count + t]}
/// where c is the channel of the element (along Axis; one channel when
/// Channels == 1). Comparisons are exact in double: x is an integer
/// accumulator (in an MVM) or a float32 activation (a standalone step at the
/// chip's input). Signs[c] = -1 describes a channel whose function falls.
struct ThresholdStep {
  int32_t Axis = -1;
  uint32_t Channels = 1, Count = 0;
  std::vector<double> Thresholds; ///< Channels * Count, ascending per channel
  std::vector<int8_t> Signs;      ///< Channels entries of +1 or -1
  int32_t OutMin = 0, OutStep = 1;
};

/// How the input vectors of an MVM are gathered from its input tensor.
/// Conv2d: input [B, C, H, W] (H = 1 for 1-D conv), one vector of
/// Channels * KernelH * KernelW per output pixel, output [B, N, OutH, OutW].
/// Rows: input [..., K], one vector per row, output [..., N].
enum class WindowKind : uint8_t { Conv2d = 0, Rows = 1 };

struct MvmStep {
  WindowKind Window = WindowKind::Rows;
  // Conv2d geometry (per sample).
  uint32_t InChannels = 0, InH = 0, InW = 0;
  uint32_t ChannelBegin = 0, Channels = 0; ///< group slice of the input
  uint32_t KernelH = 1, KernelW = 1;
  uint32_t StrideH = 1, StrideW = 1;
  uint32_t DilationH = 1, DilationW = 1;
  uint32_t PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0;
  uint32_t OutH = 1, OutW = 1;

  uint32_t K = 0; ///< rows of the logical weight matrix
  uint32_t N = 0; ///< outputs
  /// Added to each stored input element to make it unsigned (128 for int8).
  int32_t InputShift = 0;
  /// Zero point of the unsigned input (input zero point + InputShift); padding
  /// elements take this value (>> InputStepShift).
  int32_t InputZeroPoint = 0;
  /// The DAC drives (x + InputShift) >> InputStepShift: inputs whose levels
  /// are 2^InputStepShift apart ({-1, +1} has shift 1) take fewer bits; the
  /// weights were scaled by the step at lowering, so the sums stay exact.
  uint8_t InputStepShift = 0;
  /// Bits of the driven values: the layer takes ceil(InputBits / dac_bits)
  /// input phases (a binary layer one, whatever the target's act_bits).
  uint8_t InputBits = 8;
  PolarityMode Polarity = PolarityMode::Differential;
  /// Offset mode: stored level sum = w + Offset; the NMPU subtracts
  /// Offset * sum(x) per output.
  int64_t Offset = 0;
  std::vector<PhysColumn> Columns;
  std::vector<Block> Blocks;
  /// Weight replication (conv2d only): Blocks holds Replicas copies of one
  /// block set, copy r at [r * n, (r + 1) * n); output pixel v of a sample
  /// is read by copy v % Replicas.
  uint32_t Replicas = 1;
  /// The blocks of copy \p Copy of the weights.
  llvm::ArrayRef<Block> copyBlocks(uint32_t Copy) const {
    const size_t PerCopy = Blocks.size() / Replicas;
    return llvm::ArrayRef<Block>(Blocks).slice(Copy * PerCopy, PerCopy);
  }

  // NMPU post-processing per output n:
  //   acc = sum_cols Sign * readout << Shift  (- Offset * sum(x))  + Bias[n]
  //   fp32:  y = clamp(nearbyint(float(acc) * Multiplier[n]) + OutZeroPoint)
  //   fixed: y = clamp(rounding_shift(acc * FixedMultiplier[n], FixedShift[n]) + OutZeroPoint)
  /// Bias including the input zero-point correction: bias - zx * sum_k w_kn.
  std::vector<int64_t> Bias;
  RequantMode Requant = RequantMode::Scale;
  std::vector<float> Multiplier;
  std::vector<int32_t> FixedMultiplier;
  std::vector<int8_t> FixedShift;
  int32_t OutZeroPoint = 0;
  int32_t ClampMin = 0, ClampMax = 255; ///< fused Relu/Clip and the output type
  /// RequantMode::Threshold: y[n] from acc[n] (Channels == N, Axis unused).
  ThresholdStep Threshold;
};

/// Element-wise float <-> quantized conversions at the chip boundary.
struct QuantizeStep {
  std::vector<float> Scale;
  std::vector<int32_t> ZeroPoint;
  int32_t Axis = -1;     ///< -1 per-tensor
  int32_t BlockSize = 0; ///< blocked quantization along Axis
};

struct PoolStep {
  bool IsMax = true;
  bool Global = false;
  uint32_t KernelH = 1, KernelW = 1, StrideH = 1, StrideW = 1;
  uint32_t DilationH = 1, DilationW = 1;
  uint32_t PadTop = 0, PadLeft = 0, PadBottom = 0, PadRight = 0;
  bool CountIncludePad = false;
  /// Average pooling goes from the input to the output quantization. fp32
  /// mode computes as the reference does (dequantize, average in float32,
  /// quantize); fixed mode sums integers and applies one fixed multiplier
  /// InScale / (OutScale * count) per window size.
  float InScale = 1, OutScale = 1;
  int32_t InZeroPoint = 0, OutZeroPoint = 0;
  int32_t ClampMin = 0, ClampMax = 255;
};

/// Element-wise add (with broadcasting), concat, or a single-input rescale of
/// quantized inputs to the output quantization. fp32 mode computes as the
/// reference does (dequantize in float32, add, quantize); fixed mode rescales
/// each input by InFixedMultiplier (InScale / OutScale) before adding.
struct CombineStep {
  enum class Op : uint8_t { Add = 0, Concat = 1, Rescale = 2 } Kind = Op::Add;
  int32_t Axis = 1; ///< concat axis
  std::vector<float> InScale;
  std::vector<int32_t> InZeroPoint;
  std::vector<int32_t> InFixedMultiplier;
  std::vector<int8_t> InFixedShift;
  float OutScale = 1;
  int32_t OutZeroPoint = 0;
  int32_t ClampMin = 0, ClampMax = 255;
};

/// A reshape (Flatten/Reshape): the data is copied as it is.
struct ReshapeStep {};

/// A copy of the range [Start, Start + Size) of dimension Axis of the input
/// (a static dimension); the output keeps every other dimension.
struct SliceStep {
  int32_t Axis = 0;
  int64_t Start = 0, Size = 0;
};

/// Element-wise clamp of a quantized tensor (a Relu/Clip that did not fuse).
struct ClampStep {
  int32_t ClampMin = 0, ClampMax = 255;
};

/// A float32 op the runtime runs on the host, outside the chip: the float
/// glue before the first or after the last quantized tensor (an affine
/// de-normalization, BatchNormalization, Softmax, ArgMax, TopK). Op is the
/// ONNX op type; the operands are the step's inputs and constants, in ONNX
/// operand order; semantics are ONNX's, computed by the same kernels as the
/// reference interpreter (include/qnn/Support/HostOps.h).
struct HostConstant {
  DType Type = DType::F32;
  std::vector<int64_t> Dims;
  std::vector<double> Data;
};
struct HostStep {
  std::string Op;
  /// Integer attributes (axis, keepdims, largest, ...), sorted by name.
  std::vector<std::pair<std::string, int64_t>> IntAttrs;
  /// Operand I is Step::Inputs[Operands[I]] when >= 0, else the constant
  /// Constants[-Operands[I] - 1].
  std::vector<int32_t> Operands;
  std::vector<HostConstant> Constants;
  /// Float attributes (BatchNormalization's epsilon), sorted by name; last
  /// and defaulted, so a brace-initialized step may leave them out.
  std::vector<std::pair<std::string, double>> FloatAttrs = {};
};

enum class StepKind : uint8_t {
  Mvm = 0,
  Quantize = 1,
  Dequantize = 2,
  Pool = 3,
  Combine = 4,
  Reshape = 5,
  Clamp = 6,
  Slice = 7,
  Threshold = 8, ///< a float input's quantizer as comparators (ThresholdStep)
  Host = 9,      ///< a float op on the host (HostStep)
};

struct Step {
  StepKind Kind = StepKind::Mvm;
  std::string Layer;            ///< the model's node name
  std::vector<uint32_t> Inputs; ///< indices into Program::Tensors
  std::vector<uint32_t> Outputs;
  uint32_t Tile = 0; ///< where the step runs
  // Cost-model timing from the scheduler (per sample).
  uint64_t StartCycle = 0, Cycles = 0;
  // Exactly the member named by Kind is meaningful.
  MvmStep Mvm;
  QuantizeStep Quant;
  PoolStep Pool;
  CombineStep Combine;
  ClampStep Clamp;
  SliceStep Slice;
  ThresholdStep Threshold;
  HostStep Host;
};

/// The most chips one image maps a model onto.
inline constexpr uint32_t MaxChips = 1024;
/// The most copies of one layer's weights (qnnc --replication).
inline constexpr uint32_t MaxReplicas = 4096;

struct Program {
  std::string TargetJson; ///< canonical JSON of the target
  uint64_t TargetFingerprint = 0;
  std::string ModelName;
  /// Chips of the target the model is mapped onto (qnnc --chips). Tiles
  /// and arrays are numbered across them: tile t is tile t % tiles of chip
  /// t / tiles.
  uint32_t Chips = 1;
  std::vector<TensorDesc> Tensors;
  std::vector<uint32_t> Inputs, Outputs; ///< graph inputs and outputs
  std::vector<ArrayImage> Arrays;
  std::vector<Step> Steps; ///< in execution order
};

} // namespace qnn::image

#endif

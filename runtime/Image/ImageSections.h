//===- ImageSections.h - Field order of every section -------------*- C++ -*-===//
///
/// \file
/// One mapper per record, used with SectionEncoder (writing, on const
/// structs) and SectionDecoder (reading): the field order of
/// docs/image-format.md is written down once.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_IMAGE_IMAGESECTIONS_H
#define QNN_RUNTIME_IMAGE_IMAGESECTIONS_H

#include "ByteStream.h"
#include "qnn/Image/Program.h"

namespace qnn::image {

template <typename IO, typename TensorT> void mapTensor(IO &Io, TensorT &T) {
  Io.string(T.Name);
  Io.enumeration(T.Type, DType::F4E2M1, "element type");
  Io.vector(T.Dims);
  Io.vector(T.Scale);
  Io.vector(T.ZeroPoint);
  Io.scalar(T.Axis);
}

template <typename IO, typename ColumnT> void mapColumn(IO &Io, ColumnT &C) {
  Io.scalar(C.Output);
  Io.scalar(C.Sign);
  Io.scalar(C.Shift);
}

template <typename IO, typename BlockT> void mapBlock(IO &Io, BlockT &B) {
  Io.scalar(B.Array);
  Io.scalar(B.RowOffset);
  Io.scalar(B.ColOffset);
  Io.scalar(B.KBegin);
  Io.scalar(B.KCount);
  Io.scalar(B.ColBegin);
  Io.scalar(B.ColCount);
  Io.vector(B.PhaseShifts);
}

/// A vector of records: a u32 count, then each record.
template <typename IO, typename VecT, typename Fn> void mapRecords(IO &Io, VecT &V, Fn Map) {
  uint32_t N = static_cast<uint32_t>(V.size());
  Io.scalar(N);
  if constexpr (IO::Reading) {
    // Every record takes at least one byte: a count beyond the bytes left is
    // a damaged section, refused before allocating.
    if (!Io.reader().canRead(N))
      return;
    V.resize(N);
  }
  for (auto &E : V)
    Map(Io, E);
}

template <typename IO, typename ThresholdT> void mapThreshold(IO &Io, ThresholdT &T) {
  Io.scalar(T.Axis);
  Io.scalar(T.Channels);
  Io.scalar(T.Count);
  Io.vector(T.Thresholds);
  Io.vector(T.Signs);
  Io.scalar(T.OutMin);
  Io.scalar(T.OutStep);
}

template <typename IO, typename HostT> void mapHost(IO &Io, HostT &H) {
  Io.string(H.Op);
  auto MapAttr = [](IO &I, auto &A) {
    I.string(A.first);
    I.scalar(A.second);
  };
  mapRecords(Io, H.IntAttrs, MapAttr);
  mapRecords(Io, H.FloatAttrs, MapAttr);
  Io.vector(H.Operands);
  mapRecords(Io, H.Constants, [](IO &I, auto &C) {
    I.enumeration(C.Type, DType::F4E2M1, "element type");
    I.vector(C.Dims);
    I.vector(C.Data);
  });
}

template <typename IO, typename MvmT> void mapMvm(IO &Io, MvmT &M) {
  Io.enumeration(M.Window, WindowKind::Rows, "window kind");
  for (auto *F : {&M.InChannels, &M.InH, &M.InW, &M.ChannelBegin, &M.Channels, &M.KernelH,
                  &M.KernelW, &M.StrideH, &M.StrideW, &M.DilationH, &M.DilationW, &M.PadTop,
                  &M.PadLeft, &M.PadBottom, &M.PadRight, &M.OutH, &M.OutW, &M.K, &M.N})
    Io.scalar(*F);
  Io.scalar(M.InputShift);
  Io.scalar(M.InputZeroPoint);
  Io.scalar(M.InputStepShift);
  Io.scalar(M.InputBits);
  Io.enumeration(M.Polarity, PolarityMode::Unipolar, "polarity mode");
  Io.scalar(M.Offset);
  mapRecords(Io, M.Columns, [](IO &I, auto &C) { mapColumn(I, C); });
  mapRecords(Io, M.Blocks, [](IO &I, auto &B) { mapBlock(I, B); });
  Io.scalar(M.Replicas);
  Io.vector(M.Bias);
  Io.enumeration(M.Requant, RequantMode::Threshold, "requantization mode");
  Io.vector(M.Multiplier);
  Io.vector(M.FixedMultiplier);
  Io.vector(M.FixedShift);
  Io.scalar(M.OutZeroPoint);
  Io.scalar(M.ClampMin);
  Io.scalar(M.ClampMax);
  if (M.Requant == RequantMode::Threshold)
    mapThreshold(Io, M.Threshold);
}

template <typename IO, typename QuantT> void mapQuantize(IO &Io, QuantT &Q) {
  Io.vector(Q.Scale);
  Io.vector(Q.ZeroPoint);
  Io.scalar(Q.Axis);
  Io.scalar(Q.BlockSize);
}

template <typename IO, typename PoolT> void mapPool(IO &Io, PoolT &P) {
  uint8_t Flags = (P.IsMax ? 1 : 0) | (P.Global ? 2 : 0) | (P.CountIncludePad ? 4 : 0);
  Io.scalar(Flags);
  if constexpr (IO::Reading) {
    if (Flags > 7)
      Io.fail("unknown pooling flags " + std::to_string(Flags));
    P.IsMax = Flags & 1;
    P.Global = Flags & 2;
    P.CountIncludePad = Flags & 4;
  }
  for (auto *F : {&P.KernelH, &P.KernelW, &P.StrideH, &P.StrideW, &P.DilationH, &P.DilationW,
                  &P.PadTop, &P.PadLeft, &P.PadBottom, &P.PadRight})
    Io.scalar(*F);
  Io.scalar(P.InScale);
  Io.scalar(P.OutScale);
  for (auto *F : {&P.InZeroPoint, &P.OutZeroPoint, &P.ClampMin, &P.ClampMax})
    Io.scalar(*F);
}

template <typename IO, typename CombineT> void mapCombine(IO &Io, CombineT &C) {
  Io.enumeration(C.Kind, CombineStep::Op::Rescale, "combine kind");
  Io.scalar(C.Axis);
  Io.vector(C.InScale);
  Io.vector(C.InZeroPoint);
  Io.vector(C.InFixedMultiplier);
  Io.vector(C.InFixedShift);
  Io.scalar(C.OutScale);
  for (auto *F : {&C.OutZeroPoint, &C.ClampMin, &C.ClampMax})
    Io.scalar(*F);
}

/// Cell levels packed at \p Bits per level, LSB first: level i occupies bits
/// [i * Bits, (i + 1) * Bits) of the byte stream, bit 0 being the least
/// significant bit of byte 0. Every level must be below 2^Bits.
std::vector<uint8_t> packLevels(llvm::ArrayRef<uint8_t> Levels, unsigned Bits);
std::vector<uint8_t> unpackLevels(llvm::ArrayRef<uint8_t> Packed, uint64_t Count, unsigned Bits);
inline uint64_t packedSize(uint64_t Count, unsigned Bits) { return (Count * Bits + 7) / 8; }

template <typename IO, typename ArrayT> void mapArray(IO &Io, ArrayT &A, uint8_t CellBits) {
  Io.scalar(A.Tile);
  Io.scalar(A.IndexInTile);
  Io.scalar(A.Rows);
  Io.scalar(A.Cols);
  Io.scalar(A.ReadShift);
  uint8_t Bits = CellBits;
  Io.scalar(Bits);
  uint64_t Cells = static_cast<uint64_t>(A.Rows) * A.Cols;
  uint64_t Packed = packedSize(Cells, Bits);
  Io.scalar(Packed);
  if constexpr (IO::Reading) {
    if (Bits != CellBits)
      return Io.fail("array packed at " + std::to_string(Bits) + " bits per cell, the target has " +
                     std::to_string(CellBits));
    if (Packed != packedSize(Cells, Bits))
      return Io.fail("array of " + std::to_string(Cells) + " cells holds " +
                     std::to_string(Packed) + " bytes of levels");
    llvm::ArrayRef<uint8_t> Bytes = Io.reader().readBytes(Packed);
    if (Io.ok())
      A.Levels = unpackLevels(Bytes, Cells, Bits);
  } else {
    Io.writer().writeBytes(packLevels(A.Levels, Bits));
  }
}

/// The "layers" section's record of a step: its kind and the constants of
/// that kind.
template <typename IO, typename StepT> void mapStepConstants(IO &Io, StepT &S) {
  Io.enumeration(S.Kind, StepKind::Host, "step kind");
  switch (S.Kind) {
  case StepKind::Mvm:
    return mapMvm(Io, S.Mvm);
  case StepKind::Quantize:
  case StepKind::Dequantize:
    return mapQuantize(Io, S.Quant);
  case StepKind::Pool:
    return mapPool(Io, S.Pool);
  case StepKind::Combine:
    return mapCombine(Io, S.Combine);
  case StepKind::Clamp:
    Io.scalar(S.Clamp.ClampMin);
    Io.scalar(S.Clamp.ClampMax);
    return;
  case StepKind::Reshape:
    return;
  case StepKind::Slice:
    Io.scalar(S.Slice.Axis);
    Io.scalar(S.Slice.Start);
    Io.scalar(S.Slice.Size);
    return;
  case StepKind::Threshold:
    return mapThreshold(Io, S.Threshold);
  case StepKind::Host:
    return mapHost(Io, S.Host);
  }
}

/// The "schedule" section's record of a step.
template <typename IO, typename StepT> void mapStepSchedule(IO &Io, StepT &S) {
  Io.string(S.Layer);
  Io.scalar(S.Tile);
  Io.scalar(S.StartCycle);
  Io.scalar(S.Cycles);
  Io.vector(S.Inputs);
  Io.vector(S.Outputs);
}

} // namespace qnn::image

#endif

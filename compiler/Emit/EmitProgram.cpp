//===- EmitProgram.cpp - Scheduled graph to image model -------------------===//
//
// One step per op in graph order (the schedule's order), tensors for the
// graph inputs and every op result, and the programmed arrays with the cell
// levels of the blocks placed on them.
//
//===----------------------------------------------------------------------===//
#include "EmitHost.h"
#include "qnn/Emit/Emit.h"
#include "qnn/IR/ThresholdTable.h"
#include "qnn/Lower/MvmLayer.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Target/NmpuArith.h"
#include "llvm/ADT/DenseMap.h"
#include <cmath>
#include <map>

namespace qnn {

namespace {

using namespace image;

class ProgramBuilder {
public:
  ProgramBuilder(const Graph &G, const Target &T) : G(G), T(T) {}

  llvm::Expected<Program> build() {
    P.TargetJson = targetToJson(T);
    P.TargetFingerprint = targetFingerprint(T);
    P.ModelName = G.Name;
    for (const Value *In : G.Inputs)
      P.Inputs.push_back(tensorIndex(*In));
    if (llvm::Error E = collectArrays())
      return E;
    for (const auto &O : G.ops())
      if (llvm::Error E = addStep(*O))
        return E;
    // Partition numbers tiles across chips (--chips): the highest tile used
    // tells how many chips the image spans.
    uint64_t LastTile = 0;
    for (const ArrayImage &A : P.Arrays)
      LastTile = std::max<uint64_t>(LastTile, A.Tile);
    for (const Step &S : P.Steps)
      LastTile = std::max<uint64_t>(LastTile, S.Tile);
    P.Chips = static_cast<uint32_t>(LastTile / T.Tiles + 1);
    for (const Value *Out : G.Outputs) {
      if (Out->isConstant())
        return makeError("graph output '{}' is a constant; the chip computes no step for it",
                         Out->Name);
      P.Outputs.push_back(tensorIndex(*Out));
    }
    return std::move(P);
  }

private:
  uint32_t tensorIndex(const Value &V) {
    auto It = Tensors.find(&V);
    if (It != Tensors.end())
      return It->second;
    TensorDesc D;
    D.Name = V.Name;
    D.Type = V.Type.Elem;
    D.Dims = V.Type.Dims;
    if (V.Type.Quant) {
      for (double S : V.Type.Quant->Scale)
        D.Scale.push_back(static_cast<float>(S));
      for (int64_t Z : V.Type.Quant->ZeroPoint)
        D.ZeroPoint.push_back(static_cast<int32_t>(Z));
      D.Axis = static_cast<int32_t>(V.Type.Quant->Axis);
    }
    uint32_t Index = static_cast<uint32_t>(P.Tensors.size());
    P.Tensors.push_back(std::move(D));
    Tensors[&V] = Index;
    return Index;
  }

  /// The layer must have been mapped for this target, every block placed.
  llvm::Error checkLayer(const Op &O, const MvmLayer &L) {
    if (L.stage() != MvmStage::Scheduled)
      return opError(O, "the layer is not scheduled; run the mapping pipeline up to 'schedule'");
    if (L.AccBits != T.AccBits || L.MultBits != T.MultBits || L.CellBits != T.CellBits ||
        L.DacBits != T.DacBits || L.AdcBits != T.AdcBits)
      return opError(O, "the layer was mapped for another target than '" + T.Name + "'");
    for (const MvmBlock &B : L.Blocks)
      if (B.Array >= int64_t(T.totalArrays()) * MaxChips || B.RowOffset + B.KCount > T.Rows ||
          B.ColOffset + B.ColCount > T.Cols)
        return opError(O, "a block lies outside the arrays of target '" + T.Name + "'");
    return llvm::Error::success();
  }

  llvm::Error collectArrays() {
    std::map<int64_t, ArrayImage> Arrays;
    // Layers share arrays (Packing.h); a cell programmed twice would silently
    // change a weight of the earlier layer.
    std::map<int64_t, std::vector<bool>> Programmed;
    llvm::Error E = visitMvmLayers(G, [&](const Op &O, const MvmLayer &L) -> llvm::Error {
      if (llvm::Error Bad = checkLayer(O, L))
        return Bad;
      const Tensor &Levels = *O.operand(1)->Const;
      int64_t C = L.physicalColumns();
      for (const MvmBlock &B : L.Blocks) {
        auto [It, New] = Arrays.try_emplace(B.Array);
        ArrayImage &A = It->second;
        if (New) {
          A.Tile = static_cast<uint32_t>(B.Array / T.ArraysPerTile);
          A.IndexInTile = static_cast<uint32_t>(B.Array % T.ArraysPerTile);
          A.Rows = T.Rows;
          A.Cols = T.Cols;
          A.ReadShift = static_cast<int8_t>(B.ReadShift);
          A.Levels.assign(size_t(T.Rows) * T.Cols, 0);
        } else if (A.ReadShift != B.ReadShift) {
          return opError(O,
                         "blocks with different read shifts share array " + llvm::Twine(B.Array));
        }
        std::vector<bool> &Used = Programmed[B.Array];
        Used.resize(A.Levels.size());
        for (int64_t K = 0; K < B.KCount; ++K)
          for (int64_t J = 0; J < B.ColCount; ++J) {
            size_t Cell = (B.RowOffset + K) * T.Cols + B.ColOffset + J;
            if (Used[Cell])
              return opError(O, "a block overlaps another block on array " + llvm::Twine(B.Array) +
                                    " at row " + llvm::Twine(B.RowOffset + K) + ", column " +
                                    llvm::Twine(B.ColOffset + J));
            Used[Cell] = true;
            A.Levels[Cell] = static_cast<uint8_t>(Levels.Data[(B.KBegin + K) * C + B.ColBegin + J]);
          }
      }
      return llvm::Error::success();
    });
    if (E)
      return E;
    for (auto &[Global, A] : Arrays) {
      ArrayIndex[Global] = static_cast<uint32_t>(P.Arrays.size());
      P.Arrays.push_back(std::move(A));
    }
    return llvm::Error::success();
  }

  llvm::Expected<nmpu::FixedMultiplier> fixedRatio(const Op &O, double Ratio) {
    if (!(Ratio > 0) || !(Ratio < std::ldexp(1.0, static_cast<int>(T.MultBits) - 1)))
      return opError(O, "scale ratio " + fmt::format("{}", Ratio) + " does not fit the " +
                            llvm::Twine(T.MultBits) + "-bit multipliers of target '" + T.Name +
                            "' (mult_bits)");
    return nmpu::quantizeMultiplier(Ratio, T.MultBits);
  }

  /// The comparator bank of constants \p Th [C, T] and \p Signs [C].
  static ThresholdStep thresholdStep(const Value &Th, const Value &Signs, int64_t Axis,
                                     int64_t OutMin, int64_t OutStep) {
    ThresholdStep S;
    S.Axis = static_cast<int32_t>(Axis);
    S.Channels = static_cast<uint32_t>(Th.Type.Dims[0]);
    S.Count = static_cast<uint32_t>(Th.Type.Dims[1]);
    S.Thresholds = Th.Const->Data;
    for (double V : Signs.Const->Data)
      S.Signs.push_back(static_cast<int8_t>(V));
    S.OutMin = static_cast<int32_t>(OutMin);
    S.OutStep = static_cast<int32_t>(OutStep);
    return S;
  }

  void fillMvm(const Op &O, const MvmLayer &L, MvmStep &S) {
    const Tensor &Bias = *O.operand(2)->Const;
    S.Window = L.Window;
    S.InChannels = L.InC, S.InH = L.InH, S.InW = L.InW;
    S.ChannelBegin = L.ChannelBegin, S.Channels = L.Channels;
    S.KernelH = L.KernelH, S.KernelW = L.KernelW;
    S.StrideH = L.StrideH, S.StrideW = L.StrideW;
    S.DilationH = L.DilationH, S.DilationW = L.DilationW;
    S.PadTop = L.PadTop, S.PadLeft = L.PadLeft, S.PadBottom = L.PadBottom, S.PadRight = L.PadRight;
    S.OutH = L.OutH, S.OutW = L.OutW;
    S.K = L.K, S.N = L.N;
    S.InputShift = L.InputShift;
    S.InputZeroPoint = L.InputZeroPoint;
    S.InputStepShift = static_cast<uint8_t>(L.InputStepShift);
    S.InputBits = static_cast<uint8_t>(L.InputBits);
    S.Polarity = *L.Polarity;
    S.Offset = L.Offset;
    for (const MvmColumn &C : L.Columns)
      S.Columns.push_back({static_cast<uint32_t>(C.Output), static_cast<int8_t>(C.Sign),
                           static_cast<uint8_t>(C.Shift)});
    for (const MvmBlock &B : L.Blocks) {
      Block Out;
      Out.Array = ArrayIndex.lookup(B.Array);
      Out.RowOffset = B.RowOffset, Out.ColOffset = B.ColOffset;
      Out.KBegin = B.KBegin, Out.KCount = B.KCount;
      Out.ColBegin = B.ColBegin, Out.ColCount = B.ColCount;
      for (int64_t Shift : B.PhaseShifts)
        Out.PhaseShifts.push_back(static_cast<int8_t>(Shift));
      S.Blocks.push_back(Out);
    }
    S.Replicas = static_cast<uint32_t>(L.Replicas);
    for (double B : Bias.Data)
      S.Bias.push_back(static_cast<int64_t>(B));
    S.Requant = L.Requant;
    if (L.Requant == RequantMode::Threshold)
      S.Threshold = thresholdStep(*O.operand(3), *O.operand(4), -1, L.OutMin, L.OutStep);
    for (double M : L.Multipliers) {
      nmpu::FixedMultiplier F = nmpu::quantizeMultiplier(M, T.MultBits);
      S.Multiplier.push_back(static_cast<float>(M));
      S.FixedMultiplier.push_back(F.Mult);
      S.FixedShift.push_back(static_cast<int8_t>(F.Shift));
    }
    S.OutZeroPoint = L.OutZeroPoint;
    S.ClampMin = L.ActMin, S.ClampMax = L.ActMax;
  }

  /// Scale and zero point constants of a quantize/dequantize op.
  llvm::Error fillQuantize(const Op &O, QuantizeStep &S) {
    const Value *Scale = O.operand(1), *Zero = O.operand(2);
    if (Zero && Zero->Const->size() != Scale->Const->size())
      return opError(O, "scale and zero point differ in size");
    for (double V : Scale->Const->Data)
      S.Scale.push_back(static_cast<float>(V));
    for (size_t I = 0; I < S.Scale.size(); ++I)
      S.ZeroPoint.push_back(Zero ? static_cast<int32_t>(Zero->Const->Data[I]) : 0);
    int64_t Rank = static_cast<int64_t>(O.operand(0)->Type.Dims.size());
    int64_t Axis = O.Attrs.getInt("axis", 1);
    S.Axis = S.Scale.size() == 1 && !O.Attrs.has("block_size")
                 ? -1
                 : static_cast<int32_t>(Axis < 0 ? Axis + Rank : Axis);
    S.BlockSize = static_cast<int32_t>(O.Attrs.getInt("block_size", 0));
    return llvm::Error::success();
  }

  void fillPool(const Op &O, PoolStep &S) {
    S.IsMax = O.Kind == "qmaxpool";
    S.Global = O.Kind == "qglobalavgpool";
    std::vector<int64_t> Kernel = O.Attrs.getInts("kernel_shape", {1, 1});
    std::vector<int64_t> Strides = O.Attrs.getInts("strides", {1, 1});
    std::vector<int64_t> Dil = O.Attrs.getInts("dilations", {1, 1});
    std::vector<int64_t> Pads = O.Attrs.getInts("pads", {0, 0, 0, 0});
    S.KernelH = Kernel[0], S.KernelW = Kernel[1];
    S.StrideH = Strides[0], S.StrideW = Strides[1];
    S.DilationH = Dil[0], S.DilationW = Dil[1];
    S.PadTop = Pads[0], S.PadLeft = Pads[1], S.PadBottom = Pads[2], S.PadRight = Pads[3];
    S.CountIncludePad = O.Attrs.getInt("count_include_pad", 0) != 0;
    const QuantParams &In = *O.operand(0)->Type.Quant, &Out = *O.result()->Type.Quant;
    S.InScale = static_cast<float>(In.Scale[0]);
    S.OutScale = static_cast<float>(Out.Scale[0]);
    S.InZeroPoint = static_cast<int32_t>(In.ZeroPoint[0]);
    S.OutZeroPoint = static_cast<int32_t>(Out.ZeroPoint[0]);
    DType Elem = O.result()->Type.Elem;
    S.ClampMin = static_cast<int32_t>(O.Attrs.getInt("act_min", minValue(Elem)));
    S.ClampMax = static_cast<int32_t>(O.Attrs.getInt("act_max", maxValue(Elem)));
  }

  llvm::Error fillCombine(const Op &O, CombineStep &S) {
    S.Kind = O.Kind == "qadd"      ? CombineStep::Op::Add
             : O.Kind == "qconcat" ? CombineStep::Op::Concat
                                   : CombineStep::Op::Rescale;
    int64_t Rank = static_cast<int64_t>(O.result()->Type.Dims.size());
    int64_t Axis = O.Attrs.getInt("axis", 1);
    S.Axis = static_cast<int32_t>(Axis < 0 ? Axis + Rank : Axis);
    const QuantParams &Out = *O.result()->Type.Quant;
    S.OutScale = static_cast<float>(Out.Scale[0]);
    S.OutZeroPoint = static_cast<int32_t>(Out.ZeroPoint[0]);
    for (const Value *V : O.Operands) {
      const QuantParams &In = *V->Type.Quant;
      llvm::Expected<nmpu::FixedMultiplier> F =
          fixedRatio(O, static_cast<double>(static_cast<float>(In.Scale[0])) / S.OutScale);
      if (!F)
        return F.takeError();
      S.InScale.push_back(static_cast<float>(In.Scale[0]));
      S.InZeroPoint.push_back(static_cast<int32_t>(In.ZeroPoint[0]));
      S.InFixedMultiplier.push_back(F->Mult);
      S.InFixedShift.push_back(static_cast<int8_t>(F->Shift));
    }
    DType Elem = O.result()->Type.Elem;
    S.ClampMin = static_cast<int32_t>(O.Attrs.getInt("act_min", minValue(Elem)));
    S.ClampMax = static_cast<int32_t>(O.Attrs.getInt("act_max", maxValue(Elem)));
    return llvm::Error::success();
  }

  llvm::Error addStep(const Op &O) {
    if (isHostStepOp(O))
      return emitHostStep(
          O, [&](const Value &V) { return tensorIndex(V); }, P.Steps);
    if (!O.Attrs.has("start_cycle"))
      return opError(O, "the op is not scheduled; run the mapping pipeline up to 'schedule'");
    Step S;
    S.Layer = O.Name;
    S.Tile = static_cast<uint32_t>(O.Attrs.getInt("tile", 0));
    S.StartCycle = static_cast<uint64_t>(O.Attrs.getInt("start_cycle"));
    S.Cycles = static_cast<uint64_t>(O.Attrs.getInt("cycles", 0));
    // Only the data operand is a tensor; quantize/dequantize parameters are
    // folded into the step.
    bool DataOnly =
        O.Kind == "mvm" || O.Kind == "quantize" || O.Kind == "dequantize" || O.Kind == "threshold";
    for (const Value *V : O.Operands) {
      if (!V || (DataOnly && V != O.operand(0)))
        continue;
      if (V->isConstant())
        return opError(O, "constant operand '" + V->Name +
                              "' has no chip step; fold it before mapping");
      S.Inputs.push_back(tensorIndex(*V));
    }
    S.Outputs.push_back(tensorIndex(*O.result()));

    if (O.Kind == "mvm") {
      S.Kind = StepKind::Mvm;
      llvm::Expected<MvmLayer> L = readMvmLayer(O);
      if (!L)
        return L.takeError();
      fillMvm(O, *L, S.Mvm);
    } else if (O.Kind == "quantize" || O.Kind == "dequantize") {
      S.Kind = O.Kind == "quantize" ? StepKind::Quantize : StepKind::Dequantize;
      if (llvm::Error E = fillQuantize(O, S.Quant))
        return E;
    } else if (O.Kind == "qmaxpool" || O.Kind == "qavgpool" || O.Kind == "qglobalavgpool") {
      S.Kind = StepKind::Pool;
      fillPool(O, S.Pool);
    } else if (O.Kind == "qadd" || O.Kind == "qconcat" || O.Kind == "requantize") {
      S.Kind = StepKind::Combine;
      if (llvm::Error E = fillCombine(O, S.Combine))
        return E;
    } else if (O.Kind == "reshape") {
      S.Kind = StepKind::Reshape;
    } else if (O.Kind == "slice") {
      S.Kind = StepKind::Slice;
      S.Slice.Axis = static_cast<int32_t>(O.Attrs.getInt("axis"));
      S.Slice.Start = O.Attrs.getInt("start");
      S.Slice.Size = O.Attrs.getInt("size");
    } else if (O.Kind == "threshold") {
      // Not fused into an mvm read-out: a float input's quantizer.
      S.Kind = StepKind::Threshold;
      S.Threshold = thresholdStep(*O.operand(1), *O.operand(2), thresholdAxis(O),
                                  O.Attrs.getInt("out_min"), O.Attrs.getInt("out_step"));
    } else if (O.Kind == "clamp") {
      S.Kind = StepKind::Clamp;
      S.Clamp.ClampMin = static_cast<int32_t>(O.Attrs.getInt("min"));
      S.Clamp.ClampMax = static_cast<int32_t>(O.Attrs.getInt("max"));
    } else {
      return opError(O, "the chip has no step for this op kind; only canonical quantized ops "
                        "and mvm can be emitted");
    }
    P.Steps.push_back(std::move(S));
    return llvm::Error::success();
  }

  const Graph &G;
  const Target &T;
  Program P;
  llvm::DenseMap<const Value *, uint32_t> Tensors;
  llvm::DenseMap<int64_t, uint32_t> ArrayIndex;
};

} // namespace

llvm::Expected<Program> emitProgram(const Graph &G, const Target &T) {
  return ProgramBuilder(G, T).build();
}

} // namespace qnn

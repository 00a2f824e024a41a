//===- ProgramFromJson.cpp - A Program described in JSON ------------------===//
#include "ProgramFromJson.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/Json.h"
#include "qnn/Target/Target.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/JSON.h"
#include <limits>
#include <type_traits>

namespace qnn::image {

namespace {

/// Reads fields of JSON objects into Program structs; the first error is kept
/// with the path of the field ("steps[2].blocks[0].array").
class JsonReader {
public:
  explicit JsonReader(std::string Source) : Source(std::move(Source)) {}

  template <typename T> void field(const llvm::json::Object &O, llvm::StringRef Key, T &Out) {
    if (const llvm::json::Value *V = O.get(Key))
      value(*V, Out, Key.str());
  }
  template <typename T> void required(const llvm::json::Object &O, llvm::StringRef Key, T &Out) {
    if (!O.get(Key))
      return fail(Key.str(), "is required");
    field(O, Key, Out);
  }

  template <typename T> void value(const llvm::json::Value &V, T &Out, const std::string &Path) {
    if constexpr (std::is_same_v<T, bool>) {
      if (auto B = V.getAsBoolean())
        Out = *B;
      else
        fail(Path, "must be true or false");
    } else if constexpr (std::is_integral_v<T>) {
      std::optional<int64_t> I = jsonInteger(V);
      bool Fits = I && *I >= static_cast<int64_t>(std::numeric_limits<T>::min());
      if (Fits && sizeof(T) < 8)
        Fits = *I <= static_cast<int64_t>(std::numeric_limits<T>::max());
      if (Fits)
        Out = static_cast<T>(*I);
      else
        fail(Path, "must be an integer that fits its field");
    } else if constexpr (std::is_floating_point_v<T>) {
      if (auto D = V.getAsNumber())
        Out = static_cast<T>(*D);
      else
        fail(Path, "must be a number");
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (auto S = V.getAsString())
        Out = S->str();
      else
        fail(Path, "must be a string");
    } else {
      const llvm::json::Array *A = V.getAsArray();
      if (!A)
        return fail(Path, "must be a list");
      Out.resize(A->size());
      for (size_t I = 0; I < A->size(); ++I)
        value((*A)[I], Out[I], Path + "[" + std::to_string(I) + "]");
    }
  }

  /// An enumerator spelled by name.
  template <typename E>
  void enumeration(const llvm::json::Object &O, llvm::StringRef Key, E &Out,
                   std::initializer_list<std::pair<const char *, E>> Names) {
    const llvm::json::Value *V = O.get(Key);
    if (!V)
      return;
    auto S = V->getAsString();
    for (const auto &[Name, Value] : Names)
      if (S && *S == Name) {
        Out = Value;
        return;
      }
    std::string Known;
    for (const auto &NV : Names)
      Known += (Known.empty() ? "" : ", ") + std::string(NV.first);
    fail(Key.str(), "must be one of " + Known);
  }

  const llvm::json::Object *object(const llvm::json::Value &V, const std::string &Path) {
    const llvm::json::Object *O = V.getAsObject();
    if (!O)
      fail(Path, "must be an object");
    return O;
  }

  void fail(const std::string &Path, const std::string &Why) {
    if (Error.empty())
      Error = Prefix + Path + " " + Why;
  }
  /// Prefix of the paths of fields read next ("steps[2].").
  std::string Prefix;
  std::string Error;
  std::string Source;
};

void readTensor(JsonReader &R, const llvm::json::Object &O, TensorDesc &T) {
  R.field(O, "name", T.Name);
  std::string Type = "u8";
  R.field(O, "type", Type);
  if (std::optional<DType> D = parseDType(Type))
    T.Type = *D;
  else
    R.fail("type", "'" + Type + "' is not an element type");
  R.field(O, "dims", T.Dims);
  R.field(O, "scale", T.Scale);
  R.field(O, "zero_point", T.ZeroPoint);
  R.field(O, "axis", T.Axis);
}

void readArray(JsonReader &R, const llvm::json::Object &O, ArrayImage &A, const Target &T) {
  A.Rows = T.Rows;
  A.Cols = T.Cols;
  R.field(O, "tile", A.Tile);
  R.field(O, "index", A.IndexInTile);
  R.field(O, "read_shift", A.ReadShift);
  // Levels as a list of rows from row 0, each from column 0; the rest is 0.
  std::vector<std::vector<uint8_t>> Rows;
  R.field(O, "levels", Rows);
  A.Levels.assign(static_cast<size_t>(A.Rows) * A.Cols, 0);
  if (Rows.size() > A.Rows)
    return R.fail("levels", "has more rows than the target's " + std::to_string(A.Rows));
  for (size_t I = 0; I < Rows.size(); ++I) {
    if (Rows[I].size() > A.Cols)
      return R.fail("levels[" + std::to_string(I) + "]",
                    "has more columns than the target's " + std::to_string(A.Cols));
    std::copy(Rows[I].begin(), Rows[I].end(), A.Levels.begin() + I * A.Cols);
  }
}

/// Thresholds as one list per channel; "channels" and "count" override the
/// sizes the lists imply (to describe damaged banks).
void readThreshold(JsonReader &R, const llvm::json::Object &O, ThresholdStep &T) {
  R.field(O, "axis", T.Axis);
  std::vector<std::vector<double>> Rows;
  R.field(O, "thresholds", Rows);
  T.Channels = static_cast<uint32_t>(Rows.size());
  T.Count = Rows.empty() ? 0 : static_cast<uint32_t>(Rows.front().size());
  for (const std::vector<double> &Row : Rows)
    T.Thresholds.insert(T.Thresholds.end(), Row.begin(), Row.end());
  R.field(O, "channels", T.Channels);
  R.field(O, "count", T.Count);
  R.field(O, "signs", T.Signs);
  if (!O.get("signs"))
    T.Signs.assign(T.Channels, 1);
  R.field(O, "out_min", T.OutMin);
  R.field(O, "out_step", T.OutStep);
}

/// Host op attributes: object \p Key of \p O, by name, sorted as the image
/// keeps them.
template <typename T>
void readHostAttrs(JsonReader &R, const llvm::json::Object &O, llvm::StringRef Key,
                   std::vector<std::pair<std::string, T>> &Attrs) {
  const llvm::json::Value *V = O.get(Key);
  const llvm::json::Object *Object = V ? R.object(*V, Key.str()) : nullptr;
  if (!Object)
    return;
  for (const auto &[Name, Value] : *Object) {
    Attrs.emplace_back(Name.str(), T());
    R.value(Value, Attrs.back().second, (Key + "." + Name.str()).str());
  }
  llvm::sort(Attrs);
}

/// A host op: "op", "attrs" (an object of integers), "float_attrs" (an
/// object of numbers), "operands" (step input numbers, or -1 - I for
/// constant I) and "constants".
void readHost(JsonReader &R, const llvm::json::Object &O, HostStep &H) {
  R.required(O, "op", H.Op);
  readHostAttrs(R, O, "attrs", H.IntAttrs);
  readHostAttrs(R, O, "float_attrs", H.FloatAttrs);
  R.required(O, "operands", H.Operands);
  const llvm::json::Value *Constants = O.get("constants");
  const llvm::json::Array *List = Constants ? Constants->getAsArray() : nullptr;
  if (Constants && !List)
    return R.fail("constants", "must be a list");
  for (size_t I = 0; List && I < List->size(); ++I) {
    std::string Path = "constants[" + std::to_string(I) + "]";
    const llvm::json::Object *C = R.object((*List)[I], Path);
    if (!C)
      return;
    HostConstant &HC = H.Constants.emplace_back();
    std::string Type = "f32";
    R.field(*C, "type", Type);
    if (std::optional<DType> D = parseDType(Type))
      HC.Type = *D;
    else
      R.fail(Path + ".type", "'" + Type + "' is not an element type");
    R.field(*C, "dims", HC.Dims);
    R.field(*C, "data", HC.Data);
  }
}

void readMvm(JsonReader &R, const llvm::json::Object &O, MvmStep &M) {
  R.enumeration(O, "window", M.Window,
                {{"rows", WindowKind::Rows}, {"conv2d", WindowKind::Conv2d}});
  std::pair<const char *, uint32_t *> U32[] = {{"in_channels", &M.InChannels},
                                               {"in_h", &M.InH},
                                               {"in_w", &M.InW},
                                               {"channel_begin", &M.ChannelBegin},
                                               {"channels", &M.Channels},
                                               {"kernel_h", &M.KernelH},
                                               {"kernel_w", &M.KernelW},
                                               {"stride_h", &M.StrideH},
                                               {"stride_w", &M.StrideW},
                                               {"dilation_h", &M.DilationH},
                                               {"dilation_w", &M.DilationW},
                                               {"pad_top", &M.PadTop},
                                               {"pad_left", &M.PadLeft},
                                               {"pad_bottom", &M.PadBottom},
                                               {"pad_right", &M.PadRight},
                                               {"out_h", &M.OutH},
                                               {"out_w", &M.OutW},
                                               {"k", &M.K},
                                               {"n", &M.N}};
  for (auto &[Key, Field] : U32)
    R.field(O, Key, *Field);
  R.field(O, "input_shift", M.InputShift);
  R.field(O, "input_zero_point", M.InputZeroPoint);
  R.field(O, "input_step_shift", M.InputStepShift);
  R.field(O, "input_bits", M.InputBits);
  R.enumeration(O, "polarity", M.Polarity,
                {{"differential", PolarityMode::Differential},
                 {"offset", PolarityMode::Offset},
                 {"unipolar", PolarityMode::Unipolar}});
  R.field(O, "offset", M.Offset);
  // Columns as [output, sign, shift] triples.
  std::vector<std::vector<int64_t>> Columns;
  R.field(O, "columns", Columns);
  for (size_t I = 0; I < Columns.size(); ++I) {
    const std::vector<int64_t> &C = Columns[I];
    if (C.size() != 3 || C[0] < 0 || C[0] > UINT32_MAX || C[1] < -128 || C[1] > 127 || C[2] < 0 ||
        C[2] > 255)
      return R.fail("columns[" + std::to_string(I) + "]", "must be [output, sign, shift]");
    M.Columns.push_back(
        {static_cast<uint32_t>(C[0]), static_cast<int8_t>(C[1]), static_cast<uint8_t>(C[2])});
  }
  // Blocks as [array, row_offset, col_offset, k_begin, k_count, col_begin, col_count].
  std::vector<std::vector<uint32_t>> Blocks;
  R.field(O, "blocks", Blocks);
  for (size_t I = 0; I < Blocks.size(); ++I) {
    const std::vector<uint32_t> &B = Blocks[I];
    if (B.size() != 7)
      return R.fail("blocks[" + std::to_string(I) + "]",
                    "must be [array, row_offset, col_offset, k_begin, k_count, col_begin, "
                    "col_count]");
    M.Blocks.push_back({B[0], B[1], B[2], B[3], B[4], B[5], B[6], {}});
  }
  R.field(O, "replicas", M.Replicas);
  R.field(O, "bias", M.Bias);
  R.enumeration(O, "requant", M.Requant,
                {{"scale", RequantMode::Scale},
                 {"none", RequantMode::None},
                 {"threshold", RequantMode::Threshold}});
  R.field(O, "multiplier", M.Multiplier);
  R.field(O, "fixed_multiplier", M.FixedMultiplier);
  R.field(O, "fixed_shift", M.FixedShift);
  R.field(O, "out_zero_point", M.OutZeroPoint);
  R.field(O, "clamp_min", M.ClampMin);
  R.field(O, "clamp_max", M.ClampMax);
  if (const llvm::json::Value *V = O.get("threshold"))
    if (const llvm::json::Object *T = R.object(*V, "threshold"))
      readThreshold(R, *T, M.Threshold);
}

void readPool(JsonReader &R, const llvm::json::Object &O, PoolStep &P) {
  R.field(O, "is_max", P.IsMax);
  R.field(O, "global", P.Global);
  R.field(O, "count_include_pad", P.CountIncludePad);
  std::pair<const char *, uint32_t *> U32[] = {
      {"kernel_h", &P.KernelH},  {"kernel_w", &P.KernelW},     {"stride_h", &P.StrideH},
      {"stride_w", &P.StrideW},  {"dilation_h", &P.DilationH}, {"dilation_w", &P.DilationW},
      {"pad_top", &P.PadTop},    {"pad_left", &P.PadLeft},     {"pad_bottom", &P.PadBottom},
      {"pad_right", &P.PadRight}};
  for (auto &[Key, Field] : U32)
    R.field(O, Key, *Field);
  R.field(O, "in_scale", P.InScale);
  R.field(O, "out_scale", P.OutScale);
  R.field(O, "in_zero_point", P.InZeroPoint);
  R.field(O, "out_zero_point", P.OutZeroPoint);
  R.field(O, "clamp_min", P.ClampMin);
  R.field(O, "clamp_max", P.ClampMax);
}

void readCombine(JsonReader &R, const llvm::json::Object &O, CombineStep &C) {
  R.enumeration(O, "op", C.Kind,
                {{"add", CombineStep::Op::Add},
                 {"concat", CombineStep::Op::Concat},
                 {"rescale", CombineStep::Op::Rescale}});
  R.field(O, "axis", C.Axis);
  R.field(O, "in_scale", C.InScale);
  R.field(O, "in_zero_point", C.InZeroPoint);
  R.field(O, "in_fixed_multiplier", C.InFixedMultiplier);
  R.field(O, "in_fixed_shift", C.InFixedShift);
  R.field(O, "out_scale", C.OutScale);
  R.field(O, "out_zero_point", C.OutZeroPoint);
  R.field(O, "clamp_min", C.ClampMin);
  R.field(O, "clamp_max", C.ClampMax);
}

void readStep(JsonReader &R, const llvm::json::Object &O, Step &S) {
  R.enumeration(O, "kind", S.Kind,
                {{"mvm", StepKind::Mvm},
                 {"quantize", StepKind::Quantize},
                 {"dequantize", StepKind::Dequantize},
                 {"pool", StepKind::Pool},
                 {"combine", StepKind::Combine},
                 {"reshape", StepKind::Reshape},
                 {"clamp", StepKind::Clamp},
                 {"slice", StepKind::Slice},
                 {"threshold", StepKind::Threshold},
                 {"host", StepKind::Host}});
  R.field(O, "layer", S.Layer);
  R.field(O, "inputs", S.Inputs);
  R.field(O, "outputs", S.Outputs);
  R.field(O, "tile", S.Tile);
  R.field(O, "start_cycle", S.StartCycle);
  R.field(O, "cycles", S.Cycles);
  switch (S.Kind) {
  case StepKind::Mvm:
    return readMvm(R, O, S.Mvm);
  case StepKind::Quantize:
  case StepKind::Dequantize:
    R.field(O, "scale", S.Quant.Scale);
    R.field(O, "zero_point", S.Quant.ZeroPoint);
    R.field(O, "axis", S.Quant.Axis);
    R.field(O, "block_size", S.Quant.BlockSize);
    return;
  case StepKind::Pool:
    return readPool(R, O, S.Pool);
  case StepKind::Combine:
    return readCombine(R, O, S.Combine);
  case StepKind::Clamp:
    R.field(O, "clamp_min", S.Clamp.ClampMin);
    R.field(O, "clamp_max", S.Clamp.ClampMax);
    return;
  case StepKind::Reshape:
    return;
  case StepKind::Slice:
    R.required(O, "axis", S.Slice.Axis);
    R.required(O, "start", S.Slice.Start);
    R.required(O, "size", S.Slice.Size);
    return;
  case StepKind::Threshold:
    return readThreshold(R, O, S.Threshold);
  case StepKind::Host:
    return readHost(R, O, S.Host);
  }
}

/// Reads a list of objects under \p Key with \p Read.
template <typename T, typename Fn>
void readList(JsonReader &R, const llvm::json::Object &Root, llvm::StringRef Key,
              std::vector<T> &Out, Fn Read) {
  const llvm::json::Value *V = Root.get(Key);
  if (!V)
    return;
  const llvm::json::Array *A = V->getAsArray();
  if (!A)
    return R.fail(Key.str(), "must be a list");
  for (size_t I = 0; I < A->size() && R.Error.empty(); ++I) {
    std::string Path = Key.str() + "[" + std::to_string(I) + "]";
    const llvm::json::Object *O = R.object((*A)[I], Path);
    if (!O)
      return;
    R.Prefix = Path + ".";
    Out.emplace_back();
    Read(*O, Out.back());
    R.Prefix.clear();
  }
}

} // namespace

llvm::Expected<Program> programFromJson(llvm::StringRef Json, llvm::StringRef Source) {
  llvm::Expected<llvm::json::Value> Parsed = parseJson(Json, Source);
  if (!Parsed)
    return Parsed.takeError();
  const llvm::json::Object *Root = Parsed->getAsObject();
  if (!Root)
    return makeError("{}: a program description is a JSON object", Source.str());

  Program P;
  const llvm::json::Value *TargetValue = Root->get("target");
  if (!TargetValue)
    return makeError("{}: 'target' (a preset name or a target object) is required", Source.str());
  llvm::Expected<Target> T =
      TargetValue->getAsString()
          ? loadTarget(*TargetValue->getAsString())
          : parseTarget(llvm::formatv("{0}", *TargetValue).str(), (Source + ": target").str());
  if (!T)
    return T.takeError();
  P.TargetJson = targetToJson(*T);
  P.TargetFingerprint = targetFingerprint(*T);

  JsonReader R(Source.str());
  // A hex string, as 64-bit values do not fit JSON's integers.
  if (const llvm::json::Value *F = Root->get("target_fingerprint"))
    if (!F->getAsString() || F->getAsString()->getAsInteger(0, P.TargetFingerprint))
      R.fail("target_fingerprint", "must be a string such as \"0x1234abcd\"");
  R.field(*Root, "model", P.ModelName);
  R.field(*Root, "chips", P.Chips);
  readList(R, *Root, "tensors", P.Tensors,
           [&](const llvm::json::Object &O, TensorDesc &D) { readTensor(R, O, D); });
  R.field(*Root, "inputs", P.Inputs);
  R.field(*Root, "outputs", P.Outputs);
  readList(R, *Root, "arrays", P.Arrays,
           [&](const llvm::json::Object &O, ArrayImage &A) { readArray(R, O, A, *T); });
  readList(R, *Root, "steps", P.Steps,
           [&](const llvm::json::Object &O, Step &S) { readStep(R, O, S); });
  if (!R.Error.empty())
    return makeError("{}: {}", Source.str(), R.Error);
  return P;
}

} // namespace qnn::image

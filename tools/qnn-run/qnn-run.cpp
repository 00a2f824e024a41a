//===- qnn-run.cpp - Runs an image on the chip model ----------------------===//
//
// Loads (and verifies) an image, reads the inputs (.npy arrays a slab of
// samples at a time), runs them on the chip model and prints or writes the
// outputs.
//
//===----------------------------------------------------------------------===//
#include "ChipOptions/ChipOptions.h"
#include "ChipOptions/HeapReuse.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Runtime/Runtime.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/TensorIO.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"
#include <fmt/format.h>

using namespace llvm;
using namespace qnn;
using namespace qnn::runtime;

static cl::OptionCategory RunCategory("qnn-run options");
static cl::opt<std::string> ImageFile(cl::Positional, cl::desc("<image>"), cl::Required,
                                      cl::cat(RunCategory));
static cl::list<std::string> InputFiles("input",
                                        cl::desc("An input tensor (.npy or TensorProto .pb), "
                                                 "in graph input order or as NAME=FILE"),
                                        cl::value_desc("[name=]file"), cl::cat(RunCategory));
static cl::opt<std::string> OutputDir("output-dir",
                                      cl::desc("Write one <output name> file per output here "
                                               "instead of printing"),
                                      cl::value_desc("dir"), cl::cat(RunCategory));
enum class OutputFormat { Npy, Pb };
static cl::opt<OutputFormat>
    Format("output-format", cl::desc("File format of --output-dir"), cl::init(OutputFormat::Npy),
           cl::values(clEnumValN(OutputFormat::Npy, "npy", "NumPy .npy"),
                      clEnumValN(OutputFormat::Pb, "pb", "ONNX TensorProto .pb")),
           cl::cat(RunCategory));
static cl::list<std::string>
    ExpectedFiles("expected",
                  cl::desc("Compare output NAME with the tensor in FILE and print how they differ"),
                  cl::value_desc("name=file"), cl::cat(RunCategory));
static cl::opt<std::string>
    CalibrationOut("calibration-out",
                   cl::desc("With --calibrate: write the measured calibration (the format of "
                            "--calibration)"),
                   cl::value_desc("file.json"), cl::cat(RunCategory));
static cl::opt<int64_t> MaxDiffSteps(
    "max-diff-steps",
    cl::desc("With --expected: exit 1 when an output differs by more than N quantization steps "
             "(0: bit-exact)"),
    cl::value_desc("N"), cl::init(-1), cl::cat(RunCategory));

static const char *const Tool = "qnn-run";

static cl::opt<int64_t> StreamElements(
    "stream-elements",
    cl::desc("Input elements read and run at a time when the inputs are .npy arrays with the "
             "batch first (bounds memory on large data sets)"),
    cl::value_desc("N"), cl::init(int64_t(1) << 24), cl::cat(RunCategory));

/// The file of each graph input, in Program::Inputs order: NAME=FILE binds
/// by name, the other files fill the rest in order.
static std::vector<std::string> inputFiles(const image::Program &P) {
  std::vector<std::string> Files(P.Inputs.size());
  std::vector<bool> Bound(P.Inputs.size(), false);
  std::vector<std::string> Positional;
  for (const std::string &Arg : InputFiles) {
    auto [Name, File] = StringRef(Arg).split('=');
    auto It = std::find_if(P.Inputs.begin(), P.Inputs.end(),
                           [&, &Name = Name](uint32_t I) { return P.Tensors[I].Name == Name; });
    if (File.empty() || It == P.Inputs.end()) {
      Positional.push_back(Arg);
      continue;
    }
    size_t Index = It - P.Inputs.begin();
    if (Bound[Index])
      reportErrorAndExit(Tool, makeError("input '{}' is given twice", Name.str()));
    Files[Index] = File.str();
    Bound[Index] = true;
  }
  size_t Next = 0;
  for (const std::string &File : Positional) {
    while (Next < Bound.size() && Bound[Next])
      ++Next;
    if (Next == Bound.size())
      reportErrorAndExit(Tool, makeError("too many inputs: the model takes {}, '{}' is one more",
                                         P.Inputs.size(), File));
    Files[Next] = File;
    Bound[Next] = true;
  }
  for (size_t I = 0; I < Bound.size(); ++I)
    if (!Bound[I])
      reportErrorAndExit(Tool, makeError("missing input '{}' (give --input={}=FILE)",
                                         P.Tensors[P.Inputs[I]].Name, P.Tensors[P.Inputs[I]].Name));
  return Files;
}

/// Reads every input whole and runs them at once.
static Expected<std::vector<Tensor>> runWhole(Session &S, const std::vector<std::string> &Files) {
  std::vector<Tensor> Inputs;
  for (const std::string &File : Files) {
    Expected<NamedTensor> T = readTensorFile(File);
    if (!T)
      return T.takeError();
    Inputs.push_back(std::move(T->Value));
  }
  return S.run(Inputs);
}

/// The inputs as .npy arrays read by rows, when every file is one whose
/// rank is its graph input's (the batch first); none otherwise.
static std::optional<std::vector<NpyRows>> openByRows(const image::Program &P,
                                                      const std::vector<std::string> &Files) {
  std::vector<NpyRows> Arrays;
  for (size_t I = 0; I < Files.size(); ++I) {
    if (!sys::path::extension(Files[I]).equals_insensitive(".npy") ||
        P.Tensors[P.Inputs[I]].Dims.empty())
      return std::nullopt;
    Expected<NpyRows> A = NpyRows::open(Files[I]);
    if (!A)
      reportErrorAndExit(Tool, A.takeError());
    if (A->dims().size() != P.Tensors[P.Inputs[I]].Dims.size())
      return std::nullopt;
    Arrays.push_back(std::move(*A));
  }
  return Arrays;
}

/// Runs the inputs StreamElements elements at a time (whole batches of
/// the model), the outputs of the runs appended in order. The chip model's
/// results do not depend on the split (analog read noise is keyed by
/// sample number across runs).
static Expected<std::vector<Tensor>> runByRows(Session &S, const std::vector<NpyRows> &Arrays) {
  const image::Program &P = S.program();
  const int64_t Rows = Arrays[0].rowCount();
  int64_t RowElements = 0;
  for (size_t I = 0; I < Arrays.size(); ++I) {
    if (Arrays[I].rowCount() != Rows)
      return makeError("input '{}' has {} rows, input '{}' {}: give the same number of samples",
                       P.Tensors[P.Inputs[I]].Name, Arrays[I].rowCount(),
                       P.Tensors[P.Inputs[0]].Name, Rows);
    RowElements += Arrays[I].rowElements();
  }
  const int64_t Batch = std::max<int64_t>(1, P.Tensors[P.Inputs[0]].Dims[0]);
  const int64_t PerRun =
      std::max<int64_t>(Batch, StreamElements / std::max<int64_t>(1, RowElements) / Batch * Batch);
  std::vector<TypedTensor> All;
  int64_t First = 0;
  do {
    const int64_t Count = std::min(PerRun, Rows - First);
    std::vector<TypedTensor> Inputs;
    for (const NpyRows &A : Arrays)
      Inputs.push_back(A.rows(First, Count));
    Expected<std::vector<TypedTensor>> Outputs = S.run(Inputs);
    if (!Outputs)
      return Outputs.takeError();
    if (All.empty()) {
      All = std::move(*Outputs);
    } else {
      for (size_t O = 0; O < All.size(); ++O) {
        if (All[O].dims().empty())
          return makeError("output '{}' is a scalar, so the inputs cannot run in pieces; give "
                           "--stream-elements={} or more",
                           P.Tensors[P.Outputs[O]].Name, Rows * RowElements);
        All[O].appendRows((*Outputs)[O]);
      }
    }
    First += Count;
  } while (First < Rows);
  std::vector<Tensor> Results;
  for (const TypedTensor &O : All)
    Results.push_back(O.toTensor());
  return Results;
}

/// Prints "<Label>: <type>[<shape>]" and the values, one innermost row a line.
static void printTensor(raw_ostream &OS, const Twine &Label, const Tensor &T) {
  OS << Label << ": " << dtypeName(T.Type) << "[" << shapeToString(T.Dims) << "]\n";
  // One line per innermost row keeps large outputs readable.
  int64_t Row = T.Dims.empty() ? 1 : std::max<int64_t>(1, T.Dims.back());
  for (int64_t I = 0; I < T.size(); I += Row) {
    OS << " ";
    for (int64_t J = I; J < std::min(I + Row, T.size()); ++J)
      // float32/float16 values print as their shortest float32 spelling.
      OS << ' '
         << (T.Type == DType::F64 ? fmt::format("{}", T.Data[J])
                                  : fmt::format("{}", static_cast<float>(T.Data[J])));
    OS << '\n';
  }
}

static std::string fileNameFor(StringRef Name) {
  std::string Out;
  for (char C : Name)
    Out += isAlnum(C) || C == '-' || C == '_' || C == '.' ? C : '_';
  return Out.empty() ? "output" : Out;
}

/// The value of one quantization step of graph output \p Tensor: 1 for an
/// integer output, the scale of the Dequantize step that produced a float
/// output, 0 when unknown.
static double quantizationStep(const image::Program &P, uint32_t Tensor) {
  if (!isFloat(P.Tensors[Tensor].Type))
    return 1;
  for (const image::Step &S : P.Steps)
    if (S.Kind == image::StepKind::Dequantize && S.Outputs.size() == 1 && S.Outputs[0] == Tensor &&
        S.Quant.Scale.size() == 1)
      return S.Quant.Scale[0];
  return 0;
}

/// Compares each --expected tensor with the output of the same name; returns
/// the largest difference in quantization steps over all of them.
static double compareWithExpected(raw_ostream &OS, const image::Program &P,
                                  const std::vector<Tensor> &Outputs) {
  double WorstSteps = 0;
  for (const std::string &Arg : ExpectedFiles) {
    auto [Name, File] = StringRef(Arg).split('=');
    auto It = std::find_if(P.Outputs.begin(), P.Outputs.end(),
                           [&, &Name = Name](uint32_t I) { return P.Tensors[I].Name == Name; });
    if (File.empty() || It == P.Outputs.end())
      reportErrorAndExit(Tool, makeError("--expected={}: give NAME=FILE with NAME an output of "
                                         "the model",
                                         Arg));
    Expected<NamedTensor> Want = readTensorFile(File);
    if (!Want)
      reportErrorAndExit(Tool, Want.takeError());
    const Tensor &Got = Outputs[It - P.Outputs.begin()];
    if (Got.Dims != Want->Value.Dims)
      reportErrorAndExit(Tool, makeError("--expected={}: output '{}' has shape {}, the expected "
                                         "tensor {}",
                                         Arg, Name.str(), shapeToString(Got.Dims),
                                         shapeToString(Want->Value.Dims)));
    int64_t Equal = 0;
    double MaxDiff = 0;
    for (int64_t I = 0; I < Got.size(); ++I) {
      double Diff = std::abs(Got.Data[I] - Want->Value.Data[I]);
      Equal += Diff == 0;
      MaxDiff = std::max(MaxDiff, Diff);
    }
    double Step = quantizationStep(P, *It);
    double Steps = Step > 0 ? MaxDiff / Step : (MaxDiff > 0 ? INFINITY : 0);
    WorstSteps = std::max(WorstSteps, Steps);
    if (Got.size() <= 64) // small outputs: show the expected values too
      printTensor(OS, "expected '" + Name + "'", Want->Value);
    OS << fmt::format("compared with {}: {} of {} elements equal", File.str(), Equal, Got.size());
    if (MaxDiff > 0)
      OS << fmt::format(", largest difference {} = {:.3g} quantization steps", MaxDiff, Steps);
    OS << '\n';
  }
  return WorstSteps;
}

static void printStats(raw_ostream &OS, const RunStats &S) {
  size_t Width = 5;
  for (const StepStats &St : S.Steps)
    Width = std::max(Width, St.Layer.size());
  OS << fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>12} {:>12} {:>10} {:>12} {:>12}\n", "layer",
                    Width, "samples", "array-phases", "adc-convs", "dac-phases", "nmpu-ops",
                    "cycles", "latency-ns", "energy-pj");
  auto Row = [&](const StepStats &St) {
    if (St.Kind == image::StepKind::Host) {
      // Off the chip: no chip counters, cycles or energy to show.
      OS << fmt::format("{:<{}} {:>8} {:>12} ({} input elements on the host)\n", St.Layer, Width,
                        St.Samples, "host", St.HostElements);
      return;
    }
    OS << fmt::format("{:<{}} {:>8} {:>12} {:>12} {:>12} {:>12} {:>10} {:>12.1f} {:>12.1f}\n",
                      St.Layer, Width, St.Samples, St.ArrayPhases, St.AdcConversions, St.DacPhases,
                      St.NmpuOps, St.Cycles, St.LatencyNs, St.EnergyPj);
  };
  for (const StepStats &St : S.Steps)
    Row(St);
  Row(S.Total);
  if (S.RequantOutputs)
    OS << fmt::format("fixed-point NMPU outputs that differ from fp32: {} of {} ({:.2f}%)\n",
                      S.FixedDiffs, S.RequantOutputs, 100.0 * S.FixedDiffs / S.RequantOutputs);
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  tools::keepFreedMemoryForReuse();
  // LLVM's own hidden -stats (pass statistics) is replaced by the chip's.
  if (cl::Option *LLVMStats = cl::getRegisteredOptions().lookup("stats"))
    LLVMStats->removeArgument();
  cl::opt<bool> PrintStats("stats", cl::desc("Print per-layer statistics"), cl::cat(RunCategory));
  cl::HideUnrelatedOptions({&RunCategory, &tools::chipOptionCategory()});
  cl::ParseCommandLineOptions(argc, argv, "qnn chip model runner\n");

  Expected<image::Program> P = image::readImageFile(ImageFile);
  if (!P)
    reportErrorAndExit(Tool, P.takeError());
  Expected<RunOptions> Options = tools::chipRunOptions(*P, ImageFile);
  if (!Options)
    reportErrorAndExit(Tool, Options.takeError());
  Options->CountFixedDiffs = PrintStats && Options->Nmpu == NmpuMode::Fixed;
  const std::vector<std::string> Files = inputFiles(*P);
  std::optional<std::vector<NpyRows>> ByRows = openByRows(*P, Files);
  if (!CalibrationOut.empty() && !Options->Calibrate)
    reportErrorAndExit(Tool, makeError("--calibration-out writes a measured calibration: add "
                                       "--calibrate"));
  Expected<Session> S = Session::create(std::move(*P), *Options, ImageFile);
  if (!S)
    reportErrorAndExit(Tool, S.takeError());
  if (!CalibrationOut.empty())
    if (Error E = writeCalibrationFile(S->calibration(), CalibrationOut))
      reportErrorAndExit(Tool, std::move(E));
  if (StreamElements < 1)
    reportErrorAndExit(
        Tool, makeError("--stream-elements={} must be at least 1", StreamElements.getValue()));
  Expected<std::vector<Tensor>> Outputs = ByRows ? runByRows(*S, *ByRows) : runWhole(*S, Files);
  if (!Outputs)
    reportErrorAndExit(Tool, addContext(Outputs.takeError(), ImageFile));

  const image::Program &Prog = S->program();
  if (!OutputDir.empty()) {
    if (std::error_code EC = sys::fs::create_directories(OutputDir))
      reportErrorAndExit(Tool, makeError("{}: {}", OutputDir.getValue(), EC.message()));
    for (size_t I = 0; I < Outputs->size(); ++I) {
      const std::string &Name = Prog.Tensors[Prog.Outputs[I]].Name;
      SmallString<256> Path(OutputDir);
      sys::path::append(Path, fileNameFor(Name) + (Format == OutputFormat::Npy ? ".npy" : ".pb"));
      Error E = Format == OutputFormat::Npy ? writeNpyFile((*Outputs)[I], Path)
                                            : writeTensorProtoFile((*Outputs)[I], Name, Path);
      if (E)
        reportErrorAndExit(Tool, std::move(E));
    }
  } else {
    for (size_t I = 0; I < Outputs->size(); ++I)
      printTensor(outs(), "output '" + Prog.Tensors[Prog.Outputs[I]].Name + "'", (*Outputs)[I]);
  }
  double WorstSteps = compareWithExpected(outs(), Prog, *Outputs);
  if (PrintStats)
    printStats(outs(), S->stats());
  // Dequantized outputs are float32 products q * scale, so a difference of
  // exactly N steps reads as N times (1 +- a few ulps): allow that much.
  if (MaxDiffSteps >= 0 && WorstSteps > static_cast<double>(MaxDiffSteps) * (1 + 1e-5))
    reportErrorAndExit(Tool, makeError("outputs differ from --expected by {:.3g} quantization "
                                       "steps, more than --max-diff-steps={}",
                                       WorstSteps, MaxDiffSteps.getValue()));
  return 0;
}

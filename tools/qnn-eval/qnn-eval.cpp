//===- qnn-eval.cpp - Accuracy of an image on a labelled data set ---------===//
//
// qnn-eval IMAGE --data=FILE --labels=FILE [--model=MODEL.onnx] [options]
// qnn-eval --merge RESULTS.json... [--json=FILE] [--plot=FILE.svg]
//
// Runs every image of a data set through the chip model in runs of about 100
// images, and prints the top-1 accuracy. With --model, the reference
// interpreter evaluates the source model on the same inputs (the golden
// model) and the tool also prints its accuracy and on how many images the two
// predictions differ. With --instances or --instance-range it evaluates many
// analog chip instances instead (MonteCarlo.h), and --merge combines the
// results of instance ranges run apart (ResultsJson.h).
//
//===----------------------------------------------------------------------===//
#include "ChipOptions/ChipOptions.h"
#include "ChipOptions/HeapReuse.h"
#include "DataSet.h"
#include "MonteCarlo.h"
#include "Plot.h"
#include "ResultsJson.h"
#include "qnn/Driver/CompilerOptions.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Interp/Interpreter.h"
#include "qnn/Runtime/Runtime.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <chrono>
#include <cmath>
#include <fmt/format.h>
#include <optional>

using namespace llvm;
using namespace qnn;
using namespace qnn::runtime;

static cl::OptionCategory EvalCategory("qnn-eval options");
static cl::list<std::string> Inputs(cl::Positional, cl::desc("<image> | <results.json>..."),
                                    cl::cat(EvalCategory));
static cl::opt<std::string> DataFile("data",
                                     cl::desc("The images: IDX (plain or .gz) or .npy, first "
                                              "dimension = number of images"),
                                     cl::value_desc("file"), cl::cat(EvalCategory));
static cl::opt<std::string> LabelsFile("labels",
                                       cl::desc("The class of each image: IDX (plain or .gz) or "
                                                "integer .npy"),
                                       cl::value_desc("file"), cl::cat(EvalCategory));
static cl::opt<std::string> ModelFile("model",
                                      cl::desc("The source model: also evaluate it with the "
                                               "reference interpreter and compare"),
                                      cl::value_desc("model.onnx"), cl::cat(EvalCategory));
static cl::opt<int64_t> Limit("limit", cl::desc("Evaluate only the first N images (0: all)"),
                              cl::value_desc("N"), cl::init(0), cl::cat(EvalCategory));
static cl::opt<std::string> ScaleOpt("scale",
                                     cl::desc("Multiply every pixel by this (default: 1/255 for "
                                              "uint8 images, 1 otherwise)"),
                                     cl::value_desc("X or A/B"), cl::cat(EvalCategory));
static cl::opt<uint64_t> InstancesOpt("instances",
                                      cl::desc("Evaluate N analog chip instances, of seeds --seed "
                                               "to --seed + N - 1, and summarize their accuracy"),
                                      cl::value_desc("N"), cl::cat(EvalCategory));
static cl::opt<std::string>
    RangeOpt("instance-range",
             cl::desc("Evaluate instances A to B-1 only (seeds --seed + A to --seed + B - 1), to "
                      "spread the instances over machines and --merge their --json results"),
             cl::value_desc("A:B"), cl::cat(EvalCategory));
static cl::opt<std::string> SweepOpt("sweep",
                                     cl::desc("Evaluate the instances at COUNT evenly spaced "
                                              "values of an analog parameter (sigma-read, ...)"),
                                     cl::value_desc("NAME=START:STOP:COUNT"),
                                     cl::cat(EvalCategory));
static cl::opt<std::string> JsonFile("json",
                                     cl::desc("Write the results of the instances as JSON (the "
                                              "input of --merge)"),
                                     cl::value_desc("file"), cl::cat(EvalCategory));
static cl::opt<std::string> PlotFile("plot",
                                     cl::desc("Draw the accuracy of the instances as an SVG chart"),
                                     cl::value_desc("file.svg"), cl::cat(EvalCategory));
static cl::opt<bool> MergeOpt("merge",
                              cl::desc("Merge the --json results given as arguments (instance "
                                       "ranges of one evaluation) and summarize them"),
                              cl::cat(EvalCategory));

static const char *const Tool = "qnn-eval";
/// Images per run() call when the batch is symbolic: large enough to amortize
/// the per-run overhead, small enough to keep the intermediate tensors small.
static constexpr int64_t ImagesPerRun = 100;

/// A pixel scale kept as a fraction, so that 1/255 scales as x / 255 does.
struct Scale {
  double Num = 1, Den = 1;
};

/// Parses --scale: a number or a fraction such as 1/255.
static Expected<Scale> parseScale(StringRef Text) {
  auto [NumText, DenText] = Text.split('/');
  Scale S;
  if (!to_float(NumText.trim(), S.Num) || (!DenText.empty() && !to_float(DenText.trim(), S.Den)) ||
      S.Den == 0 || !std::isfinite(S.Num / S.Den))
    return makeError("--scale={}: expected a number or a fraction such as 1/255", Text.str());
  return S;
}

/// The data set after the checks: images flattened to one row per image.
struct Data {
  Tensor Images;
  std::vector<int64_t> Labels;
  int64_t Count = 0;
  int64_t PerImage = 0; ///< elements of one image
  Scale PixelScale;
};

/// Reads --data and --labels, applies --limit and checks the sizes against
/// the model input's \p PerImage elements.
static Data readData(int64_t PerImage, StringRef InputName, const Shape &InputDims) {
  Data D;
  Expected<Tensor> Images = eval::readDataFile(DataFile);
  if (!Images)
    reportErrorAndExit(Tool, Images.takeError());
  Expected<Tensor> LabelTensor = eval::readDataFile(LabelsFile);
  if (!LabelTensor)
    reportErrorAndExit(Tool, LabelTensor.takeError());
  Expected<std::vector<int64_t>> Labels = eval::labelsFromTensor(*LabelTensor, LabelsFile);
  if (!Labels)
    reportErrorAndExit(Tool, Labels.takeError());
  D.Images = std::move(*Images);
  D.Labels = std::move(*Labels);

  if (D.Images.Dims.size() < 2)
    reportErrorAndExit(Tool, makeError("{}: images must have shape [N,...] with one image per "
                                       "row, not [{}]",
                                       DataFile.getValue(), shapeToString(D.Images.Dims)));
  int64_t Count = D.Images.Dims[0];
  if (Count != static_cast<int64_t>(D.Labels.size()))
    reportErrorAndExit(Tool, makeError("{} has {} images but {} has {} labels; give the labels "
                                       "of these images",
                                       DataFile.getValue(), Count, LabelsFile.getValue(),
                                       D.Labels.size()));
  if (Count == 0)
    reportErrorAndExit(Tool, makeError("{}: the data set has no images", DataFile.getValue()));
  int64_t Size = D.Images.size() / Count;
  if (Size != PerImage)
    reportErrorAndExit(
        Tool, makeError("{}: an image has {} elements ({}) but the model input '{}' ({}) takes {} "
                        "per image",
                        DataFile.getValue(), Size,
                        shapeToString(Shape(D.Images.Dims.begin() + 1, D.Images.Dims.end())),
                        InputName.str(), shapeToString(InputDims), PerImage));
  if (Limit < 0)
    reportErrorAndExit(Tool, makeError("--limit={} must not be negative", Limit.getValue()));
  D.Count = Limit > 0 ? std::min<int64_t>(Limit, Count) : Count;
  D.PerImage = PerImage;

  if (D.Images.Type == DType::U8)
    D.PixelScale.Den = 255;
  if (!ScaleOpt.empty()) {
    Expected<Scale> S = parseScale(ScaleOpt);
    if (!S)
      reportErrorAndExit(Tool, S.takeError());
    D.PixelScale = *S;
  }
  return D;
}

/// Images [First, First + Count) scaled and shaped as an input of type
/// \p Type and per-image dimensions \p Inner.
static Tensor makeBatch(const Data &D, int64_t First, int64_t Count, DType Type,
                        const Shape &Inner) {
  Shape Dims{Count};
  Dims.insert(Dims.end(), Inner.begin(), Inner.end());
  Tensor T(Type, Dims);
  const double *Src = D.Images.Data.data() + First * D.PerImage;
  for (int64_t I = 0; I < T.size(); ++I) {
    double V = Src[I] * D.PixelScale.Num / D.PixelScale.Den;
    T.Data[I] = Type == DType::F32 ? roundToF32(V) : V;
  }
  return T;
}

/// The index of the largest score in each row of \p Out (the first on ties),
/// one row per image; \p Who names the producer in errors.
static Expected<std::vector<int64_t>> argmaxRows(const Tensor &Out, int64_t Count, StringRef Who) {
  int64_t Classes = Out.Dims.empty() ? 0 : Out.Dims.back();
  if (Classes <= 0 || Out.size() != Count * Classes)
    return makeError("{}: the first output has shape [{}], not one row of class scores for each "
                     "of the {} images",
                     Who.str(), shapeToString(Out.Dims), Count);
  std::vector<int64_t> Best(Count);
  for (int64_t I = 0; I < Count; ++I) {
    const double *Row = Out.Data.data() + I * Classes;
    Best[I] = std::max_element(Row, Row + Classes) - Row;
  }
  return Best;
}

/// The predicted class of every image, and the time the evaluations took.
struct Predictions {
  std::vector<int64_t> Best;
  int64_t Classes = 0;
  std::chrono::steady_clock::duration Time{};
};

/// Evaluates the images \p RunSize at a time with \p Eval, which returns the
/// outputs of images [First, First + Count); \p Who names the evaluator.
/// Reports the images done to \p Bar, if any.
static Predictions
predictAll(const Data &D, int64_t RunSize, StringRef Who,
           function_ref<Expected<std::vector<Tensor>>(int64_t First, int64_t Count)> Eval,
           eval::Progress *Bar = nullptr) {
  using Clock = std::chrono::steady_clock;
  Predictions P;
  for (int64_t First = 0; First < D.Count; First += RunSize) {
    int64_t Count = std::min(RunSize, D.Count - First);
    Clock::time_point Start = Clock::now();
    Expected<std::vector<Tensor>> Out = Eval(First, Count);
    if (!Out)
      reportErrorAndExit(Tool, addContext(Out.takeError(), Who));
    P.Time += Clock::now() - Start;
    Expected<std::vector<int64_t>> Best = argmaxRows(Out->front(), Count, Who);
    if (!Best)
      reportErrorAndExit(Tool, Best.takeError());
    P.Best.insert(P.Best.end(), Best->begin(), Best->end());
    P.Classes = Out->front().Dims.back();
    if (Bar)
      Bar->update(First + Count);
  }
  return P;
}

/// The images \p P predicts correctly, once every label is checked to be
/// one of its classes.
static int64_t countCorrect(const Data &D, const Predictions &P) {
  int64_t Correct = 0;
  for (int64_t I = 0; I < D.Count; ++I) {
    int64_t Label = D.Labels[I];
    if (Label < 0 || Label >= P.Classes)
      reportErrorAndExit(Tool, makeError("{}: label {} of image {} is not one of the model's {} "
                                         "classes",
                                         LabelsFile.getValue(), Label, I, P.Classes));
    Correct += P.Best[I] == Label;
  }
  return Correct;
}

/// The graph, and the per-image dimensions and batch size of its input.
struct Reference {
  std::unique_ptr<Graph> G;
  Shape Inner;
  int64_t Batch = -1; ///< -1: symbolic
};

static Reference loadReference(int64_t PerImage) {
  registerAllOps();
  Expected<std::unique_ptr<Graph>> G = loadInputModel(ModelFile);
  if (!G)
    reportErrorAndExit(Tool, G.takeError());
  Reference R;
  R.G = std::move(*G);
  if (R.G->Inputs.size() != 1 || R.G->Outputs.empty())
    reportErrorAndExit(Tool,
                       makeError("{}: the model has {} inputs and {} outputs; qnn-eval "
                                 "needs one input and at least one output",
                                 ModelFile.getValue(), R.G->Inputs.size(), R.G->Outputs.size()));
  const Value &In = *R.G->Inputs[0];
  const Shape &Dims = In.Type.Dims;
  R.Inner.assign(Dims.begin() + std::min<size_t>(1, Dims.size()), Dims.end());
  R.Batch = Dims.empty() ? 1 : Dims[0];
  if (Dims.empty() || R.Batch == 0 || llvm::any_of(R.Inner, [](int64_t D) { return D <= 0; }) ||
      numElements(R.Inner) != PerImage)
    reportErrorAndExit(Tool,
                       makeError("{}: input '{}' has shape [{}], not the {} elements per "
                                 "image of the compiled image's input (fix its dimensions "
                                 "with --shape)",
                                 ModelFile.getValue(), In.Name, shapeToString(Dims), PerImage));
  return R;
}

static std::string percent(int64_t Correct, int64_t Count) {
  return fmt::format("{:.2f} %", 100.0 * Correct / Count);
}

static double seconds(std::chrono::steady_clock::duration T) {
  return std::chrono::duration<double>(T).count();
}

/// How the chip takes the images: the input's type and per-image
/// dimensions, and the images per run.
struct ChipInput {
  DType Type;
  Shape Inner;
  int64_t Run = 0;
};

static Predictions predictChip(Session &S, const Data &D, const ChipInput &In,
                               eval::Progress *Bar = nullptr) {
  return predictAll(
      D, In.Run, Inputs.front(),
      [&](int64_t First, int64_t Count) {
        return S.run({makeBatch(D, First, Count, In.Type, In.Inner)});
      },
      Bar);
}

static Predictions predictReference(const Reference &Ref, const Data &D,
                                    eval::Progress *Bar = nullptr) {
  // A fixed-batch graph evaluates exactly one batch at a time.
  int64_t RefRun = Ref.Batch > 0 ? Ref.Batch : ImagesPerRun;
  return predictAll(
      D, RefRun, ModelFile,
      [&](int64_t First, int64_t Count) {
        return evaluateGraph(*Ref.G,
                             {makeBatch(D, First, Count, Ref.G->Inputs[0]->Type.Elem, Ref.Inner)});
      },
      Bar);
}

/// Whether the command line asks for many chip instances.
static bool monteCarlo() {
  return InstancesOpt.getNumOccurrences() || RangeOpt.getNumOccurrences();
}

/// Writes --json and --plot, each whole or not at all.
static void writeResultOutputs(const eval::Results &R) {
  if (!JsonFile.empty())
    if (Error E = eval::writeResultsFile(JsonFile, R))
      reportErrorAndExit(Tool, std::move(E));
  if (!PlotFile.empty())
    if (Error E = writeOutputFile(PlotFile, eval::plotSvg(R)))
      reportErrorAndExit(Tool, std::move(E));
}

/// qnn-eval --merge: reads results files and prints and writes their union.
static int mergeMain() {
  for (const auto &Entry : cl::getRegisteredOptions()) {
    cl::Option *O = Entry.second;
    bool Evaluates = is_contained(O->Categories, &EvalCategory) ||
                     is_contained(O->Categories, &tools::chipOptionCategory());
    if (Evaluates && O->getNumOccurrences() && O != &MergeOpt && O != &JsonFile && O != &PlotFile)
      reportErrorAndExit(Tool, makeError("--merge combines results files and evaluates nothing: "
                                         "--{} does not apply (the files hold the settings)",
                                         O->ArgStr.str()));
  }
  if (Inputs.empty())
    reportErrorAndExit(Tool, makeError("--merge needs the results files of qnn-eval --json"));
  std::vector<eval::Results> Parts;
  for (const std::string &Path : Inputs) {
    Expected<eval::Results> R = eval::readResultsFile(Path);
    if (!R)
      reportErrorAndExit(Tool, R.takeError());
    Parts.push_back(std::move(*R));
  }
  Expected<eval::Results> Merged = eval::mergeResults(Parts, Inputs);
  if (!Merged)
    reportErrorAndExit(Tool, Merged.takeError());
  eval::printResults(outs(), *Merged);
  writeResultOutputs(*Merged);
  return 0;
}

/// Identifies an input file for the results, or exits.
static eval::FileId identify(StringRef Path) {
  Expected<eval::FileId> F = eval::identifyFile(Path);
  if (!F)
    reportErrorAndExit(Tool, F.takeError());
  return std::move(*F);
}

/// The settings of a Monte-Carlo run, the reference's accuracy to come.
static eval::Settings describeRun(const Target &T, const eval::MonteCarloPlan &Plan,
                                  const Data &D) {
  eval::Settings S;
  S.Image = identify(Inputs.front());
  if (!ModelFile.empty())
    S.Model = identify(ModelFile);
  S.Images = identify(DataFile);
  S.Labels = identify(LabelsFile);
  S.Count = D.Count;
  S.Scale = D.PixelScale.Num / D.PixelScale.Den;
  S.Target = T.Name;
  S.Nmpu = tools::nmpuName(Plan.Base.Nmpu).str();
  if (!Plan.Base.CalibrationFile.empty())
    S.Calibration = identify(Plan.Base.CalibrationFile);
  S.Seed = Plan.Base.Seed;
  for (const auto &[Name, Value] : tools::analogParameters(*Plan.Base.AnalogOverride))
    S.Analog.emplace_back(Name.str(), Value);
  S.Swept = Plan.Swept;
  return S;
}

/// --instances / --instance-range: the reference once (the model, or the
/// ideal chip \p Ideal, which computes what the model does), then a new
/// session of \p Program per instance.
static int evaluateInstances(const image::Program &Program, Session &Ideal,
                             const eval::MonteCarloPlan &Plan, const Data &D, const ChipInput &In,
                             const std::optional<Reference> &Ref) {
  eval::Results R;
  R.S = describeRun(Ideal.target(), Plan, D);
  size_t Points = Plan.Swept ? Plan.Swept->Count : 1;
  eval::Progress Bar(1 + int64_t(Points * (Plan.Range.End - Plan.Range.Begin)), D.Count);
  Bar.start("reference");
  Predictions Golden = Ref ? predictReference(*Ref, D, &Bar) : predictChip(Ideal, D, In, &Bar);
  R.S.ReferenceCorrect = countCorrect(D, Golden);
  Bar.clear();
  eval::printReference(outs(), R.S);
  std::chrono::steady_clock::duration ChipTime{};
  auto Evaluate = [&](const RunOptions &Options, eval::Progress &B) -> Expected<int64_t> {
    Expected<Session> S = Session::create(Program, Options, Inputs.front());
    if (!S)
      return S.takeError();
    Predictions Chip = predictChip(*S, D, In, &B);
    ChipTime += Chip.Time;
    return countCorrect(D, Chip);
  };
  if (Error E = eval::runMonteCarlo(Plan, R, Evaluate, Bar, outs()))
    reportErrorAndExit(Tool, std::move(E));
  writeResultOutputs(R);
  outs() << fmt::format("wall time: chip {:.2f} s, reference {:.2f} s\n", seconds(ChipTime),
                        seconds(Golden.Time));
  return 0;
}

/// The checks of the command line that cl::opt does not make.
static void checkEvaluationOptions() {
  if (Inputs.size() != 1)
    reportErrorAndExit(Tool,
                       makeError("give one image to evaluate{}; to merge results files of "
                                 "--json, add --merge",
                                 Inputs.empty() ? "" : fmt::format(", not {}", Inputs.size())));
  for (cl::opt<std::string> *O : {&DataFile, &LabelsFile})
    if (O->empty())
      reportErrorAndExit(
          Tool, makeError("--{} is missing: {}", O->ArgStr.str(),
                          O == &DataFile ? "the images to evaluate" : "the class of each image"));
  if (!monteCarlo())
    for (cl::opt<std::string> *O : {&SweepOpt, &JsonFile, &PlotFile})
      if (O->getNumOccurrences())
        reportErrorAndExit(Tool, makeError("--{} needs many chip instances: add --instances=N (or "
                                           "--instance-range=A:B) and --mode=analog",
                                           O->ArgStr.str()));
}

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  tools::keepFreedMemoryForReuse();
  cl::HideUnrelatedOptions({&EvalCategory, &tools::chipOptionCategory()});
  // --shape and --bind shape the --model import as they do in qnnc.
  for (const char *Name : {"shape", "bind"})
    if (cl::Option *O = cl::getRegisteredOptions().lookup(Name))
      O->setHiddenFlag(cl::NotHidden);
  cl::ParseCommandLineOptions(argc, argv, "qnn-eval: accuracy of an image on a data set\n");
  if (MergeOpt)
    return mergeMain();
  checkEvaluationOptions();
  const std::string &ImageFile = Inputs.front();

  Expected<image::Program> Image = image::readImageFile(ImageFile);
  if (!Image)
    reportErrorAndExit(Tool, Image.takeError());
  Expected<RunOptions> Options = tools::chipRunOptions(*Image, ImageFile);
  if (!Options)
    reportErrorAndExit(Tool, Options.takeError());
  // Many instances: this session is the ideal chip (the reference without
  // --model), and each instance gets a session of a copy of the program.
  RunOptions SessionOptions = *Options;
  if (monteCarlo()) {
    SessionOptions.Analog = false;
    SessionOptions.AnalogOverride.reset();
    SessionOptions.CalibrationFile.clear(); // it corrects analog errors the ideal chip has not
  }
  Expected<Session> S = Session::create(monteCarlo() ? image::Program(*Image) : std::move(*Image),
                                        SessionOptions, ImageFile);
  if (!S)
    reportErrorAndExit(Tool, S.takeError());
  std::optional<eval::MonteCarloPlan> Plan;
  if (monteCarlo()) {
    Expected<eval::MonteCarloPlan> Planned = eval::planMonteCarlo(
        InstancesOpt.getNumOccurrences() ? std::optional<uint64_t>(InstancesOpt) : std::nullopt,
        RangeOpt, SweepOpt, *Options, S->target().Analog);
    if (!Planned)
      reportErrorAndExit(Tool, Planned.takeError());
    Plan = std::move(*Planned);
  }
  const image::Program &P = S->program();
  if (P.Inputs.size() != 1 || P.Outputs.empty())
    reportErrorAndExit(Tool, makeError("{}: the image has {} inputs and {} outputs; qnn-eval "
                                       "needs one input and at least one output",
                                       ImageFile, P.Inputs.size(), P.Outputs.size()));
  const image::TensorDesc &In = P.Tensors[P.Inputs[0]];
  if (In.Dims.empty())
    reportErrorAndExit(
        Tool, makeError("{}: input '{}' is a scalar, not a batch of images", ImageFile, In.Name));
  int64_t Batch = In.Dims[0];
  ChipInput Chip{In.Type, Shape(In.Dims.begin() + 1, In.Dims.end())};
  if (llvm::any_of(Chip.Inner, [](int64_t D) { return D <= 0; }))
    reportErrorAndExit(Tool, makeError("{}: input '{}' has shape [{}]; only its first (batch) "
                                       "dimension may be symbolic",
                                       ImageFile, In.Name, shapeToString(In.Dims)));

  Data D = readData(numElements(Chip.Inner), In.Name, In.Dims);
  // A fixed batch B runs any multiple of B; a symbolic batch runs any count.
  // The chip model splits a run into chunks for its threads (and bounds
  // their memory), so it takes up to 2^24 input elements per run.
  int64_t ChipRun = std::clamp<int64_t>((int64_t(1) << 24) / std::max<int64_t>(1, D.PerImage),
                                        ImagesPerRun, 16 * ImagesPerRun);
  Chip.Run = Batch < 0 ? ChipRun : Batch * std::max<int64_t>(1, ChipRun / Batch);
  if (Batch > 0 && D.Count % Batch)
    reportErrorAndExit(Tool, makeError("{}: {} images do not fill whole batches of {}, the "
                                       "image's batch size; use --limit with a multiple of {}",
                                       DataFile.getValue(), D.Count, Batch, Batch));
  std::optional<Reference> Ref;
  if (!ModelFile.empty()) {
    Ref = loadReference(D.PerImage);
    if (Ref->Batch > 0 && D.Count % Ref->Batch)
      reportErrorAndExit(Tool, makeError("{}: {} images do not fill whole batches of {}, the "
                                         "model's batch size; use --limit with a multiple of {}",
                                         ModelFile.getValue(), D.Count, Ref->Batch, Ref->Batch));
  }

  outs() << fmt::format("evaluating {} images of {} ({} elements each, scale {:.6g})\n", D.Count,
                        DataFile.getValue(), D.PerImage, D.PixelScale.Num / D.PixelScale.Den);
  if (Plan)
    return evaluateInstances(*Image, *S, *Plan, D, Chip, Ref);
  Predictions ChipPredictions = predictChip(*S, D, Chip);
  int64_t ChipCorrect = countCorrect(D, ChipPredictions), RefCorrect = 0, Differ = 0;
  Predictions Golden;
  if (Ref) {
    Golden = predictReference(*Ref, D);
    for (int64_t I = 0; I < D.Count; ++I) {
      RefCorrect += Golden.Best[I] == D.Labels[I];
      Differ += Golden.Best[I] != ChipPredictions.Best[I];
    }
  }

  outs() << fmt::format("chip ({}): {}/{} = {}", tools::chipDescription(), ChipCorrect, D.Count,
                        percent(ChipCorrect, D.Count));
  if (Ref)
    outs() << fmt::format("   reference: {}   predictions differ on {} images",
                          percent(RefCorrect, D.Count), Differ);
  outs() << fmt::format("\nwall time: chip {:.2f} s", seconds(ChipPredictions.Time));
  if (Ref)
    outs() << fmt::format(", reference {:.2f} s", seconds(Golden.Time));
  outs() << '\n';
  return 0;
}

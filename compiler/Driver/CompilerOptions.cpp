//===- CompilerOptions.cpp - Options shared by qnnc and qnn-opt ----------===//
#include "qnn/Driver/CompilerOptions.h"
#include "qnn/IR/Parser.h"
#include "qnn/Import/OnnxImporter.h"
#include "qnn/Support/Diagnostics.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

using namespace llvm;

namespace qnn {

cl::OptionCategory &compilerOptionCategory() {
  static cl::OptionCategory Category("Compiler options");
  return Category;
}

namespace {
cl::list<std::string>
    Bindings("bind", cl::desc("Bind graph input NAME to the tensor in FILE (.pb or .npy)"),
             cl::value_desc("NAME=FILE"), cl::cat(compilerOptionCategory()));
cl::list<std::string> Shapes("shape",
                             cl::desc("Give the sizes of input NAME's symbolic dimensions"),
                             cl::value_desc("NAME=D0,D1,..."), cl::cat(compilerOptionCategory()));
cl::opt<std::string> TargetName("target", cl::desc("Target preset name or target description file"),
                                cl::value_desc("PRESET|FILE.json"),
                                cl::cat(compilerOptionCategory()));
cl::list<std::string> PassOptions("pass-option",
                                  cl::desc("Option for the mapping passes (see docs/passes.md)"),
                                  cl::value_desc("KEY=VALUE"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> Polarity(
    "polarity",
    cl::desc("Weight polarity mode for every layer (default: per layer, by --polarity-objective)"),
    cl::value_desc("differential|offset|unipolar"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> PolarityObjective(
    "polarity-objective",
    cl::desc("What the default polarity choice minimizes: accuracy (the analog error, default) "
             "or area (cells)"),
    cl::value_desc("accuracy|area"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> Readout("readout", cl::desc("Row limit policy: exact (default) or lossy"),
                             cl::value_desc("exact|lossy"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> CalibrationData(
    "calibration-data",
    cl::desc("Model inputs [N, ...] (.npy or .pb) whose column sums set the read-out ranges "
             "(read-ranges pass)"),
    cl::value_desc("FILE"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> RangePercentile(
    "range-percentile",
    cl::desc("With --calibration-data: the share of observed reads, in percent, that a read-out "
             "range must hold without clipping (default 99.99)"),
    cl::value_desc("P"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> Chips("chips",
                           cl::desc("Chips to map the model onto: N, or auto for the fewest that "
                                    "hold it (default 1)"),
                           cl::value_desc("N|auto"), cl::cat(compilerOptionCategory()));
cl::opt<std::string> Replication(
    "replication",
    cl::desc("Fraction of the spare arrays that copies of the slowest layers may use, 0..1 "
             "(default 0: no copies)"),
    cl::value_desc("F"), cl::cat(compilerOptionCategory()));
cl::opt<unsigned> Neurons("neurons",
                          cl::desc("Neurons (read-out circuits) per array, overriding the "
                                   "target's: node sharing"),
                          cl::value_desc("N"), cl::cat(compilerOptionCategory()));
cl::list<std::string> PrintAfter("print-after", cl::desc("Print the IR after the named pass"),
                                 cl::value_desc("PASS"), cl::CommaSeparated,
                                 cl::cat(compilerOptionCategory()));
cl::opt<bool> PrintAfterAll("print-after-all", cl::desc("Print the IR after every pass"),
                            cl::cat(compilerOptionCategory()));
} // namespace

Expected<std::unique_ptr<Graph>> loadInputModel(StringRef Path) {
  StringRef Ext = sys::path::extension(Path);
  if (Ext == ".onnx" || Ext == ".onnxtext") {
    ImportOptions Opts;
    for (const std::string &B : Bindings)
      if (Error E = addBindingOption(Opts, B))
        return E;
    for (const std::string &S : Shapes)
      if (Error E = addShapeOption(Opts, S))
        return E;
    if (Ext == ".onnx")
      return importOnnxFile(Path, Opts);
    auto Buf = MemoryBuffer::getFileOrSTDIN(Path);
    if (!Buf)
      return makeError("{}: {}", Path.str(), Buf.getError().message());
    return importOnnxText((*Buf)->getBuffer(), Path, Opts);
  }
  if (!Bindings.empty() || !Shapes.empty())
    return makeError("--bind and --shape apply to ONNX models (.onnx, .onnxtext), not to '{}'",
                     Path.str());
  auto Buf = MemoryBuffer::getFileOrSTDIN(Path);
  if (!Buf)
    return makeError("{}: {}", Path.str(), Buf.getError().message());
  return parseGraph((*Buf)->getBuffer(), Path == "-" ? "<stdin>" : Path);
}

Expected<PassContext> makePassContext(StringRef SourceName) {
  PassContext Ctx;
  Ctx.SourceName = SourceName.str();
  if (!TargetName.empty()) {
    Expected<Target> T = loadTarget(TargetName);
    if (!T)
      return T.takeError();
    Ctx.TargetDesc = std::move(*T);
  }
  if (Neurons.getNumOccurrences()) {
    if (!Ctx.TargetDesc)
      return makeError("--neurons needs a target (--target=PRESET|FILE.json)");
    if (Error E = setNeurons(*Ctx.TargetDesc, Neurons))
      return E;
  }
  // The keys the mapping passes read (docs/passes.md); the passes check the
  // values. A misspelt key would otherwise be ignored without a word.
  static const StringRef KnownKeys[] = {"polarity",        "polarity-objective", "readout",
                                        "chips",           "replication",        "calibration-data",
                                        "range-percentile"};
  auto Set = [&](StringRef Key, StringRef Value) -> Error {
    if (!is_contained(KnownKeys, Key))
      return makeError("--pass-option: unknown key '{}' (keys: {})", Key.str(),
                       join(std::begin(KnownKeys), std::end(KnownKeys), ", "));
    if (!Ctx.Options.try_emplace(Key, Value.str()).second)
      return makeError("--pass-option: '{}' is given twice", Key.str());
    return Error::success();
  };
  for (const std::string &Opt : PassOptions) {
    auto [Key, Value] = StringRef(Opt).split('=');
    if (Key.empty() || Value.empty())
      return makeError("--pass-option expects KEY=VALUE, got '{}'", Opt);
    if (Error E = Set(Key, Value))
      return E;
  }
  // Each shorthand option sets the pass option of its own name.
  for (cl::opt<std::string> *Shorthand : {&Polarity, &PolarityObjective, &Readout, &Chips,
                                          &CalibrationData, &RangePercentile, &Replication})
    if (!Shorthand->empty())
      if (Error E = Set(Shorthand->ArgStr, *Shorthand))
        return E;
  return Ctx;
}

PassManagerOptions passManagerOptions() {
  PassManagerOptions Opts;
  Opts.PrintAfterAll = PrintAfterAll;
  Opts.PrintAfter.insert(PrintAfter.begin(), PrintAfter.end());
  return Opts;
}

} // namespace qnn

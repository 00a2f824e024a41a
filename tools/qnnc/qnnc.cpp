//===- qnnc.cpp - The qnn compiler driver ----------------------------------===//
//
// qnnc MODEL --target=PRESET|FILE.json -o IMAGE
//
// Imports a quantized ONNX model, runs the whole pass pipeline for the target
// and writes the flash-programming image. --emit stops at a stage and prints
// it instead.
//
//===----------------------------------------------------------------------===//
#include "qnn/Driver/CompilerOptions.h"
#include "qnn/Driver/Tradeoff.h"
#include "qnn/Emit/Emit.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Image/ImageWriter.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/JSON.h"

using namespace llvm;
using namespace qnn;

namespace {

enum class EmitKind {
  Image,
  Import,
  Canonical,
  Mvm,
  Mapped,
  Report,
  ReportJson,
  Trace,
  Floorplan,
  Tradeoff
};

cl::OptionCategory QnncCategory("qnnc options");
cl::opt<std::string> InputFile(cl::Positional, cl::desc("<model .onnx|.onnxtext|.qnn>"),
                               cl::Required, cl::cat(QnncCategory));
cl::opt<std::string> OutputFile("o", cl::desc("Output image (or text with --emit)"),
                                cl::value_desc("FILE"), cl::cat(QnncCategory));
cl::opt<EmitKind> Emit(
    "emit", cl::desc("What to produce"), cl::init(EmitKind::Image),
    cl::values(clEnumValN(EmitKind::Image, "image", "the flash-programming image (default)"),
               clEnumValN(EmitKind::Import, "import", "IR as imported from ONNX"),
               clEnumValN(EmitKind::Canonical, "canonical", "IR after legalize-quant"),
               clEnumValN(EmitKind::Mvm, "mvm", "IR after lower-to-mvm"),
               clEnumValN(EmitKind::Mapped, "mapped", "IR after the whole pipeline"),
               clEnumValN(EmitKind::Report, "report", "the mapping report"),
               clEnumValN(EmitKind::ReportJson, "report-json", "the mapping report in JSON"),
               clEnumValN(EmitKind::Trace, "trace",
                          "the pipelined schedule as a Chrome trace (chrome://tracing, Perfetto)"),
               clEnumValN(EmitKind::Floorplan, "floorplan",
                          "an SVG of chips, tiles and arrays, blocks coloured by layer"),
               clEnumValN(EmitKind::Tradeoff, "tradeoff",
                          "latency, throughput, energy and area over node sharing and "
                          "replication")),
    cl::cat(QnncCategory));
cl::opt<unsigned> TraceImages("trace-images",
                              cl::desc("Images in flight shown by --emit=trace (default 4)"),
                              cl::init(4), cl::cat(QnncCategory));
cl::list<unsigned> TradeoffNeurons("tradeoff-neurons",
                                   cl::desc("Neurons per array --emit=tradeoff tries (default: "
                                            "half, the target's, double)"),
                                   cl::CommaSeparated, cl::cat(QnncCategory));
cl::list<double> TradeoffReplication("tradeoff-replication",
                                     cl::desc("Replication budgets --emit=tradeoff tries (default: "
                                              "0,0.25,0.5,1)"),
                                     cl::CommaSeparated, cl::cat(QnncCategory));

/// The last pass an --emit stage needs.
StringRef lastPassFor(EmitKind K) {
  switch (K) {
  case EmitKind::Import:
  case EmitKind::Tradeoff: // compiles once per point itself
    return "";
  case EmitKind::Canonical:
    return "legalize-quant";
  case EmitKind::Mvm:
    return "lower-to-mvm";
  default:
    return "schedule";
  }
}

constexpr StringRef Tool = "qnnc";

} // namespace

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  cl::HideUnrelatedOptions({&QnncCategory, &compilerOptionCategory()});
  cl::ParseCommandLineOptions(
      argc, argv, "qnnc: compile a quantized ONNX model for a compute-in-memory chip\n");
  registerAllOps();
  if (Emit == EmitKind::Image && OutputFile.empty())
    reportErrorAndExit(Tool, makeError("no output file: give -o IMAGE (or --emit=report to print "
                                       "the mapping without writing an image)"));

  Expected<PassContext> Ctx = makePassContext(InputFile);
  if (!Ctx)
    reportErrorAndExit(Tool, Ctx.takeError());
  if (!Ctx->TargetDesc && Emit != EmitKind::Import && Emit != EmitKind::Canonical)
    reportErrorAndExit(Tool, makeError("no target: give --target=PRESET|FILE.json (presets are in "
                                       "{})",
                                       presetDirectory()));

  Expected<std::unique_ptr<Graph>> G = loadInputModel(InputFile);
  if (!G)
    reportErrorAndExit(Tool, G.takeError());
  if (Error E = verifyGraph(**G))
    reportErrorAndExit(Tool, addContext(std::move(E), InputFile + ": invalid IR"));

  PassManagerOptions PMOpts = passManagerOptions();
  PMOpts.PrintStream = &errs();
  PassManager PM(PMOpts);
  StringRef Last = lastPassFor(Emit);
  if (!Last.empty())
    for (const std::string &Name : defaultPipeline()) {
      if (Error E = PM.addPass(Name))
        reportErrorAndExit(Tool, std::move(E));
      if (Name == Last)
        break;
    }
  if (Error E = PM.run(**G, *Ctx))
    reportErrorAndExit(Tool, addContext(std::move(E), InputFile));

  if (Emit == EmitKind::Image) {
    Expected<image::Program> P = emitProgram(**G, *Ctx->TargetDesc);
    if (!P)
      reportErrorAndExit(Tool, addContext(P.takeError(), InputFile));
    if (Error E = image::writeImageFile(*P, OutputFile))
      reportErrorAndExit(Tool, std::move(E));
    return 0;
  }

  std::string Text;
  raw_string_ostream OS(Text);
  if (Emit == EmitKind::Report) {
    printMappingReport(**G, *Ctx->TargetDesc, OS);
  } else if (Emit == EmitKind::ReportJson) {
    OS << formatv("{0:2}", mappingReportJson(**G, *Ctx->TargetDesc)) << '\n';
  } else if (Emit == EmitKind::Trace) {
    if (TraceImages < 1 || TraceImages > 1000)
      reportErrorAndExit(Tool, makeError("--trace-images={} is out of range: give 1 .. 1000",
                                         TraceImages.getValue()));
    Expected<json::Value> Trace = pipelineTraceJson(**G, *Ctx->TargetDesc, TraceImages);
    if (!Trace)
      reportErrorAndExit(Tool, addContext(Trace.takeError(), InputFile));
    OS << formatv("{0}", *Trace) << '\n';
  } else if (Emit == EmitKind::Tradeoff) {
    TradeoffAxes Axes;
    Axes.Neurons.assign(TradeoffNeurons.begin(), TradeoffNeurons.end());
    for (double B : TradeoffReplication) {
      if (!(B >= 0 && B <= 1))
        reportErrorAndExit(Tool, makeError("--tradeoff-replication: {} is not a fraction from 0 "
                                           "to 1",
                                           B));
      Axes.Replication.push_back(B);
    }
    if (Error E = printTradeoff([] { return loadInputModel(InputFile); }, *Ctx, Axes, OS))
      reportErrorAndExit(Tool, addContext(std::move(E), InputFile));
  } else if (Emit == EmitKind::Floorplan) {
    if (Error E = printFloorplanSvg(**G, *Ctx->TargetDesc, OS))
      reportErrorAndExit(Tool, addContext(std::move(E), InputFile));
  } else {
    printGraph(**G, OS);
  }
  if (Error E = writeOutputFile(OutputFile.empty() ? "-" : OutputFile.getValue(), OS.str()))
    reportErrorAndExit(Tool, std::move(E));
  return 0;
}

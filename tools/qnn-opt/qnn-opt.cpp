//===- qnn-opt.cpp - Runs named passes and prints the IR ------------------===//
//
// qnn-opt MODEL [--passes=a,b,...] [--target=...] [-o FILE]
//
// Reads text IR or an ONNX model, runs the named passes (verifying after
// each), and prints the resulting IR. The tool behind the lit tests of every
// pass.
//
//===----------------------------------------------------------------------===//
#include "qnn/Driver/CompilerOptions.h"
#include "qnn/IR/OpRegistry.h"
#include "qnn/IR/Printer.h"
#include "qnn/IR/Verifier.h"
#include "qnn/Pass/PassManager.h"
#include "qnn/Support/Diagnostics.h"
#include "qnn/Support/OutputFile.h"
#include "llvm/Support/InitLLVM.h"

using namespace llvm;
using namespace qnn;

static cl::OptionCategory OptCategory("qnn-opt options");
static cl::opt<std::string> InputFile(cl::Positional, cl::desc("<model .qnn|.onnx|.onnxtext>"),
                                      cl::init("-"), cl::cat(OptCategory));
static cl::opt<std::string> OutputFile("o", cl::desc("Output file (default: stdout)"),
                                       cl::value_desc("FILE"), cl::init("-"), cl::cat(OptCategory));
static cl::list<std::string> Passes("passes", cl::desc("Passes to run, in order"),
                                    cl::value_desc("PASS,..."), cl::CommaSeparated,
                                    cl::cat(OptCategory));
static cl::opt<bool> DefaultPipeline("default-pipeline",
                                     cl::desc("Run qnnc's whole pass pipeline"),
                                     cl::cat(OptCategory));
static cl::opt<bool> ListPasses("list-passes", cl::desc("List the registered passes and exit"),
                                cl::cat(OptCategory));
static cl::opt<int64_t> ElideAbove("elide-constants",
                                   cl::desc("Print constants with more than N elements as "
                                            "dense<elided> (the output no longer parses)"),
                                   cl::value_desc("N"), cl::init(-1), cl::cat(OptCategory));

int main(int argc, char **argv) {
  InitLLVM X(argc, argv);
  cl::HideUnrelatedOptions({&OptCategory, &compilerOptionCategory()});
  cl::ParseCommandLineOptions(argc, argv, "qnn-opt: run qnn passes on a model and print the IR\n");
  constexpr StringRef Tool = "qnn-opt";
  if (ListPasses) {
    for (const PassInfo &Info : registeredPasses())
      outs() << Info.Name << " - " << Info.Description << '\n';
    return 0;
  }
  registerAllOps();

  Expected<std::unique_ptr<Graph>> G = loadInputModel(InputFile);
  if (!G)
    reportErrorAndExit(Tool, G.takeError());
  if (Error E = verifyGraph(**G))
    reportErrorAndExit(Tool, addContext(std::move(E), InputFile + ": invalid IR"));

  Expected<PassContext> Ctx = makePassContext(InputFile);
  if (!Ctx)
    reportErrorAndExit(Tool, Ctx.takeError());
  PassManagerOptions PMOpts = passManagerOptions();
  for (const std::string &Name : PMOpts.PrintAfter)
    if (!createPass(Name))
      reportErrorAndExit(Tool, makeError("--print-after names unknown pass '{}'", Name));
  PassManager PM(PMOpts);
  std::vector<std::string> Pipeline(Passes.begin(), Passes.end());
  if (DefaultPipeline)
    Pipeline = defaultPipeline();
  for (const std::string &Name : Pipeline)
    if (Error E = PM.addPass(Name))
      reportErrorAndExit(Tool, std::move(E));
  if (Error E = PM.run(**G, *Ctx))
    reportErrorAndExit(Tool, addContext(std::move(E), InputFile));

  PrintOptions PO;
  PO.ElideConstantsAbove = ElideAbove;
  if (Error E = writeOutputFile(OutputFile, graphToString(**G, PO)))
    reportErrorAndExit(Tool, std::move(E));
  return 0;
}

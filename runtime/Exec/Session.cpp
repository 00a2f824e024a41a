//===- Session.cpp - Loads an image and executes its steps ----------------===//
#include "Kernels.h"
#include "qnn/Image/ImageReader.h"
#include "qnn/Runtime/ImageLayout.h"
#include "qnn/Runtime/ParallelFor.h"
#include "qnn/Runtime/Runtime.h"
#include "qnn/Support/Diagnostics.h"
#include <thread>

namespace qnn::runtime {

using namespace qnn::image;

struct Session::State {
  Program P;
  Target T;
  RunOptions Options;
  std::unique_ptr<ChipModel> Chip;
  Calibration Cal;
  RunStats Stats;
  std::vector<int64_t> ProducerTile; ///< per tensor; -1 for graph inputs
  /// Samples of a symbolic batch run together (1: one at a time).
  int64_t StackedSamples = 1;
  /// Samples of the runs so far: the next run's first sample number.
  uint64_t SamplesRun = 0;
};

Session::Session(std::unique_ptr<State> S) : S(std::move(S)) {}
Session::Session(Session &&) = default;
Session &Session::operator=(Session &&) = default;
Session::~Session() = default;

const Program &Session::program() const { return S->P; }
const Target &Session::target() const { return S->T; }
const RunStats &Session::stats() const { return S->Stats; }
const Calibration &Session::calibration() const { return S->Cal; }

namespace {

std::string tensorName(const Program &P, uint32_t I) {
  return P.Tensors[I].Name.empty() ? "#" + std::to_string(I) : P.Tensors[I].Name;
}

/// Every step reads tensors that exist by then, every graph output is made.
llvm::Error checkDataflow(const Program &P, llvm::StringRef Name,
                          std::vector<int64_t> &ProducerTile) {
  std::vector<bool> Defined(P.Tensors.size(), false);
  ProducerTile.assign(P.Tensors.size(), -1);
  for (uint32_t I : P.Inputs)
    Defined[I] = true;
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    const Step &St = P.Steps[I];
    for (uint32_t In : St.Inputs)
      if (!Defined[In])
        return makeError("{}: step {} ('{}') reads tensor '{}' before any step writes it",
                         Name.str(), I, St.Layer, tensorName(P, In));
    for (uint32_t Out : St.Outputs) {
      Defined[Out] = true;
      ProducerTile[Out] = St.Tile;
    }
  }
  for (uint32_t O : P.Outputs)
    if (!Defined[O])
      return makeError("{}: graph output '{}' is never written", Name.str(), tensorName(P, O));
  return llvm::Error::success();
}

/// The bytes of \p T in the chip's buffers (packed, whatever the host uses).
uint64_t bytesOf(const TypedTensor &T) { return (T.size() * bitWidth(T.type()) + 7) / 8; }

/// The counters the executor keeps for every step (docs/cost-model.md):
/// buffer traffic, traffic from other tiles, and the NMPU operations of the
/// steps other than MVMs (one per input element; a reshape is free).
void countTraffic(const Step &St, const std::vector<TypedTensor> &Values, const TypedTensor &Out,
                  const std::vector<int64_t> &ProducerTile, int64_t Tiles, StepStats &Delta) {
  if (St.Kind == StepKind::Reshape)
    return;
  Delta.BufferBytes += bytesOf(Out);
  for (uint32_t In : St.Inputs) {
    Delta.BufferBytes += bytesOf(Values[In]);
    if (St.Kind != StepKind::Mvm)
      Delta.NmpuOps += Values[In].size();
    if (ProducerTile[In] < 0)
      continue;
    // Tiles are numbered across chips (Program::Chips).
    if (ProducerTile[In] / Tiles != St.Tile / Tiles) {
      Delta.LinkBytes += bytesOf(Values[In]);
      ++Delta.LinkTransfers;
    } else if (ProducerTile[In] != St.Tile) {
      Delta.TransferBytes += bytesOf(Values[In]);
    }
  }
}

/// The shape of a tensor in one chunk: the symbolic batch is one sample.
/// The shape of \p D for a chunk of \p Samples samples: its symbolic batch
/// dimension (if any) is the chunk's samples.
Shape stackedShape(const TensorDesc &D, int64_t Samples) {
  Shape S = D.Dims;
  for (int64_t &Dim : S)
    if (Dim < 0)
      Dim = Samples;
  return S;
}

/// Bytes a chunk may hold over all of a program's tensors, each element
/// stored as its type (TypedTensor.h).
constexpr int64_t ChunkBytes = int64_t(1) << 27;
constexpr int64_t MaxStackedSamples = 256;

/// Threads for the chunks: the option, or every core.
size_t workerThreads(const RunOptions &Options) {
  if (Options.Threads > 0)
    return Options.Threads;
  return std::max(1u, std::thread::hardware_concurrency());
}

/// How many samples of a symbolic batch run at once. Stacked samples let
/// the MVMs of many samples run as one GEMM (ExactMatrix.h), so as many as
/// the tensors' budget allows, but only where every step's results carry
/// the batch as their leading symbolic dimension (none reduces over it),
/// and one at a time in analog mode, whose noise is drawn in sample order.
int64_t stackedSamples(const Program &P) {
  for (const Step &St : P.Steps)
    for (uint32_t Out : St.Outputs)
      if (P.Tensors[Out].Dims.empty() || P.Tensors[Out].Dims[0] >= 0)
        return 1;
  int64_t PerSample = 0;
  for (const TensorDesc &D : P.Tensors) {
    for (size_t I = 1; I < D.Dims.size(); ++I)
      if (D.Dims[I] < 0)
        return 1;
    PerSample += numElements(stackedShape(D, 1)) * int64_t(storageBytes(D.Type));
  }
  return std::clamp<int64_t>(ChunkBytes / std::max<int64_t>(PerSample, 1), 1, MaxStackedSamples);
}

/// A host op computes its results' types and shapes itself; they must be
/// the ones the image declares for the step's outputs.
llvm::Error checkHostResults(const Program &P, const Step &St,
                             const std::vector<TypedTensor> &Results, int64_t Samples) {
  for (size_t R = 0; R < St.Outputs.size(); ++R) {
    const TensorDesc &D = P.Tensors[St.Outputs[R]];
    const TypedTensor &T = Results[R];
    if (T.type() != D.Type || T.dims() != stackedShape(D, Samples))
      return makeError("host op {} makes {} {} for output '{}', the image declares {} {}",
                       St.Host.Op, dtypeName(T.type()).str(), shapeToString(T.dims()),
                       tensorName(P, St.Outputs[R]), dtypeName(D.Type).str(),
                       shapeToString(stackedShape(D, Samples)));
  }
  return llvm::Error::success();
}

} // namespace

llvm::Expected<Session> Session::create(Program P, const RunOptions &Options,
                                        llvm::StringRef Name) {
  auto St = std::make_unique<State>();
  llvm::Expected<Target> T = parseTarget(P.TargetJson, (Name + ": embedded target").str());
  if (!T)
    return T.takeError();
  if (llvm::Error E = verifyProgram(P, *T, Name))
    return E;
  if (llvm::Error E = checkDataflow(P, Name, St->ProducerTile))
    return E;
  if (Options.Calibrate && !Options.CalibrationFile.empty())
    return makeError("{}: give a calibration file or measure one (calibrate), not both",
                     Name.str());
  Calibration Cal;
  if (!Options.CalibrationFile.empty()) {
    llvm::Expected<Calibration> C = readCalibrationFile(Options.CalibrationFile, P, *T);
    if (!C)
      return C.takeError();
    Cal = std::move(*C);
  }
  St->P = std::move(P);
  St->T = std::move(*T);
  St->Options = Options;
  std::optional<AnalogParams> Analog;
  if (Options.Analog)
    Analog = Options.AnalogOverride ? *Options.AnalogOverride : St->T.Analog;
  St->Chip = std::make_unique<ChipModel>(St->T, St->P, Options.Nmpu, Analog, Options.Seed,
                                         static_cast<unsigned>(workerThreads(Options)));
  if (Options.Calibrate)
    Cal = measureCalibration(*St->Chip, St->P, St->T);
  if (!Cal.Arrays.empty())
    St->Chip->setCalibration(Cal);
  St->Cal = std::move(Cal);
  if (!Options.StepByStep)
    St->Chip->prepareBatching(static_cast<unsigned>(workerThreads(Options)));
  St->StackedSamples = Options.StepByStep ? 1 : stackedSamples(St->P);
  for (const Step &Step : St->P.Steps) {
    StepStats Stats;
    Stats.Layer = Step.Layer;
    Stats.Kind = Step.Kind;
    St->Stats.Steps.push_back(std::move(Stats));
  }
  St->Stats.Total.Layer = "total";
  return Session(std::move(St));
}

llvm::Expected<Session> Session::load(llvm::StringRef ImagePath, const RunOptions &Options) {
  llvm::Expected<Program> P = readImageFile(ImagePath);
  if (!P)
    return P.takeError();
  return create(std::move(*P), Options, ImagePath);
}

namespace {

/// What one chunk of samples computes and counts.
struct ChunkResult {
  std::vector<TypedTensor> Outputs;
  std::vector<StepStats> Steps; ///< per step
  int64_t Samples = 0;
  uint64_t FixedDiffs = 0, RequantOutputs = 0, MvmRuns = 0, BatchedMvmRuns = 0;
};

/// What a chunk reads of a session.
struct ChunkContext {
  const Program &P;
  const Target &T;
  const RunOptions &Options;
  ChipModel &Chip;
  const std::vector<int64_t> &ProducerTile;
  uint64_t FirstSample; ///< the number of the run's first sample
};

/// Runs chunks [First, First + Count) of the inputs (each BatchSamples
/// samples) through every step.
llvm::Expected<ChunkResult> runChunk(const ChunkContext &S, llvm::ArrayRef<TypedTensor> Inputs,
                                     int64_t First, int64_t Count, int64_t BatchSamples) {
  const Program &P = S.P;
  ChunkResult R;
  R.Samples = Count * BatchSamples;
  KernelEnv Env{S.T,
                S.Options.Nmpu,
                S.Chip,
                S.Options.CountFixedDiffs ? &R.FixedDiffs : nullptr,
                S.Options.CountFixedDiffs ? &R.RequantOutputs : nullptr,
                R.BatchedMvmRuns,
                S.FirstSample + uint64_t(First * BatchSamples),
                R.Samples,
                S.Options.StepByStep};
  std::vector<TypedTensor> Values(P.Tensors.size());
  for (size_t I = 0; I < Inputs.size(); ++I) {
    TypedTensor &V = Values[P.Inputs[I]];
    V = TypedTensor(Inputs[I].type(), stackedShape(P.Tensors[P.Inputs[I]], Count));
    copyElements(Inputs[I], First * (V.size() / Count), V, 0, V.size());
  }
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    const Step &St = P.Steps[I];
    const TensorDesc &OutDesc = P.Tensors[St.Outputs[0]];
    TypedTensor Out(OutDesc.Type, stackedShape(OutDesc, Count));
    std::vector<const TypedTensor *> Ins;
    for (uint32_t T : St.Inputs)
      Ins.push_back(&Values[T]);
    // Host steps may have no step inputs (constants only).
    const TypedTensor &In = Ins.empty() ? Out : *Ins[0];
    StepStats Delta;
    Delta.Samples = R.Samples;
    std::vector<TypedTensor> HostResults;
    llvm::Error E = llvm::Error::success();
    switch (St.Kind) {
    case StepKind::Mvm:
      ++R.MvmRuns;
      E = runMvm(St.Mvm, In, Out, Env, Delta);
      break;
    case StepKind::Quantize:
    case StepKind::Dequantize:
      E = runQuantize(St.Quant, St.Kind == StepKind::Dequantize, In, Out);
      break;
    case StepKind::Pool:
      E = runPool(St.Pool, In, Out, Env);
      break;
    case StepKind::Combine:
      E = runCombine(St.Combine, Ins, Out, Env);
      break;
    case StepKind::Reshape:
      E = runReshape(In, Out);
      break;
    case StepKind::Clamp:
      E = runClamp(St.Clamp, In, Out);
      break;
    case StepKind::Slice:
      E = runSlice(St.Slice, In, Out);
      break;
    case StepKind::Threshold:
      E = runThreshold(St.Threshold, In, Out);
      break;
    case StepKind::Host:
      E = runHost(St.Host, Ins, HostResults);
      if (!E)
        E = checkHostResults(P, St, HostResults, Count);
      break;
    }
    if (E)
      return addContext(std::move(E), "step " + std::to_string(I) + " ('" + St.Layer + "')");
    if (St.Kind == StepKind::Host) {
      // Off the chip: no buffer, NMPU or transfer counters, no chip cost.
      for (const TypedTensor *T : Ins)
        Delta.HostElements += T->size();
      Out = std::move(HostResults[0]);
      for (size_t R = 1; R < HostResults.size(); ++R)
        Values[St.Outputs[R]] = std::move(HostResults[R]);
    } else {
      countTraffic(St, Values, Out, S.ProducerTile, S.T.Tiles, Delta);
      Delta.Cycles = St.Cycles * Delta.Samples;
    }
    R.Steps.push_back(std::move(Delta));
    Values[St.Outputs[0]] = std::move(Out);
  }
  for (uint32_t O : P.Outputs)
    R.Outputs.push_back(Values[O]); // a copy: a tensor may be two outputs
  return R;
}

/// \p Given inputs are the graph's, no more, no fewer.
llvm::Error checkInputCount(const Program &P, size_t Given) {
  if (Given == P.Inputs.size())
    return llvm::Error::success();
  std::string Names;
  for (uint32_t I : P.Inputs)
    Names += (Names.empty() ? "'" : ", '") + tensorName(P, I) + "'";
  return makeError("the model takes {} inputs ({}), {} given", P.Inputs.size(), Names, Given);
}

} // namespace

llvm::Expected<std::vector<Tensor>> Session::run(llvm::ArrayRef<Tensor> Inputs) {
  const Program &P = S->P;
  if (llvm::Error E = checkInputCount(P, Inputs.size()))
    return E;
  std::vector<TypedTensor> Typed;
  for (size_t I = 0; I < Inputs.size(); ++I) {
    // A Tensor may hold other than its shape's elements, a TypedTensor not.
    const Tensor &In = Inputs[I];
    if (In.size() != numElements(In.Dims) || llvm::any_of(In.Dims, [](int64_t D) { return D < 0; }))
      return makeError("input '{}' holds {} values for the shape {}", P.Tensors[P.Inputs[I]].Name,
                       In.size(), shapeToString(In.Dims));
    Typed.emplace_back(In);
  }
  llvm::Expected<std::vector<TypedTensor>> Outputs = run(Typed);
  if (!Outputs)
    return Outputs.takeError();
  std::vector<Tensor> Results;
  for (const TypedTensor &O : *Outputs)
    Results.push_back(O.toTensor());
  return Results;
}

llvm::Expected<std::vector<TypedTensor>> Session::run(llvm::ArrayRef<TypedTensor> Inputs) {
  const Program &P = S->P;
  if (llvm::Error E = checkInputCount(P, Inputs.size()))
    return E;
  // Split every input into chunks of the model's batch.
  int64_t Chunks = -1;
  for (size_t I = 0; I < Inputs.size(); ++I) {
    const TensorDesc &D = P.Tensors[P.Inputs[I]];
    const TypedTensor &In = Inputs[I];
    if (In.type() != D.Type)
      return makeError("input '{}' has element type {}, the model expects {}", D.Name,
                       dtypeName(In.type()).str(), dtypeName(D.Type).str());
    const Shape &Dims = In.dims();
    Shape Want = stackedShape(D, 1);
    bool Fits = Dims.size() == Want.size() && !Want.empty() && Want[0] > 0 &&
                Dims[0] % Want[0] == 0 &&
                std::equal(Want.begin() + 1, Want.end(), Dims.begin() + 1);
    int64_t N = Fits ? Dims[0] / Want[0] : (Dims == Want ? 1 : -1);
    if (N < 0)
      return makeError("input '{}' has shape {}, the model expects {}{}", D.Name,
                       shapeToString(Dims), shapeToString(D.Dims),
                       D.Dims.empty() || D.Dims[0] < 0 ? ""
                                                       : " (or a multiple of its first dimension)");
    if (N == 0)
      return makeError("input '{}' has shape {}: it holds no samples; give at least one", D.Name,
                       shapeToString(Dims));
    if (Chunks >= 0 && N != Chunks)
      return makeError("input '{}' holds {} batches, the inputs before it {}", D.Name, N, Chunks);
    Chunks = N;
  }
  if (Chunks < 0)
    Chunks = 1;

  // Chunks holds the fixed batches, or the samples of a symbolic batch; a
  // run takes one fixed batch, or up to StackedSamples samples, at a time.
  int64_t BatchSamples = 1, Stack = 1;
  if (!P.Inputs.empty() && !P.Tensors[P.Inputs[0]].Dims.empty()) {
    int64_t Dim = P.Tensors[P.Inputs[0]].Dims[0];
    BatchSamples = std::max<int64_t>(1, Dim);
    // Two chunks per thread where the batch allows (a thread that finishes
    // early takes another), as large as that: a chunk's blocks are read
    // for all its vectors at once. Nothing a run computes or counts depends
    // on the split.
    if (Dim < 0)
      Stack = std::clamp<int64_t>(
          llvm::divideCeil(Chunks, 2 * static_cast<int64_t>(workerThreads(S->Options))), 1,
          S->StackedSamples);
  }
  std::vector<std::pair<int64_t, int64_t>> Ranges; // first chunk, chunks
  for (int64_t First = 0; First < Chunks; First += Stack)
    Ranges.push_back({First, std::min(Stack, Chunks - First)});
  // Chunks are independent and run on the threads; their counters merge
  // in chunk order, and analog read noise is keyed by sample number, so any
  // thread count and split give the same results and statistics.
  std::vector<std::optional<llvm::Expected<ChunkResult>>> Done(Ranges.size());
  const ChunkContext Context{P, S->T, S->Options, *S->Chip, S->ProducerTile, S->SamplesRun};
  parallelFor(Ranges.size(), workerThreads(S->Options), [&](size_t C, size_t) {
    ExactMatrix::gemmOnCallingThread();
    Done[C].emplace(runChunk(Context, Inputs, Ranges[C].first, Ranges[C].second, BatchSamples));
  });
  std::vector<std::vector<TypedTensor>> ChunkOutputs;
  llvm::Error Failure = llvm::Error::success();
  for (std::optional<llvm::Expected<ChunkResult>> &R : Done) {
    if (!*R) {
      Failure = llvm::joinErrors(std::move(Failure), R->takeError());
      continue;
    }
    if (Failure)
      continue;
    for (size_t I = 0; I < P.Steps.size(); ++I) {
      StepStats &Delta = (*R)->Steps[I];
      S->Stats.Steps[I].add(Delta);
      Delta.Samples = 0; // the total counts samples once, below
      S->Stats.Total.add(Delta);
    }
    S->Stats.Total.Samples += (*R)->Samples;
    S->Stats.FixedDiffs += (*R)->FixedDiffs;
    S->Stats.RequantOutputs += (*R)->RequantOutputs;
    S->Stats.MvmRuns += (*R)->MvmRuns;
    S->Stats.BatchedMvmRuns += (*R)->BatchedMvmRuns;
    ChunkOutputs.push_back(std::move((*R)->Outputs));
  }
  if (Failure)
    return Failure;
  S->SamplesRun += uint64_t(Chunks * BatchSamples);
  // The costs are linear in the counters: computed from the totals so far,
  // they do not depend on how the runs were cut into chunks.
  S->Stats.Total.LatencyNs = S->Stats.Total.EnergyPj = 0;
  for (size_t I = 0; I < P.Steps.size(); ++I) {
    StepStats &Step = S->Stats.Steps[I];
    if (P.Steps[I].Kind != StepKind::Host)
      Step.computeCost(S->T.Cost);
    S->Stats.Total.LatencyNs += Step.LatencyNs;
    S->Stats.Total.EnergyPj += Step.EnergyPj;
  }

  // Concatenate the chunks' outputs along the first dimension.
  std::vector<TypedTensor> Results = std::move(ChunkOutputs[0]);
  for (size_t O = 0; O < Results.size(); ++O) {
    if (ChunkOutputs.size() > 1 && Results[O].dims().empty())
      return makeError("output '{}' is a scalar, so the model cannot run {} batches",
                       tensorName(P, P.Outputs[O]), Chunks);
    for (size_t C = 1; C < ChunkOutputs.size(); ++C)
      Results[O].appendRows(ChunkOutputs[C][O]);
  }
  return Results;
}

} // namespace qnn::runtime

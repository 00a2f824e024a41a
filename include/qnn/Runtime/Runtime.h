//===- Runtime.h - Loads an image and runs it on the chip model --*- C++ -*-===//
///
/// \file
/// The runtime's API: load (and verify) an image, run inputs through it
/// sample by sample on the chip model, read the statistics. Never links the
/// compiler. docs/runtime.md describes the execution of every step kind.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_RUNTIME_H
#define QNN_RUNTIME_RUNTIME_H

#include "qnn/Image/Program.h"
#include "qnn/Runtime/ChipModel.h"
#include "qnn/Runtime/Stats.h"
#include "qnn/Support/Tensor.h"
#include "qnn/Support/TypedTensor.h"
#include "qnn/Target/Target.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/Support/Error.h"
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace qnn::runtime {

struct RunOptions {
  NmpuMode Nmpu = NmpuMode::Fixed;
  bool Analog = false;
  uint64_t Seed = 1; ///< the chip instance in analog mode
  /// Replaces the target's analog parameters (analog mode only).
  std::optional<AnalogParams> AnalogOverride;
  /// A per-column calibration file (ChipModel.h); empty for none.
  std::string CalibrationFile;
  /// Measures the chip instance's calibration from test reads when the
  /// session starts, as a chip would at power-on, and corrects with it
  /// (instead of a file).
  bool Calibrate = false;
  /// Also computes every fixed-point re-quantization in fp32 and counts the
  /// outputs that differ (RunStats::FixedDiffs).
  bool CountFixedDiffs = false;
  /// Every MVM through the step-by-step chip model, one sample at a time:
  /// the oracle the batched paths (ExactMatrix.h, ChipModel::mvmAnalog)
  /// are tested against.
  bool StepByStep = false;
  /// Threads that run chunks of samples at once (0: every core); the
  /// results and statistics do not depend on it.
  unsigned Threads = 0;
};

class Session {
public:
  /// Reads and verifies the image, programs the chip model.
  static llvm::Expected<Session> load(llvm::StringRef ImagePath, const RunOptions &Options);
  /// Same from a Program already in memory (verified against its target).
  static llvm::Expected<Session> create(image::Program P, const RunOptions &Options,
                                        llvm::StringRef Name);
  Session(Session &&);
  Session &operator=(Session &&);
  ~Session();

  /// Runs the graph inputs, in Program::Inputs order. A symbolic batch takes
  /// any batch size; a fixed batch B takes any multiple of B (run as that
  /// many batches, outputs concatenated in order). Inputs and outputs hold
  /// each element as its type, as the runtime does between steps.
  llvm::Expected<std::vector<TypedTensor>> run(llvm::ArrayRef<TypedTensor> Inputs);
  /// The same on tensors of doubles, converted at the boundary.
  llvm::Expected<std::vector<Tensor>> run(llvm::ArrayRef<Tensor> Inputs);

  const image::Program &program() const;
  const Target &target() const;
  /// Accumulated over every run() since load.
  const RunStats &stats() const;
  /// The calibration the NMPU corrects with (from the file or measured;
  /// empty arrays when none).
  const Calibration &calibration() const;

private:
  struct State;
  explicit Session(std::unique_ptr<State> S);
  std::unique_ptr<State> S;
};

} // namespace qnn::runtime

#endif

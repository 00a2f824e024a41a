//===- Kernels.h - One function per step kind ---------------------*- C++ -*-===//
///
/// \file
/// The executor's step implementations. Each checks that the tensors it is
/// given have the shapes its step needs (the image verifier cannot know the
/// batch) and returns an error naming what differs. Only the MVM counts its
/// own statistics (array reads, conversions); the executor counts the rest.
/// Host steps run off the chip and count no chip work.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_EXEC_KERNELS_H
#define QNN_RUNTIME_EXEC_KERNELS_H

#include "qnn/Image/Program.h"
#include "qnn/Runtime/ChipModel.h"
#include "qnn/Runtime/Stats.h"
#include "qnn/Support/TypedTensor.h"
#include "llvm/Support/Error.h"

namespace qnn::runtime {

struct KernelEnv {
  const Target &T;
  NmpuMode Nmpu;
  ChipModel &Chip;
  uint64_t *FixedDiffs; ///< null unless counting
  uint64_t *RequantOutputs;
  uint64_t &BatchedMvmRuns; ///< RunStats::BatchedMvmRuns
  /// The chunk's samples: the first one's number in the session's runs,
  /// and how many (analog read noise is keyed by the vector's number).
  uint64_t FirstSample;
  int64_t Samples;
  bool StepByStep; ///< RunOptions::StepByStep
};

llvm::Error runMvm(const image::MvmStep &S, const TypedTensor &In, TypedTensor &Out, KernelEnv &Env,
                   StepStats &Stats);
llvm::Error runQuantize(const image::QuantizeStep &S, bool Dequantize, const TypedTensor &In,
                        TypedTensor &Out);
llvm::Error runPool(const image::PoolStep &S, const TypedTensor &In, TypedTensor &Out,
                    KernelEnv &Env);
llvm::Error runCombine(const image::CombineStep &S, llvm::ArrayRef<const TypedTensor *> In,
                       TypedTensor &Out, KernelEnv &Env);
llvm::Error runReshape(const TypedTensor &In, TypedTensor &Out);
llvm::Error runSlice(const image::SliceStep &S, const TypedTensor &In, TypedTensor &Out);
llvm::Error runClamp(const image::ClampStep &S, const TypedTensor &In, TypedTensor &Out);
/// The comparator bank on a float or integer tensor, per channel along Axis.
llvm::Error runThreshold(const image::ThresholdStep &S, const TypedTensor &In, TypedTensor &Out);
/// A host op on \p Inputs (the step's inputs) and the step's constants;
/// \p Out receives every result. Host ops run on qnn::Tensor (their
/// kernels are the reference interpreter's): operands and results convert.
llvm::Error runHost(const image::HostStep &S, llvm::ArrayRef<const TypedTensor *> Inputs,
                    std::vector<TypedTensor> &Out);

} // namespace qnn::runtime

#endif

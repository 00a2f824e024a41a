//===- ExactMatrix.cpp - An MVM step as one int8 matrix product -----------===//
#include "qnn/Runtime/ExactMatrix.h"
#include "qnn/Target/NmpuArith.h"
#include <limits>
#include <oneapi/dnnl/dnnl.h>

// oneDNN's GEMM is built on OpenMP (libgomp, which libdnnl loads); its
// thread count is the calling thread's OpenMP setting.
extern "C" void omp_set_num_threads(int);

namespace qnn::runtime {

using namespace qnn::image;

namespace {

/// oneDNN's u8 x s8 GEMM sums pairs of products in int16 without VNNI, which
/// can saturate; with VNNI every product reaches the int32 sum exactly.
bool int8GemmIsExact() {
  const unsigned Isa = dnnl_get_effective_cpu_isa();
  auto has = [&](unsigned Set) { return (Isa & Set) == Set; };
  return has(dnnl_cpu_isa_avx512_core_vnni) || has(dnnl_cpu_isa_avx2_vnni);
}

/// Weff of one copy's blocks (K x N), or none when a read-out is not exact.
/// Walks each block row by row, as the levels and Weff are stored.
std::optional<std::vector<int32_t>> copyMatrix(const Target &T, const Program &P, const MvmStep &S,
                                               llvm::ArrayRef<Block> Blocks) {
  const int64_t DacMax = (int64_t(1) << T.DacBits) - 1;
  std::vector<int32_t> Weff(size_t(S.K) * S.N, 0);
  std::vector<int64_t> ColumnSum;
  for (const Block &B : Blocks) {
    const ArrayImage &A = P.Arrays[B.Array];
    ColumnSum.assign(B.ColCount, 0);
    const PhysColumn *Columns = S.Columns.data() + B.ColBegin;
    // Levels below 2^8 shifted by at most 16, a few slices and signs per
    // entry: Weff stays far inside int32.
    for (uint32_t J = 0; J < B.ColCount; ++J)
      if (Columns[J].Shift > 16)
        return std::nullopt;
    for (uint32_t R = 0; R < B.KCount; ++R) {
      const uint8_t *Levels = A.Levels.data() + size_t(B.RowOffset + R) * A.Cols + B.ColOffset;
      int32_t *Row = Weff.data() + size_t(B.KBegin + R) * S.N;
      for (uint32_t J = 0; J < B.ColCount; ++J) {
        ColumnSum[J] += Levels[J];
        Row[Columns[J].Output] += Columns[J].Sign * (int32_t(Levels[J]) << Columns[J].Shift);
      }
    }
    // Every phase reads every column: each of its reads must be exact.
    for (unsigned Phase = 0; Phase < T.inputPhases(S.InputBits); ++Phase)
      for (uint32_t J = 0; J < B.ColCount; ++J)
        if (!nmpu::readsExactly(DacMax * ColumnSum[J], T.AdcBits, B.readShift(A, Phase, J)))
          return std::nullopt; // some input reaches a code the ADC rounds or clips
  }
  return Weff;
}

} // namespace

std::optional<ExactMatrix> ExactMatrix::build(const Target &T, const Program &P, const MvmStep &S) {
  // K * 255 * 128 must stay within the int32 sums.
  if (S.K == 0 || S.N == 0 || S.Replicas == 0 || S.K > 65000 || !int8GemmIsExact())
    return std::nullopt;
  std::optional<std::vector<int32_t>> Weff;
  for (uint32_t Copy = 0; Copy < S.Replicas; ++Copy) {
    std::optional<std::vector<int32_t>> M = copyMatrix(T, P, S, S.copyBlocks(Copy));
    if (!M || (Weff && *M != *Weff))
      return std::nullopt;
    Weff = std::move(M);
  }
  ExactMatrix E;
  E.K = S.K;
  E.N = S.N;
  const int64_t Offset = S.Polarity == PolarityMode::Offset ? S.Offset : 0;
  E.W.reserve(Weff->size());
  for (int64_t V : *Weff) {
    V -= Offset;
    if (V < std::numeric_limits<int8_t>::min() || V > std::numeric_limits<int8_t>::max())
      return std::nullopt;
    E.W.push_back(static_cast<int8_t>(V));
  }
  const unsigned Phases = (S.InputBits + T.DacBits - 1) / T.DacBits;
  const unsigned InputBits = Phases * T.DacBits;
  E.MaxInput = InputBits >= 8 ? 255 : static_cast<uint8_t>((1u << InputBits) - 1);
  return E;
}

void ExactMatrix::multiply(const uint8_t *X, int64_t Vectors, int32_t *Acc) const {
  const int32_t NoOffset = 0;
  dnnl_status_t Status = dnnl_gemm_u8s8s32('N', 'N', 'F', Vectors, N, K, 1.0f, X, K, 0, W.data(), N,
                                           0, 0.0f, Acc, N, &NoOffset);
  // Only bad arguments fail, and build() and the caller rule those out.
  assert(Status == dnnl_success && "oneDNN refused a GEMM");
  (void)Status;
}

void ExactMatrix::gemmOnCallingThread() { omp_set_num_threads(1); }

} // namespace qnn::runtime

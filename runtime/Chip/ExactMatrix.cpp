//===- ExactMatrix.cpp - An MVM step as one int8 matrix product -----------===//
#include "qnn/Runtime/ExactMatrix.h"
#include <limits>
#include <oneapi/dnnl/dnnl.h>

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
std::optional<std::vector<int64_t>> copyMatrix(const Target &T, const Program &P, const MvmStep &S,
                                               llvm::ArrayRef<Block> Blocks) {
  const int64_t DacMax = (int64_t(1) << T.DacBits) - 1;
  std::vector<int64_t> Weff(size_t(S.K) * S.N, 0);
  for (const Block &B : Blocks) {
    const ArrayImage &A = P.Arrays[B.Array];
    if (A.ReadShift != 0)
      return std::nullopt;
    for (uint32_t J = 0; J < B.ColCount; ++J) {
      const PhysColumn &C = S.Columns[B.ColBegin + J];
      int64_t ColumnSum = 0;
      for (uint32_t R = 0; R < B.KCount; ++R) {
        int64_t Level = A.Levels[size_t(B.RowOffset + R) * A.Cols + B.ColOffset + J];
        ColumnSum += Level;
        Weff[size_t(B.KBegin + R) * S.N + C.Output] += C.Sign * (Level << C.Shift);
      }
      if (DacMax * ColumnSum > T.maxAdcCode())
        return std::nullopt; // some input reaches a code the ADC rounds or clips
    }
  }
  return Weff;
}

} // namespace

std::optional<ExactMatrix> ExactMatrix::build(const Target &T, const Program &P, const MvmStep &S) {
  // K * 255 * 128 must stay within the int32 sums.
  if (S.K == 0 || S.N == 0 || S.Replicas == 0 || S.K > 65000 || !int8GemmIsExact())
    return std::nullopt;
  const size_t PerCopy = S.Blocks.size() / S.Replicas;
  std::optional<std::vector<int64_t>> Weff;
  for (uint32_t Copy = 0; Copy < S.Replicas; ++Copy) {
    auto Blocks = llvm::ArrayRef<Block>(S.Blocks).slice(Copy * PerCopy, PerCopy);
    std::optional<std::vector<int64_t>> M = copyMatrix(T, P, S, Blocks);
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

} // namespace qnn::runtime

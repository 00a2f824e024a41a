//===- StepThresholds.cpp - Monotone step functions as comparators --------===//
//
// Inputs are searched as ordered integer keys: the value itself for integer
// inputs, and for float32 inputs a key that orders the floats (the bit
// pattern, negated for negative floats), so that one bisection over keys
// serves both and takes at most 33 probes for any float function. A falling
// channel is searched on the negated input (key -k is value -v in both
// domains) and gets sign -1.
//
//===----------------------------------------------------------------------===//
#include "qnn/Transforms/StepThresholds.h"
#include "qnn/Support/Diagnostics.h"
#include <cstring>
#include <limits>

namespace qnn {

namespace {

struct KeyDomain {
  /// Integer inputs (keys are the values), or float32 ones.
  bool Integer = true;
  /// The input of key K.
  double (*Value)(int64_t K);
  /// Key interval of channel C before any negation.
  std::vector<int64_t> Lo, Hi;
};

double integerValue(int64_t K) { return static_cast<double>(K); }

int64_t floatKey(float F) {
  uint32_t Bits;
  std::memcpy(&Bits, &F, sizeof Bits);
  return Bits & 0x80000000u ? -static_cast<int64_t>(Bits & 0x7fffffffu)
                            : static_cast<int64_t>(Bits);
}

double floatValue(int64_t K) {
  uint32_t Bits = K < 0 ? 0x80000000u | static_cast<uint32_t>(-K) : static_cast<uint32_t>(K);
  float F;
  std::memcpy(&F, &Bits, sizeof F);
  return F;
}

llvm::Expected<StepThresholds> search(LevelProbe Probe, int64_t Count, const KeyDomain &D) {
  int64_t C = static_cast<int64_t>(D.Lo.size());
  StepThresholds R;
  R.Channels = C;
  R.Count = Count;
  R.Signs.assign(C, 1);
  if (Count == 0)
    return R;

  // Direction from the two ends of each channel's interval.
  std::vector<double> Ends(2 * C);
  for (int64_t Ch = 0; Ch < C; ++Ch) {
    Ends[Ch] = D.Value(D.Lo[Ch]);
    Ends[C + Ch] = D.Value(D.Hi[Ch]);
  }
  auto EndLevels = Probe(Ends, 2);
  if (!EndLevels)
    return EndLevels.takeError();
  std::vector<int64_t> KLo(C), KHi(C);
  for (int64_t Ch = 0; Ch < C; ++Ch) {
    bool Falls = (*EndLevels)[C + Ch] < (*EndLevels)[Ch];
    R.Signs[Ch] = Falls ? -1 : 1;
    KLo[Ch] = Falls ? -D.Hi[Ch] : D.Lo[Ch];
    KHi[Ch] = Falls ? -D.Lo[Ch] : D.Hi[Ch];
  }

  // Level t + 1 starts at the first key in [KLo, KHi + 1] that reaches it;
  // KHi + 1 means never.
  std::vector<int64_t> First(C * Count), Last(C * Count);
  for (int64_t T = 0; T < Count; ++T)
    for (int64_t Ch = 0; Ch < C; ++Ch) {
      First[T * C + Ch] = KLo[Ch];
      Last[T * C + Ch] = KHi[Ch] + 1;
    }
  auto Levels = [&](const std::vector<int64_t> &Keys) {
    std::vector<double> In(Keys.size());
    for (size_t I = 0; I < Keys.size(); ++I) {
      int64_t Ch = static_cast<int64_t>(I) % C;
      // Keys beyond the interval are never probed for an answer; keep the
      // probe inside it.
      int64_t K = std::min(Keys[I], KHi[Ch]);
      In[I] = R.Signs[Ch] * D.Value(K);
    }
    return Probe(In, Count);
  };
  for (;;) {
    std::vector<int64_t> Mid(C * Count);
    bool Open = false;
    for (size_t I = 0; I < Mid.size(); ++I) {
      Mid[I] = First[I] + (Last[I] - First[I]) / 2;
      Open |= First[I] < Last[I];
    }
    if (!Open)
      break;
    auto L = Levels(Mid);
    if (!L)
      return L.takeError();
    for (int64_t T = 0; T < Count; ++T)
      for (int64_t Ch = 0; Ch < C; ++Ch) {
        size_t I = T * C + Ch;
        if (First[I] >= Last[I])
          continue;
        if ((*L)[I] >= T + 1)
          Last[I] = Mid[I];
        else
          First[I] = Mid[I] + 1;
      }
  }

  // Bisection assumed monotony; check each answer and the key before it.
  std::vector<int64_t> At(First), Before(First);
  for (size_t I = 0; I < At.size(); ++I) {
    int64_t Ch = static_cast<int64_t>(I) % C;
    At[I] = std::min(First[I], KHi[Ch]);
    Before[I] = std::max(First[I] - 1, KLo[Ch]);
  }
  auto LAt = Levels(At);
  if (!LAt)
    return LAt.takeError();
  auto LBefore = Levels(Before);
  if (!LBefore)
    return LBefore.takeError();
  R.Thresholds.resize(C * Count);
  for (int64_t Ch = 0; Ch < C; ++Ch)
    for (int64_t T = 0; T < Count; ++T) {
      size_t I = T * C + Ch;
      bool Never = First[I] > KHi[Ch], Always = First[I] == KLo[Ch];
      bool Good = (Never ? (*LAt)[I] < T + 1 : (*LAt)[I] >= T + 1) &&
                  (Always || Never || (*LBefore)[I] < T + 1);
      if (!Good)
        return makeError("channel {} does not step monotonically through level {}", Ch, T + 1);
      // Float keys stop at the largest finite floats: the levels reached
      // there hold out to the infinities.
      bool Integer = D.Integer;
      double Inf = std::numeric_limits<double>::infinity();
      R.Thresholds[Ch * Count + T] = Never    ? (Integer ? static_cast<double>(KHi[Ch]) + 1 : Inf)
                                     : Always && !Integer ? -Inf
                                                          : D.Value(First[I]);
    }
  return R;
}

} // namespace

llvm::Expected<StepThresholds> integerStepThresholds(LevelProbe Probe, int64_t Count,
                                                     llvm::ArrayRef<int64_t> Lo,
                                                     llvm::ArrayRef<int64_t> Hi) {
  return search(Probe, Count, {/*Integer=*/true, integerValue, Lo.vec(), Hi.vec()});
}

llvm::Expected<StepThresholds> floatStepThresholds(LevelProbe Probe, int64_t Count,
                                                   int64_t Channels) {
  float Max = std::numeric_limits<float>::max();
  return search(Probe, Count,
                {/*Integer=*/false, floatValue, std::vector<int64_t>(Channels, floatKey(-Max)),
                 std::vector<int64_t>(Channels, floatKey(Max))});
}

} // namespace qnn

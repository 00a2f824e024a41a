//===- Stats.cpp - Counters and cost of a run -----------------------------===//
#include "qnn/Runtime/Stats.h"

namespace qnn::runtime {

void StepStats::add(const StepStats &O, uint64_t Times) {
  Samples += O.Samples * Times;
  ArrayPhases += O.ArrayPhases * Times;
  SequentialReads += O.SequentialReads * Times;
  AdcConversions += O.AdcConversions * Times;
  DacPhases += O.DacPhases * Times;
  NmpuOps += O.NmpuOps * Times;
  BufferBytes += O.BufferBytes * Times;
  TransferBytes += O.TransferBytes * Times;
  LinkBytes += O.LinkBytes * Times;
  LinkTransfers += O.LinkTransfers * Times;
  Cycles += O.Cycles * Times;
  HostElements += O.HostElements * Times;
  LatencyNs += O.LatencyNs * Times;
  EnergyPj += O.EnergyPj * Times;
}

void StepStats::computeCost(const CostParams &C) {
  // docs/cost-model.md: an upper bound, the NMPU never overlaps the arrays.
  LatencyNs = SequentialReads * (C.DacLatency + C.ArrayPhaseLatency + C.AdcLatency) +
              NmpuOps * C.NmpuOpLatency + BufferBytes * C.BufferByteLatency +
              TransferBytes * C.TransferByteLatency + LinkBytes * C.LinkByteLatency +
              LinkTransfers * C.LinkLatency;
  EnergyPj = ArrayPhases * C.ArrayPhaseEnergy + AdcConversions * C.AdcEnergy +
             DacPhases * C.DacEnergy + NmpuOps * C.NmpuOpEnergy + BufferBytes * C.BufferByteEnergy +
             TransferBytes * C.TransferByteEnergy + LinkBytes * C.LinkByteEnergy;
}

} // namespace qnn::runtime

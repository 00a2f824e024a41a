//===- Stats.cpp - Counters and cost of a run -----------------------------===//
#include "qnn/Runtime/Stats.h"

namespace qnn::runtime {

void StepStats::add(const StepStats &O) {
  Samples += O.Samples;
  ArrayPhases += O.ArrayPhases;
  SequentialReads += O.SequentialReads;
  AdcConversions += O.AdcConversions;
  DacPhases += O.DacPhases;
  NmpuOps += O.NmpuOps;
  BufferBytes += O.BufferBytes;
  TransferBytes += O.TransferBytes;
  LinkBytes += O.LinkBytes;
  LinkTransfers += O.LinkTransfers;
  Cycles += O.Cycles;
  HostElements += O.HostElements;
  LatencyNs += O.LatencyNs;
  EnergyPj += O.EnergyPj;
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

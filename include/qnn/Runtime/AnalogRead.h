//===- AnalogRead.h - Column currents and read-outs of analog mode -*- C++ -*-===//
///
/// \file
/// The inner loops of analog mode (docs/analog-model.md): a block's column
/// currents, the normal draws of the read noise, and the read-out chain up
/// to the ADC code. Each works on whole rows of columns with float
/// arithmetic that vectorizes and rounds the same on every CPU (built
/// without fused multiply-adds), so a vector gets the same codes alone or
/// in a batch.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_RUNTIME_ANALOGREAD_H
#define QNN_RUNTIME_ANALOGREAD_H

#include <cstddef>
#include <cstdint>

namespace qnn::runtime {

/// \p Currents[j] = sum over k < \p Rows of X[k] * G[k * Stride + j], for
/// j < \p Cols: the column currents of a block whose first cell is \p G.
/// Rows add in order.
void addColumnCurrents(const int32_t *X, uint32_t Rows, const float *G, size_t Stride,
                       uint32_t Cols, float *Currents);

/// \p Z[p] and \p Z[Pairs + p], p < \p Pairs: two standard normals from
/// the random words \p Bits[p] (radius) and \p Bits[Pairs + p] (angle), by
/// Box-Muller.
void boxMuller(const uint32_t *Bits, size_t Pairs, float *Z);

/// What the read-out of one array applies to a column current.
struct ArrayReadout {
  float Supply = 1;                  ///< the instance's supply factor
  float NonlinIn = 0, NonlinOut = 0; ///< a / FS0 and FS0 / tanh(a), FS0 unamplified; 0: linear
  float NoiseFS = 0;                 ///< read noise in current units (docs/analog-model.md)
  float CodeScale = 1;               ///< A / FS
  float MaxCode = 0;                 ///< A
};

/// \p Codes[v * Cols + j], j < \p Cols, v < \p Vectors: the ADC codes of
/// currents \p Currents with read-noise draws \p Z (both laid out as the
/// codes), through column gains \p Gain and offsets \p OffsetFS (offset x
/// FS, one per column).
void adcCodes(const ArrayReadout &R, const float *Gain, const float *OffsetFS,
              const float *Currents, const float *Z, uint32_t Cols, size_t Vectors, int32_t *Codes);

} // namespace qnn::runtime

#endif

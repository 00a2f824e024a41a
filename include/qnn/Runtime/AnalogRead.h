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

/// What the read-out applies to the current of each column of one read.
/// The range in use, and with it the noise, the offset and the code scale,
/// may differ from column to column (a block's read shifts per phase and
/// column), so each is given per column.
struct ColumnReadouts {
  float Supply = 1;                 ///< the instance's supply factor
  float MaxCode = 0;                ///< A
  bool Nonlinear = false;           ///< whether NonlinIn/NonlinOut apply
  const float *Gain = nullptr;      ///< the column's gain
  const float *OffsetFS = nullptr;  ///< the column's offset x FS
  const float *NoiseFS = nullptr;   ///< read noise in current units (docs/analog-model.md)
  const float *CodeScale = nullptr; ///< A / FS
  const float *NonlinIn = nullptr, *NonlinOut = nullptr; ///< a / FS0 and FS0 / tanh(a)
};

/// \p Codes[v * Cols + j], j < \p Cols, v < \p Vectors: the ADC codes of
/// currents \p Currents with read-noise draws \p Z (both laid out as the
/// codes) through the read-outs \p R of the columns.
void adcCodes(const ColumnReadouts &R, const float *Currents, const float *Z, uint32_t Cols,
              size_t Vectors, int32_t *Codes);

} // namespace qnn::runtime

#endif

//===- Plot.h - Accuracy of chip instances as an SVG chart -------*- C++ -*-===//
///
/// \file
/// qnn-eval --plot: with a sweep, the accuracy (%) against the swept
/// parameter (the mean as a line in a band of +-1 standard deviation, the
/// least accurate instance of each point as a cross); without one, the
/// accuracy of every instance against its index, with the mean and the band
/// as horizontal lines. Both draw the reference accuracy as a dashed line.
/// The picture is a function of the results alone: the same results give
/// the same bytes.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_PLOT_H
#define QNN_TOOLS_QNN_EVAL_PLOT_H

#include "Results.h"
#include <string>

namespace qnn::eval {

std::string plotSvg(const Results &R);

} // namespace qnn::eval

#endif

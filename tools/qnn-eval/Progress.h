//===- Progress.h - A progress bar on the terminal ---------------*- C++ -*-===//
///
/// \file
/// The progress of a Monte-Carlo evaluation on one line of stderr, redrawn
/// in place: the share of all images to evaluate, the point of the sweep,
/// the instance and the images of the current evaluation. It draws only
/// when stderr is a terminal, so that logs and tests stay clean, and it
/// erases its line before anything else is printed.
///
//===----------------------------------------------------------------------===//
#ifndef QNN_TOOLS_QNN_EVAL_PROGRESS_H
#define QNN_TOOLS_QNN_EVAL_PROGRESS_H

#include <cstdint>
#include <string>

namespace qnn::eval {

class Progress {
public:
  /// \p Evaluations evaluations of \p Images images each are to come.
  Progress(int64_t Evaluations, int64_t Images);
  ~Progress() { clear(); }
  Progress(const Progress &) = delete;
  Progress &operator=(const Progress &) = delete;

  /// Starts the next evaluation, described by \p What ("instance 3/10").
  void start(std::string What);
  /// \p Done images of the current evaluation are evaluated.
  void update(int64_t Done);
  /// Erases the line (before other output); the next update redraws it.
  void clear();

private:
  bool Enabled;
  int64_t Evaluations, Images;
  int64_t Finished = -1; ///< evaluations before the current one
  std::string What;
  bool Drawn = false;
};

} // namespace qnn::eval

#endif

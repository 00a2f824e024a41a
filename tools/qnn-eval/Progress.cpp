//===- Progress.cpp - A progress bar on the terminal ----------------------===//
#include "Progress.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include <fmt/format.h>

using namespace llvm;

namespace qnn::eval {

Progress::Progress(int64_t Evaluations, int64_t Images)
    : Enabled(sys::Process::StandardErrIsDisplayed()), Evaluations(Evaluations), Images(Images) {}

void Progress::start(std::string Next) {
  ++Finished;
  What = std::move(Next);
  update(0);
}

void Progress::update(int64_t Done) {
  if (!Enabled)
    return;
  double Share = (double(Finished) * Images + Done) / (double(Evaluations) * Images);
  std::string Text = fmt::format("{:3.0f} %  {}  images {}/{}", 100 * Share, What, Done, Images);
  // A bar of a width that does not change with the text, and a line one
  // column short of the terminal: a full line would wrap, and \r would not
  // return to its start.
  size_t Columns = sys::Process::StandardErrColumns();
  size_t BarWidth = Columns >= 110 ? 40 : Columns >= 90 ? 20 : 0;
  std::string Line;
  if (BarWidth) {
    size_t Full = static_cast<size_t>(Share * BarWidth);
    Line = "[" + std::string(Full, '#') + std::string(BarWidth - Full, '.') + "] ";
  }
  Line += Text;
  if (Columns > 0 && Line.size() >= Columns)
    Line.resize(Columns - 1);
  errs() << "\r" << Line << "\x1b[K";
  errs().flush();
  Drawn = true;
}

void Progress::clear() {
  if (!Drawn)
    return;
  errs() << "\r\x1b[K";
  errs().flush();
  Drawn = false;
}

} // namespace qnn::eval

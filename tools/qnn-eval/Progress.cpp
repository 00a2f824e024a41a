//===- Progress.cpp - A progress bar on the terminal ----------------------===//
#include "Progress.h"
#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
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
  // The bar takes what the text leaves of the line, with a column spare: a
  // line as wide as the terminal would wrap and \r would not return to it.
  int64_t Columns = sys::Process::StandardErrColumns();
  int64_t BarWidth = std::min<int64_t>(40, Columns - int64_t(Text.size()) - 4);
  std::string Bar;
  if (BarWidth >= 10) {
    int64_t Full = static_cast<int64_t>(Share * BarWidth);
    Bar = "[" + std::string(Full, '#') + std::string(BarWidth - Full, '.') + "] ";
  }
  errs() << "\r" << Bar << Text << "\x1b[K";
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

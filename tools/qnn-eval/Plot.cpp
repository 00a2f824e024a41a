//===- Plot.cpp - Accuracy of chip instances as an SVG chart --------------===//
#include "Plot.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/raw_ostream.h"
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <functional>

using namespace llvm;

namespace qnn::eval {

namespace {

constexpr double Width = 720, Height = 440;
/// The plot area inside the margins that hold the title, legend and axes.
constexpr double Left = 72, Right = Width - 24, Top = 64, Bottom = Height - 56;
/// The first and last ticks stand this far inside the frame, so that marks
/// at the ends of the data are not cut by it.
constexpr double Inset = 12;
constexpr const char *MeanColour = "#1f5fbf", *MarkColour = "#c0392b", *ReferenceColour = "#444";

/// A legend entry: its text, and what draws its mark at a left edge and a
/// middle height.
using LegendEntry = std::pair<std::string, std::function<void(double, double)>>;

/// An axis over whole ticks of 1, 2 or 5 x 10^k that hold the data.
struct Axis {
  double Lo = 0, Hi = 1, Step = 1;
  int Decimals = 0; ///< of the tick labels

  /// The axis of data in [Lo, Hi], within [Floor, Ceiling], with ticks at
  /// least \p MinStep apart; a single value gets \p Pad either side.
  static Axis fit(double Lo, double Hi, double Pad, double Floor, double Ceiling,
                  double MinStep = 0) {
    if (!(Hi > Lo)) {
      Lo -= Pad;
      Hi += Pad;
    }
    Axis A;
    double Raw = (Hi - Lo) / 5, Decade = std::pow(10.0, std::floor(std::log10(Raw)));
    double Mantissa = Raw / Decade;
    A.Step = std::max(MinStep, Decade * (Mantissa <= 1   ? 1
                                         : Mantissa <= 2 ? 2
                                         : Mantissa <= 5 ? 5
                                                         : 10));
    A.Lo = std::max(Floor, std::floor(Lo / A.Step) * A.Step);
    A.Hi = std::min(Ceiling, std::ceil(Hi / A.Step) * A.Step);
    A.Decimals = std::max(0, -static_cast<int>(std::floor(std::log10(A.Step) + 1e-9)));
    return A;
  }
  /// The ticks from Lo to Hi, counted rather than summed so that no
  /// rounding error adds or drops the last one.
  std::vector<double> ticks() const {
    std::vector<double> Ticks;
    for (int64_t K = 0; Lo + K * Step <= Hi + Step * 1e-9; ++K)
      Ticks.push_back(Lo + K * Step + 0.0); // + 0.0: no "-0" label
    return Ticks;
  }
  std::string label(double V) const { return fmt::format("{:.{}f}", V + 0.0, Decimals); }
};

/// Draws into an SVG document: data coordinates to pixels, and the parts
/// both kinds of chart share.
class Chart {
public:
  Chart(Axis X, Axis Y) : X(X), Y(Y) {}

  double px(double V) const {
    return Left + Inset + (V - X.Lo) / (X.Hi - X.Lo) * (Right - Left - 2 * Inset);
  }
  double py(double V) const {
    V = std::clamp(V, Y.Lo, Y.Hi);
    return Bottom - Inset - (V - Y.Lo) / (Y.Hi - Y.Lo) * (Bottom - Top - 2 * Inset);
  }

  void begin(StringRef Title) {
    OS << fmt::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{0:.0f}\" "
                      "height=\"{1:.0f}\" viewBox=\"0 0 {0:.0f} {1:.0f}\" "
                      "font-family=\"sans-serif\" font-size=\"12\">\n",
                      Width, Height);
    OS << "<title>" << escape(Title) << "</title>\n";
    OS << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
    OS << fmt::format("<text x=\"{:.1f}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{}"
                      "</text>\n",
                      Width / 2, escape(Title));
  }

  /// Grid lines, ticks and their labels, the frame and the axis labels.
  void axes(StringRef XLabel, StringRef YLabel) {
    for (double T : X.ticks())
      OS << fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{0:.1f}\" y2=\"{2:.1f}\" "
                        "stroke=\"#e4e4e4\"/>\n<text x=\"{0:.1f}\" y=\"{3:.1f}\" "
                        "text-anchor=\"middle\">{4}</text>\n",
                        px(T), Top, Bottom + 5, Bottom + 19, X.label(T));
    for (double T : Y.ticks())
      OS << fmt::format("<line x1=\"{0:.1f}\" y1=\"{1:.1f}\" x2=\"{2:.1f}\" y2=\"{1:.1f}\" "
                        "stroke=\"#e4e4e4\"/>\n<text x=\"{3:.1f}\" y=\"{4:.1f}\" "
                        "text-anchor=\"end\">{5}</text>\n",
                        Left - 5, py(T), Right, Left - 8, py(T) + 4, Y.label(T));
    OS << fmt::format("<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
                      "fill=\"none\" stroke=\"black\"/>\n",
                      Left, Top, Right - Left, Bottom - Top);
    OS << fmt::format("<text x=\"{:.1f}\" y=\"{:.1f}\" text-anchor=\"middle\">{}</text>\n",
                      (Left + Right) / 2, Height - 14, escape(XLabel));
    double Mid = (Top + Bottom) / 2;
    OS << fmt::format("<text x=\"20\" y=\"{0:.1f}\" text-anchor=\"middle\" "
                      "transform=\"rotate(-90 20 {0:.1f})\">{1}</text>\n",
                      Mid, escape(YLabel));
  }

  /// A dashed horizontal line from \p X1 to \p X2, as the reference is drawn.
  void dashedLine(double X1, double X2, double PY) {
    OS << fmt::format("<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
                      "stroke-width=\"1.5\" stroke-dasharray=\"6 4\"/>\n",
                      X1, PY, X2, PY, ReferenceColour);
  }
  void referenceLine(double Accuracy) { dashedLine(Left, Right, py(Accuracy)); }
  void band(StringRef Points) {
    OS << fmt::format("<polygon points=\"{}\" fill=\"{}\" fill-opacity=\"0.2\"/>\n", Points.str(),
                      MeanColour);
  }
  void polyline(StringRef Points) {
    OS << fmt::format("<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
                      Points.str(), MeanColour);
  }
  void dot(double PX, double PY, const char *Colour) {
    OS << fmt::format("<circle cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3.5\" fill=\"{}\"/>\n", PX, PY,
                      Colour);
  }
  void cross(double PX, double PY) {
    OS << fmt::format("<path d=\"M{0:.1f} {1:.1f}l8 8m0 -8l-8 8\" stroke=\"{2}\" "
                      "stroke-width=\"2\"/>\n",
                      PX - 4, PY - 4, MarkColour);
  }

  /// A row of legend entries under the title.
  void legend(ArrayRef<LegendEntry> Entries) {
    double At = Left;
    for (const auto &[Text, Mark] : Entries) {
      Mark(At, 44);
      OS << fmt::format("<text x=\"{:.1f}\" y=\"48\">{}</text>\n", At + 26, escape(Text));
      At += 26 + 7.0 * Text.size() + 18;
    }
  }

  std::string take() {
    OS << "</svg>\n";
    return Out;
  }

  static std::string escape(StringRef Text) {
    std::string Escaped;
    raw_string_ostream ES(Escaped);
    printHTMLEscaped(Text, ES);
    return Escaped;
  }
  static std::string point(double PX, double PY) { return fmt::format("{:.1f},{:.1f} ", PX, PY); }

  Axis X, Y;
  std::string Out;
  raw_string_ostream OS{Out};
};

/// The y axis: percent, holding every value and the reference.
Axis accuracyAxis(std::vector<double> Values) {
  auto [Lo, Hi] = std::minmax_element(Values.begin(), Values.end());
  return Axis::fit(*Lo, *Hi, 1, 0, 100);
}

std::string title(const Results &R, StringRef What) {
  return fmt::format("{} ({}, {} images): {}", R.S.Image.Name, R.S.Target, R.S.Count, What.str());
}

/// The legend entries every chart has: the mean and its band, the reference.
void commonLegend(Chart &C, std::vector<LegendEntry> &Entries) {
  Entries.insert(Entries.begin(), {{"mean",
                                    [&C](double X, double Y) {
                                      C.polyline(Chart::point(X, Y) + Chart::point(X + 20, Y));
                                    }},
                                   {"mean \u00b1 1 std", [&C](double X, double Y) {
                                      C.band(Chart::point(X, Y - 5) + Chart::point(X + 20, Y - 5) +
                                             Chart::point(X + 20, Y + 5) + Chart::point(X, Y + 5));
                                    }}});
  Entries.push_back({"reference", [&C](double X, double Y) { C.dashedLine(X, X + 20, Y); }});
  C.legend(Entries);
}

std::string plotSweep(const Results &R) {
  std::vector<Summary> Sums;
  std::vector<double> Ys{accuracy(R.S, R.S.ReferenceCorrect)};
  for (const PointResult &P : R.Points) {
    Sums.push_back(summarize(R.S, P));
    Ys.insert(Ys.end(), {Sums.back().Mean - Sums.back().Std, Sums.back().Mean + Sums.back().Std,
                         Sums.back().Min});
  }
  const Sweep &S = *R.S.Swept;
  double Pad = S.Start != 0 ? std::abs(S.Start) / 2 : 1;
  Chart C(Axis::fit(std::min(S.Start, S.Stop), std::max(S.Start, S.Stop), Pad, -HUGE_VAL, HUGE_VAL),
          accuracyAxis(Ys));
  C.begin(title(R, "top-1 accuracy vs " + S.Name));
  std::vector<LegendEntry> Entries{
      {"least accurate instance", [&C](double X, double Y) { C.cross(X + 10, Y); }}};
  commonLegend(C, Entries);
  C.axes(S.Name, "accuracy (%)");
  std::string Upper, Lower, Mean;
  for (size_t J = 0; J < Sums.size(); ++J) {
    double X = C.px(*R.Points[J].Value);
    Upper += Chart::point(X, C.py(Sums[J].Mean + Sums[J].Std));
    Lower.insert(0, Chart::point(X, C.py(Sums[J].Mean - Sums[J].Std)));
    Mean += Chart::point(X, C.py(Sums[J].Mean));
  }
  C.band(Upper + Lower);
  C.referenceLine(accuracy(R.S, R.S.ReferenceCorrect));
  C.polyline(Mean);
  for (size_t J = 0; J < Sums.size(); ++J) {
    double X = C.px(*R.Points[J].Value);
    C.dot(X, C.py(Sums[J].Mean), MeanColour);
    C.cross(X, C.py(Sums[J].Min));
  }
  return C.take();
}

std::string plotInstances(const Results &R) {
  const PointResult &P = R.Points.front();
  Summary Sum = summarize(R.S, P);
  std::vector<double> Ys{accuracy(R.S, R.S.ReferenceCorrect), Sum.Mean - Sum.Std,
                         Sum.Mean + Sum.Std};
  for (const InstanceResult &I : P.Instances)
    Ys.push_back(accuracy(R.S, I.Correct));
  // Instances are whole numbers: no tick between two of them (MinStep 1).
  Chart C(Axis::fit(P.Instances.front().Index, P.Instances.back().Index, 1, -HUGE_VAL, HUGE_VAL, 1),
          accuracyAxis(Ys));
  C.begin(title(R, fmt::format("top-1 accuracy of {} chip instances", P.Instances.size())));
  std::vector<LegendEntry> Entries{
      {"instance", [&C](double X, double Y) { C.dot(X + 10, Y, MarkColour); }}};
  commonLegend(C, Entries);
  C.axes(fmt::format("chip instance (seed = {} + instance)", R.S.Seed), "accuracy (%)");
  C.band(
      Chart::point(Left, C.py(Sum.Mean + Sum.Std)) + Chart::point(Right, C.py(Sum.Mean + Sum.Std)) +
      Chart::point(Right, C.py(Sum.Mean - Sum.Std)) + Chart::point(Left, C.py(Sum.Mean - Sum.Std)));
  C.referenceLine(accuracy(R.S, R.S.ReferenceCorrect));
  C.polyline(Chart::point(Left, C.py(Sum.Mean)) + Chart::point(Right, C.py(Sum.Mean)));
  for (const InstanceResult &I : P.Instances)
    C.dot(C.px(I.Index), C.py(accuracy(R.S, I.Correct)), MarkColour);
  return C.take();
}

} // namespace

std::string plotSvg(const Results &R) { return R.S.Swept ? plotSweep(R) : plotInstances(R); }

} // namespace qnn::eval

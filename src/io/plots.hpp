#pragma once
// Figures for the report, drawn by gnuplot into results/<exp>/plots/:
//   coverage_vs_alpha__<run>__<mode>.svg  test coverage (top) and test TA
//       (bottom) against alpha, TRACER on the last day vs the baseline
//   flywheel__<run>__<mode>.svg           test coverage per day, one line per alpha
//   label_handled__<run>__<mode>.svg      per-label handled rate, weakest first
// <run> is run_token(): "<encoder>__<teacher>[__pool<n>]".
// Beside each image: <stem>.dat (the numbers) and <stem>.gp (the script), so
// `cd plots && gnuplot <stem>.gp` redraws it. A PNG twin is written when
// gnuplot has the pngcairo terminal. Only the primary replay (seed_index 0).
//
// gnuplot is found as $TRACER_GNUPLOT if that is set (set it empty to disable
// plots), else as `gnuplot` on PATH. Without it the .dat/.gp files are still
// written, a warning goes to stderr and the report says so; the report stays
// complete as text.
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "app/experiment_runner.hpp"

namespace tracer {

struct GnuplotStatus {
  bool available = false;
  std::string command;  ///< what is run
  std::string version;  ///< first line of `gnuplot --version`, or why it is unavailable
};
GnuplotStatus find_gnuplot();

struct RenderResult {
  bool svg = false, png = false;
  std::string error;  ///< gnuplot's output when it failed
};

/// Writes dir/<stem>.dat and dir/<stem>.gp, then (when gnuplot is available)
/// renders dir/<stem>.svg and, with pngcairo, dir/<stem>.png. `body` is the
/// gnuplot code after the terminal/output lines; it reads '<stem>.dat'.
/// Images are rendered in a private temporary folder and renamed into place,
/// so a failed render never leaves a half-written image.
RenderResult render_plot(const std::filesystem::path& dir, const std::string& stem, const std::string& dat,
                         const std::string& body, int width, int height, const GnuplotStatus& gnuplot);

/// Per-label handled rates of one artifact set, for the bar chart.
struct LabelRatePlot {
  std::string run_token;  ///< see run_token() in io/artifacts_writer.hpp
  std::string mode;
  std::size_t day = 0;
  double alpha = 0.0;
  double coverage = 0.0;
  std::vector<std::pair<std::string, double>> rates;  ///< (label, handled rate), weakest first
};

/// Writes every plot and returns the report's "Plots" Markdown section (links
/// relative to out_dir, where report.md lives).
std::string write_plots(const ExperimentResult& result, const std::filesystem::path& out_dir,
                        const std::vector<LabelRatePlot>& label_rates);

}  // namespace tracer

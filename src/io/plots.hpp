#pragma once
// Figures for the report, drawn by gnuplot into results/<exp>/plots/:
//   coverage_vs_alpha__<run>__<mode>.svg  test coverage (top) and test TA
//       (bottom) against alpha, TRACER on the last day vs the baseline
//   flywheel__<run>__<mode>.svg           test coverage per day, one line per alpha
//   label_handled__<run>__<mode>.svg      per-label handled rate, weakest first
//   comparison.svg                        coverage and TA against alpha per
//       (encoder, teacher, pool) when an experiment sweeps them
// <run> is run_token(): "<encoder>__<teacher>[__pool<n>]".
// Beside each image: <stem>.dat (the numbers) and <stem>.gp (the script), so
// `cd plots && gnuplot <stem>.gp` redraws it. A PNG twin is written when
// gnuplot has the pngcairo terminal. Only the primary replay (seed_index 0).
// Without gnuplot the .dat/.gp files are still written, a warning goes to
// stderr and the report says so; the report stays complete as text.
#include <string>
#include <utility>
#include <vector>

#include "io/result_files.hpp"
#include "protocol/results.hpp"

namespace tracer {

/// Per-label handled rates of one artifact set, for the bar chart.
struct LabelRatePlot {
  std::string run_token;  ///< see run_token() in io/names.hpp
  std::string mode;
  std::size_t day = 0;
  double alpha = 0.0;
  double coverage = 0.0;
  std::vector<std::pair<std::string, double>> rates;  ///< (label, handled rate), weakest first
};

/// Draws every per-run plot through `sink` and returns the report's "Plots"
/// section (links relative to the results folder, where report.md lives).
std::string plots_markdown(const ExperimentResults& results, const std::vector<LabelRatePlot>& label_rates,
                           PlotSink& sink);

/// Coverage and test TA against alpha, one line per (encoder, teacher, pool)
/// of the primary replays; "" when there is only one.
std::string comparison_plot_markdown(const ExperimentResults& results, PlotSink& sink);

/// Experiments with production arms ([protocol] labels): per (encoder, teacher,
/// pool, mode, alpha) mean coverage and cumulative teacher calls per day, one
/// line per labelling arm; "" without arms.
std::string production_plots_markdown(const ExperimentResults& results, PlotSink& sink);

}  // namespace tracer

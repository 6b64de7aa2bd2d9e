#pragma once
// A results folder as data: every text file a run writes, by relative path,
// produced from the result object before anything touches the disk. Plots are
// drawn through a PlotSink, which records each figure's .dat/.gp text here and
// (when gnuplot is there) renders its images into the folder being built.
#include <filesystem>
#include <map>
#include <string>

namespace tracer {

/// Relative path ("report.md", "artifacts/x.json") -> file content.
using ResultFiles = std::map<std::string, std::string>;

struct GnuplotStatus {
  bool available = false;
  std::string command;  ///< what is run
  std::string version;  ///< first line of `gnuplot --version`, or why it is unavailable
};

struct RenderResult {
  bool svg = false, png = false;
  std::string error;  ///< gnuplot's output when it failed or warned
};

/// Where figures go. The .dat and .gp texts always land in `files` under
/// plots/; images are drawn only when gnuplot is available and an image
/// folder is set.
class PlotSink {
 public:
  /// image_dir: the folder being built's plots/ (empty: draw nothing, e.g. tests).
  PlotSink(ResultFiles& files, GnuplotStatus gnuplot, std::filesystem::path image_dir = {});

  /// Records plots/<stem>.dat and plots/<stem>.gp (the script renders <stem>.svg
  /// and, with pngcairo, <stem>.png) and draws them when it can.
  RenderResult render(const std::string& stem, const std::string& dat, const std::string& body, int width, int height);

  const GnuplotStatus& gnuplot() const { return gnuplot_; }
  ResultFiles& files() { return files_; }

 private:
  ResultFiles& files_;
  GnuplotStatus gnuplot_;
  std::filesystem::path image_dir_;
};

/// gnuplot as $TRACER_GNUPLOT if set (set it empty to disable plots), else
/// `gnuplot` on PATH.
GnuplotStatus find_gnuplot();

}  // namespace tracer

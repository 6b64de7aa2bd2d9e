#include "io/results_folder.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <stdio.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "core/errors.hpp"
#include "io/artifacts_writer.hpp"
#include "io/atomic_file.hpp"
#include "io/manifest.hpp"
#include "io/plots.hpp"
#include "io/production_csvs.hpp"
#include "io/production_report.hpp"
#include "io/report_markdown.hpp"
#include "io/result_csvs.hpp"

namespace tracer {

namespace fs = std::filesystem;

void render_results(const ExperimentResults& r, const BuildInfo& build, PlotSink& sink) {
  ResultFiles& files = sink.files();
  add_result_csvs(r, files);
  add_production_csvs(r, files);
  std::string report = report_markdown(r);
  if (r.info.n_seeds > 1) report += promise_markdown(r);
  report += production_markdown(r);
  const ArtifactOutputs art = artifact_outputs(r, files);
  report += art.markdown;
  report += plots_markdown(r, art.label_rates, sink);
  report += comparison_plot_markdown(r, sink);
  report += production_plots_markdown(r, sink);
  files["report.md"] = std::move(report);
  files["manifest.json"] = manifest_json(r, build);
  files["timings.json"] = timings_json(r);
  files["candidate_timings.csv"] = candidate_timings_csv(r);
}

namespace {

/// True when `dir` is absent, empty, or a results folder tracer-bench wrote.
bool may_replace(const fs::path& dir) {
  if (!fs::exists(dir)) return true;
  if (!fs::is_directory(dir)) return false;
  if (fs::is_empty(dir)) return true;
  const fs::path manifest = dir / "manifest.json";
  if (!fs::is_regular_file(manifest)) return false;
  std::ifstream in(manifest);
  const nlohmann::json m = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  return m.is_object() && m.value("tool", std::string()) == "tracer-bench";
}

/// Removes .<name>.tmp-* siblings left by killed runs.
void remove_leftovers(const fs::path& parent, const std::string& name) {
  const std::string prefix = "." + name + ".tmp-";
  for (const auto& entry : fs::directory_iterator(parent))
    if (entry.path().filename().string().rfind(prefix, 0) == 0) fs::remove_all(entry.path());
}

}  // namespace

void write_results_folder(const fs::path& dir_in, const ExperimentResults& r, const BuildInfo& build) {
  const fs::path dir = fs::absolute(dir_in).lexically_normal();
  const fs::path parent = dir.parent_path();
  const std::string name = dir.filename().string();
  if (name.empty() || name == "." || name == "..")
    throw ConfigError(fmt::format("output_dir '{}' does not name a folder", dir_in.string()));
  if (!may_replace(dir))
    throw ConfigError(
        fmt::format("output_dir '{}' exists and is not a tracer-bench results folder (no manifest.json written by "
                    "tracer-bench); refusing to replace it: choose an empty or new folder",
                    dir.string()));
  fs::create_directories(parent);
  remove_leftovers(parent, name);

  const fs::path tmp = parent / fmt::format(".{}.tmp-{}", name, static_cast<long>(::getpid()));
  fs::create_directories(tmp / "plots");
  ResultFiles files;
  PlotSink sink(files, find_gnuplot(), tmp / "plots");
  render_results(r, build, sink);
  // Manifest last: a folder with a manifest is complete.
  for (const auto& [rel, content] : files)
    if (rel != "manifest.json") write_file_atomic(tmp / rel, content);
  write_file_atomic(tmp / "manifest.json", files.at("manifest.json"));

  if (fs::exists(dir)) {
    // One atomic exchange: readers see the old folder or the new one, never a mix.
    if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, dir.c_str(), RENAME_EXCHANGE) != 0)
      throw std::runtime_error(
          fmt::format("cannot swap '{}' into '{}': {}", tmp.string(), dir.string(), std::strerror(errno)));
    fs::remove_all(tmp);  // now the previous results
  } else {
    fs::rename(tmp, dir);
  }
}

}  // namespace tracer

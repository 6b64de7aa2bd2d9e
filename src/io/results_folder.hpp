#pragma once
// A results folder, rendered from the result object and written as one unit.
//
// render_results() is the whole folder's text in memory (what the in-process
// golden tests check). write_results_folder() builds the folder beside the
// target (<parent>/.<name>.tmp-<pid>), draws the plots into it, writes every
// file with the manifest last, and swaps it in with one atomic rename
// (renameat2 RENAME_EXCHANGE when a previous folder exists), so a killed run
// leaves the previous results untouched and no partial folder. Leftover
// .<name>.tmp-* folders of killed runs are removed on the next write.
//
// A run replaces only what it made: the target must be absent, empty, or a
// previous tracer-bench results folder (its manifest.json says
// "tool": "tracer-bench"); anything else is a ConfigError naming output_dir.
#include <filesystem>

#include "io/provenance.hpp"
#include "io/result_files.hpp"
#include "protocol/results.hpp"

namespace tracer {

/// Every compared file (CSV, Markdown, artifacts JSON, plot data and scripts,
/// manifest) plus timings.json and candidate_timings.csv. Images are drawn by
/// `sink` when it has an image folder.
void render_results(const ExperimentResults& results, const BuildInfo& build, PlotSink& sink);

/// Writes the folder `dir` atomically (see above). Progress-free; throws
/// ConfigError for a target it may not replace, other errors for I/O failures.
void write_results_folder(const std::filesystem::path& dir, const ExperimentResults& results, const BuildInfo& build);

}  // namespace tracer

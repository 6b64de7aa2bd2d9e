#pragma once
// Result files of an experiment (all written atomically):
//   alpha_sweep.csv  day-final TRACER policy per (encoder, teacher, mode, seed, alpha) + baseline
//   flywheel.csv     every day of every replay
//   candidates.csv   every candidate's validation scores per day, and which won
//   cost.csv         teacher calls and dollars per (alpha, day)
//   report.md        the tables for people, beside the paper's numbers
//   manifest.json    resolved config, input sha256s, seed, git revision, versions
//   timings.json     wall times (kept out of the compared files)
// CSV and Markdown are deterministic: same config => same bytes.
#include <filesystem>
#include <string>

#include "app/build_info.hpp"
#include "app/experiment_runner.hpp"

namespace tracer {


void write_results(const ExperimentResult& result, const BuildInfo& build);

/// Shortest round-trip decimal form of x, locale-free ("0.1", "1e-05").
std::string num(double x);

/// Escapes text for a Markdown table cell: pipes, backslashes, newlines, HTML.
std::string md_cell(const std::string& text);

}  // namespace tracer

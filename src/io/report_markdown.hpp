#pragma once
// report.md, the tables for people beside the paper's numbers. Functions of
// the result object alone; the results folder writer (io/results_folder.hpp)
// appends the artifact, plot and comparison sections.
#include <string>

#include "protocol/results.hpp"

namespace tracer {

/// Setup, teachers, encoders, alpha sweeps beside the paper, flywheel per day,
/// comparison across runs, candidates per refit, cost projection, gate decisions.
std::string report_markdown(const ExperimentResults& results);

/// The certified gates' guarantee in one paragraph, with its conditions.
std::string guarantee_markdown(double delta, std::size_t days);

/// "Does the gate keep its promise?": multi-seed experiments only.
std::string promise_markdown(const ExperimentResults& results);

}  // namespace tracer

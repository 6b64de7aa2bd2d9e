#pragma once
// Turns replays into everything the writers print: seed summaries, cost
// projections, artifacts. Called once per experiment (a plain run and a merge
// of work units call it alike), so no writer ever computes.
#include "protocol/results.hpp"

namespace tracer {

/// Fills the derived members of `results` (seed_summaries, unit_cost, costs,
/// artifacts, primary_runs) from info and runs. Throws InternalError when a
/// run lacks its test view or its arrays disagree in length.
void analyse_experiment(ExperimentResults& results);

/// Whether an outcome's test_decision carries real surrogate predictions: a
/// deployed policy always does; for a refused one the replay stores zeros
/// unless it records the selected surrogate's predictions (non-zero scores).
bool predictions_recorded(const DayOutcome& outcome);

/// The outcome of `run` on (day, mode, alpha), or nullptr.
const DayOutcome* find_outcome(const RunResult& run, std::size_t day, GateMode mode, double alpha);

/// The baseline outcome of `run` at alpha, or nullptr.
const BaselineOutcome* find_baseline(const RunResult& run, double alpha);

/// The alpha the report's artifact section shows: 0.95 (the paper's artifact
/// setting) when swept, else the highest alpha of the sweep.
double shown_artifact_alpha(const ProtocolSettings& protocol);

}  // namespace tracer

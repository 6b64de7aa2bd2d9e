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

}  // namespace tracer

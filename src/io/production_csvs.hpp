#pragma once
// The production-flywheel tables ([protocol] labels beyond "all"), functions
// of the result object alone (docs/production_flywheel.md):
//   production_flywheel.csv  every (run, labelling arm, mode, alpha, day): policy, test figures, the day's bill
//   production_summary.csv   per (encoder, teacher, pool, arm, mode, alpha, day) over the seeds: coverage,
//                            test TA, violation rates with exact bounds and the verdict, mean bills
//   production_cost.csv      per (encoder, teacher, pool, arm, mode, alpha): the verdict over all days, the
//                            replay's teacher spend and the annual projection at the last day's policy
#include "io/result_files.hpp"
#include "protocol/results.hpp"

namespace tracer {

/// Adds the three files when the experiment has production arms.
void add_production_csvs(const ExperimentResults& results, ResultFiles& files);

}  // namespace tracer

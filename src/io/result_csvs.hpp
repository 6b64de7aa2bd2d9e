#pragma once
// The CSV files of a results folder, each declared once as a column table
// (io/csv_table.hpp). Functions of the result object alone.
//   alpha_sweep.csv        day-final TRACER policy per (encoder, teacher, pool, mode, seed, alpha) + baseline
//   flywheel.csv           every day of every replay
//   candidates.csv         every candidate's validation scores per refit, and which won
//   cost.csv               teacher calls and dollars per (alpha, day), TRACER and baseline
//   seed_summary.csv       multi-seed experiments: spread and violation rate per (mode, alpha, day)
//   candidate_timings.csv  fit seconds per refit (wall time: kept out of compared files)
#include "io/result_files.hpp"
#include "protocol/results.hpp"

namespace tracer {

/// Adds every compared CSV of `results` to `files`.
void add_result_csvs(const ExperimentResults& results, ResultFiles& files);

/// candidate_timings.csv (not reproducible: wall times).
std::string candidate_timings_csv(const ExperimentResults& results);

}  // namespace tracer

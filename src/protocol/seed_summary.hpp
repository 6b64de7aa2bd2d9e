#pragma once
// Does the gate keep its promise? Aggregates independent seeded replays of the
// same (encoder, teacher) per (gate mode, alpha, day): the spread of coverage,
// test TA and ground-truth accuracy, and the violation rate = the share of
// replays whose deployed policy had test TA below alpha.
#include <vector>

#include "protocol/replay.hpp"

namespace tracer {

struct MeanInterval {
  double mean = 0.0;
  double lo = 0.0, hi = 0.0;  ///< 95% interval of the mean: mean -/+ t_{0.975, n-1} sd / sqrt(n)
  std::size_t n = 0;          ///< replays that contributed
};

struct SeedSummary {
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t day = 0;
  std::size_t replays = 0, deployed = 0;
  MeanInterval coverage;              ///< over all replays (a refusal counts as 0)
  MeanInterval test_ta;               ///< over replays that handled something
  MeanInterval gt_accuracy;           ///< over all replays
  MeanInterval cal_test_gap;          ///< calibration TA minus test TA, over deployed replays
  std::size_t violations = 0;         ///< deployed replays with test TA < alpha
  double violation_rate = 0.0;        ///< violations / replays
  double violation_rate_upper = 0.0;  ///< exact 95% upper confidence bound of the rate (Clopper-Pearson)
  double p_rate_above_delta = 1.0;    ///< exact p-value of "rate <= delta" given the count (certified mode)
};

/// `replays` are results of the same settings with different seeds. delta is
/// the certified mode's promised failure rate, used for p_rate_above_delta.
std::vector<SeedSummary> summarize_seeds(const std::vector<const ReplayResult*>& replays, double delta);

MeanInterval mean_interval(const std::vector<double>& values);

}  // namespace tracer

#pragma once
// Does the gate keep its promise? Aggregates independent seeded replays of the
// same (encoder, teacher, pool) per (gate mode, alpha, day): the spread of
// coverage, test TA and ground-truth accuracy, violation rates with exact
// bounds, day-to-day stability, and a verdict by a rule fixed in advance.
//
// The rule (stated in the report as well). A certified mode promises
// P(TA(deployed) < alpha) <= delta' per decision, where TA is the population
// agreement of the deployed policy and delta' is delta (certified-flywheel:
// delta / days per day, delta over the whole flywheel); a refusal is never a
// violation. A finite test set only estimates TA, so two rates are counted
// over the independent seeds:
//  - plain: the deployed policy's test TA < alpha. Test noise alone makes this
//    happen up to about half the time for a policy whose TA is exactly alpha.
//  - clear: the test TA's exact two-sided 95% upper bound (one-sided 97.5%
//    Clopper-Pearson) < alpha, which implies TA < alpha with at most 2.5% error.
// The promise is contradicted if the exact one-sided 95% lower bound of the
// clear rate exceeds delta' + 0.025, or that of the plain rate exceeds
// delta' + 0.5. With seeds that share the data (published split) the seeds are
// not independent and the verdict is descriptive only.
#include <vector>

#include "protocol/replay.hpp"

namespace tracer {

struct MeanInterval {
  double mean = 0.0;
  double lo = 0.0, hi = 0.0;  ///< 95% interval of the mean: mean -/+ t_{0.975, n-1} sd / sqrt(n)
  std::size_t n = 0;          ///< replays that contributed
};

/// A count of events over independent trials with its exact one-sided 95%
/// bounds (Clopper-Pearson).
struct RateBounds {
  std::size_t events = 0, trials = 0;
  double rate = 0.0, lower95 = 0.0, upper95 = 1.0;
};
RateBounds rate_bounds(std::size_t events, std::size_t trials);

/// The clear-violation test of one deployed policy on the test set: the
/// exact upper bound of its test TA at this level (one-sided; 0.025 = the
/// two-sided 95% interval's upper end) is below alpha.
inline constexpr double kClearViolationLevel = 0.025;
bool clear_violation(const SplitStats& test, double alpha);

/// The fixed margins of the verdict rule (see the file comment).
inline constexpr double kClearMargin = 0.025;
inline constexpr double kPlainMargin = 0.5;
/// A test-coverage drop of more than this from one day to the next counts as
/// unstable.
inline constexpr double kStabilityDrop = 0.20;

/// The per-decision failure rate a mode promises (0: no promise, paper mode).
double promised_delta_per_day(GateMode mode, const GateSettings& gate, std::size_t days);

/// The verdict rule on a plain and a clear count against a promised delta.
bool promise_contradicted(const RateBounds& plain, const RateBounds& clear, double delta);

struct SeedSummary {
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t day = 0;
  std::size_t replays = 0, deployed = 0;
  MeanInterval coverage;            ///< over all replays (a refusal counts as 0)
  MeanInterval test_ta;             ///< over replays that handled something
  MeanInterval gt_accuracy;         ///< over all replays
  MeanInterval cal_test_gap;        ///< calibration TA minus test TA, over deployed replays
  RateBounds violation;             ///< deployed replays with test TA < alpha, over all replays
  RateBounds clear_violation;       ///< deployed replays whose test TA's exact 95% upper bound < alpha
  RateBounds coverage_drop;         ///< replays whose test coverage fell by > 20 points from the day before (day >= 2)
  double promised_delta = 0.0;      ///< the mode's per-day promise (0: none)
  bool contradicted = false;        ///< the verdict rule on this row (false when there is no promise)
  double p_rate_above_delta = 1.0;  ///< exact p-value of "rate <= promised delta" given the plain count
};

/// One (mode, alpha) over all days and replays.
struct GateVerdict {
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t replays = 0;
  double mean_coverage = 0.0;       ///< over replays and days
  RateBounds any_day_violation;     ///< replays with a plain violation on some day
  RateBounds any_day_clear;         ///< replays with a clear violation on some day
  RateBounds unstable_transitions;  ///< (replay, day) transitions with a > 20-point coverage drop
  double promised_delta = 0.0;      ///< per day (per flywheel for certified-flywheel); 0: none
  /// certified-flywheel: the rule on the any-day rates against delta; other
  /// certified modes: the rule on some day's rates against delta.
  bool contradicted = false;
};

/// The outcomes of independent replays of the same settings, one list per
/// replay (a ReplayResult's outcomes, or one production arm's).
using OutcomeSets = std::vector<const std::vector<DayOutcome>*>;
OutcomeSets outcome_sets(const std::vector<const ReplayResult*>& replays);
std::vector<SeedSummary> summarize_seeds(const OutcomeSets& replays, const GateSettings& gate, std::size_t days);
std::vector<GateVerdict> gate_verdicts(const OutcomeSets& replays, const std::vector<SeedSummary>& rows,
                                       const GateSettings& gate, std::size_t days);

/// `replays` are results of the same settings with different seeds.
std::vector<SeedSummary> summarize_seeds(const std::vector<const ReplayResult*>& replays, const GateSettings& gate,
                                         std::size_t days);
std::vector<GateVerdict> gate_verdicts(const std::vector<const ReplayResult*>& replays,
                                       const std::vector<SeedSummary>& rows, const GateSettings& gate,
                                       std::size_t days);

MeanInterval mean_interval(const std::vector<double>& values);

}  // namespace tracer

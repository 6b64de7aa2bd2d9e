#pragma once
// The flywheel as it runs in production ([protocol] labels = "deferred" or
// "deferred-no-audit"): once a policy is live, the inputs it answers never
// reach the teacher, so only deferred inputs (and an audit sample) become
// traces. See docs/production_flywheel.md for the design and its reasoning.
//
// Timeline of one production arm for one (gate mode, alpha):
//  - day 1: the whole batch is labelled, split and gated exactly as in the
//    paper's protocol (so day 1 equals the "all" replay's day 1);
//  - day t >= 2: the batch is routed by the policy deployed on day t-1; the
//    inputs it defers and the audit sample are labelled (teacher calls); then
//    the day-t refit and gate run, and the new policy routes day t+1.
// kDeferred: the audited rows of day t are the cal + shadow rows of the day-t
// gate (split in halves) and train from day t+1 on; deferred rows that were
// not audited join the training traces at once. Only the day's fresh audit
// sample calibrates: the day-t training set depends on the thresholds of
// earlier days, hence on earlier audit rows, so only fresh audit rows are
// independent of the model they calibrate, which is what the certified gate's
// guarantee needs. kDeferredNoAudit: every labelled row joins one pool that is
// split like the paper's (train / val / cal / shadow), biased toward the
// inputs the surrogate found hard.
#include <armadillo>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "protocol/replay.hpp"
#include "protocol/settings.hpp"

namespace tracer {

/// One day's labelling in a production arm (pool row indices, in batch order).
struct DayLabels {
  arma::uvec deferred;     ///< rows the previous day's policy deferred
  arma::uvec audited;      ///< the audit sample of all the day's rows (kDeferred only)
  arma::uvec labelled;     ///< deferred or audited: the day's teacher calls
  arma::uvec train_new;    ///< rows that join the training traces today
  arma::uvec calibration;  ///< rows the day's gate calibrates on (kDeferred: the audit sample)
};

/// Labels one day of traffic. batch: the day's pool rows in arrival order;
/// handled: 1 where the previous day's policy answered the row (same length).
/// The audit sample is the first round(audit_rate * n) rows of a seeded
/// permutation of the batch, so a smaller rate's sample is nested in a
/// larger one's (the arms share their random numbers). kDeferredNoAudit takes
/// no audit sample (audit_rate must be 0); kAll is not a production arm.
DayLabels label_day(LabelsMode mode, const arma::uvec& batch, const arma::uvec& handled, double audit_rate,
                    std::uint64_t seed);

/// The arms [protocol] labels and audit_rates ask for beyond "all", in order:
/// one per audit rate for "deferred", one for "deferred-no-audit".
std::vector<std::pair<LabelsMode, double>> production_arm_list(const ProtocolSettings& settings);

/// Replays every production arm. batches[d]: the pool rows arriving on day
/// d + 1 (the paper replay's days); day1_split: the paper replay's day-1
/// split of batches[0]. Deterministic for a seed at any thread count.
std::vector<ProductionArm> run_production_arms(const ReplayData& data, const ProtocolSettings& settings,
                                               std::uint64_t seed, const std::vector<arma::uvec>& batches,
                                               const std::vector<arma::uvec>& day1_split,
                                               const std::function<void(const std::string&)>& progress);

}  // namespace tracer

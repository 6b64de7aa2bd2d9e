#pragma once
// The steps of one replay day, shared by the paper's flywheel (replay.cpp)
// and the production arms (production.cpp), so both fit, select and gate on
// the very same code path. Internal to the protocol layer.
#include <armadillo>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "core/acceptor.hpp"
#include "core/policy.hpp"
#include "protocol/replay.hpp"

namespace tracer::replay_steps {

/// The four disjoint parts of one day's traces (row indices into the pool).
struct DaySplit {
  arma::uvec train, val, cal, shadow;
};

/// What a fitted candidate leaves behind: its probabilities on every split the
/// protocol evaluates (the model itself is dropped to bound memory), and on
/// the rows it will route next (production arms: the next day's batch).
struct FittedCandidate {
  CandidateRecord record;
  arma::mat probs_val, probs_cal, probs_shadow, probs_test, probs_route;
};

SplitStats stats_of(const RoutingDecision& d, const arma::uvec& teacher);

/// Ground-truth correct answers: the surrogate's on handled rows, the teacher's on deferred ones.
std::size_t gt_correct(const RoutingDecision& d, const arma::uvec& teacher, const arma::uvec& truth);

/// Fits one candidate on split.train; a TrainingError is recorded, anything
/// else propagates. route_rows (may be null): pool rows to predict as well.
FittedCandidate fit_candidate(const ReplayData& data, const DaySplit& split, const CandidateSpec& spec, std::size_t day,
                              std::uint64_t seed, const arma::uvec* route_rows);

/// The trained candidate with the best validation macro-F1 (strict >, so ties
/// go to the earlier one), or nullptr.
const FittedCandidate* select_best(std::span<const FittedCandidate> fitted);

/// Per row: 1 where the surrogate's argmax equals the teacher's label.
arma::uvec agreement_of(const arma::mat& probs, const arma::uvec& teacher);

/// Decides and evaluates the policy for one (day, mode, alpha) given the
/// selected candidate's probabilities and the fitted acceptor. A split with no
/// cal and no shadow rows deploys nothing ("no calibration rows").
/// deployed_out (may be null) receives the deployed policy.
DayOutcome decide_day(const ReplayData& data, const DaySplit& split, const FittedCandidate* best,
                      const std::shared_ptr<const Acceptor>& acceptor, GateMode mode, double alpha,
                      const GateSettings& gate, std::size_t days, RoutingPolicy* deployed_out);

}  // namespace tracer::replay_steps

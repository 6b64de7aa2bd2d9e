#pragma once
// A routing policy and the parity gate that decides whether it is served.
//
// The gate evaluates a candidate policy by calling RoutingPolicy::route(), the
// very function the router serves with: the rule that is checked is the rule
// that is deployed (the Python reference's gate checked a different rule than
// its router served, and never noticed NaN probabilities).
#include <armadillo>
#include <memory>
#include <string>

#include "core/acceptor.hpp"
#include "core/surrogate.hpp"

namespace tracer {

enum class Family { kNone, kGlobal, kL2D };
std::string family_name(Family f);

/// What a policy does with a batch: per row the surrogate's label, the
/// acceptor score, and whether the surrogate handles it (else: the teacher).
struct RoutingDecision {
  arma::uvec prediction;  ///< surrogate's label for every row (used where handled)
  arma::vec score;        ///< acceptor score (1 for Global)
  arma::uvec handled;     ///< 1 = surrogate answers, 0 = deferred to the teacher
};

struct RoutingPolicy {
  Family family = Family::kNone;
  std::shared_ptr<const Surrogate> surrogate;  ///< null for kNone
  std::shared_ptr<const Acceptor> acceptor;    ///< only for kL2D
  double threshold = 1.0;                      ///< accept iff score >= threshold (kL2D)

  /// Routes X (n x d). kNone defers everything.
  RoutingDecision route(const arma::mat& X) const;
  /// The same rule applied to precomputed surrogate probabilities (n x K), so
  /// callers that already have them do not run the surrogate twice.
  RoutingDecision route_probabilities(const arma::mat& probs) const;
};

/// Coverage and teacher agreement of a routing decision against teacher labels.
struct RoutingStats {
  std::size_t n = 0, handled = 0, agree_handled = 0;
  double coverage() const { return n ? static_cast<double>(handled) / static_cast<double>(n) : 0.0; }
  /// TA among handled rows; 0 when nothing is handled (callers check `handled`).
  double teacher_agreement() const {
    return handled ? static_cast<double>(agree_handled) / static_cast<double>(handled) : 0.0;
  }
};
RoutingStats routing_stats(const RoutingDecision& d, const arma::uvec& teacher);

}  // namespace tracer

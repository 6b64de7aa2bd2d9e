#pragma once
// A routing policy and the parity gate that decides whether it is served.
//
// One routing rule, written once: route_probability_row() decides one row
// (label, score, handled) and accepts() is the accept rule inside it. The gate
// (RoutingPolicy::route / route_probabilities, batch) loops over
// route_probability_row, and the router (Router::route_row, one live query)
// calls it too, so the rule that is checked is the rule that is deployed, to
// the bit (the Python reference's gate checked a different rule than its
// router served, and never noticed NaN probabilities).
#include <armadillo>
#include <memory>
#include <string>

#include "core/acceptor.hpp"
#include "core/surrogate.hpp"

namespace tracer {

enum class Family { kNone, kGlobal, kL2D };
std::string family_name(Family f);

/// The accept rule: kNone never, kGlobal always, kL2D iff score >= threshold
/// (so a NaN score is never accepted).
bool accepts(Family family, double score, double threshold);

/// What a policy does with one row.
struct RouteResult {
  arma::uword label = 0;  ///< surrogate's label (meaningful when handled)
  double score = 0.0;     ///< acceptor score (1 for Global, 0 for None)
  bool handled = false;   ///< false: send the query to the teacher
};

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

  /// Routes X (n x d) with the probabilities the router serves
  /// (serving_probabilities). kNone defers everything. Rows are split across
  /// n_threads (0 = all hardware threads) in fixed chunks: the decision does
  /// not depend on the thread count.
  RoutingDecision route(const arma::mat& X, std::size_t n_threads = 1) const;
  /// The same rule applied to precomputed surrogate probabilities (n x K), so
  /// callers that already have them do not run the surrogate twice: row i is
  /// route_probability_row(*this, row i).
  RoutingDecision route_probabilities(const arma::mat& probs) const;
};

/// Routes one probability row: p[k * stride] for k < K (ignored for kNone).
/// label = first index of the largest probability (as argmax_rows), score =
/// the acceptor's score_row (1 for kGlobal, 0 for kNone), handled =
/// accepts(family, score, threshold). The one per-row routine behind both
/// the gate and the router.
RouteResult route_probability_row(const RoutingPolicy& policy, const double* p, std::size_t K, std::size_t stride = 1);

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

#pragma once
// Serving one query at a time, with exactly the rule the gate evaluated.
//
// serving_probabilities() is how every split of the protocol (validation,
// calibration, shadow, test) gets its surrogate probabilities, and Router is
// how a single live query is answered. Both go through the model's single-row
// path when it has one (RowPredictor), and both score with
// Acceptor::score_row, so a calibrated threshold means the same thing in the
// gate and in production, to the last bit.
#include <armadillo>

#include "core/policy.hpp"

namespace tracer {

/// n x K probabilities of X as the router serves them.
arma::mat serving_probabilities(const Surrogate& surrogate, const arma::mat& X);

struct RouteResult {
  arma::uword label = 0;  ///< surrogate's label (meaningful when handled)
  double score = 0.0;     ///< acceptor score (1 for Global)
  bool handled = false;   ///< false: send the query to the teacher
};

class Router {
 public:
  explicit Router(RoutingPolicy policy);

  /// Routes one query x[0..d). Allocation-free after the first call on a thread
  /// for models with a single-row path.
  RouteResult route_row(const double* x, std::size_t d) const;

  const RoutingPolicy& policy() const { return policy_; }

 private:
  RoutingPolicy policy_;
  const class RowPredictor* fast_ = nullptr;  // the surrogate's single-row path, if any
};

}  // namespace tracer

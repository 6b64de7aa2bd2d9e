#include "core/policy.hpp"

#include <stdexcept>

#include "core/metrics.hpp"
#include "core/router.hpp"

namespace tracer {

std::string family_name(Family f) {
  switch (f) {
    case Family::kNone: return "none";
    case Family::kGlobal: return "global";
    case Family::kL2D: return "l2d";
  }
  return "?";
}

RoutingDecision RoutingPolicy::route_probabilities(const arma::mat& probs) const {
  RoutingDecision d;
  const arma::uword n = probs.n_rows;
  if (family == Family::kNone) {
    d.prediction.zeros(n);
    d.score.zeros(n);
    d.handled.zeros(n);
    return d;
  }
  d.prediction = argmax_rows(probs);
  if (family == Family::kGlobal) {
    d.score.ones(n);
    d.handled.ones(n);
    return d;
  }
  if (!acceptor) throw std::logic_error("L2D policy without an acceptor");
  d.score = acceptor->score(probs);
  d.handled = arma::conv_to<arma::uvec>::from(d.score >= threshold);
  return d;
}

RoutingDecision RoutingPolicy::route(const arma::mat& X) const {
  if (family == Family::kNone) return route_probabilities(arma::mat(X.n_rows, 1, arma::fill::zeros));
  if (!surrogate) throw std::logic_error("policy without a surrogate");
  return route_probabilities(serving_probabilities(*surrogate, X));
}

RoutingStats routing_stats(const RoutingDecision& d, const arma::uvec& teacher) {
  if (teacher.n_elem != d.handled.n_elem) throw std::invalid_argument("routing_stats: size mismatch");
  RoutingStats s;
  s.n = teacher.n_elem;
  for (arma::uword i = 0; i < s.n; ++i) {
    if (!d.handled[i]) continue;
    ++s.handled;
    if (d.prediction[i] == teacher[i]) ++s.agree_handled;
  }
  return s;
}

}  // namespace tracer

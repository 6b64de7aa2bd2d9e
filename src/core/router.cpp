#include "core/router.hpp"

#include <vector>

#include "core/errors.hpp"

namespace tracer {

arma::mat serving_probabilities(const Surrogate& surrogate, const arma::mat& X) {
  const std::size_t K = surrogate.n_classes();
  arma::mat P(X.n_rows, K);
  std::vector<double> row(X.n_cols), out(K);
  for (arma::uword i = 0; i < X.n_rows; ++i) {
    for (arma::uword j = 0; j < X.n_cols; ++j) row[j] = X(i, j);
    surrogate.predict_proba_row(row.data(), row.size(), out.data());
    for (std::size_t k = 0; k < K; ++k) P(i, k) = out[k];
  }
  return P;
}

Router::Router(RoutingPolicy policy) : policy_(std::move(policy)) {
  TRACER_CHECK(policy_.family == Family::kNone || policy_.surrogate, "Router: a deployed policy needs a surrogate");
}

RouteResult Router::route_row(const double* x, std::size_t d) const {
  if (policy_.family == Family::kNone) return RouteResult{};
  const std::size_t K = policy_.surrogate->n_classes();
  thread_local std::vector<double> probs;
  probs.resize(K);
  policy_.surrogate->predict_proba_row(x, d, probs.data());
  return route_probability_row(policy_, probs.data(), K);
}

}  // namespace tracer

#include "core/router.hpp"

#include <vector>

#include "core/errors.hpp"

namespace tracer {

arma::mat serving_probabilities(const Surrogate& surrogate, const arma::mat& X) {
  // Rows are read from X transposed (one contiguous column per row) and
  // written as columns of P^T: reading row i of a column-major X in place
  // touches d cache lines, one per feature. The values and the row path are
  // the same, so the probabilities are the same bits.
  const std::size_t K = surrogate.n_classes();
  // No rows: Armadillo 11's transpose of a K x 0 matrix reads element (k, 0)
  // of a null buffer (UBSan: reference binding to null pointer).
  if (X.n_rows == 0) return arma::mat(0, K);
  const arma::mat Xt = X.t();
  arma::mat Pt(K, X.n_rows);
  for (arma::uword i = 0; i < X.n_rows; ++i) surrogate.predict_proba_row(Xt.colptr(i), Xt.n_rows, Pt.colptr(i));
  return Pt.t();
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

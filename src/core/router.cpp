#include "core/router.hpp"

#include <algorithm>
#include <vector>

#include "core/errors.hpp"
#include "core/parallel.hpp"

namespace tracer {

arma::mat serving_probabilities_by_column(const Surrogate& surrogate, const arma::mat& X, std::size_t n_threads) {
  // Chunks of rows, each written to its own columns of P^T (K x n, one
  // contiguous column per row), so the result does not depend on the thread
  // count; within a chunk the model's predict_proba_rows reads X in place
  // (the affine models: 4 rows per pass over the weights) with the row
  // path's bits.
  const std::size_t K = surrogate.n_classes(), n = X.n_rows;
  arma::mat Pt(K, n);
  if (n == 0) return Pt;
  const std::size_t n_chunks = (n + kServingChunkRows - 1) / kServingChunkRows;
  parallel_for(n_chunks, resolve_threads(n_threads), [&](std::size_t c) {
    const std::size_t first = c * kServingChunkRows, count = std::min(kServingChunkRows, n - first);
    surrogate.predict_proba_rows(X, first, count, Pt.colptr(first));
  });
  return Pt;
}

arma::mat serving_probabilities(const Surrogate& surrogate, const arma::mat& X, std::size_t n_threads) {
  // No rows: Armadillo 11's transpose of a K x 0 matrix reads element (k, 0)
  // of a null buffer (UBSan: reference binding to null pointer).
  if (X.n_rows == 0) return arma::mat(0, surrogate.n_classes());
  return serving_probabilities_by_column(surrogate, X, n_threads).t();
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

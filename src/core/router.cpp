#include "core/router.hpp"

#include <stdexcept>
#include <vector>

#include "core/models/row_predictor.hpp"

namespace tracer {

arma::mat serving_probabilities(const Surrogate& surrogate, const arma::mat& X) {
  const auto* fast = dynamic_cast<const RowPredictor*>(&surrogate);
  if (!fast) return surrogate.predict_proba(X);
  const std::size_t K = surrogate.n_classes();
  arma::mat P(X.n_rows, K);
  std::vector<double> row(X.n_cols), out(K);
  for (arma::uword i = 0; i < X.n_rows; ++i) {
    for (arma::uword j = 0; j < X.n_cols; ++j) row[j] = X(i, j);
    fast->predict_proba_row(row.data(), out.data());
    for (std::size_t k = 0; k < K; ++k) P(i, k) = out[k];
  }
  return P;
}

Router::Router(RoutingPolicy policy) : policy_(std::move(policy)) {
  if (policy_.family != Family::kNone && !policy_.surrogate)
    throw std::invalid_argument("Router: a deployed policy needs a surrogate");
  if (policy_.surrogate) fast_ = dynamic_cast<const RowPredictor*>(policy_.surrogate.get());
}

RouteResult Router::route_row(const double* x, std::size_t d) const {
  RouteResult r;
  if (policy_.family == Family::kNone) return r;
  const std::size_t K = policy_.surrogate->n_classes();
  thread_local std::vector<double> probs;
  probs.resize(K);
  if (fast_) {
    fast_->predict_proba_row(x, probs.data());
  } else {
    const arma::mat P = policy_.surrogate->predict_proba(arma::mat(const_cast<double*>(x), 1, d, false, true));
    for (std::size_t k = 0; k < K; ++k) probs[k] = P(0, k);
  }
  std::size_t best = 0;
  for (std::size_t k = 1; k < K; ++k)
    if (probs[k] > probs[best]) best = k;  // ties: first column, as argmax_rows
  r.label = best;
  if (policy_.family == Family::kGlobal) {
    r.score = 1.0;
    r.handled = true;
    return r;
  }
  r.score = policy_.acceptor->score_row(probs.data(), K);
  r.handled = r.score >= policy_.threshold;
  return r;
}

}  // namespace tracer

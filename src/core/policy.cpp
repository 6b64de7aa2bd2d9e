#include "core/policy.hpp"

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/router.hpp"

#include <algorithm>

namespace tracer {

std::string family_name(Family f) {
  switch (f) {
    case Family::kNone:
      return "none";
    case Family::kGlobal:
      return "global";
    case Family::kL2D:
      return "l2d";
  }
  return "?";
}

bool accepts(Family family, double score, double threshold) {
  switch (family) {
    case Family::kNone:
      return false;
    case Family::kGlobal:
      return true;
    case Family::kL2D:
      return score >= threshold;
  }
  return false;
}

RouteResult route_probability_row(const RoutingPolicy& policy, const double* p, std::size_t K, std::size_t stride) {
  RouteResult r;
  if (policy.family == Family::kNone) return r;
  std::size_t best = 0;  // ties: first column, as argmax_rows
  if (stride == 1) {     // the router's contiguous row: the same comparisons, no index products
    for (std::size_t k = 1; k < K; ++k)
      if (p[k] > p[best]) best = k;
  } else {
    for (std::size_t k = 1; k < K; ++k)
      if (p[k * stride] > p[best * stride]) best = k;
  }
  r.label = best;
  if (policy.family == Family::kGlobal) {
    r.score = 1.0;
  } else {
    TRACER_CHECK(policy.acceptor, "L2D policy without an acceptor");
    r.score = policy.acceptor->score_row(p, K, stride);
  }
  r.handled = accepts(policy.family, r.score, policy.threshold);
  return r;
}

namespace {

// The one batch loop of the rule: row i's K probabilities at
// base + i * row_step, entry k at [k * stride]; rows in fixed chunks of
// kServingChunkRows across n_threads (each row writes only its own slots).
RoutingDecision route_rows(const RoutingPolicy& policy, const double* base, arma::uword n, std::size_t K,
                           std::size_t row_step, std::size_t stride, std::size_t n_threads) {
  RoutingDecision d;
  d.prediction.set_size(n);
  d.score.set_size(n);
  d.handled.set_size(n);
  parallel_for((n + kServingChunkRows - 1) / kServingChunkRows, resolve_threads(n_threads), [&](std::size_t c) {
    const arma::uword first = c * kServingChunkRows, last = std::min<arma::uword>(n, first + kServingChunkRows);
    for (arma::uword i = first; i < last; ++i) {
      const RouteResult r = route_probability_row(policy, base + i * row_step, K, stride);
      d.prediction[i] = r.label;
      d.score[i] = r.score;
      d.handled[i] = r.handled ? 1 : 0;
    }
  });
  return d;
}

}  // namespace

RoutingDecision RoutingPolicy::route_probabilities(const arma::mat& probs) const {
  return route_rows(*this, probs.memptr(), probs.n_rows, probs.n_cols, 1, probs.n_rows, 1);
}

RoutingDecision RoutingPolicy::route(const arma::mat& X, std::size_t n_threads) const {
  if (family == Family::kNone) return route_probabilities(arma::mat(X.n_rows, 1, arma::fill::zeros));
  TRACER_CHECK(surrogate, "policy without a surrogate");
  // The probabilities as computed (column i = row i), each row routed from
  // its contiguous column: the values route_probabilities would read from
  // the n x K matrix, without the transposed copy.
  const arma::mat Pt = serving_probabilities_by_column(*surrogate, X, n_threads);
  return route_rows(*this, Pt.memptr(), X.n_rows, Pt.n_rows, Pt.n_rows, 1, n_threads);
}

RoutingStats routing_stats(const RoutingDecision& d, const arma::uvec& teacher) {
  TRACER_CHECK(teacher.n_elem == d.handled.n_elem, "routing_stats: size mismatch");
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

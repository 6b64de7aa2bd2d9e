#pragma once
// Serving one query at a time, with exactly the rule the gate evaluated.
//
// serving_probabilities() is how every split of the protocol (validation,
// calibration, shadow, test) gets its surrogate probabilities, and Router is
// how a single live query is answered. Both go through the model's single-row
// path (Surrogate::predict_proba_row, or its block form predict_proba_rows,
// which gives the same bits row by row), and both decide with
// route_probability_row (policy.hpp), so a calibrated threshold means the same
// thing in the gate and in production, to the last bit.
#include <armadillo>
#include <cstddef>

#include "core/policy.hpp"

namespace tracer {

/// Rows per task when a batch is split across threads (serving and routing):
/// fixed, so results do not depend on the thread count.
inline constexpr std::size_t kServingChunkRows = 256;

/// n x K probabilities of X (n x d) as the router serves them: row i is
/// surrogate.predict_proba_row(row i of X), to the bit, at any n_threads
/// (rows are split across threads in fixed chunks; 0 = all hardware threads).
arma::mat serving_probabilities(const Surrogate& surrogate, const arma::mat& X, std::size_t n_threads = 1);
/// The same probabilities transposed, K x n (column i = row i of X), as they
/// are computed: routing reads them from here with no transposed copy.
arma::mat serving_probabilities_by_column(const Surrogate& surrogate, const arma::mat& X, std::size_t n_threads = 1);

class Router {
 public:
  /// A policy other than kNone must have a surrogate (InternalError otherwise).
  explicit Router(RoutingPolicy policy);

  /// Routes one query. x: d doubles, d = the surrogate's fitted feature count.
  /// Allocation-free after the first call on a thread for models whose row
  /// path is (linear models, MLPs, trees).
  RouteResult route_row(const double* x, std::size_t d) const;

  const RoutingPolicy& policy() const { return policy_; }

 private:
  RoutingPolicy policy_;
};

}  // namespace tracer

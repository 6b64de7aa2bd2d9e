#pragma once
#include <armadillo>

namespace tracer {

/// Row-wise log-sum-exp of an n x K matrix (stable for any finite input).
arma::vec log_sum_exp_rows(const arma::mat& Z);

/// Row-wise softmax, computed as exp(Z - lse(Z)): never NaN for finite Z,
/// rows sum to 1 up to rounding.
arma::mat softmax_rows(const arma::mat& Z);

}  // namespace tracer

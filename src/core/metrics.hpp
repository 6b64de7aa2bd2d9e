#pragma once
#include <armadillo>

namespace tracer {

/// Share of positions where a == b. Returns 0 for empty input.
double accuracy(const arma::uvec& a, const arma::uvec& b);

/// Macro-averaged F1 over the labels present in y_true or y_pred (the
/// scikit-learn convention, zero_division = 0).
double macro_f1(const arma::uvec& y_true, const arma::uvec& y_pred);

/// Index of the largest value of each row; ties go to the first column.
arma::uvec argmax_rows(const arma::mat& P);

}  // namespace tracer

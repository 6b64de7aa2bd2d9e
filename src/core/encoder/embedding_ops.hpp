#pragma once
// Row-wise helpers shared by the sentence encoders.
#include <armadillo>

namespace tracer {

/// Scales each row of X (n x d) to unit Euclidean norm, in place. A row whose
/// norm is zero (e.g. a text with no known term) stays all-zero rather than
/// becoming NaN; callers that care can count such rows with zero_rows().
void l2_normalize_rows(arma::mat& X);

/// Number of rows of X that are entirely zero.
arma::uword zero_rows(const arma::mat& X);

/// Sentence-pair features (InferSent-style, used for MNLI): for row-aligned
/// u, v (n x d) returns the n x 4d matrix [u, v, |u - v|, u .* v].
/// Throws InternalError if the shapes differ (the caller aligns the rows).
arma::mat pair_features(const arma::mat& u, const arma::mat& v);

}  // namespace tracer

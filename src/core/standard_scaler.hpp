#pragma once
#include <armadillo>

namespace tracer {

/// Per-feature standardisation, (x - mean) / std, with population std; a
/// constant feature keeps scale 1 so it maps to 0 instead of dividing by zero.
class StandardScaler {
 public:
  void fit(const arma::mat& X);
  arma::mat transform(const arma::mat& X) const;
  /// Rows rows[0..m) of X, standardised and rounded to float, as the columns
  /// of a d x m matrix: column i equals float(transform(X).row(rows[i]).t())
  /// bit for bit, without transform's n x d double copy and its transpose.
  arma::fmat transform_rows_to_float_columns(const arma::mat& X, const arma::uvec& rows) const;
  const arma::rowvec& mean() const { return mean_; }
  const arma::rowvec& scale() const { return scale_; }
  bool fitted() const { return !mean_.is_empty(); }

 private:
  arma::rowvec mean_;
  arma::rowvec scale_;
};

}  // namespace tracer

#pragma once
#include <armadillo>

namespace tracer {

/// Per-feature standardisation, (x - mean) / std, with population std; a
/// constant feature keeps scale 1 so it maps to 0 instead of dividing by zero.
class StandardScaler {
 public:
  void fit(const arma::mat& X);
  arma::mat transform(const arma::mat& X) const;
  const arma::rowvec& mean() const { return mean_; }
  const arma::rowvec& scale() const { return scale_; }
  bool fitted() const { return !mean_.is_empty(); }

 private:
  arma::rowvec mean_;
  arma::rowvec scale_;
};

}  // namespace tracer

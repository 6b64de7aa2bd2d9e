#include "core/standard_scaler.hpp"
#include "core/errors.hpp"

namespace tracer {

void StandardScaler::fit(const arma::mat& X) {
  if (X.n_rows == 0) throw InternalError("StandardScaler::fit: no rows");
  mean_ = arma::mean(X, 0);
  scale_ = arma::stddev(X, 1, 0);  // norm_type 1: population std, as scikit-learn
  for (arma::uword j = 0; j < scale_.n_elem; ++j)
    if (!(scale_[j] > 1e-12)) scale_[j] = 1.0;
}

arma::mat StandardScaler::transform(const arma::mat& X) const {
  if (X.n_cols != mean_.n_elem) throw InternalError("StandardScaler::transform: feature count differs from fit");
  arma::mat Z = X.each_row() - mean_;
  Z.each_row() /= scale_;
  return Z;
}

}  // namespace tracer

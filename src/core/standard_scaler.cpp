#include "core/standard_scaler.hpp"

#include <algorithm>

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

arma::fmat StandardScaler::transform_rows_to_float_columns(const arma::mat& X, const arma::uvec& rows) const {
  if (X.n_cols != mean_.n_elem)
    throw InternalError("StandardScaler::transform_rows_to_float_columns: feature count differs from fit");
  const arma::uword d = X.n_cols, m = rows.n_elem;
  for (arma::uword i = 0; i < m; ++i)
    if (rows[i] >= X.n_rows) throw InternalError("StandardScaler::transform_rows_to_float_columns: row out of range");
  arma::fmat out(d, m);
  // In blocks of output columns, so that the block's writes stay in cache
  // while each feature's reads walk down X's column. The same two double
  // operations per value as transform(), then one rounding to float.
  constexpr arma::uword kBlock = 16;
  for (arma::uword i0 = 0; i0 < m; i0 += kBlock) {
    const arma::uword i1 = std::min(m, i0 + kBlock);
    for (arma::uword j = 0; j < d; ++j) {
      const double* col = X.colptr(j);
      const double mu = mean_[j], sd = scale_[j];
      for (arma::uword i = i0; i < i1; ++i) out(j, i) = static_cast<float>((col[rows[i]] - mu) / sd);
    }
  }
  return out;
}

}  // namespace tracer

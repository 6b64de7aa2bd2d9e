#include "core/encoder/embedding_ops.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <vector>

#include <fmt/format.h>

namespace tracer {

void l2_normalize_rows(arma::mat& X) {
  // Column-major storage: accumulate squared norms column by column (stride-1),
  // then scale column by column, instead of walking rows.
  arma::vec sq(X.n_rows, arma::fill::zeros);
  for (arma::uword j = 0; j < X.n_cols; ++j) sq += arma::square(X.col(j));
  arma::vec inv(X.n_rows);
  for (arma::uword i = 0; i < X.n_rows; ++i) inv[i] = sq[i] > 0.0 ? 1.0 / std::sqrt(sq[i]) : 0.0;
  for (arma::uword j = 0; j < X.n_cols; ++j) X.col(j) %= inv;
}

arma::uword zero_rows(const arma::mat& X) {
  std::vector<char> nonzero(X.n_rows, 0);
  for (arma::uword j = 0; j < X.n_cols; ++j) {
    const double* col = X.colptr(j);
    for (arma::uword i = 0; i < X.n_rows; ++i) nonzero[i] |= col[i] != 0.0;
  }
  return static_cast<arma::uword>(std::count(nonzero.begin(), nonzero.end(), 0));
}

arma::mat pair_features(const arma::mat& u, const arma::mat& v) {
  if (u.n_rows != v.n_rows || u.n_cols != v.n_cols)
    throw InternalError(
        fmt::format("pair_features: u is {} x {} but v is {} x {}", u.n_rows, u.n_cols, v.n_rows, v.n_cols));
  const arma::uword d = u.n_cols;
  arma::mat out(u.n_rows, 4 * d);
  if (d == 0) return out;
  out.cols(0, d - 1) = u;
  out.cols(d, 2 * d - 1) = v;
  out.cols(2 * d, 3 * d - 1) = arma::abs(u - v);
  out.cols(3 * d, 4 * d - 1) = u % v;
  return out;
}

}  // namespace tracer

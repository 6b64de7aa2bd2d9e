#include "core/softmax.hpp"

#include <cmath>

namespace tracer {

arma::vec log_sum_exp_rows(const arma::mat& Z) {
  arma::vec m = arma::max(Z, 1);
  arma::vec out(Z.n_rows);
  for (arma::uword i = 0; i < Z.n_rows; ++i) {
    double s = 0.0;
    for (arma::uword k = 0; k < Z.n_cols; ++k) s += std::exp(Z(i, k) - m[i]);
    out[i] = m[i] + std::log(s);
  }
  return out;
}

arma::mat softmax_rows(const arma::mat& Z) {
  arma::mat P = Z;
  for (arma::uword i = 0; i < Z.n_rows; ++i) {
    double m = Z(i, 0);
    for (arma::uword k = 1; k < Z.n_cols; ++k) m = std::max(m, Z(i, k));
    double s = 0.0;
    for (arma::uword k = 0; k < Z.n_cols; ++k) {
      const double e = std::exp(Z(i, k) - m);
      P(i, k) = e;
      s += e;
    }
    for (arma::uword k = 0; k < Z.n_cols; ++k) P(i, k) /= s;
  }
  return P;
}

}  // namespace tracer

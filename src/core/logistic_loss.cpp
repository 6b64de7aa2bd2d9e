#include "core/logistic_loss.hpp"

#include <cmath>

#include "core/errors.hpp"

namespace tracer {

BinaryLogisticLoss::BinaryLogisticLoss(const arma::mat& X, const arma::uvec& y, double C) : X_(X), C_(C) {
  if (X.n_rows != y.n_elem) throw InternalError("BinaryLogisticLoss: X rows != y length");
  if (X.n_rows == 0) throw InternalError("BinaryLogisticLoss: no rows");
  if (!(C > 0.0)) throw InternalError("BinaryLogisticLoss: C must be > 0");
  sign_.set_size(y.n_elem);
  for (arma::uword i = 0; i < y.n_elem; ++i) {
    if (y[i] > 1) throw InternalError("BinaryLogisticLoss: labels must be 0 or 1");
    sign_[i] = y[i] == 1 ? 1.0 : -1.0;
  }
}

double BinaryLogisticLoss::evaluate_with_gradient(const arma::mat& w, arma::mat& grad) const {
  const arma::uword n = X_.n_rows, d = X_.n_cols;
  if (w.n_rows != d + 1 || w.n_cols != 1) throw InternalError("BinaryLogisticLoss: w must be (d + 1) x 1");
  const arma::vec z = X_ * w.col(0).head(d) + w(d, 0);
  double loss = 0.0;
  arma::vec r(n);  // d loss_i / d z_i
  for (arma::uword i = 0; i < n; ++i) {
    const double m = sign_[i] * z[i];
    // log(1 + exp(-m)) without overflow; sigmoid(-m) likewise.
    loss += m > 0 ? std::log1p(std::exp(-m)) : -m + std::log1p(std::exp(m));
    const double s = m > 0 ? std::exp(-m) / (1.0 + std::exp(-m)) : 1.0 / (1.0 + std::exp(m));
    r[i] = -sign_[i] * s;
  }
  const double inv_n = 1.0 / static_cast<double>(n);
  const double reg = 1.0 / (C_ * static_cast<double>(n));
  grad.set_size(d + 1, 1);
  grad.col(0).head(d) = X_.t() * r * inv_n + reg * w.col(0).head(d);
  grad(d, 0) = arma::accu(r) * inv_n;
  return loss * inv_n + 0.5 * reg * arma::accu(arma::square(w.col(0).head(d)));
}

double BinaryLogisticLoss::evaluate(const arma::mat& w) const {
  arma::mat g;
  return evaluate_with_gradient(w, g);
}

}  // namespace tracer

#include "core/softmax_loss.hpp"
#include "core/errors.hpp"

#include "core/softmax.hpp"

namespace tracer {

SoftmaxLoss::SoftmaxLoss(const arma::mat& X, const arma::uvec& y, arma::uword n_classes, double C, Products products)
    : X_(X), products_(products), y_(y), n_classes_(n_classes), C_(C) {
  if (products_ == Products::kFloat) Xf_ = arma::conv_to<arma::fmat>::from(X);
  if (X.n_rows != y.n_elem) throw InternalError("SoftmaxLoss: X rows != y length");
  if (X.n_rows == 0) throw InternalError("SoftmaxLoss: no rows");
  if (!(C > 0.0)) throw InternalError("SoftmaxLoss: C must be > 0");
  if (y.n_elem && y.max() >= n_classes) throw InternalError("SoftmaxLoss: label >= n_classes");
}

arma::mat softmax_logits(const arma::mat& X, const arma::mat& W) {
  const arma::uword d = X.n_cols;
  arma::mat Z = X * W.head_rows(d);
  Z.each_row() += W.row(d);
  return Z;
}

double SoftmaxLoss::evaluate_with_gradient(const arma::mat& W, arma::mat& grad) const {
  const arma::uword n = X_.n_rows, d = X_.n_cols;
  arma::mat Z;
  if (products_ == Products::kFloat) {
    Z = arma::conv_to<arma::mat>::from(Xf_ * arma::conv_to<arma::fmat>::from(W.head_rows(d)));
    Z.each_row() += W.row(d);
  } else {
    Z = softmax_logits(X_, W);
  }
  const arma::vec lse = log_sum_exp_rows(Z);
  double ce = 0.0;
  arma::mat R(n, n_classes_);  // P - Y, the residual
  for (arma::uword k = 0; k < n_classes_; ++k)
    for (arma::uword i = 0; i < n; ++i) R(i, k) = std::exp(Z(i, k) - lse[i]);
  for (arma::uword i = 0; i < n; ++i) {
    ce += lse[i] - Z(i, y_[i]);
    R(i, y_[i]) -= 1.0;
  }
  const double inv_n = 1.0 / static_cast<double>(n);
  const double reg = 1.0 / (C_ * static_cast<double>(n));
  grad.set_size(d + 1, n_classes_);
  if (products_ == Products::kFloat)
    grad.head_rows(d) =
        arma::conv_to<arma::mat>::from(Xf_.t() * arma::conv_to<arma::fmat>::from(R)) * inv_n + reg * W.head_rows(d);
  else
    grad.head_rows(d) = X_.t() * R * inv_n + reg * W.head_rows(d);
  grad.row(d) = arma::sum(R, 0) * inv_n;
  return ce * inv_n + 0.5 * reg * arma::accu(arma::square(W.head_rows(d)));
}

double SoftmaxLoss::evaluate(const arma::mat& W) const {
  arma::mat g;
  return evaluate_with_gradient(W, g);
}

}  // namespace tracer

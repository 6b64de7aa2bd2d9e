#include "core/softmax_loss.hpp"
#include "core/errors.hpp"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

#include "core/softmax.hpp"
#include "core/vec_math.hpp"

namespace tracer {

SoftmaxLoss::SoftmaxLoss(const arma::mat& X, const arma::uvec& y, arma::uword n_classes, double C, Products products)
    : X_(&X), n_(X.n_rows), d_(X.n_cols), products_(products), y_(y), n_classes_(n_classes), C_(C) {
  check();
  if (products_ == Products::kFloat) Xtf_ = arma::conv_to<arma::fmat>::from(X.t());
}

SoftmaxLoss::SoftmaxLoss(arma::fmat Xt, const arma::uvec& y, arma::uword n_classes, double C)
    : X_(nullptr),
      n_(Xt.n_cols),
      d_(Xt.n_rows),
      Xtf_(std::move(Xt)),
      products_(Products::kFloat),
      y_(y),
      n_classes_(n_classes),
      C_(C) {
  check();
}

void SoftmaxLoss::check() const {
  if (n_ != y_.n_elem) throw InternalError("SoftmaxLoss: X rows != y length");
  if (n_ == 0) throw InternalError("SoftmaxLoss: no rows");
  if (!(C_ > 0.0)) throw InternalError("SoftmaxLoss: C must be > 0");
  if (y_.n_elem && y_.max() >= n_classes_) throw InternalError("SoftmaxLoss: label >= n_classes");
}

arma::mat softmax_logits(const arma::mat& X, const arma::mat& W) {
  const arma::uword d = X.n_cols;
  arma::mat Z = X * W.head_rows(d);
  Z.each_row() += W.row(d);
  return Z;
}

double SoftmaxLoss::evaluate_float(const arma::mat& W, arma::mat& grad) const {
  const arma::uword n = n_, d = d_, K = n_classes_;
  Wf_ = arma::conv_to<arma::fmat>::from(W.head_rows(d));
  Zt_ = Wf_.t() * Xtf_;  // K x n logits without bias (sgemm)
  const arma::rowvec bias = W.row(d);
  std::vector<double> z(K), bias_grad(K, 0.0);
  double ce = 0.0;
  for (arma::uword i = 0; i < n; ++i) {
    float* col = Zt_.colptr(i);
    double m = -std::numeric_limits<double>::infinity();
    for (arma::uword k = 0; k < K; ++k) {
      z[k] = static_cast<double>(col[k]) + bias[k];
      m = std::max(m, z[k]);
    }
    const arma::uword yi = y_[i];
    const double zy = z[yi] - m;
    for (arma::uword k = 0; k < K; ++k) z[k] -= m;
    exp_nonpositive_inplace(z.data(), K);
    double s = 0.0;
    for (arma::uword k = 0; k < K; ++k) s += z[k];  // >= 1: the maximal term is exp(0)
    ce += std::log(s) - zy;
    const double inv_s = 1.0 / s;
    for (arma::uword k = 0; k < K; ++k) {
      const double r = z[k] * inv_s - (k == yi ? 1.0 : 0.0);  // P - Y
      bias_grad[k] += r;
      col[k] = static_cast<float>(r);
    }
  }
  G_ = Xtf_ * Zt_.t();  // d x K: X' R (sgemm)
  const double inv_n = 1.0 / static_cast<double>(n);
  const double reg = 1.0 / (C_ * static_cast<double>(n));
  grad.set_size(d + 1, K);
  for (arma::uword k = 0; k < K; ++k) {
    const float* g = G_.colptr(k);
    const double* w = W.colptr(k);
    double* out = grad.colptr(k);
    for (arma::uword j = 0; j < d; ++j) out[j] = static_cast<double>(g[j]) * inv_n + reg * w[j];
    out[d] = bias_grad[k] * inv_n;
  }
  return ce * inv_n + 0.5 * reg * arma::accu(arma::square(W.head_rows(d)));
}

double SoftmaxLoss::evaluate_with_gradient(const arma::mat& W, arma::mat& grad) const {
  if (products_ == Products::kFloat) return evaluate_float(W, grad);
  const arma::mat& X = *X_;  // kDouble: always built from X
  const arma::uword n = n_, d = d_;
  arma::mat Z = softmax_logits(X, W);
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
  grad.head_rows(d) = X.t() * R * inv_n + reg * W.head_rows(d);
  grad.row(d) = arma::sum(R, 0) * inv_n;
  return ce * inv_n + 0.5 * reg * arma::accu(arma::square(W.head_rows(d)));
}

double SoftmaxLoss::evaluate(const arma::mat& W) const {
  arma::mat g;
  return evaluate_with_gradient(W, g);
}

}  // namespace tracer

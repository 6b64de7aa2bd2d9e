#include "core/models/mlp_loss.hpp"
#include "core/errors.hpp"

#include <cmath>

#include "core/softmax.hpp"

namespace tracer {

MlpLayout::MlpLayout(std::vector<arma::uword> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) throw InternalError("MlpLayout: need at least input and output sizes");
  offsets_.push_back(0);
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    if (sizes_[l] == 0 || sizes_[l + 1] == 0) throw InternalError("MlpLayout: zero layer size");
    offsets_.push_back(offsets_.back() + sizes_[l] * sizes_[l + 1] + sizes_[l + 1]);
  }
}

arma::mat MlpLayout::weights(arma::vec& theta, std::size_t l) const {
  return arma::mat(theta.memptr() + offsets_[l], in(l), out(l), false, true);
}
arma::rowvec MlpLayout::bias(arma::vec& theta, std::size_t l) const {
  return arma::rowvec(theta.memptr() + offsets_[l] + in(l)*out(l), out(l), false, true);
}
const arma::mat MlpLayout::weights(const arma::vec& theta, std::size_t l) const {
  return arma::mat(const_cast<double*>(theta.memptr()) + offsets_[l], in(l), out(l), false, true);
}
const arma::rowvec MlpLayout::bias(const arma::vec& theta, std::size_t l) const {
  return arma::rowvec(const_cast<double*>(theta.memptr()) + offsets_[l] + in(l)*out(l), out(l), false, true);
}

MlpLoss::MlpLoss(const MlpLayout& layout, const arma::mat& X, const arma::uvec& y, double alpha)
    : layout_(layout), X_(X), y_(y), alpha_(alpha) {
  if (X.n_rows != y.n_elem) throw InternalError("MlpLoss: X rows != y length");
  if (X.n_rows == 0) throw InternalError("MlpLoss: no rows");
  if (X.n_cols != layout.in(0)) throw InternalError("MlpLoss: X columns != input size");
  if (y.max() >= layout.out(layout.n_layers() - 1)) throw InternalError("MlpLoss: label >= n_classes");
  if (!(alpha >= 0.0)) throw InternalError("MlpLoss: alpha must be >= 0");
}

arma::mat mlp_logits(const MlpLayout& layout, const arma::vec& theta, const arma::mat& X) {
  arma::mat A = X;
  for (std::size_t l = 0; l < layout.n_layers(); ++l) {
    arma::mat Z = A * layout.weights(theta, l);
    Z.each_row() += layout.bias(theta, l);
    if (l + 1 < layout.n_layers()) Z.clamp(0.0, arma::datum::inf);  // ReLU (hidden layers)
    A = std::move(Z);
  }
  return A;
}

double MlpLoss::evaluate_with_gradient(const arma::vec& theta, arma::vec& grad) const {
  const std::size_t L = layout_.n_layers();
  const arma::uword n = X_.n_rows;
  const double inv_n = 1.0 / static_cast<double>(n);
  // Forward pass, keeping every layer's (post-ReLU) activations.
  std::vector<arma::mat> act(L);  // act[l] = output of layer l (logits for the last)
  for (std::size_t l = 0; l < L; ++l) {
    const arma::mat& input = l == 0 ? X_ : act[l - 1];
    act[l] = input * layout_.weights(theta, l);
    act[l].each_row() += layout_.bias(theta, l);
    if (l + 1 < L) act[l].clamp(0.0, arma::datum::inf);
  }
  // Softmax cross-entropy; delta = (P - Y) / n.
  arma::mat& Z = act[L - 1];
  const arma::vec lse = log_sum_exp_rows(Z);
  double ce = 0.0;
  for (arma::uword i = 0; i < n; ++i) ce += lse[i] - Z(i, y_[i]);
  arma::mat delta = arma::exp(Z.each_col() - lse);
  for (arma::uword i = 0; i < n; ++i) delta(i, y_[i]) -= 1.0;
  delta *= inv_n;

  grad.set_size(theta.n_elem);
  double penalty = 0.0;
  for (std::size_t l = L; l-- > 0;) {
    const arma::mat W = layout_.weights(theta, l);
    penalty += arma::accu(arma::square(W));
    const arma::mat& input = l == 0 ? X_ : act[l - 1];
    arma::mat gW = layout_.weights(grad, l);
    arma::rowvec gb = layout_.bias(grad, l);
    gW = input.t() * delta + (alpha_ * inv_n) * W;
    gb = arma::sum(delta, 0);
    if (l > 0) {
      arma::mat back = delta * W.t();
      const double* a = act[l - 1].memptr();  // ReLU derivative: 0 where the unit was off
      double* bk = back.memptr();
      for (arma::uword k = 0; k < back.n_elem; ++k)
        if (!(a[k] > 0.0)) bk[k] = 0.0;
      delta = std::move(back);
    }
  }
  return ce * inv_n + 0.5 * alpha_ * inv_n * penalty;
}

double MlpLoss::evaluate(const arma::vec& theta) const {
  arma::vec g;
  return evaluate_with_gradient(theta, g);
}

}  // namespace tracer

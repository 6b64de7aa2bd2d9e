#pragma once
// Loss and gradient of a ReLU multi-layer perceptron with a softmax output,
// apart from the optimiser (like SoftmaxLoss), so tests can check the
// gradient against finite differences.
#include <armadillo>
#include <vector>

namespace tracer {

/// Layer sizes {d, h_1, ..., h_L, K} and where each layer's weights and bias
/// live in one flat parameter vector: layer l has an in x out weight matrix
/// (column-major) followed by an out-long bias.
class MlpLayout {
 public:
  MlpLayout() = default;
  explicit MlpLayout(std::vector<arma::uword> sizes);

  std::size_t n_layers() const { return sizes_.size() - 1; }
  arma::uword in(std::size_t l) const { return sizes_[l]; }
  arma::uword out(std::size_t l) const { return sizes_[l + 1]; }
  arma::uword n_params() const { return offsets_.back(); }
  const std::vector<arma::uword>& sizes() const { return sizes_; }

  /// Non-owning views into theta (no copy).
  arma::mat weights(arma::vec& theta, std::size_t l) const;
  arma::rowvec bias(arma::vec& theta, std::size_t l) const;
  const arma::mat weights(const arma::vec& theta, std::size_t l) const;
  const arma::rowvec bias(const arma::vec& theta, std::size_t l) const;

 private:
  std::vector<arma::uword> sizes_;
  std::vector<arma::uword> offsets_;  // start of layer l's block; back() = total
};

/// f(theta) = (1/n) sum_i CE_i + (alpha / (2 n)) sum_l ||W_l||^2   (biases unpenalised)
///
/// which is scikit-learn's MLPClassifier objective on a minibatch of n rows
/// (its `alpha` scaled by the batch size). Cross-entropy via log-sum-exp.
class MlpLoss {
 public:
  /// X: n x d (standardised) rows, y: n labels < K, alpha >= 0.
  MlpLoss(const MlpLayout& layout, const arma::mat& X, const arma::uvec& y, double alpha);

  /// Loss at theta; writes the gradient (same length as theta) into grad.
  double evaluate_with_gradient(const arma::vec& theta, arma::vec& grad) const;
  double evaluate(const arma::vec& theta) const;

 private:
  const MlpLayout& layout_;
  const arma::mat& X_;
  const arma::uvec& y_;
  double alpha_;
};

/// Output logits (n x K) of the network for rows X.
arma::mat mlp_logits(const MlpLayout& layout, const arma::vec& theta, const arma::mat& X);

}  // namespace tracer

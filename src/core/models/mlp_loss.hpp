#pragma once
// Loss and gradient of a ReLU multi-layer perceptron with a softmax output,
// apart from the optimiser (like SoftmaxLoss), so tests can check the
// gradient against finite differences.
#include <armadillo>
#include <vector>

#include "core/models/scaled_affine.hpp"

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
  arma::fmat weights(arma::fvec& theta, std::size_t l) const;
  const arma::fmat weights(const arma::fvec& theta, std::size_t l) const;
  /// First index of layer l's block (weights, then bias at + in * out).
  arma::uword offset(std::size_t l) const { return offsets_[l]; }

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

/// The training engine: MlpLoss's cross-entropy gradient in single precision,
/// on samples stored as the columns of a d x n float matrix and picked by
/// index (a minibatch is read in place, never copied into a fresh n x d
/// double matrix). Activations are kept padded_out x batch (one sample per
/// contiguous column, padded to the kernels' 16-wide panels; padding rows
/// are 0): softmax and the ReLU mask each run as one pass over contiguous
/// memory. The L2 term is not included (the optimiser adds it to its
/// double-precision master weights). Buffers are reused between calls: one
/// call at a time per object.
///
/// Every product (forward, weight gradient, back-propagation) runs on the
/// row path's block kernels (PackedAffine::apply_block), not on sgemm: each
/// entry is one fused multiply-add chain over the inner index in order
/// (samples for the weight gradient, units otherwise), so a fit gives the
/// same bits on every FMA kernel (AVX-512, AVX2, portable) and does not
/// depend on which sgemm kernels the BLAS library picks for the CPU.
class MlpFloatEngine {
 public:
  explicit MlpFloatEngine(const MlpLayout& layout) : layout_(layout) {}

  /// Mean cross-entropy over the batch Xt.cols(idx[0..nb)) with labels
  /// y[idx[.]], at float parameters theta (layout order); writes its gradient
  /// into grad (same layout, resized).
  double cross_entropy_gradient(const arma::fvec& theta, const arma::fmat& Xt, const arma::uvec& y,
                                const arma::uword* idx, std::size_t nb, arma::fvec& grad);

  /// Number of columns of Xt whose argmax logit (first on ties) equals y.
  std::size_t count_correct(const arma::fvec& theta, const arma::fmat& Xt, const arma::uvec& y);

 private:
  /// Forward pass of nb samples, sample j's d inputs at sample(j).
  template <class Sample>
  void forward(const arma::fvec& theta, std::size_t nb, Sample&& sample);

  const MlpLayout& layout_;
  PackedAffine packed_;             // the current product's right operand
  std::vector<const float*> rows_;  // its rows, for PackedAffine::pack_rows
  std::vector<float> xb_, spill_;   // one interleaved block of left rows; outputs with no room in place
  std::vector<arma::fmat> act_;     // act_[l]: padded out(l) x nb rounded up to a block, post-ReLU
                                    // (logits, then the residual, for the last)
  arma::fmat back_;                 // back-propagated delta, same shape as act_[l - 1]
};

}  // namespace tracer

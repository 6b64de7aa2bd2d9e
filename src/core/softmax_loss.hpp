#pragma once
// Multinomial logistic loss, apart from any optimiser (mlpack's "function"
// role), so tests can check the gradient against finite differences.
#include <armadillo>

namespace tracer {

/// f(W) = (1/n) sum_i CE_i(W) + ||W_features||^2 / (2 C n)
///
/// which is scikit-learn's  0.5 ||w||^2 + C sum_i CE_i  divided by C n: the
/// same minimiser, with a loss scale independent of n for the stopping rule.
/// Parameters are a (d + 1) x K matrix: rows 0..d-1 are feature weights, row d
/// is the (unpenalised) bias.
class SoftmaxLoss {
 public:
  /// How the two large matrix products (X W and X' R) are computed. Single
  /// precision halves their cost; the loss, log-sum-exp and the optimiser's
  /// state stay in double. Its gradient is exact to about 1e-6 relative, far
  /// below the solver's stopping tolerance (1e-4, scikit-learn's).
  /// kFloat keeps X transposed (d x n, one sample per contiguous column) so
  /// that the logits come out K x n: each sample's softmax is then one
  /// contiguous, vectorised pass, and the residual overwrites the logits in
  /// place (no n x K temporaries per evaluation).
  enum class Products { kDouble, kFloat };

  /// X: n x d features, y: n labels < n_classes, C > 0 inverse regularisation.
  SoftmaxLoss(const arma::mat& X, const arma::uvec& y, arma::uword n_classes, double C,
              Products products = Products::kDouble);
  /// kFloat on samples given as the columns of a d x n float matrix Xt (the
  /// layout kFloat keeps), taken over: no n x d double matrix is needed, and
  /// the loss is bit for bit the one built from X with Xt = float(X').
  SoftmaxLoss(arma::fmat Xt, const arma::uvec& y, arma::uword n_classes, double C);

  /// Loss at W; writes the gradient (same shape as W) into grad. With kFloat
  /// it uses scratch buffers of the object: one evaluation at a time per object.
  double evaluate_with_gradient(const arma::mat& W, arma::mat& grad) const;
  double evaluate(const arma::mat& W) const;

  arma::uword n_params_rows() const { return d_ + 1; }
  arma::uword n_classes() const { return n_classes_; }

 private:
  double evaluate_float(const arma::mat& W, arma::mat& grad) const;

  void check() const;

  const arma::mat* X_;  // the caller's n x d features (read by kDouble only); null when built from float columns
  arma::uword n_, d_;   // samples, features
  arma::fmat Xtf_;      // d x n single-precision transpose when products == kFloat
  Products products_;
  mutable arma::fmat Wf_, Zt_, G_;  // kFloat scratch: d x K weights, K x n logits/residual, d x K gradient
  const arma::uvec& y_;
  arma::uword n_classes_;
  double C_;
};

/// Logits X W[0:d] + W[d] for an n x d matrix X.
arma::mat softmax_logits(const arma::mat& X, const arma::mat& W);

}  // namespace tracer

#pragma once
// Binary logistic loss, apart from any optimiser (like SoftmaxLoss), so tests
// can check its gradient against finite differences. The acceptor is this
// model: scikit-learn's LogisticRegression(C) on two classes.
#include <armadillo>

namespace tracer {

/// f(w) = (1/n) sum_i log(1 + exp(-s_i z_i)) + ||w_features||^2 / (2 C n),
/// z_i = x_i . w[0:d] + w[d], s_i = +1 for y_i = 1 and -1 for y_i = 0:
/// scikit-learn's  0.5 ||w||^2 + C sum_i logloss_i  divided by C n (same
/// minimiser). Parameters are a (d + 1) x 1 matrix, the bias (row d)
/// unpenalised. This is not a two-column softmax with both columns
/// penalised: that model's optimum has w_1 = -w_0, so its margin w_1 - w_0
/// pays only half the penalty, i.e. it is binary logistic regression at 2 C.
class BinaryLogisticLoss {
 public:
  /// X: n x d, y: n flags in {0, 1}, C > 0.
  BinaryLogisticLoss(const arma::mat& X, const arma::uvec& y, double C);

  double evaluate_with_gradient(const arma::mat& w, arma::mat& grad) const;
  double evaluate(const arma::mat& w) const;

 private:
  const arma::mat& X_;
  arma::vec sign_;  // +1 / -1
  double C_;
};

}  // namespace tracer

#include "core/acceptor.hpp"
#include "core/errors.hpp"

#include <cmath>

#include "core/lbfgs.hpp"
#include "core/logistic_loss.hpp"
#include "core/standard_scaler.hpp"

namespace tracer {

std::array<double, kAcceptorFeatures> acceptor_features_row(const double* p, std::size_t K, std::size_t stride) {
  double top1 = 0.0, top2 = 0.0, entropy = 0.0;
  for (std::size_t k = 0; k < K; ++k) {
    double v = p[k * stride];
    if (!std::isfinite(v) || v < 0.0) v = 0.0;
    if (v > top1) {
      top2 = top1;
      top1 = v;
    } else if (v > top2) {
      top2 = v;
    }
    if (v > 0.0) entropy -= v * std::log(std::max(v, 1e-12));
  }
  const double normalised = K > 1 ? entropy / std::log(static_cast<double>(K)) : 0.0;
  return {top1, top2, top1 - top2, normalised};
}

arma::mat acceptor_features(const arma::mat& probs) {
  arma::mat F(probs.n_rows, kAcceptorFeatures);
  for (arma::uword i = 0; i < probs.n_rows; ++i) {
    const auto f = acceptor_features_row(probs.colptr(0) + i, probs.n_cols, probs.n_rows);
    for (std::size_t j = 0; j < kAcceptorFeatures; ++j) F(i, j) = f[j];
  }
  return F;
}

void Acceptor::fit(const arma::mat& probs, const arma::uvec& agree) {
  if (probs.n_rows != agree.n_elem) throw InternalError("Acceptor::fit: size mismatch");
  const arma::uword n_agree = arma::accu(agree);
  learned_ = !(agree.n_elem == 0 || n_agree == 0 || n_agree == agree.n_elem);
  if (!learned_) return;
  StandardScaler scaler;
  const arma::mat F = acceptor_features(probs);
  scaler.fit(F);
  const arma::mat Z = scaler.transform(F);
  // Binary logistic regression with C = 1, the reference's
  // LogisticRegression(C=1.0) (a two-column softmax would be C = 2). L-BFGS
  // to scikit-learn's tol 1e-4 on the (1/(C n))-scaled objective, tightened to
  // 1e-8 because the threshold walks read these scores to many digits.
  const BinaryLogisticLoss loss(Z, agree, kAcceptorC);
  arma::mat w(kAcceptorFeatures + 1, 1, arma::fill::zeros);
  LbfgsOptions opt;
  opt.gradient_tolerance = 1e-8;
  minimize_lbfgs(loss, w, opt);
  for (std::size_t j = 0; j < kAcceptorFeatures; ++j) {
    mean_[j] = scaler.mean()[j];
    scale_[j] = scaler.scale()[j];
    weight_[j] = w(j, 0);
  }
  bias_ = w(kAcceptorFeatures, 0);
}

double Acceptor::score_row(const double* p, std::size_t K, std::size_t stride) const {
  const auto f = acceptor_features_row(p, K, stride);
  if (!learned_) return f[0];
  double z = bias_;
  for (std::size_t j = 0; j < kAcceptorFeatures; ++j) z += weight_[j] * (f[j] - mean_[j]) / scale_[j];
  // Numerically safe logistic: never exp of a large positive number.
  return z >= 0 ? 1.0 / (1.0 + std::exp(-z)) : std::exp(z) / (1.0 + std::exp(z));
}

arma::vec Acceptor::score(const arma::mat& probs) const {
  arma::vec s(probs.n_rows);
  for (arma::uword i = 0; i < probs.n_rows; ++i) s[i] = score_row(probs.colptr(0) + i, probs.n_cols, probs.n_rows);
  return s;
}

}  // namespace tracer

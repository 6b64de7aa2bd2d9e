#include "core/acceptor.hpp"

#include <cmath>
#include <stdexcept>

namespace tracer {

arma::mat acceptor_features(const arma::mat& probs) {
  const arma::uword n = probs.n_rows, K = probs.n_cols;
  arma::mat F(n, 4);
  const double log_k = K > 1 ? std::log(static_cast<double>(K)) : 1.0;
  for (arma::uword i = 0; i < n; ++i) {
    double top1 = 0.0, top2 = 0.0, entropy = 0.0;
    for (arma::uword k = 0; k < K; ++k) {
      double p = probs(i, k);
      if (!std::isfinite(p) || p < 0.0) p = 0.0;
      if (p > top1) { top2 = top1; top1 = p; }
      else if (p > top2) { top2 = p; }
      if (p > 0.0) entropy -= p * std::log(std::max(p, 1e-12));
    }
    F(i, 0) = top1;
    F(i, 1) = top2;
    F(i, 2) = top1 - top2;
    F(i, 3) = K > 1 ? entropy / log_k : 0.0;
  }
  return F;
}

void Acceptor::fit(const arma::mat& probs, const arma::uvec& agree, std::uint64_t seed) {
  if (probs.n_rows != agree.n_elem) throw std::invalid_argument("Acceptor::fit: size mismatch");
  const arma::uword n_agree = arma::accu(agree);
  if (agree.n_elem == 0 || n_agree == 0 || n_agree == agree.n_elem) {
    model_.reset();
    return;
  }
  auto lr = std::make_shared<LogisticRegression>("acceptor", LogisticRegression::Params{});
  lr->fit(acceptor_features(probs), agree, 2, FitContext{seed, 1});
  model_ = std::move(lr);
}

arma::vec Acceptor::score(const arma::mat& probs) const {
  if (!model_) return acceptor_features(probs).col(0);
  return model_->predict_proba(acceptor_features(probs)).col(1);
}

}  // namespace tracer

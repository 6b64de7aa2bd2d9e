#include "core/models/logistic_regression.hpp"

#include <fmt/format.h>

#include "core/softmax.hpp"
#include "core/softmax_loss.hpp"

namespace tracer {

LogisticRegression::Params LogisticRegression::params_from(const std::string& model,
                                                           const ModelParams& overrides,
                                                           Params p) {
  check_known_params(model, overrides, {"C", "max_iter", "tol"});
  p.C = param_or(overrides, "C", p.C);
  p.max_iterations = static_cast<int>(param_or(overrides, "max_iter", p.max_iterations));
  p.gradient_tolerance = param_or(overrides, "tol", p.gradient_tolerance);
  if (!(p.C > 0.0)) throw std::invalid_argument(fmt::format("{}: C must be > 0, got {}", model, p.C));
  if (p.max_iterations < 1)
    throw std::invalid_argument(fmt::format("{}: max_iter must be >= 1", model));
  if (!(p.gradient_tolerance > 0.0))
    throw std::invalid_argument(fmt::format("{}: tol must be > 0", model));
  return p;
}

void LogisticRegression::fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes,
                             const FitContext&) {
  check_training_set(name_, X, y, n_classes);
  n_classes_ = n_classes;
  scaler_.fit(X);
  const arma::mat Z = scaler_.transform(X);
  SoftmaxLoss loss(Z, y, n_classes, params_.C, SoftmaxLoss::Products::kFloat);
  W_.zeros(Z.n_cols + 1, n_classes);  // convex problem: deterministic zero start
  LbfgsOptions opt;
  opt.max_iterations = params_.max_iterations;
  opt.gradient_tolerance = params_.gradient_tolerance;
  report_ = minimize_lbfgs(loss, W_, opt);
  arma::mat Wf = W_.head_rows(Z.n_cols);
  arma::rowvec bf = W_.row(Z.n_cols);
  fold_standardisation(scaler_.mean(), scaler_.scale(), Wf, bf);
  packed_.pack(Wf, bf);
}

void LogisticRegression::predict_proba_row(const double* x, double* out) const {
  if (packed_.empty()) throw std::logic_error(name_ + ": predict_proba_row before fit");
  const std::size_t d = packed_.in_dim();
  float* xf = row_scratch(0, d);
  for (std::size_t j = 0; j < d; ++j) xf[j] = static_cast<float>(x[j]);
  float* z = row_scratch(1, packed_.padded_out());
  packed_.apply(xf, z, false);
  softmax_row(z, n_classes_, out);
}

arma::mat LogisticRegression::predict_proba(const arma::mat& X) const {
  if (W_.is_empty()) throw std::logic_error(name_ + ": predict_proba before fit");
  return softmax_rows(softmax_logits(scaler_.transform(X), W_));
}

}  // namespace tracer

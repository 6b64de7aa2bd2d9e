#include "core/models/logistic_regression.hpp"

#include "core/models/training_checks.hpp"
#include "core/softmax.hpp"
#include "core/softmax_loss.hpp"

namespace tracer {

const ParamTable<LogisticRegression::Params>& LogisticRegression::param_table() {
  static const ParamTable<Params> table({
      param_above("C", &Params::C, 0.0, "inverse L2 strength, scikit-learn's C"),
      param("max_iter", &Params::max_iterations, 1, 1000000, "maximum L-BFGS iterations"),
      param_above("tol", &Params::gradient_tolerance, 0.0, "L-BFGS gradient tolerance (scikit-learn's tol)"),
  });
  return table;
}

void LogisticRegression::fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext&) {
  check_training_set(name_, X, y, n_classes);
  n_classes_ = n_classes;
  scaler_.fit(X);
  // Standardised samples straight into the float columns the loss reads.
  const arma::uword d = X.n_cols;
  SoftmaxLoss loss(scaler_.transform_rows_to_float_columns(X, arma::regspace<arma::uvec>(0, X.n_rows - 1)), y,
                   n_classes, params_.C);
  W_.zeros(d + 1, n_classes);  // convex problem: deterministic zero start
  LbfgsOptions opt;
  opt.max_iterations = params_.max_iterations;
  opt.gradient_tolerance = params_.gradient_tolerance;
  report_ = minimize_lbfgs(loss, W_, opt);
  std::vector<AffineLayer> layers(1);
  layers[0].W = W_.head_rows(d);
  layers[0].b = W_.row(d);
  row_path_.build(scaler_.mean(), scaler_.scale(), std::move(layers));
}

void LogisticRegression::predict_proba_row(const double* x, std::size_t d, double* out) const {
  softmax_row(row_path_.forward(x, d), n_classes_, out);
}

arma::mat LogisticRegression::predict_proba(const arma::mat& X) const {
  check_predict_input(name_, X, W_.is_empty() ? 0 : W_.n_rows - 1);
  return softmax_rows(softmax_logits(scaler_.transform(X), W_));
}

void LogisticRegression::predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count,
                                            double* out) const {
  row_path_.forward_rows(X, first, count,
                         [&](std::size_t r, const float* z) { softmax_row(z, n_classes_, out + r * n_classes_); });
}

}  // namespace tracer

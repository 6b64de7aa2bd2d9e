#pragma once
#include "core/lbfgs.hpp"
#include "core/models/row_predictor.hpp"
#include "core/models/training_checks.hpp"  // check_training_set
#include "core/standard_scaler.hpp"
#include "core/surrogate.hpp"

namespace tracer {

/// Multinomial logistic regression on standardised features, L2 penalty with
/// scikit-learn's C convention, fitted by L-BFGS on SoftmaxLoss.
class LogisticRegression final : public Surrogate, public RowPredictor {
 public:
  struct Params {
    double C = 1.0;
    int max_iterations = 1000;
    double gradient_tolerance = 1e-4;  // scikit-learn's lbfgs tol on the same (mean-scaled) loss
  };
  LogisticRegression(std::string name, Params params) : name_(std::move(name)), params_(params) {}

  /// Parses overrides "C", "max_iter", "tol"; throws on unknown keys / bad values.
  static Params params_from(const std::string& model, const ModelParams& overrides, Params defaults);

  void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) override;
  arma::mat predict_proba(const arma::mat& X) const override;
  /// Single-row fast path (float weights, scaler folded in); see row_predictor.hpp.
  void predict_proba_row(const double* x, double* out) const override;
  std::string name() const override { return name_; }
  std::size_t n_classes() const override { return n_classes_; }

  const LbfgsReport& solver_report() const { return report_; }
  /// (d + 1) x K parameters in standardised feature space (last row = bias).
  const arma::mat& weights() const { return W_; }

 private:
  std::string name_;
  Params params_;
  StandardScaler scaler_;
  arma::mat W_;
  std::size_t n_classes_ = 0;
  LbfgsReport report_;
  PackedAffine packed_;
};

}  // namespace tracer

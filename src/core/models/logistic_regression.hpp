#pragma once
#include "core/lbfgs.hpp"
#include "core/model_params.hpp"
#include "core/models/scaled_affine.hpp"
#include "core/standard_scaler.hpp"
#include "core/surrogate.hpp"

namespace tracer {

/// Multinomial logistic regression on standardised features, L2 penalty with
/// scikit-learn's C convention, fitted by L-BFGS on SoftmaxLoss.
class LogisticRegression final : public Surrogate {
 public:
  struct Params {
    double C = 1.0;
    int max_iterations = 1000;
    double gradient_tolerance = 1e-4;  // scikit-learn's lbfgs tol on the same (mean-scaled) loss
  };
  LogisticRegression(std::string name, Params params) : name_(std::move(name)), params_(params) {}

  /// Keys C, max_iter, tol.
  static const ParamTable<Params>& param_table();

  void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) override;
  arma::mat predict_proba(const arma::mat& X) const override;
  /// Float row path (scaler folded in, see scaled_affine.hpp), then softmax.
  void predict_proba_row(const double* x, std::size_t d, double* out) const override;
  /// 4 rows per pass over the weights (ScaledAffineStack::forward_rows); the row path's bits.
  void predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count, double* out) const override;
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
  ScaledAffineStack row_path_;
};

}  // namespace tracer

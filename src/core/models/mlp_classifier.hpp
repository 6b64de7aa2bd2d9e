#pragma once
#include <string>
#include <vector>

#include "core/models/mlp_loss.hpp"
#include "core/model_params.hpp"
#include "core/models/scaled_affine.hpp"
#include "core/standard_scaler.hpp"
#include "core/surrogate.hpp"

namespace tracer {

/// ReLU multi-layer perceptron with a softmax output trained by Adam on
/// minibatches, on standardised features: scikit-learn's MLPClassifier
/// behind a StandardScaler, as the reference's `mlp_1h` (256) and `mlp_2h`
/// (256, 96).
///
/// Documented choices (scikit-learn 1.2 semantics unless stated):
///  - Glorot-uniform init of weights and biases, bound sqrt(6 / (fan_in + fan_out)).
///  - Adam lr 1e-3, beta1 0.9, beta2 0.999, eps 1e-8; L2 alpha on weights only,
///    scaled by 1 / batch size; minibatches of min(200, n_train), reshuffled
///    (seeded) every epoch, the last batch smaller.
///  - Early stopping: a stratified, seeded 10% validation hold-out
///    (ceil(0.1 n) rows, allocated to classes by largest remainder; a class
///    with a single row stays in training, where scikit-learn would raise);
///    after each epoch the validation accuracy is scored; an epoch that does
///    not beat the best by tol (1e-4) counts as no improvement, and training
///    stops when that count exceeds n_iter_no_change (10), or at max_iter (140)
///    epochs. The best-scoring weights are kept. With fewer than 20 rows there
///    is no hold-out and the final weights are kept.
///  - The output layer always has n_classes units (scikit-learn uses only the
///    classes present); absent classes just learn low logits.
///  - Training runs in single precision (MlpFloatEngine: the products on the
///    affine block kernels, one FMA chain per entry, so a fit is the same on
///    every FMA CPU and independent of the BLAS library; samples as float
///    columns read by index); Adam moments and master weights are double, its
///    step size float (adam.hpp). Validation scoring uses the float network;
///    predict_proba uses the double master weights.
class MlpClassifier final : public Surrogate {
 public:
  struct Params {
    std::vector<arma::uword> hidden = {256};
    double alpha = 1e-4;
    double learning_rate = 1e-3;
    int max_iter = 140;
    int batch_size = 200;
    double validation_fraction = 0.1;
    int n_iter_no_change = 10;
    double tol = 1e-4;
    bool early_stopping = true;
  };
  MlpClassifier(std::string name, Params params) : name_(std::move(name)), params_(std::move(params)) {}

  /// Keys hidden1, hidden2 (only where the defaults have that layer), alpha,
  /// learning_rate, max_iter, batch_size, validation_fraction,
  /// n_iter_no_change, tol, early_stopping (0/1).
  static const ParamTable<Params>& param_table();

  void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) override;
  arma::mat predict_proba(const arma::mat& X) const override;
  /// Float row path (scaler folded into layer 0, ReLU hidden layers), then softmax.
  void predict_proba_row(const double* x, std::size_t d, double* out) const override;
  /// 4 rows per pass over the weights (ScaledAffineStack::forward_rows); the row path's bits.
  void predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count, double* out) const override;
  std::string name() const override { return name_; }
  std::size_t n_classes() const override { return n_classes_; }

  int epochs_run() const { return epochs_run_; }
  double best_validation_score() const { return best_score_; }

 private:
  std::string name_;
  Params params_;
  StandardScaler scaler_;
  MlpLayout layout_;
  arma::vec theta_;
  std::size_t n_classes_ = 0;
  int epochs_run_ = 0;
  double best_score_ = 0.0;
  ScaledAffineStack row_path_;  // float copies of the layers, scaler folded into layer 0
};

}  // namespace tracer

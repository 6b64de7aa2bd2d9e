#pragma once
#include <string>
#include <vector>

#include "core/model_params.hpp"
#include "core/models/scaled_affine.hpp"
#include "core/standard_scaler.hpp"
#include "core/surrogate.hpp"

namespace tracer {

/// Linear classifier trained by plain SGD on the log loss with an L2 penalty,
/// on standardised features: scikit-learn's SGDClassifier(loss="log_loss")
/// behind a StandardScaler, as the reference's `sgd_log`.
///
/// Documented choices:
///  - One-vs-rest, as scikit-learn: one binary classifier per class that occurs
///    in the training rows (two classes: a single classifier, as scikit-learn).
///    All binary problems are trained together, one sample at a time, on a
///    shared seeded shuffle per epoch (scikit-learn draws a shuffle per class;
///    this is the one deliberate difference and lets the K updates run as one
///    vectorised rank-1 update). Groups of classes train on separate threads
///    (FitContext::n_threads); every group replays the same shuffles, so the
///    result does not depend on the thread count.
///  - Learning rate "optimal" exactly as scikit-learn: eta_t = 1 / (alpha (t0 + t - 1))
///    with t0 from Bottou's heuristic (typw = sqrt(1/sqrt(alpha))); the weight
///    decay is applied by a per-class scale factor (scikit-learn's wscale trick),
///    dloss clipped to +-1e12.
///  - Stopping per class as scikit-learn with early_stopping=False: after each
///    epoch, if the summed training loss > best - tol * n the no-improvement count
///    grows; at n_iter_no_change (5) that class stops; at most max_iter epochs.
///  - Probabilities: OvR sigmoids normalised per row (scikit-learn's
///    _predict_proba_lr), computed in log space (log sigmoid, then log-sum-exp)
///    so that a row can never be 0/0 = NaN. Classes absent from training get
///    probability 0.
class SgdClassifier final : public Surrogate {
 public:
  struct Params {
    double alpha = 1e-4;
    int max_iter = 200;
    double tol = 1e-3;
    int n_iter_no_change = 5;
  };
  SgdClassifier(std::string name, Params params) : name_(std::move(name)), params_(params) {}

  /// Keys alpha, max_iter, tol, n_iter_no_change.
  static const ParamTable<Params>& param_table();

  void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) override;
  arma::mat predict_proba(const arma::mat& X) const override;
  /// Float row path (scaler folded in), then the OvR normalisation.
  void predict_proba_row(const double* x, std::size_t d, double* out) const override;
  /// 4 rows per pass over the weights (ScaledAffineStack::forward_rows); the row path's bits.
  void predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count, double* out) const override;
  std::string name() const override { return name_; }
  std::size_t n_classes() const override { return n_classes_; }

  /// Epochs run by the slowest binary classifier.
  int epochs_run() const { return epochs_run_; }

 private:
  arma::mat decision(const arma::mat& X) const;  // n x n_active OvR margins

  std::string name_;
  Params params_;
  StandardScaler scaler_;
  arma::mat W_;                      // d x n_active (weights in standardised space)
  arma::rowvec b_;                   // 1 x n_active
  std::vector<arma::uword> active_;  // class index of each column
  std::size_t n_classes_ = 0;
  int epochs_run_ = 0;
  ScaledAffineStack row_path_;  // scaler folded in, for predict_proba_row
};

/// One-vs-rest normalisation: out[j] = sigmoid(m[j]) / sum_k sigmoid(m[k]),
/// never NaN for finite margins (log space when every sigmoid underflows).
void ovr_probabilities(const double* margins, std::size_t k, double* out);

/// The fused SGD step (W[:, m] += g[m] x, then out[m] = <W[:, m], x_next> for
/// the k columns of the d x k column-major W whose mask[m] is set), exposed so
/// tests can check that every kernel gives the portable kernel's bits.
namespace sgd_kernels {
enum class Kernel { portable, avx2 };
bool available(Kernel kernel);
void update_then_dots(Kernel kernel, double* W, std::size_t d, std::size_t k, const char* mask, const double* x,
                      const double* g, const double* x_next, double* out);
}  // namespace sgd_kernels

}  // namespace tracer

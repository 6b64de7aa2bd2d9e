#pragma once
// Single-row fast path for routing (one query at a time).
//
// Surrogate::predict_proba takes and returns arma matrices, which costs a few
// heap allocations and a double-precision pass per call. A model that also
// implements RowPredictor offers predict_proba_row(): no heap allocation after
// the first call on a thread, weights cached as float in a SIMD-friendly panel
// layout with the standardisation folded in. It agrees with predict_proba to
// float rounding (about 1e-6 absolute on probabilities); argmax can differ only
// on near-exact ties. Callers reach it with dynamic_cast<const RowPredictor*>.
//
// Proposed interface addition (not made here): a virtual
//   void Surrogate::predict_proba_row(const double* x, double* out) const;
// whose default implementation wraps predict_proba.
#include <armadillo>
#include <cstddef>
#include <vector>

namespace tracer {

class RowPredictor {
 public:
  virtual ~RowPredictor() = default;
  /// x: one row of d features; out: n_classes probabilities (finite, >= 0,
  /// summing to 1). Thread-safe for concurrent calls on a fitted model.
  virtual void predict_proba_row(const double* x, double* out) const = 0;
};

/// y = act(x W + b) for one float row, W packed into 16-wide output panels.
class PackedAffine {
 public:
  static constexpr std::size_t kPanel = 16;

  /// W: in x out (double), b: 1 x out.
  void pack(const arma::mat& W, const arma::rowvec& b);
  /// y must have room for padded_out() floats; entries >= out_dim() are padding.
  void apply(const float* x, float* y, bool relu) const;

  std::size_t in_dim() const { return in_; }
  std::size_t out_dim() const { return out_; }
  std::size_t padded_out() const { return n_panels_ * kPanel; }
  bool empty() const { return in_ == 0; }

 private:
  std::size_t in_ = 0, out_ = 0, n_panels_ = 0;
  std::vector<float> panels_;  // panel p: in_ x kPanel, row-major
  std::vector<float> bias_;    // padded_out()
};

/// Folds a StandardScaler (mean, scale) into the first affine map:
/// ((x - mean) / scale) W + b  ==  x W' + b'.  W is in x out.
void fold_standardisation(const arma::rowvec& mean, const arma::rowvec& scale, arma::mat& W,
                          arma::rowvec& b);

/// Per-thread scratch buffer of at least n floats (allocates only when it grows).
float* row_scratch(std::size_t slot, std::size_t n);

/// Writes softmax(z[0..k)) to out in double, via max-shift (log-sum-exp).
void softmax_row(const float* z, std::size_t k, double* out);

}  // namespace tracer

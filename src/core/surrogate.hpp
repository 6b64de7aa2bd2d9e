#pragma once
// The one interface every surrogate model implements.
//
// Conventions (as in faiss/Index.h, sizes travel with the data):
//  - X is an n x d matrix, one sample per row (Armadillo, column-major, double).
//  - Labels are integers in [0, n_classes). Every class index need not occur
//    in the training rows, but the model always returns n_classes columns.
//  - predict_proba returns an n x n_classes matrix whose rows are finite,
//    non-negative and sum to 1 (computed with log-sum-exp where relevant).
#include <armadillo>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/errors.hpp"

namespace tracer {

/// Execution resources a fit may use. Results must not depend on n_threads.
struct FitContext {
  std::uint64_t seed = 0;      ///< stream seed for this (day, model) fit
  std::size_t n_threads = 1;   ///< threads the model may use internally (trees)
};

class Surrogate {
 public:
  virtual ~Surrogate() = default;

  /// Trains on X (n x d) with labels y (length n, values < n_classes).
  /// Throws TrainingError on unusable input.
  virtual void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes,
                   const FitContext& ctx) = 0;

  /// Class probabilities, n x n_classes, rows finite and summing to 1.
  virtual arma::mat predict_proba(const arma::mat& X) const = 0;

  /// Registry name, e.g. "logreg_c1".
  virtual std::string name() const = 0;

  virtual std::size_t n_classes() const = 0;
};

/// Hyper-parameter overrides from the config: name -> numeric value.
using ModelParams = std::map<std::string, double>;

/// Throws std::invalid_argument naming the first key of `params` not in `known`.
void check_known_params(const std::string& model, const ModelParams& params,
                        const std::vector<std::string>& known);

/// Reads params[key] if present, else `fallback`.
double param_or(const ModelParams& params, const std::string& key, double fallback);

}  // namespace tracer

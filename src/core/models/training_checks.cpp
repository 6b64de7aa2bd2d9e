#include "core/models/training_checks.hpp"

#include <cmath>
#include <fmt/format.h>
#include <stdexcept>

namespace tracer {

void check_training_set(const std::string& model, const arma::mat& X, const arma::uvec& y,
                        std::size_t n_classes) {
  if (X.n_rows == 0 || y.n_elem == 0)
    throw TrainingError(fmt::format("{}: empty training set", model));
  if (X.n_rows != y.n_elem)
    throw TrainingError(fmt::format("{}: {} feature rows but {} labels", model, X.n_rows, y.n_elem));
  if (X.n_cols == 0) throw TrainingError(fmt::format("{}: training set has no features", model));
  if (y.max() >= n_classes)
    throw TrainingError(fmt::format("{}: label {} >= n_classes {}", model, y.max(), n_classes));
  if (!X.is_finite()) throw TrainingError(fmt::format("{}: non-finite feature values", model));
  const arma::uvec distinct = arma::unique(y);
  if (distinct.n_elem < 2)
    throw TrainingError(fmt::format("{}: training set has a single class ({} rows); need at least 2 classes",
                                    model, X.n_rows));
}

void check_predict_input(const std::string& model, const arma::mat& X, std::size_t fitted_dims) {
  if (fitted_dims == 0) throw std::logic_error(model + ": predict_proba before fit");
  if (X.n_cols != fitted_dims)
    throw std::invalid_argument(
        fmt::format("{}: predict_proba got {} features, the model was fitted on {}", model, X.n_cols, fitted_dims));
}

double real_param(const std::string& model, const ModelParams& params, const std::string& key,
                  double fallback, double lo, double hi) {
  const double v = param_or(params, key, fallback);
  if (!std::isfinite(v) || v < lo || v > hi)
    throw std::invalid_argument(
        fmt::format("{}: parameter '{}' must be in [{}, {}], got {}", model, key, lo, hi, v));
  return v;
}

long long int_param(const std::string& model, const ModelParams& params, const std::string& key,
                    long long fallback, long long lo, long long hi) {
  const double v = param_or(params, key, static_cast<double>(fallback));
  if (!std::isfinite(v) || v != std::floor(v))
    throw std::invalid_argument(fmt::format("{}: parameter '{}' must be an integer, got {}", model, key, v));
  if (v < static_cast<double>(lo) || v > static_cast<double>(hi))
    throw std::invalid_argument(
        fmt::format("{}: parameter '{}' must be in [{}, {}], got {}", model, key, lo, hi, v));
  return static_cast<long long>(v);
}

}  // namespace tracer

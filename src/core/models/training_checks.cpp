#include "core/models/training_checks.hpp"

#include <fmt/format.h>

namespace tracer {

void check_training_set(const std::string& model, const arma::mat& X, const arma::uvec& y, std::size_t n_classes) {
  if (X.n_rows == 0 || y.n_elem == 0) throw TrainingError(fmt::format("{}: empty training set", model));
  if (X.n_rows != y.n_elem)
    throw TrainingError(fmt::format("{}: {} feature rows but {} labels", model, X.n_rows, y.n_elem));
  if (X.n_cols == 0) throw TrainingError(fmt::format("{}: training set has no features", model));
  if (y.max() >= n_classes) throw TrainingError(fmt::format("{}: label {} >= n_classes {}", model, y.max(), n_classes));
  if (!X.is_finite()) throw TrainingError(fmt::format("{}: non-finite feature values", model));
  const arma::uvec distinct = arma::unique(y);
  if (distinct.n_elem < 2)
    throw TrainingError(
        fmt::format("{}: training set has a single class ({} rows); need at least 2 classes", model, X.n_rows));
}

void check_predict_input(const std::string& model, const arma::mat& X, std::size_t fitted_dims) {
  if (fitted_dims == 0) throw InternalError(model + ": predict_proba before fit");
  if (X.n_cols != fitted_dims)
    throw InternalError(
        fmt::format("{}: predict_proba got {} features, the model was fitted on {}", model, X.n_cols, fitted_dims));
}

}  // namespace tracer

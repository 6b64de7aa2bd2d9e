#pragma once
// Preconditions shared by every surrogate's fit() and predict_proba().
// (Hyper-parameters are read by ParamTable, core/model_params.hpp.)
#include <armadillo>
#include <string>

#include "core/surrogate.hpp"

namespace tracer {

/// Checks common preconditions of fit(): sizes agree, n > 0, labels in range,
/// features finite, at least two distinct classes. Throws TrainingError with a
/// message that starts with the model name.
void check_training_set(const std::string& model, const arma::mat& X, const arma::uvec& y, std::size_t n_classes);

/// Checks that X has the feature count the model was fitted on (0 = not
/// fitted); throws InternalError otherwise: the caller guarantees both.
void check_predict_input(const std::string& model, const arma::mat& X, std::size_t fitted_dims);

}  // namespace tracer

#pragma once
// Preconditions shared by every surrogate's fit(), and typed, range-checked
// readers for the numeric ModelParams overrides.
#include <armadillo>
#include <string>

#include "core/surrogate.hpp"

namespace tracer {

/// Checks common preconditions of fit(): sizes agree, n > 0, labels in range,
/// features finite, at least two distinct classes. Throws TrainingError with a
/// message that starts with the model name.
void check_training_set(const std::string& model, const arma::mat& X, const arma::uvec& y,
                        std::size_t n_classes);

/// Checks that X has the feature count the model was fitted on; throws
/// std::invalid_argument otherwise (and std::logic_error before fit).
void check_predict_input(const std::string& model, const arma::mat& X, std::size_t fitted_dims);

/// params[key] (or `fallback`) as a real in [lo, hi]; throws
/// std::invalid_argument "<model>: parameter '<key>' must be in [lo, hi], got v".
double real_param(const std::string& model, const ModelParams& params, const std::string& key,
                  double fallback, double lo, double hi);

/// As real_param, but the value must also be an integer.
long long int_param(const std::string& model, const ModelParams& params, const std::string& key,
                    long long fallback, long long lo, long long hi);

}  // namespace tracer

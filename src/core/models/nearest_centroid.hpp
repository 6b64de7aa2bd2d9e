#pragma once
// Nearest-centroid classifier: the worked example of docs/surrogate_zoo.md
// ("adding a model = one file + one registry line"). Opt-in: it is in no
// default zoo, a config names it to use it.
//
// fit stores each present class's mean feature vector; the probabilities of
// x are softmax(-||x - c_k||^2 / (2 temperature)) over the classes present in
// training, 0 for absent classes. predict_proba is predict_proba_row on every
// row, so the two agree exactly.
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "core/model_params.hpp"
#include "core/models/training_checks.hpp"
#include "core/surrogate.hpp"

namespace tracer {

class NearestCentroid final : public Surrogate {
 public:
  struct Params {
    double temperature = 1.0;
  };
  NearestCentroid(std::string name, Params params) : name_(std::move(name)), params_(params) {}

  static const ParamTable<Params>& param_table() {
    static const ParamTable<Params> table({
        param_above("temperature", &Params::temperature, 0.0, "softmax temperature on -squared distance / 2"),
    });
    return table;
  }

  void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext&) override {
    check_training_set(name_, X, y, n_classes);
    n_classes_ = n_classes;
    centroids_.zeros(n_classes, X.n_cols);  // row k = centroid of class k
    std::vector<double> count(n_classes, 0.0);
    for (arma::uword i = 0; i < X.n_rows; ++i) {
      centroids_.row(y[i]) += X.row(i);
      count[y[i]] += 1.0;
    }
    present_.assign(n_classes, 0);
    for (std::size_t k = 0; k < n_classes; ++k)
      if (count[k] > 0.0) {
        centroids_.row(k) /= count[k];
        present_[k] = 1;
      }
  }

  arma::mat predict_proba(const arma::mat& X) const override {
    check_predict_input(name_, X, n_classes_ == 0 ? 0 : centroids_.n_cols);
    arma::mat P(X.n_rows, n_classes_);
    std::vector<double> row(X.n_cols), out(n_classes_);
    for (arma::uword i = 0; i < X.n_rows; ++i) {
      for (arma::uword j = 0; j < X.n_cols; ++j) row[j] = X(i, j);
      predict_proba_row(row.data(), row.size(), out.data());
      for (std::size_t k = 0; k < n_classes_; ++k) P(i, k) = out[k];
    }
    return P;
  }

  /// x: d doubles (d = fitted features); out: n_classes() doubles.
  void predict_proba_row(const double* x, std::size_t d, double* out) const override {
    TRACER_CHECK(n_classes_ > 0, name_ + ": predict_proba_row before fit");
    TRACER_CHECK(d == centroids_.n_cols, name_ + ": row length differs from the fitted features");
    double best = -std::numeric_limits<double>::infinity();
    for (std::size_t k = 0; k < n_classes_; ++k) {
      if (!present_[k]) continue;
      double dist = 0.0;
      for (std::size_t j = 0; j < d; ++j) {
        const double diff = x[j] - centroids_(k, j);
        dist += diff * diff;
      }
      out[k] = -dist / (2.0 * params_.temperature);
      best = std::max(best, out[k]);
    }
    double sum = 0.0;
    for (std::size_t k = 0; k < n_classes_; ++k) {
      out[k] = present_[k] ? std::exp(out[k] - best) : 0.0;
      sum += out[k];
    }
    for (std::size_t k = 0; k < n_classes_; ++k) out[k] /= sum;
  }

  std::string name() const override { return name_; }
  std::size_t n_classes() const override { return n_classes_; }

 private:
  std::string name_;
  Params params_;
  arma::mat centroids_;
  std::vector<char> present_;
  std::size_t n_classes_ = 0;
};

}  // namespace tracer

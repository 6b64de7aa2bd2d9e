#pragma once
// The one interface every surrogate model implements.
//
// Conventions (as in faiss/Index.h, sizes travel with the data):
//  - X is an n x d matrix, one sample per row (Armadillo, column-major, double).
//  - Labels are integers in [0, n_classes). Every class index need not occur
//    in the training rows, but the model always returns n_classes columns.
//  - Probabilities are finite, non-negative and sum to 1 per row (computed
//    with log-sum-exp where relevant).
//  - Errors: fit throws TrainingError when the data cannot train the model;
//    a broken precondition the caller guarantees (predict before fit, a
//    feature count that differs from fit) throws InternalError.
//
// Adding a model: one file (a class implementing this interface, with a
// `Params` struct, a constructor (name, Params) and a static param_table())
// and one registry line in zoo.cpp; see docs/surrogate_zoo.md.
#include <algorithm>
#include <armadillo>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/model_params.hpp"

namespace tracer {

/// Execution resources a fit may use. Results must not depend on n_threads.
struct FitContext {
  std::uint64_t seed = 0;     ///< stream seed for this (day, model) fit
  std::size_t n_threads = 1;  ///< threads the model may use internally (trees)
};

class Surrogate {
 public:
  virtual ~Surrogate() = default;

  /// Trains on X (n x d) with labels y (length n, values < n_classes).
  /// Throws TrainingError on unusable input (empty set, one class,
  /// non-finite features, divergence).
  virtual void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) = 0;

  /// Class probabilities of X (n x d, d = the fitted feature count): an
  /// n x n_classes() matrix, rows finite and summing to 1.
  virtual arma::mat predict_proba(const arma::mat& X) const = 0;

  /// Class probabilities of one row: the serving path, used by the router and
  /// by serving_probabilities() for every split of the protocol.
  ///   x    d doubles, d = the fitted feature count (checked: InternalError)
  ///   out  n_classes() doubles, written: finite, >= 0, summing to 1
  /// Thread-safe for concurrent calls on a fitted model. Agrees with
  /// predict_proba to float rounding for models with a float row path
  /// (linear models, MLPs; about 1e-6), exactly for trees.
  virtual void predict_proba_row(const double* x, std::size_t d, double* out) const = 0;

  /// The batch form of predict_proba_row, used by serving_probabilities():
  /// rows [first, first + count) of X (n x d), row first + r's probabilities
  /// written to out + r * n_classes(), exactly the bits predict_proba_row
  /// gives for that row (test: Router.ServingProbabilitiesAreTheRowPathBitForBit).
  /// Models with a block kernel override it (the affine models: 4 rows per
  /// pass over the weights); this default gathers rows a few at a time
  /// (one cache line of each feature column per gather) and calls
  /// predict_proba_row. Thread-safe like predict_proba_row.
  virtual void predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count, double* out) const {
    TRACER_CHECK(first + count <= X.n_rows, name() + ": predict_proba_rows: rows out of range");
    constexpr std::size_t kGather = 8;
    const std::size_t d = X.n_cols, K = n_classes();
    thread_local std::vector<double> rows;
    rows.resize(kGather * d);
    for (std::size_t r0 = 0; r0 < count; r0 += kGather) {
      const std::size_t nr = std::min(kGather, count - r0);
      for (std::size_t j = 0; j < d; ++j) {
        const double* col = X.colptr(j) + first + r0;
        for (std::size_t r = 0; r < nr; ++r) rows[r * d + j] = col[r];
      }
      for (std::size_t r = 0; r < nr; ++r) predict_proba_row(rows.data() + r * d, d, out + (r0 + r) * K);
    }
  }

  /// Registry name, e.g. "logreg_c1".
  virtual std::string name() const = 0;

  /// Number of probability columns (the n_classes given to fit; 0 before).
  virtual std::size_t n_classes() const = 0;
};

}  // namespace tracer

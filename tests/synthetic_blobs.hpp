#pragma once
// Seeded synthetic classification data for the model tests (header-only).
#include <armadillo>
#include <cmath>

#include "core/rng.hpp"

namespace tracer::testing {

struct Dataset {
  arma::mat X;
  arma::uvec y;
};

/// n rows, d features, K Gaussian blobs: class means ~ N(0, sep^2) per
/// coordinate, unit-variance noise, labels i % K (balanced).
inline Dataset make_blobs(std::size_t n, std::size_t d, std::size_t K, double sep, std::uint64_t seed) {
  Rng rng(seed);
  arma::mat means(K, d);
  for (auto& v : means) v = sep * rng.normal();
  Dataset ds{arma::mat(n, d), arma::uvec(n)};
  Rng noise(seed ^ 0x5eedULL);
  for (std::size_t i = 0; i < n; ++i) {
    ds.y[i] = i % K;
    for (std::size_t j = 0; j < d; ++j) ds.X(i, j) = means(ds.y[i], j) + noise.normal();
  }
  return ds;
}

/// Same features, labels permuted (no signal left).
inline Dataset shuffled_labels(const Dataset& ds, std::uint64_t seed) {
  Rng rng(seed);
  auto perm = rng.permutation(ds.y.n_elem);
  Dataset out = ds;
  for (std::size_t i = 0; i < perm.size(); ++i) out.y[i] = ds.y[perm[i]];
  return out;
}

inline double accuracy(const arma::mat& P, const arma::uvec& y) {
  const arma::uvec pred = arma::index_max(P, 1);
  return static_cast<double>(arma::accu(pred == y)) / static_cast<double>(y.n_elem);
}

inline double majority_rate(const arma::uvec& y, std::size_t K) {
  arma::uvec counts(K, arma::fill::zeros);
  for (auto v : y) ++counts[v];
  return static_cast<double>(counts.max()) / static_cast<double>(y.n_elem);
}

/// True if P is n x K, finite, non-negative, rows summing to 1 (within tol).
inline ::testing::AssertionResult valid_probabilities(const arma::mat& P, std::size_t n, std::size_t K,
                                                      double tol = 1e-9) {
  if (P.n_rows != n || P.n_cols != K)
    return ::testing::AssertionFailure() << "shape " << P.n_rows << "x" << P.n_cols << ", want " << n << "x" << K;
  if (!P.is_finite()) return ::testing::AssertionFailure() << "non-finite entries";
  if (P.min() < 0.0) return ::testing::AssertionFailure() << "negative entry " << P.min();
  const arma::vec s = arma::sum(P, 1);
  for (arma::uword i = 0; i < s.n_elem; ++i)
    if (std::abs(s[i] - 1.0) > tol) return ::testing::AssertionFailure() << "row " << i << " sums to " << s[i];
  return ::testing::AssertionSuccess();
}

}  // namespace tracer::testing

#pragma once
// Synthetic replay data shared by the replay and production-flywheel tests:
// K Gaussian classes in 8 dimensions, teacher = ground truth unless
// shuffle_labels (then the teacher answers at random).
#include <armadillo>

#include "core/rng.hpp"
#include "protocol/replay.hpp"

namespace tracer {

inline ReplayData synthetic(std::size_t n_train, std::size_t n_test, std::size_t K, double spread, bool shuffle_labels,
                            std::uint64_t seed) {
  Rng rng(seed);
  const std::size_t d = 8;
  arma::mat means(K, d);
  for (auto& v : means) v = 3.0 * rng.normal();
  auto make = [&](std::size_t n, arma::mat& X, arma::uvec& y) {
    X.set_size(n, d);
    y.set_size(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = rng.uniform_index(K);
      for (std::size_t j = 0; j < d; ++j) X(i, j) = means(y[i], j) + spread * rng.normal();
    }
  };
  ReplayData data;
  make(n_train, data.X_train, data.truth_train);
  make(n_test, data.X_test, data.truth_test);
  data.teacher_train = data.truth_train;
  data.teacher_test = data.truth_test;
  if (shuffle_labels) {
    for (auto& v : data.teacher_train) v = rng.uniform_index(K);
    for (auto& v : data.teacher_test) v = rng.uniform_index(K);
  }
  data.n_classes = K;
  return data;
}

}  // namespace tracer

#include "core/split.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <numeric>

#include "core/rng.hpp"

namespace tracer {

std::vector<arma::uvec> stratified_split(const arma::uvec& labels, const std::vector<double>& fractions,
                                         std::uint64_t seed) {
  if (fractions.empty()) throw InternalError("stratified_split: no fractions");
  double total = 0.0;
  for (double f : fractions) {
    if (!(f >= 0.0)) throw InternalError("stratified_split: negative fraction");
    total += f;
  }
  if (std::abs(total - 1.0) > 1e-9) throw InternalError("stratified_split: fractions must sum to 1");
  std::map<arma::uword, std::vector<std::size_t>> by_class;  // ascending label order
  for (arma::uword i = 0; i < labels.n_elem; ++i) by_class[labels[i]].push_back(i);

  Rng rng(seed);
  const std::size_t G = fractions.size();
  std::vector<std::vector<arma::uword>> groups(G);
  for (auto& [label, rows] : by_class) {
    rng.shuffle(rows);
    const std::size_t n = rows.size();
    std::vector<std::size_t> count(G, 0);
    std::size_t others = 0;
    for (std::size_t g = 1; g < G; ++g) {
      count[g] = static_cast<std::size_t>(std::nearbyint(fractions[g] * static_cast<double>(n)));
      others += count[g];
    }
    // Keep at least one row for training: the last groups give way first.
    for (std::size_t g = G; others + 1 > n && g-- > 1;) {
      while (count[g] > 0 && others + 1 > n) {
        --count[g];
        --others;
      }
    }
    count[0] = n - others;
    std::size_t pos = 0;
    for (std::size_t g = 0; g < G; ++g)
      for (std::size_t c = 0; c < count[g]; ++c) groups[g].push_back(rows[pos++]);
  }
  std::vector<arma::uvec> out(G);
  for (std::size_t g = 0; g < G; ++g) out[g] = arma::sort(arma::uvec(groups[g]));
  return out;
}

}  // namespace tracer

namespace tracer {

arma::uvec stratified_subsample(const arma::uvec& labels, std::size_t size, std::uint64_t seed) {
  if (size > labels.n_elem) throw InternalError("stratified_subsample: size exceeds the row count");
  std::map<arma::uword, std::vector<std::size_t>> by_class;
  for (arma::uword i = 0; i < labels.n_elem; ++i) by_class[labels[i]].push_back(i);
  Rng rng(seed);
  std::vector<std::pair<double, std::size_t>> keyed;
  keyed.reserve(labels.n_elem);
  for (auto& [label, rows] : by_class) {
    rng.shuffle(rows);
    for (std::size_t r = 0; r < rows.size(); ++r)
      keyed.emplace_back((static_cast<double>(r) + rng.uniform()) / static_cast<double>(rows.size()), rows[r]);
  }
  std::sort(keyed.begin(), keyed.end());
  arma::uvec out(size);
  for (std::size_t i = 0; i < size; ++i) out[i] = keyed[i].second;
  return arma::sort(out);
}

}  // namespace tracer

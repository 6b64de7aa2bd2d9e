#include <gtest/gtest.h>

#include <set>

#include "core/errors.hpp"
#include "core/split.hpp"

namespace tracer {
namespace {

arma::uvec make_labels() {
  // 10 classes of sizes 1..10 and one big class of 200.
  std::vector<arma::uword> y;
  for (arma::uword c = 0; c < 10; ++c)
    for (arma::uword i = 0; i <= c; ++i) y.push_back(c);
  for (int i = 0; i < 200; ++i) y.push_back(10);
  return arma::uvec(y);
}

TEST(StratifiedSplit, PartitionsEveryRowExactlyOnce) {
  const arma::uvec y = make_labels();
  const auto parts = stratified_split(y, {0.55, 0.15, 0.15, 0.15}, 42);
  std::set<arma::uword> seen;
  std::size_t total = 0;
  for (const auto& p : parts) {
    total += p.n_elem;
    for (arma::uword i : p) seen.insert(i);
    EXPECT_TRUE(std::is_sorted(p.begin(), p.end()));
  }
  EXPECT_EQ(total, y.n_elem);
  EXPECT_EQ(seen.size(), y.n_elem);
}

TEST(StratifiedSplit, KeepsEveryClassInTrain) {
  const arma::uvec y = make_labels();
  const auto parts = stratified_split(y, {0.55, 0.15, 0.15, 0.15}, 7);
  const arma::uvec train_classes = arma::unique(y.elem(parts[0]));
  EXPECT_EQ(train_classes.n_elem, 11u);
}

TEST(StratifiedSplit, IsStratified) {
  const arma::uvec y = make_labels();
  const auto parts = stratified_split(y, {0.55, 0.15, 0.15, 0.15}, 7);
  // The big class (200 rows) gets exactly round(0.15 * 200) = 30 rows in each held-out group.
  for (std::size_t g = 1; g < 4; ++g) EXPECT_EQ(arma::accu(y.elem(parts[g]) == 10), 30u) << "group " << g;
  EXPECT_EQ(arma::accu(y.elem(parts[0]) == 10), 110u);
}

TEST(StratifiedSplit, SeedDeterminesTheSplit) {
  const arma::uvec y = make_labels();
  const auto a = stratified_split(y, {0.6, 0.4}, 1);
  const auto b = stratified_split(y, {0.6, 0.4}, 1);
  const auto c = stratified_split(y, {0.6, 0.4}, 2);
  EXPECT_TRUE(arma::all(a[1] == b[1]));
  EXPECT_FALSE(a[1].n_elem == c[1].n_elem && arma::all(a[1] == c[1]));
}

TEST(StratifiedSubsample, ExactSizeAndProportionalClasses) {
  const arma::uvec y = make_labels();  // 55 rows in classes 0..9, 200 in class 10
  const arma::uvec s = stratified_subsample(y, 51, 3);
  ASSERT_EQ(s.n_elem, 51u);
  EXPECT_EQ(arma::unique(s).eval().n_elem, 51u);
  const double share = static_cast<double>(arma::accu(y.elem(s) == 10)) / 51.0;
  EXPECT_NEAR(share, 200.0 / 255.0, 1.0 / 51.0 + 1e-9);
  EXPECT_THROW(stratified_subsample(y, y.n_elem + 1, 3), InternalError);
}

TEST(StratifiedSplit, RejectsFractionsNotSummingToOne) {
  EXPECT_THROW(stratified_split(arma::uvec{0, 1}, {0.5, 0.4}, 1), InternalError);
}

}  // namespace
}  // namespace tracer

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "core/metrics.hpp"
#include "core/models/logistic_regression.hpp"
#include "core/rng.hpp"
#include "core/softmax_loss.hpp"
#include "core/vec_math.hpp"

namespace tracer {
namespace {

// Gaussian blobs around well separated class means.
void blobs(std::size_t n, std::size_t d, std::size_t K, double spread, std::uint64_t seed, arma::mat& X,
           arma::uvec& y) {
  Rng rng(seed);
  arma::mat means(K, d);
  for (auto& v : means) v = 4.0 * rng.normal();
  X.set_size(n, d);
  y.set_size(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = i % K;
    for (std::size_t j = 0; j < d; ++j) X(i, j) = means(y[i], j) + spread * rng.normal();
  }
}

TEST(VecMath, ExpMatchesStdExpOnTheWholeRange) {
  std::vector<double> x;
  for (int i = 0; i <= 200000; ++i) x.push_back(-720.0 * i / 200000.0);  // dense, past the cut-off
  for (int i = 0; i <= 20000; ++i) x.push_back(-1.0 * i / 20000.0);      // near 0, where softmax lives
  x.push_back(-0.0);
  x.push_back(-1e-300);
  x.push_back(-std::numeric_limits<double>::infinity());
  std::vector<double> e = x;
  exp_nonpositive_inplace(e.data(), e.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    if (x[i] < -708.0) {
      EXPECT_EQ(e[i], 0.0) << "x = " << x[i];
    } else {
      const double want = std::exp(x[i]);
      EXPECT_LE(std::abs(e[i] - want), 5e-16 * want) << "x = " << x[i];
    }
  }
  double nan = std::numeric_limits<double>::quiet_NaN();
  exp_nonpositive_inplace(&nan, 1);
  EXPECT_TRUE(std::isnan(nan));
}

// The float path (K x n logits, in-place residual, vectorised exp) against
// the double reference, with many classes and logits spread far enough that
// some probabilities underflow.
TEST(SoftmaxLoss, FloatPathMatchesDoubleWithManyClassesAndSpreadLogits) {
  Rng rng(21);
  const arma::uword n = 300, d = 9, K = 41;
  arma::mat X(n, d);
  for (auto& v : X) v = rng.normal();
  arma::uvec y(n);
  for (arma::uword i = 0; i < n; ++i) y[i] = (7 * i) % K;
  arma::mat W(d + 1, K);
  for (auto& v : W) v = 40.0 * rng.normal();
  arma::mat g_double, g_float;
  const double f_double = SoftmaxLoss(X, y, K, 3.0).evaluate_with_gradient(W, g_double);
  SoftmaxLoss float_loss(X, y, K, 3.0, SoftmaxLoss::Products::kFloat);
  const double f_float = float_loss.evaluate_with_gradient(W, g_float);
  EXPECT_NEAR(f_float, f_double, 1e-5 * std::abs(f_double));
  ASSERT_EQ(g_float.n_rows, d + 1);
  ASSERT_EQ(g_float.n_cols, K);
  EXPECT_TRUE(g_float.is_finite());
  EXPECT_LT(arma::abs(g_float - g_double).max(), 1e-5 * arma::abs(g_double).max());
  // Scratch buffers are reused: a second evaluation at another point is as exact.
  W *= 0.01;
  const double f2_double = SoftmaxLoss(X, y, K, 3.0).evaluate_with_gradient(W, g_double);
  EXPECT_NEAR(float_loss.evaluate_with_gradient(W, g_float), f2_double, 1e-5 * std::abs(f2_double));
  EXPECT_LT(arma::abs(g_float - g_double).max(), 1e-5 * arma::abs(g_double).max());
}

TEST(LogisticRegression, SeparableToySetIsLearnedPerfectly) {
  arma::mat X;
  arma::uvec y;
  blobs(300, 5, 3, 0.3, 1, X, y);
  LogisticRegression lr("logreg_c1", {.C = 10.0});
  lr.fit(X, y, 3, {});
  EXPECT_GE(accuracy(argmax_rows(lr.predict_proba(X)), y), 0.99);
}

TEST(LogisticRegression, ShuffledLabelsStayNearChanceOnHeldOutRows) {
  arma::mat X, Xt;
  arma::uvec y, yt;
  blobs(600, 10, 4, 1.0, 2, X, y);
  blobs(600, 10, 4, 1.0, 3, Xt, yt);
  Rng rng(9);
  std::vector<arma::uword> shuffled(y.begin(), y.end());
  rng.shuffle(shuffled);
  LogisticRegression lr("logreg_c1", {});
  lr.fit(X, arma::uvec(shuffled), 4, {});
  const double acc = accuracy(argmax_rows(lr.predict_proba(Xt)), yt);
  EXPECT_LT(acc, 0.40);  // chance = 0.25; a real signal would be near 1
}

TEST(LogisticRegression, ProbabilitiesAreFiniteAndSumToOneEvenWhenSaturated) {
  arma::mat X;
  arma::uvec y;
  blobs(200, 4, 3, 0.01, 4, X, y);
  LogisticRegression lr("logreg_c10", {.C = 1e6});
  lr.fit(X, y, 5, {});  // two classes never seen: their columns must still be valid
  const arma::mat P = lr.predict_proba(X * 1e4);
  ASSERT_EQ(P.n_cols, 5u);
  EXPECT_TRUE(P.is_finite());
  EXPECT_TRUE(arma::all(arma::vectorise(P) >= 0.0));
  EXPECT_LT(arma::abs(arma::sum(P, 1) - 1.0).max(), 1e-12);
}

TEST(LogisticRegression, SingleClassIsAClearError) {
  arma::mat X(10, 3, arma::fill::randn);
  arma::uvec y(10, arma::fill::zeros);
  LogisticRegression lr("logreg_c1", {});
  try {
    lr.fit(X, y, 3, {});
    FAIL() << "expected TrainingError";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("single class"), std::string::npos);
  }
  EXPECT_THROW(lr.fit(arma::mat(0, 3), arma::uvec(), 3, {}), TrainingError);
}

TEST(LogisticRegression, ParamsRejectNonIntegersAndOutOfRange) {
  const auto& table = LogisticRegression::param_table();
  try {
    table.read("logreg_c1", {{"max_iter", 2.5}}, {});  // was silently truncated to 2
    FAIL() << "no ParameterError for max_iter = 2.5";
  } catch (const ParameterError& e) {
    EXPECT_EQ(std::string(e.what()), "logreg_c1: parameter max_iter must be an integer in [1, 1000000], got 2.5");
  }
  try {
    table.read("logreg_c10", {{"C", 0.0}}, {.C = 10.0});
    FAIL() << "no ParameterError for C = 0";
  } catch (const ParameterError& e) {
    EXPECT_EQ(std::string(e.what()), "logreg_c10: parameter C must be > 0, got 0");
  }
  EXPECT_THROW(table.read("logreg_c1", {{"tol", std::nan("")}}, {}), ParameterError);
  EXPECT_THROW(table.read("logreg_c1", {{"penalty", 1.0}}, {}), ParameterError);
  const auto p = table.read("logreg_c1", {{"max_iter", 50}, {"C", 0.5}}, {});
  EXPECT_EQ(p.max_iterations, 50);
  EXPECT_EQ(p.C, 0.5);
}

TEST(LogisticRegression, ConvergesToTheSolverTolerance) {
  arma::mat X;
  arma::uvec y;
  blobs(400, 8, 4, 1.5, 5, X, y);
  LogisticRegression lr("logreg_c1", {.C = 1.0, .max_iterations = 1000, .gradient_tolerance = 1e-7});
  lr.fit(X, y, 4, {});
  EXPECT_TRUE(lr.solver_report().converged);
  EXPECT_LE(lr.solver_report().final_gradient_max, 1e-5);
}

}  // namespace
}  // namespace tracer

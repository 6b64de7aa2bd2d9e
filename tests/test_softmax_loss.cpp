#include <gtest/gtest.h>

#include "core/errors.hpp"
#include "core/softmax_loss.hpp"

namespace tracer {
namespace {

TEST(SoftmaxLoss, GradientMatchesFiniteDifferences) {
  arma::arma_rng::set_seed(7);
  const arma::uword n = 40, d = 5, K = 4;
  arma::mat X(n, d, arma::fill::randn);
  arma::uvec y(n);
  for (arma::uword i = 0; i < n; ++i) y[i] = i % K;
  SoftmaxLoss loss(X, y, K, 0.7);
  arma::mat W(d + 1, K, arma::fill::randn);
  W *= 0.3;
  arma::mat grad;
  loss.evaluate_with_gradient(W, grad);
  const double h = 1e-6;
  for (arma::uword r = 0; r < W.n_rows; ++r) {
    for (arma::uword c = 0; c < W.n_cols; ++c) {
      arma::mat Wp = W, Wm = W;
      Wp(r, c) += h;
      Wm(r, c) -= h;
      const double numeric = (loss.evaluate(Wp) - loss.evaluate(Wm)) / (2 * h);
      EXPECT_NEAR(grad(r, c), numeric, 1e-7) << "at (" << r << "," << c << ")";
    }
  }
}

TEST(SoftmaxLoss, SinglePrecisionProductsGiveTheSameGradientToSixDigits) {
  arma::arma_rng::set_seed(8);
  arma::mat X(60, 7, arma::fill::randn);
  arma::uvec y(60);
  for (arma::uword i = 0; i < 60; ++i) y[i] = i % 3;
  arma::mat W(8, 3, arma::fill::randn);
  arma::mat g_double, g_float;
  const double f_double = SoftmaxLoss(X, y, 3, 1.0).evaluate_with_gradient(W, g_double);
  const double f_float = SoftmaxLoss(X, y, 3, 1.0, SoftmaxLoss::Products::kFloat).evaluate_with_gradient(W, g_float);
  EXPECT_NEAR(f_float, f_double, 1e-5 * std::abs(f_double));
  EXPECT_LT(arma::abs(g_float - g_double).max(), 1e-5 * arma::abs(g_double).max());
}

// Logistic regression builds its loss from float columns (no n x d double
// copy): the same loss and gradient, bit for bit, as from X with kFloat.
TEST(SoftmaxLoss, FloatColumnsGiveTheFloatProductsBits) {
  arma::arma_rng::set_seed(9);
  arma::mat X(50, 6, arma::fill::randn);
  arma::uvec y(50);
  for (arma::uword i = 0; i < 50; ++i) y[i] = (i * 7) % 4;
  arma::mat W(7, 4, arma::fill::randn);
  arma::mat g_x, g_cols;
  const SoftmaxLoss from_x(X, y, 4, 0.5, SoftmaxLoss::Products::kFloat);
  const SoftmaxLoss from_cols(arma::conv_to<arma::fmat>::from(X.t()), y, 4, 0.5);
  const double f_x = from_x.evaluate_with_gradient(W, g_x);
  const double f_cols = from_cols.evaluate_with_gradient(W, g_cols);
  EXPECT_EQ(f_cols, f_x);
  ASSERT_EQ(g_cols.n_rows, 7u);
  EXPECT_TRUE(arma::approx_equal(g_cols, g_x, "absdiff", 0.0));
  EXPECT_EQ(from_cols.n_params_rows(), 7u);
  EXPECT_THROW(SoftmaxLoss(arma::fmat(6, 49, arma::fill::zeros), y, 4, 0.5), InternalError);  // 49 columns, 50 labels
}

TEST(SoftmaxLoss, ExtremeLogitsStayFinite) {
  arma::mat X = {{1e6, -1e6}, {-1e6, 1e6}};
  arma::uvec y = {0, 1};
  SoftmaxLoss loss(X, y, 2, 1.0);
  arma::mat W = {{10.0, -10.0}, {-10.0, 10.0}, {0.0, 0.0}};
  arma::mat grad;
  const double f = loss.evaluate_with_gradient(W, grad);
  EXPECT_TRUE(std::isfinite(f));
  EXPECT_TRUE(grad.is_finite());
}

}  // namespace
}  // namespace tracer

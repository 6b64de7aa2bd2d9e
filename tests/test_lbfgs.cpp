#include <gtest/gtest.h>

#include "core/lbfgs.hpp"

namespace tracer {
namespace {

// Counts its own calls, so the report's evaluation count can be checked.
struct Rosenbrock {
  mutable int calls = 0;
  double evaluate_with_gradient(const arma::mat& w, arma::mat& g) const {
    ++calls;
    const double x = w(0, 0), y = w(1, 0);
    g.set_size(2, 1);
    g(0, 0) = -2.0 * (1.0 - x) - 400.0 * x * (y - x * x);
    g(1, 0) = 200.0 * (y - x * x);
    return (1.0 - x) * (1.0 - x) + 100.0 * (y - x * x) * (y - x * x);
  }
};

struct Quadratic {  // 0.5 sum_j a_j (w_j - c_j)^2: minimum at c
  arma::mat a, c;
  mutable int calls = 0;
  double evaluate_with_gradient(const arma::mat& w, arma::mat& g) const {
    ++calls;
    g = a % (w - c);
    return 0.5 * arma::accu(a % arma::square(w - c));
  }
};

TEST(Lbfgs, FindsTheMinimumOfAQuadratic) {
  Quadratic f{arma::mat{{1.0, 10.0}, {100.0, 0.5}}, arma::mat{{3.0, -1.0}, {0.25, 2.0}}};
  arma::mat w(2, 2, arma::fill::zeros);
  LbfgsOptions opt;
  opt.gradient_tolerance = 1e-10;
  opt.relative_decrease = 0.0;  // the gradient test alone ends the run
  const LbfgsReport r = minimize_lbfgs(f, w, opt);
  EXPECT_TRUE(r.converged);
  EXPECT_LT(arma::abs(w - f.c).max(), 1e-9);
  EXPECT_LE(r.final_gradient_max, 1e-10);
}

// The valley forces backtracking: the report counts every objective call, the
// first one, one accepted trial per iteration and the rejected trials.
TEST(Lbfgs, CountsEveryEvaluationIncludingRejectedTrials) {
  Rosenbrock f;
  arma::mat w(2, 1);
  w(0, 0) = -1.2;
  w(1, 0) = 1.0;
  LbfgsOptions opt;
  opt.gradient_tolerance = 1e-8;
  opt.relative_decrease = 0.0;
  const LbfgsReport r = minimize_lbfgs(f, w, opt);
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(w(0, 0), 1.0, 1e-6);
  EXPECT_NEAR(w(1, 0), 1.0, 1e-6);
  EXPECT_EQ(r.evaluations, f.calls);
  EXPECT_GT(r.evaluations, r.iterations + 1) << "no line-search step was rejected: the test no longer backtracks";
}

TEST(Lbfgs, AStartAtTheMinimumTakesOneEvaluationAndNoIteration) {
  Quadratic f{arma::mat(1, 1, arma::fill::value(2.0)), arma::mat(1, 1, arma::fill::value(1.5))};
  arma::mat w(1, 1, arma::fill::value(1.5));
  const LbfgsReport r = minimize_lbfgs(f, w);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.evaluations, 1);
  EXPECT_EQ(f.calls, 1);
}

}  // namespace
}  // namespace tracer

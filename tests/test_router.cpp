#include <gtest/gtest.h>

#include "core/acceptor.hpp"
#include "core/metrics.hpp"
#include "core/router.hpp"
#include "core/rng.hpp"
#include "core/zoo.hpp"

namespace tracer {
namespace {

TEST(Router, SingleRowRoutingEqualsTheBatchRuleTheGateChecks) {
  Rng rng(3);
  const std::size_t n = 400, d = 6, K = 4;
  arma::mat X(n, d);
  arma::uvec y(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = i % K;
    for (std::size_t j = 0; j < d; ++j) X(i, j) = (j == y[i] ? 1.5 : 0.0) + rng.normal();
  }
  std::shared_ptr<Surrogate> model = make_surrogate({"logreg_c1", {}});
  model->fit(X, y, K, {});
  const arma::mat P = serving_probabilities(*model, X);
  auto acceptor = std::make_shared<Acceptor>();
  acceptor->fit(P, arma::conv_to<arma::uvec>::from(argmax_rows(P) == y));
  ASSERT_EQ(acceptor->score_name(), "predicted_teacher_match");
  const arma::vec scores = acceptor->score(P);
  RoutingPolicy policy{Family::kL2D, model, acceptor, arma::median(scores)};
  const RoutingDecision batch = policy.route(X);
  const Router router(policy);
  std::size_t handled = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const arma::rowvec x = X.row(i);
    const RouteResult r = router.route_row(x.memptr(), d);
    EXPECT_EQ(r.handled, batch.handled[i] == 1) << i;
    EXPECT_EQ(r.score, batch.score[i]) << i;  // bit-identical, not just close
    if (r.handled) {
      EXPECT_EQ(r.label, batch.prediction[i]) << i;
    }
    handled += r.handled;
  }
  EXPECT_GT(handled, n / 3);
  EXPECT_LT(handled, n);
}

TEST(Router, NoPolicyDefersEverything) {
  const Router router(RoutingPolicy{});
  const double x[2] = {1.0, 2.0};
  EXPECT_FALSE(router.route_row(x, 2).handled);
}

TEST(Acceptor, FeaturesMatchKnownVectors) {
  // Reference vectors (tracer-llm 0.3.3 spec, section 3.1).
  const double p1[3] = {0.7, 0.2, 0.1};
  const auto f1 = acceptor_features_row(p1, 3);
  EXPECT_NEAR(f1[0], 0.7, 1e-12);
  EXPECT_NEAR(f1[1], 0.2, 1e-12);
  EXPECT_NEAR(f1[2], 0.5, 1e-12);
  EXPECT_NEAR(f1[3], 0.729847, 1e-6);
  const double p2[3] = {1.0 / 3, 1.0 / 3, 1.0 / 3};
  EXPECT_NEAR(acceptor_features_row(p2, 3)[3], 1.0, 1e-12);
  const double p3[3] = {std::nan(""), 0.5, 0.5};
  const auto f3 = acceptor_features_row(p3, 3);
  EXPECT_NEAR(f3[0], 0.5, 1e-12);
  EXPECT_NEAR(f3[3], 0.63093, 1e-5);
}

TEST(Acceptor, AllAgreeFallsBackToMaxProbability) {
  arma::mat P = {{0.9, 0.1}, {0.6, 0.4}};
  Acceptor a;
  a.fit(P, arma::uvec{1, 1});
  EXPECT_EQ(a.score_name(), "max_prob");
  EXPECT_DOUBLE_EQ(a.score(P)[1], 0.6);
}

}  // namespace
}  // namespace tracer

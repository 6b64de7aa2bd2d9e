#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

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
  const RoutingDecision two_threads = policy.route(X, 2);
  EXPECT_TRUE(arma::all(two_threads.handled == batch.handled));
  EXPECT_TRUE(arma::all(two_threads.prediction == batch.prediction));
  EXPECT_EQ(std::memcmp(two_threads.score.memptr(), batch.score.memptr(), n * sizeof(double)), 0);
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

TEST(Router, ServingProbabilitiesAreTheRowPathBitForBit) {
  // serving_probabilities runs the models' block path (predict_proba_rows:
  // tiles of 32 rows, blocks of 4, chunks of 256 per thread) and the
  // default gather for trees; every row must still be exactly what
  // predict_proba_row gives for that row, at any thread count. 600 rows:
  // 3 chunks, the last one partial, ending in a partial block.
  Rng rng(8);
  const std::size_t n = 600, d = 21, K = 5;
  arma::mat X(n, d);
  arma::uvec y(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = i % K;
    for (std::size_t j = 0; j < d; ++j) X(i, j) = (j == y[i] ? 2.0 : 0.0) + rng.normal();
  }
  for (const char* name : {"logreg_c1", "sgd_log", "mlp_2h", "dt"}) {
    std::shared_ptr<Surrogate> model = make_surrogate({name, {}});
    model->fit(X, y, K, {});
    const arma::mat P = serving_probabilities(*model, X);
    const arma::mat P2 = serving_probabilities(*model, X, 2);
    EXPECT_EQ(std::memcmp(P.memptr(), P2.memptr(), P.n_elem * sizeof(double)), 0) << name << ": threads changed bits";
    ASSERT_EQ(P.n_rows, n);
    ASSERT_EQ(P.n_cols, K);
    std::vector<double> out(K);
    for (std::size_t i = 0; i < n; ++i) {
      const arma::rowvec x = X.row(i);
      model->predict_proba_row(x.memptr(), d, out.data());
      for (std::size_t k = 0; k < K; ++k) EXPECT_EQ(P(i, k), out[k]) << name << " row " << i << " class " << k;
    }
    EXPECT_EQ(serving_probabilities(*model, arma::mat(0, d)).n_rows, 0u);
  }
}

// A surrogate whose probabilities are fixed per row (row r = x[0]), chosen to
// sit on the edges of the rule: exact ties (first column wins), a row whose
// acceptor score is exactly the threshold (accepted: >=), rows just below it,
// NaN and negative entries (read as 0 by the acceptor). Batch and row routing
// see the very same probabilities, so any difference between the gate's rule
// and the router's rule shows up here, for every family.
class FixedRows final : public Surrogate {
 public:
  explicit FixedRows(arma::mat P) : P_(std::move(P)) {}
  void fit(const arma::mat&, const arma::uvec&, std::size_t, const FitContext&) override {}
  arma::mat predict_proba(const arma::mat& X) const override {
    arma::mat out(X.n_rows, P_.n_cols);
    for (arma::uword i = 0; i < X.n_rows; ++i) out.row(i) = P_.row(static_cast<arma::uword>(X(i, 0)));
    return out;
  }
  void predict_proba_row(const double* x, std::size_t, double* out) const override {
    for (arma::uword k = 0; k < P_.n_cols; ++k) out[k] = P_(static_cast<arma::uword>(x[0]), k);
  }
  std::string name() const override { return "fixed"; }
  std::size_t n_classes() const override { return P_.n_cols; }

 private:
  arma::mat P_;
};

TEST(Router, BatchAndRowPathsCannotDiverge) {
  const double nan = std::nan("");
  arma::mat P = {{0.5, 0.5, 0.0}, {0.2, 0.4, 0.4},  {0.9, 0.05, 0.05},           {0.34, 0.33, 0.33},
                 {nan, 0.6, 0.4}, {0.1, -0.2, 1.1}, {1.0 / 3, 1.0 / 3, 1.0 / 3}, {0.0, 0.0, 1.0}};
  auto model = std::make_shared<FixedRows>(P);
  auto acceptor = std::make_shared<Acceptor>();  // unfitted: scores by the top-1 probability
  const arma::mat X = arma::regspace<arma::vec>(0, P.n_rows - 1);
  for (const Family family : {Family::kNone, Family::kGlobal, Family::kL2D}) {
    // threshold = row 3's score exactly: >= must accept it, rows with a lower score must not.
    const double threshold = acceptor->score_row(P.colptr(0) + 3, P.n_cols, P.n_rows);
    const RoutingPolicy policy{family, family == Family::kNone ? nullptr : model,
                               family == Family::kL2D ? acceptor : nullptr, threshold};
    const RoutingDecision batch = policy.route(X);
    const RoutingDecision from_probs = policy.route_probabilities(P);
    const Router router(policy);
    for (arma::uword i = 0; i < P.n_rows; ++i) {
      const double x = static_cast<double>(i);
      const RouteResult r = router.route_row(&x, 1);
      const RouteResult direct = route_probability_row(policy, P.colptr(0) + i, P.n_cols, P.n_rows);
      for (const RoutingDecision* d : {&batch, &from_probs}) {
        EXPECT_EQ(r.label, d->prediction[i]) << family_name(family) << " row " << i;
        EXPECT_EQ(std::bit_cast<std::uint64_t>(r.score), std::bit_cast<std::uint64_t>(d->score[i]))
            << family_name(family) << " row " << i;
        EXPECT_EQ(r.handled, d->handled[i] == 1) << family_name(family) << " row " << i;
      }
      EXPECT_EQ(r.handled, direct.handled);
      EXPECT_EQ(r.handled, accepts(family, r.score, threshold));
    }
    if (family == Family::kL2D) {
      EXPECT_EQ(batch.prediction[0], 0u) << "ties go to the first column";
      EXPECT_EQ(batch.prediction[1], 1u) << "ties go to the first column";
      EXPECT_EQ(batch.handled[3], 1u) << "score == threshold is accepted";
      EXPECT_EQ(batch.handled[6], 0u) << "a score below the threshold is deferred";
    }
  }
}

TEST(Router, AcceptRule) {
  EXPECT_FALSE(accepts(Family::kNone, 1.0, 0.0));
  EXPECT_TRUE(accepts(Family::kGlobal, 0.0, 1.0));
  EXPECT_TRUE(accepts(Family::kL2D, 0.7, 0.7));
  EXPECT_FALSE(accepts(Family::kL2D, std::nextafter(0.7, 0.0), 0.7));
  EXPECT_FALSE(accepts(Family::kL2D, std::nan(""), 0.7));
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

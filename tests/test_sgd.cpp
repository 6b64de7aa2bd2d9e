#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/models/sgd_classifier.hpp"
#include "core/vec_math.hpp"
#include "synthetic_blobs.hpp"

namespace tracer {
namespace {

using testing::accuracy;
using testing::make_blobs;
using testing::valid_probabilities;

SgdClassifier make() { return SgdClassifier("sgd_log", {}); }

// The vectorised loss kernel against scikit-learn's scalar Log loss
// (sgd_fast.pyx: loss and dloss with the |z| > 18 cut-offs).
TEST(Sgd, VectorisedLogLossMatchesScikitLearnsScalarFormulas) {
  std::vector<double> z, y;
  for (int i = -4000; i <= 4000; ++i) {
    z.push_back(i / 100.0);  // -40 .. 40, across both cut-offs
    y.push_back(i % 2 ? 1.0 : -1.0);
  }
  for (double e : {18.0, -18.0, 0.0, 1e-12, -1e-12, 700.0, -700.0}) {
    z.push_back(e);
    y.push_back(1.0);
  }
  std::vector<double> u(z.size()), loss(z.size()), dloss(z.size());
  for (std::size_t i = 0; i < z.size(); ++i) u[i] = -std::abs(z[i]);
  exp_nonpositive_inplace(u.data(), u.size());
  log_loss_and_dloss_many(z.data(), u.data(), y.data(), loss.data(), dloss.data(), z.size());
  for (std::size_t i = 0; i < z.size(); ++i) {
    double want_loss, want_dloss;
    if (z[i] > 18.0) {
      want_loss = std::exp(-z[i]);
      want_dloss = -y[i] * std::exp(-z[i]);
    } else if (z[i] < -18.0) {
      want_loss = -z[i];
      want_dloss = -y[i];
    } else {
      want_loss = std::log1p(std::exp(-z[i]));
      want_dloss = -y[i] / (std::exp(z[i]) + 1.0);
    }
    EXPECT_NEAR(loss[i], want_loss, 2e-15 * std::abs(want_loss)) << "z = " << z[i];
    EXPECT_NEAR(dloss[i], want_dloss, 2e-15 * std::abs(want_dloss)) << "z = " << z[i];
  }
}

TEST(Sgd, BeatsMajorityOnBlobs) {
  auto all = make_blobs(1200, 12, 5, 1.0, 3);
  const arma::mat Xtr = all.X.head_rows(800), Xte = all.X.tail_rows(400);
  const arma::uvec ytr = all.y.head(800), yte = all.y.tail(400);
  auto m = make();
  m.fit(Xtr, ytr, 5, {.seed = 42});
  const double acc = accuracy(m.predict_proba(Xte), yte);
  EXPECT_GT(acc, 0.85) << "majority rate is 0.2";
  EXPECT_GT(m.epochs_run(), 1);
  EXPECT_LE(m.epochs_run(), 200);
}

TEST(Sgd, ShuffledLabelsStayNearChance) {
  auto all = testing::shuffled_labels(make_blobs(1200, 12, 5, 1.0, 3), 9);
  auto m = make();
  m.fit(all.X.head_rows(800), all.y.head(800), 5, {.seed = 42});
  EXPECT_LT(accuracy(m.predict_proba(all.X.tail_rows(400)), all.y.tail(400)), 0.32);
}

TEST(Sgd, ProbabilitiesValidWithAbsentClassAndExtremeInputs) {
  auto ds = make_blobs(300, 6, 3, 2.0, 5);
  auto m = make();
  m.fit(ds.X, ds.y, 5, {.seed = 1});  // classes 3 and 4 never occur
  const arma::mat P = m.predict_proba(ds.X);
  EXPECT_TRUE(valid_probabilities(P, 300, 5));
  EXPECT_EQ(arma::accu(P.cols(3, 4)), 0.0);
  const arma::mat far = ds.X.rows(0, 9) * 1e6;  // every sigmoid underflows: must not be 0/0
  EXPECT_TRUE(valid_probabilities(m.predict_proba(far), 10, 5));
}

TEST(Sgd, OvrNormalisationSurvivesUnderflow) {
  const double m[3] = {-1000.0, -2000.0, -800.0};  // every sigmoid underflows to 0 in double
  double p[3];
  ovr_probabilities(m, 3, p);
  EXPECT_NEAR(p[2], 1.0, 1e-12);
  EXPECT_GE(p[0], 0.0);
  EXPECT_EQ(p[1], 0.0);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-15);
  const double tie[2] = {-900.0, -900.0};
  ovr_probabilities(tie, 2, p);
  EXPECT_DOUBLE_EQ(p[0], 0.5);
  EXPECT_DOUBLE_EQ(p[1], 0.5);
  const double mixed[3] = {0.0, 3.0, -3.0};  // ordinary case: normalised sigmoids
  ovr_probabilities(mixed, 3, p);
  const double s = 0.5 + 1 / (1 + std::exp(-3.0)) + 1 / (1 + std::exp(3.0));
  EXPECT_NEAR(p[0], 0.5 / s, 1e-15);
}

TEST(Sgd, BinaryProblemGivesComplementaryProbabilities) {
  auto ds = make_blobs(200, 4, 2, 2.0, 6);
  auto m = make();
  m.fit(ds.X, ds.y, 2, {.seed = 1});
  const arma::mat P = m.predict_proba(ds.X);
  EXPECT_TRUE(valid_probabilities(P, 200, 2));
  EXPECT_GT(accuracy(P, ds.y), 0.9);
}

TEST(Sgd, RowPathMatchesBatch) {
  auto ds = make_blobs(300, 20, 4, 1.0, 8);
  auto m = make();
  m.fit(ds.X, ds.y, 4, {.seed = 3});
  const arma::mat P = m.predict_proba(ds.X.rows(0, 19));
  std::vector<double> out(4);
  for (arma::uword i = 0; i < 20; ++i) {
    const arma::rowvec x = ds.X.row(i);
    m.predict_proba_row(x.memptr(), x.n_elem, out.data());
    for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(out[k], P(i, k), 1e-4);
  }
}

TEST(Sgd, SameSeedSameModelOtherSeedDiffers) {
  auto ds = make_blobs(300, 8, 3, 1.0, 10);
  auto a = make(), b = make(), c = make();
  a.fit(ds.X, ds.y, 3, {.seed = 7});
  b.fit(ds.X, ds.y, 3, {.seed = 7, .n_threads = 2});
  c.fit(ds.X, ds.y, 3, {.seed = 8});
  EXPECT_TRUE(arma::approx_equal(a.predict_proba(ds.X), b.predict_proba(ds.X), "absdiff", 0.0));
  EXPECT_FALSE(arma::approx_equal(a.predict_proba(ds.X), c.predict_proba(ds.X), "absdiff", 0.0));
}

TEST(Sgd, RejectsEmptyAndSingleClass) {
  auto m = make();
  EXPECT_THROW(m.fit(arma::mat(0, 3), arma::uvec(), 2, {}), TrainingError);
  try {
    m.fit(arma::mat(5, 3, arma::fill::randu), arma::uvec(5, arma::fill::zeros), 2, {});
    FAIL() << "no TrainingError";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("sgd_log: training set has a single class"), std::string::npos) << e.what();
  }
}

TEST(Sgd, ParamsAreRangeChecked) {
  const auto& table = SgdClassifier::param_table();
  EXPECT_THROW(table.read("sgd_log", {{"alpha", -1.0}}, {}), ParameterError);
  EXPECT_THROW(table.read("sgd_log", {{"max_iter", 2.5}}, {}), ParameterError);
  EXPECT_THROW(table.read("sgd_log", {{"eta0", 1.0}}, {}), ParameterError);
  EXPECT_EQ(table.read("sgd_log", {{"max_iter", 50}}, {}).max_iter, 50);
}

}  // namespace
}  // namespace tracer

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "core/models/sgd_classifier.hpp"
#include "core/rng.hpp"
#include "core/standard_scaler.hpp"
#include "core/vec_math.hpp"
#include "synthetic_blobs.hpp"

namespace tracer {
namespace {

using testing::accuracy;
using testing::make_blobs;
using testing::valid_probabilities;

SgdClassifier make() { return SgdClassifier("sgd_log", {}); }

// scikit-learn's scalar Log loss and its derivative (sgd_fast.pyx), with the
// |z| > 18 cut-offs, for margin-times-label z and label y = +-1.
double sklearn_log_loss(double z) {
  if (z > 18.0) return std::exp(-z);
  if (z < -18.0) return -z;
  return std::log1p(std::exp(-z));
}
double sklearn_log_dloss(double z, double y) {
  if (z > 18.0) return -y * std::exp(-z);
  if (z < -18.0) return -y;
  return -y / (std::exp(z) + 1.0);
}

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
    const double want_loss = sklearn_log_loss(z[i]), want_dloss = sklearn_log_dloss(z[i], y[i]);
    EXPECT_NEAR(loss[i], want_loss, 2e-15 * std::abs(want_loss)) << "z = " << z[i];
    EXPECT_NEAR(dloss[i], want_dloss, 2e-15 * std::abs(want_dloss)) << "z = " << z[i];
  }
}

// scikit-learn's plain SGD for one binary problem at a time, in double
// precision and one sample at a time (sgd_fast.pyx with learning_rate
// "optimal", the wscale trick and early_stopping=False), fed the shuffles the
// model draws (derive_seed(seed, {1}), one per epoch). Returns the OvR margins
// of Xeval, n x K.
arma::mat reference_sgd_margins(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, std::uint64_t seed,
                                const SgdClassifier::Params& params, const arma::mat& Xeval) {
  const double alpha = params.alpha, tol = params.tol;
  const int max_iter = params.max_iter, n_iter_no_change = params.n_iter_no_change;
  StandardScaler scaler;
  scaler.fit(X);
  const arma::mat Z = scaler.transform(X);
  const arma::uword n = Z.n_rows, d = Z.n_cols;
  const double typw = std::sqrt(1.0 / std::sqrt(alpha));
  const double eta0 = typw / std::max(1.0, sklearn_log_dloss(-typw, 1.0));
  const double t0 = 1.0 / (eta0 * alpha);
  arma::mat margins(Xeval.n_rows, n_classes);
  const arma::mat Zeval = scaler.transform(Xeval);
  for (std::size_t cls = 0; cls < n_classes; ++cls) {
    arma::vec w(d, arma::fill::zeros);
    double wscale = 1.0, b = 0.0, t = 1.0, best = std::numeric_limits<double>::infinity();
    int no_improvement = 0;
    Rng rng(derive_seed(seed, {1}));
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    for (int epoch = 0; epoch < max_iter; ++epoch) {
      rng.shuffle(order);
      double sumloss = 0.0;
      for (std::size_t i : order) {
        const double yy = y[i] == cls ? 1.0 : -1.0;
        const double z = (arma::dot(Z.row(i), w) * wscale + b) * yy;
        sumloss += sklearn_log_loss(z);
        const double eta = 1.0 / (alpha * (t0 + t - 1.0));
        const double update = -eta * std::clamp(sklearn_log_dloss(z, yy), -1e12, 1e12);
        wscale *= std::max(0.0, 1.0 - eta * alpha);
        if (wscale < 1e-9) {
          w *= wscale;
          wscale = 1.0;
        }
        w += (update / wscale) * Z.row(i).t();
        b += update;
        t += 1.0;
      }
      no_improvement = sumloss > best - tol * static_cast<double>(n) ? no_improvement + 1 : 0;
      best = std::min(best, sumloss);
      if (no_improvement >= n_iter_no_change) break;
    }
    margins.col(cls) = Zeval * (w * wscale) + b;
  }
  return margins;
}

// The model is scikit-learn's algorithm: the probabilities of the plain
// one-sample-at-a-time transcription above (a different summation order in the
// dot products, so equal up to rounding), and the same predicted class on
// every row. Overlapping classes (accuracy near 0.5, probabilities far from 0
// and 1) with a larger alpha and a fixed number of epochs: at alpha 1e-4 the
// first steps (eta = 10) make the fit amplify rounding, and the stopping rule
// is a threshold a rounding difference can cross an epoch earlier; both are
// different fits, not errors. The stopping rule is checked on separable data,
// where both stop at the same epoch.
TEST(Sgd, MatchesAPlainTranscriptionOfScikitLearnsAlgorithm) {
  struct Case {
    double sep;
    SgdClassifier::Params params;
  };
  for (const Case& c : {Case{0.3, {.alpha = 1e-2, .max_iter = 12, .n_iter_no_change = 1000}}, Case{1.0, {}}}) {
    auto all = make_blobs(900, 40, 6, c.sep, 21);
    const arma::mat Xtr = all.X.head_rows(600), Xte = all.X.tail_rows(300);
    const arma::uvec ytr = all.y.head(600);
    SgdClassifier m("sgd_log", c.params);
    m.fit(Xtr, ytr, 6, {.seed = 5});
    const arma::mat P = m.predict_proba(Xte);
    const arma::mat M = reference_sgd_margins(Xtr, ytr, 6, 5, c.params, Xte);
    double worst = 0.0;
    std::size_t same_class = 0;
    for (arma::uword i = 0; i < Xte.n_rows; ++i) {
      const arma::rowvec mi = M.row(i);
      double want[6];
      ovr_probabilities(mi.memptr(), 6, want);
      for (int k = 0; k < 6; ++k) worst = std::max(worst, std::abs(P(i, k) - want[k]));
      same_class += P.row(i).index_max() == mi.index_max();
    }
    const double acc = accuracy(P, all.y.tail(300));
    std::printf("sep %.1f: epochs %d, accuracy %.3f, largest probability difference to the transcription %.3g\n", c.sep,
                m.epochs_run(), acc, worst);
    EXPECT_LT(worst, 1e-9) << "sep " << c.sep;
    EXPECT_EQ(same_class, Xte.n_rows) << "sep " << c.sep;
  }
}

// The AVX2 kernel of the fused SGD step gives the portable kernel's bits,
// for every mask pattern (runs of running columns, stopped ones in between)
// and for dimensions with and without a tail after the last 8 elements.
TEST(Sgd, FusedStepKernelsGiveIdenticalBits) {
  using sgd_kernels::Kernel;
  if (!sgd_kernels::available(Kernel::avx2)) GTEST_SKIP() << "no AVX2 + FMA on this CPU";
  Rng rng(77);
  for (std::size_t d : {1u, 7u, 8u, 13u, 64u, 768u}) {
    for (std::size_t k : {1u, 2u, 5u, 77u}) {
      std::vector<double> W(d * k), x(d), xn(d), g(k);
      for (auto& v : W) v = rng.normal();
      for (auto& v : x) v = rng.normal();
      for (auto& v : xn) v = rng.normal();
      for (auto& v : g) v = 1e-3 * rng.normal();
      std::vector<char> mask(k);
      for (std::size_t m = 0; m < k; ++m) mask[m] = (m % 5 != 3);
      std::vector<double> W_port = W, W_avx = W, out_port(k, -1.0), out_avx(k, -1.0);
      for (int step = 0; step < 3; ++step) {  // repeated steps: the updated W feeds the next
        sgd_kernels::update_then_dots(Kernel::portable, W_port.data(), d, k, mask.data(), x.data(), g.data(), xn.data(),
                                      out_port.data());
        sgd_kernels::update_then_dots(Kernel::avx2, W_avx.data(), d, k, mask.data(), x.data(), g.data(), xn.data(),
                                      out_avx.data());
      }
      EXPECT_EQ(0, std::memcmp(W_port.data(), W_avx.data(), W.size() * sizeof(double))) << "d " << d << " k " << k;
      EXPECT_EQ(0, std::memcmp(out_port.data(), out_avx.data(), k * sizeof(double))) << "d " << d << " k " << k;
      for (std::size_t m = 0; m < k; ++m) {
        if (!mask[m]) {
          EXPECT_EQ(out_avx[m], -1.0) << "a stopped column's margin is left alone";
        }
      }
    }
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

// ovr_probabilities skips exp and log1p where their results are known (huge
// margins); it must give the plain formulas' bits: sigmoids 1 / (1 + exp(-m))
// normalised, or, when every sigmoid underflows, log sigmoids and
// log-sum-exp.
TEST(Sgd, OvrNormalisationGivesThePlainFormulasBits) {
  auto plain = [](const std::vector<double>& m) {
    auto log_sigmoid = [](double z) { return z >= 0.0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z)); };
    std::vector<double> p(m.size());
    double s = 0.0;
    for (std::size_t j = 0; j < m.size(); ++j) s += p[j] = 1.0 / (1.0 + std::exp(-m[j]));
    if (!(s >= 1e-300)) {
      double mx = -std::numeric_limits<double>::infinity();
      for (double v : m) mx = std::max(mx, log_sigmoid(v));
      s = 0.0;
      for (std::size_t j = 0; j < m.size(); ++j) s += p[j] = std::exp(log_sigmoid(m[j]) - mx);
    }
    for (double& v : p) v *= 1.0 / s;
    return p;
  };
  Rng rng(4);
  int rows = 0;
  for (double spread : {1.0, 30.0, 300.0, 3000.0}) {
    for (double shift : {0.0, -45.0, -700.0, -720.0, -800.0, -1500.0}) {
      for (int rep = 0; rep < 50; ++rep, ++rows) {
        std::vector<double> m(11);
        for (double& v : m) v = shift + spread * rng.normal();
        std::vector<double> got(m.size());
        ovr_probabilities(m.data(), m.size(), got.data());
        const auto want = plain(m);
        for (std::size_t j = 0; j < m.size(); ++j)
          ASSERT_EQ(std::memcmp(&got[j], &want[j], sizeof(double)), 0)
              << "margin " << m[j] << ": " << got[j] << " vs " << want[j];
      }
    }
  }
  EXPECT_EQ(rows, 1200);
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

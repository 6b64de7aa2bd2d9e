#include <gtest/gtest.h>

#include <cstring>

#include "core/models/mlp_classifier.hpp"
#include "core/models/mlp_loss.hpp"
#include "core/rng.hpp"
#include "synthetic_blobs.hpp"

namespace tracer {
namespace {

using testing::accuracy;
using testing::make_blobs;
using testing::valid_probabilities;

void check_gradient(const std::vector<arma::uword>& sizes, double alpha) {
  const MlpLayout layout(sizes);
  auto ds = make_blobs(30, sizes.front(), sizes.back(), 1.0, 11);
  Rng rng(5);
  arma::vec theta(layout.n_params());
  for (auto& v : theta) v = 0.5 * rng.normal();
  MlpLoss loss(layout, ds.X, ds.y, alpha);
  arma::vec grad;
  loss.evaluate_with_gradient(theta, grad);
  ASSERT_EQ(grad.n_elem, theta.n_elem);
  const double h = 1e-6;
  for (arma::uword k = 0; k < theta.n_elem; ++k) {
    arma::vec tp = theta, tm = theta;
    tp[k] += h;
    tm[k] -= h;
    const double numeric = (loss.evaluate(tp) - loss.evaluate(tm)) / (2 * h);
    EXPECT_NEAR(grad[k], numeric, 1e-6 * std::max(1.0, std::abs(numeric))) << "parameter " << k;
  }
}

// The float training engine must give MlpLoss's gradient (without the L2
// term, which the optimiser adds) on the gathered rows, to float precision.
// A repeat, any order; 12 rows are three whole blocks of the product
// kernels, 13 end with a partial one.
const std::vector<arma::uword> kBatch = {7, 3, 3, 41, 0, 19, 28, 11, 49, 2, 36, 25};

void check_float_engine(const std::vector<arma::uword>& sizes, const std::vector<arma::uword>& idx = kBatch) {
  const MlpLayout layout(sizes);
  auto ds = make_blobs(50, sizes.front(), sizes.back(), 1.0, 12);
  Rng rng(6);
  arma::vec theta(layout.n_params());
  for (auto& v : theta) v = 0.5 * rng.normal();
  const arma::uvec rows(idx);
  const arma::mat Xb = ds.X.rows(rows);
  const arma::uvec yb = ds.y.elem(rows);
  MlpLoss loss(layout, Xb, yb, 0.0);
  arma::vec g_double;
  const double f_double = loss.evaluate_with_gradient(theta, g_double);

  MlpFloatEngine engine(layout);
  const arma::fmat Xt = arma::conv_to<arma::fmat>::from(ds.X.t());
  arma::fvec g_float;
  const double f_float =
      engine.cross_entropy_gradient(arma::conv_to<arma::fvec>::from(theta), Xt, ds.y, idx.data(), idx.size(), g_float);
  ASSERT_EQ(g_float.n_elem, g_double.n_elem);
  EXPECT_NEAR(f_float, f_double, 1e-5 * std::max(1.0, std::abs(f_double)));
  const double scale = arma::abs(g_double).max();
  for (arma::uword k = 0; k < g_double.n_elem; ++k)
    EXPECT_NEAR(g_float[k], g_double[k], 2e-5 * scale) << "parameter " << k;
  // Validation scoring: the float network's argmax agrees with the double logits'.
  const arma::uvec pred = arma::index_max(mlp_logits(layout, theta, ds.X), 1);
  EXPECT_EQ(engine.count_correct(arma::conv_to<arma::fvec>::from(theta), Xt, ds.y),
            static_cast<std::size_t>(arma::accu(pred == ds.y)));
}

TEST(MlpFloatEngine, GradientMatchesMlpLossOneHiddenLayer) { check_float_engine({5, 7, 3}); }
TEST(MlpFloatEngine, GradientMatchesMlpLossTwoHiddenLayers) { check_float_engine({6, 9, 5, 4}); }
TEST(MlpFloatEngine, GradientMatchesMlpLossWideOutput) { check_float_engine({12, 33, 40}); }
TEST(MlpFloatEngine, GradientMatchesMlpLossPartialBlock) {
  std::vector<arma::uword> idx = kBatch;
  idx.push_back(44);
  check_float_engine({12, 33, 40}, idx);
  check_float_engine({6, 9, 5, 4}, {1, 2, 3});  // fewer samples than one block
}

// The engine's products run on the affine block kernels, one FMA chain per
// entry: the gradient, the loss and the validation count are the same bits
// on every FMA kernel (portable std::fma, AVX2, AVX-512), which is what makes
// an MLP fit the same on every CPU.
TEST(MlpFloatEngine, EveryFmaKernelGivesTheSameBits) {
  const MlpLayout layout({40, 33, 17, 9});
  auto ds = make_blobs(60, 40, 9, 1.0, 13);
  Rng rng(7);
  arma::fvec theta(layout.n_params());
  for (auto& v : theta) v = static_cast<float>(0.3 * rng.normal());
  const arma::fmat Xt = arma::conv_to<arma::fmat>::from(ds.X.t());
  std::vector<arma::uword> idx = kBatch;
  idx.push_back(57);
  const AffineIsa widest = affine_kernel_isa();
  arma::fvec first;
  double first_loss = 0.0;
  std::size_t first_correct = 0;
  for (AffineIsa isa : {AffineIsa::kPortable, AffineIsa::kAvx2, AffineIsa::kAvx512}) {
    if (!affine_isa_supported(isa)) continue;
    use_affine_isa(isa);
    MlpFloatEngine engine(layout);
    arma::fvec g;
    const double loss = engine.cross_entropy_gradient(theta, Xt, ds.y, idx.data(), idx.size(), g);
    const std::size_t correct = engine.count_correct(theta, Xt, ds.y);
    if (first.is_empty()) {
      first = g;
      first_loss = loss;
      first_correct = correct;
      continue;
    }
    ASSERT_EQ(g.n_elem, first.n_elem);
    EXPECT_EQ(std::memcmp(g.memptr(), first.memptr(), g.n_elem * sizeof(float)), 0) << affine_isa_name(isa);
    EXPECT_EQ(loss, first_loss) << affine_isa_name(isa);
    EXPECT_EQ(correct, first_correct) << affine_isa_name(isa);
  }
  use_affine_isa(widest);
}

TEST(MlpLoss, GradientMatchesFiniteDifferencesOneHiddenLayer) { check_gradient({5, 7, 3}, 0.3); }
TEST(MlpLoss, GradientMatchesFiniteDifferencesTwoHiddenLayers) { check_gradient({4, 6, 5, 3}, 0.1); }
TEST(MlpLoss, GradientWithoutPenalty) { check_gradient({3, 4, 4}, 0.0); }

TEST(MlpLoss, ExtremeLogitsStayFinite) {
  const MlpLayout layout({2, 3, 2});
  arma::mat X = {{1e6, -1e6}, {-1e6, 1e6}};
  arma::uvec y = {0, 1};
  arma::vec theta(layout.n_params(), arma::fill::ones);
  MlpLoss loss(layout, X, y, 1e-4);
  arma::vec g;
  EXPECT_TRUE(std::isfinite(loss.evaluate_with_gradient(theta, g)));
  EXPECT_TRUE(g.is_finite());
}

MlpClassifier make(std::vector<arma::uword> hidden) {
  return MlpClassifier(hidden.size() == 1 ? "mlp_1h" : "mlp_2h", {.hidden = std::move(hidden)});
}

class MlpModels : public ::testing::TestWithParam<std::vector<arma::uword>> {};

TEST_P(MlpModels, BeatsMajorityOnBlobs) {
  auto all = make_blobs(900, 12, 5, 1.0, 3);
  auto m = make(GetParam());
  m.fit(all.X.head_rows(600), all.y.head(600), 5, {.seed = 42});
  EXPECT_GT(accuracy(m.predict_proba(all.X.tail_rows(300)), all.y.tail(300)), 0.85) << "majority rate is 0.2";
  EXPECT_LT(m.epochs_run(), 140) << "early stopping should trigger on easy data";
  EXPECT_GT(m.best_validation_score(), 0.8);
}

TEST_P(MlpModels, ShuffledLabelsStayNearChance) {
  auto all = testing::shuffled_labels(make_blobs(900, 12, 5, 1.0, 3), 9);
  auto m = make(GetParam());
  m.fit(all.X.head_rows(600), all.y.head(600), 5, {.seed = 42});
  EXPECT_LT(accuracy(m.predict_proba(all.X.tail_rows(300)), all.y.tail(300)), 0.32);
}

TEST_P(MlpModels, ProbabilitiesValidAndRowPathMatches) {
  auto ds = make_blobs(200, 10, 3, 1.5, 4);
  auto m = make(GetParam());
  m.fit(ds.X, ds.y, 4, {.seed = 2});  // class 3 never occurs
  const arma::mat P = m.predict_proba(ds.X);
  EXPECT_TRUE(valid_probabilities(P, 200, 4));
  EXPECT_TRUE(valid_probabilities(m.predict_proba(ds.X * 1e6), 200, 4));
  std::vector<double> out(4);
  for (arma::uword i = 0; i < 20; ++i) {
    const arma::rowvec x = ds.X.row(i);
    m.predict_proba_row(x.memptr(), x.n_elem, out.data());
    for (std::size_t k = 0; k < 4; ++k) EXPECT_NEAR(out[k], P(i, k), 1e-4);
  }
}

TEST_P(MlpModels, DeterministicForASeed) {
  auto ds = make_blobs(150, 6, 3, 1.0, 12);
  auto a = make(GetParam()), b = make(GetParam()), c = make(GetParam());
  a.fit(ds.X, ds.y, 3, {.seed = 7});
  b.fit(ds.X, ds.y, 3, {.seed = 7, .n_threads = 2});
  c.fit(ds.X, ds.y, 3, {.seed = 8});
  EXPECT_TRUE(arma::approx_equal(a.predict_proba(ds.X), b.predict_proba(ds.X), "absdiff", 0.0));
  EXPECT_FALSE(arma::approx_equal(a.predict_proba(ds.X), c.predict_proba(ds.X), "absdiff", 0.0));
}

TEST_P(MlpModels, TinyTrainingSetsWork) {  // no hold-out below 20 rows; singleton classes are fine
  arma::mat X = {{0.0, 1.0}, {1.0, 0.0}, {1.0, 1.0}, {0.0, 0.0}, {0.5, 0.5}};
  arma::uvec y = {0, 1, 1, 0, 2};
  auto m = make(GetParam());
  m.fit(X, y, 3, {.seed = 1});
  EXPECT_TRUE(valid_probabilities(m.predict_proba(X), 5, 3));
}

INSTANTIATE_TEST_SUITE_P(Shapes, MlpModels,
                         ::testing::Values(std::vector<arma::uword>{256}, std::vector<arma::uword>{256, 96}));

TEST(Mlp, RejectsEmptyAndSingleClass) {
  MlpClassifier m("mlp_1h", {.hidden = std::vector<arma::uword>(1, 16)});
  EXPECT_THROW(m.fit(arma::mat(0, 3), arma::uvec(), 2, {}), TrainingError);
  try {
    m.fit(arma::mat(5, 3, arma::fill::randu), arma::uvec(5, arma::fill::ones), 2, {});
    FAIL() << "no TrainingError";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find("mlp_1h: training set has a single class"), std::string::npos) << e.what();
  }
}

TEST(Mlp, ParamsAreCheckedPerShape) {
  const auto& table = MlpClassifier::param_table();
  EXPECT_EQ(table.read("mlp_2h", {{"hidden2", 32}}, {.hidden = {256, 96}}).hidden[1], 32u);
  EXPECT_THROW(table.read("mlp_1h", {{"hidden2", 32}}, {.hidden = {256}}), ParameterError);
  EXPECT_THROW(table.read("mlp_1h", {{"learning_rate", 0.0}}, {}), ParameterError);
  EXPECT_THROW(table.read("mlp_1h", {{"early_stopping", 2}}, {}), ParameterError);
  EXPECT_THROW(table.read("mlp_1h", {{"hidden1", 12.5}}, {}), ParameterError);
  EXPECT_FALSE(table.read("mlp_1h", {{"early_stopping", 0}}, {}).early_stopping);
}

}  // namespace
}  // namespace tracer

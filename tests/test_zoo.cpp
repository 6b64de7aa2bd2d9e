#include <gtest/gtest.h>

#include "core/models/row_predictor.hpp"
#include "core/zoo.hpp"
#include "synthetic_blobs.hpp"

namespace tracer {
namespace {

using testing::make_blobs;
using testing::valid_probabilities;

const std::vector<std::string> kOrder = {"logreg_c1", "logreg_c10", "sgd_log", "mlp_1h",
                                         "mlp_2h",    "dt",         "rf",      "et"};

TEST(Zoo, RegistryOrderIsCanonical) { EXPECT_EQ(known_surrogates(), kOrder); }

TEST(Zoo, DefaultZooLeavesTreesOptIn) {
  EXPECT_EQ(default_zoo(false), (std::vector<std::string>{"logreg_c1", "logreg_c10", "sgd_log", "mlp_1h", "mlp_2h"}));
  EXPECT_EQ(default_zoo(true), kOrder);
}

class EveryModel : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryModel, FitsAndGivesValidProbabilities) {
  auto all = make_blobs(450, 8, 4, 1.5, 21);
  auto model = make_surrogate({GetParam(), {}});
  EXPECT_EQ(model->name(), GetParam());
  const arma::mat Xtr = all.X.head_rows(300);
  const arma::uvec ytr = all.y.head(300);
  model->fit(Xtr, ytr, 6, {.seed = 42, .n_threads = 2});  // classes 4 and 5 never occur
  EXPECT_EQ(model->n_classes(), 6u);
  const arma::mat P = model->predict_proba(all.X.tail_rows(150));
  EXPECT_TRUE(valid_probabilities(P, 150, 6));
  EXPECT_GT(testing::accuracy(P, all.y.tail(150)), 0.7) << "majority rate is 0.25";
  EXPECT_TRUE(valid_probabilities(model->predict_proba(all.X * 1e8), 450, 6));
  EXPECT_TRUE(valid_probabilities(model->predict_proba(all.X.row(0)), 1, 6));
  EXPECT_THROW(model->predict_proba(arma::mat(2, 3, arma::fill::zeros)), std::invalid_argument);

  // Linear models and MLPs offer the single-row fast path; it agrees with predict_proba.
  const auto* fast = dynamic_cast<const RowPredictor*>(model.get());
  const bool is_tree = GetParam() == "dt" || GetParam() == "rf" || GetParam() == "et";
  ASSERT_EQ(fast == nullptr, is_tree);
  if (fast == nullptr) return;
  std::vector<double> out(6);
  for (arma::uword i = 0; i < 10; ++i) {
    const arma::rowvec x = all.X.row(300 + i);
    fast->predict_proba_row(x.memptr(), out.data());
    double sum = 0.0;
    for (std::size_t k = 0; k < 6; ++k) {
      EXPECT_NEAR(out[k], P(i, k), 1e-4) << "row " << i << " class " << k;
      EXPECT_GE(out[k], 0.0);
      sum += out[k];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
}

TEST_P(EveryModel, RejectsEmptyAndSingleClassSets) {
  auto model = make_surrogate({GetParam(), {}});
  try {
    model->fit(arma::mat(0, 4), arma::uvec(), 3, {});
    FAIL() << "no TrainingError on an empty set";
  } catch (const TrainingError& e) {
    EXPECT_EQ(std::string(e.what()), GetParam() + ": empty training set");
  }
  try {
    model->fit(arma::mat(6, 4, arma::fill::randn), arma::uvec(6, arma::fill::value(2)), 3, {});
    FAIL() << "no TrainingError on a single class";
  } catch (const TrainingError& e) {
    EXPECT_NE(std::string(e.what()).find(GetParam() + ": training set has a single class"), std::string::npos)
        << e.what();
  }
}

INSTANTIATE_TEST_SUITE_P(Registry, EveryModel, ::testing::ValuesIn(kOrder),
                         [](const auto& param_info) { return param_info.param; });

TEST(Zoo, UnknownNameListsKnownOnes) {
  try {
    make_surrogate({"svm", {}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown surrogate 'svm'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mlp_2h"), std::string::npos) << msg;
  }
}

TEST(Zoo, UnknownAndOutOfRangeParamsNameModelAndKey) {
  try {
    make_surrogate({"rf", {{"n_trees", 10}}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'n_trees'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'rf'"), std::string::npos) << msg;
  }
  try {
    make_surrogate({"mlp_2h", {{"alpha", -1.0}}});
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_EQ(std::string(e.what()), "mlp_2h: parameter 'alpha' must be in [0, 1000000], got -1");
  }
  EXPECT_NO_THROW(make_surrogate({"et", {{"n_estimators", 10}, {"min_samples_leaf", 1}}}));
  EXPECT_NO_THROW(make_surrogate({"sgd_log", {{"alpha", 1e-3}}}));
}

}  // namespace
}  // namespace tracer

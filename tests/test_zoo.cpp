#include <gtest/gtest.h>

#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "core/models/nearest_centroid.hpp"
#include "core/zoo.hpp"
#include "synthetic_blobs.hpp"

namespace tracer {
namespace {

using testing::make_blobs;
using testing::valid_probabilities;

const std::vector<std::string> kOrder = {"logreg_c1", "logreg_c10", "sgd_log", "mlp_1h",          "mlp_2h",
                                         "dt",        "rf",         "et",      "nearest_centroid"};

TEST(Zoo, RegistryOrderIsCanonical) { EXPECT_EQ(known_surrogates(), kOrder); }

TEST(Zoo, DefaultZooLeavesTreesAndTheExampleOptIn) {
  EXPECT_EQ(default_zoo(false), (std::vector<std::string>{"logreg_c1", "logreg_c10", "sgd_log", "mlp_1h", "mlp_2h"}));
  EXPECT_EQ(default_zoo(true), (std::vector<std::string>(kOrder.begin(), kOrder.end() - 1)));
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
  EXPECT_THROW(model->predict_proba(arma::mat(2, 3, arma::fill::zeros)), InternalError);

  // Every model has the single-row path; it agrees with predict_proba (float
  // rounding for the linear models and MLPs, exactly for the others).
  std::vector<double> out(6);
  EXPECT_THROW(model->predict_proba_row(all.X.colptr(0), 3, out.data()), InternalError);
  for (arma::uword i = 0; i < 10; ++i) {
    const arma::rowvec x = all.X.row(300 + i);
    model->predict_proba_row(x.memptr(), x.n_elem, out.data());
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

TEST_P(EveryModel, PredictBeforeFitIsAnInternalError) {
  auto model = make_surrogate({GetParam(), {}});
  std::vector<double> x(4, 0.0), out(4);
  EXPECT_THROW(model->predict_proba(arma::mat(2, 4, arma::fill::zeros)), InternalError);
  EXPECT_THROW(model->predict_proba_row(x.data(), x.size(), out.data()), InternalError);
}

TEST(Zoo, UnknownNameListsKnownOnes) {
  try {
    make_surrogate({"svm", {}});
    FAIL();
  } catch (const ParameterError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("unknown surrogate 'svm'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("mlp_2h"), std::string::npos) << msg;
  }
}

TEST(Zoo, UnknownAndOutOfRangeParamsNameModelAndKey) {
  try {
    make_surrogate({"rf", {{"n_trees", 10}}});
    FAIL();
  } catch (const ParameterError& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("'n_trees'"), std::string::npos) << msg;
    EXPECT_NE(msg.find("'rf'"), std::string::npos) << msg;
  }
  try {
    make_surrogate({"mlp_2h", {{"alpha", -1.0}}});
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_EQ(std::string(e.what()), "mlp_2h: parameter alpha must be in [0, 1000000], got -1");
  }
  try {
    make_surrogate({"logreg_c1", {{"max_iter", 2.5}}});  // was silently truncated to 2
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_EQ(std::string(e.what()), "logreg_c1: parameter max_iter must be an integer in [1, 1000000], got 2.5");
  }
  try {
    make_surrogate({"mlp_1h", {{"early_stopping", 0.5}}});
    FAIL();
  } catch (const ParameterError& e) {
    EXPECT_EQ(std::string(e.what()), "mlp_1h: parameter early_stopping must be 0 or 1, got 0.5");
  }
  EXPECT_NO_THROW(make_surrogate({"et", {{"n_estimators", 10}, {"min_samples_leaf", 1}}}));
  EXPECT_NO_THROW(make_surrogate({"sgd_log", {{"alpha", 1e-3}}}));
}

// The tables behind the reader: every model, every key that exists for its
// defaults; the defaults are the registry's, and each default passes the
// key's own range check.
TEST(Zoo, ParameterTablesEnumerateEveryModel) {
  const auto tables = parameter_tables();
  ASSERT_EQ(tables.size(), kOrder.size());
  for (std::size_t m = 0; m < tables.size(); ++m) {
    EXPECT_EQ(tables[m].first, kOrder[m]);
    EXPECT_FALSE(tables[m].second.empty()) << tables[m].first;
    for (const auto& p : tables[m].second) {
      EXPECT_TRUE(p.range.admits(p.kind, p.default_value)) << tables[m].first << "." << p.key;
      EXPECT_FALSE(p.doc.empty()) << tables[m].first << "." << p.key;
      // Overriding a key with its own default is accepted.
      EXPECT_NO_THROW(make_surrogate({tables[m].first, {{p.key, p.default_value}}})) << p.key;
    }
  }
  auto find = [&](const std::string& model, const std::string& key) -> const ParamInfo* {
    for (const auto& [name, params] : tables)
      if (name == model)
        for (const auto& p : params)
          if (p.key == key) return &p;
    return nullptr;
  };
  ASSERT_NE(find("logreg_c10", "C"), nullptr);
  EXPECT_EQ(find("logreg_c10", "C")->default_value, 10.0);
  EXPECT_EQ(find("mlp_2h", "hidden2")->default_value, 96.0);
  EXPECT_EQ(find("mlp_1h", "hidden2"), nullptr);
  EXPECT_EQ(find("dt", "n_estimators"), nullptr);
  EXPECT_EQ(find("rf", "n_estimators")->default_value, 200.0);
  EXPECT_EQ(find("sgd_log", "max_iter")->kind, ParamKind::kInt);
}

// docs/surrogate_zoo.md lists every key with its default and range: the table
// there must be exactly what parameter_tables() gives (regenerate it from this
// test's failure message).
std::string parameter_markdown() {
  std::ostringstream md;
  md << "| model | key | kind | default | accepted values | meaning |\n|---|---|---|---|---|---|\n";
  for (const auto& [model, params] : parameter_tables())
    for (const auto& p : params)
      md << fmt::format("| `{}` | `{}` | {} | {} | {} | {} |\n", model, p.key, param_kind_name(p.kind), p.default_value,
                        p.range.describe(p.kind), p.doc);
  return md.str();
}

TEST(Zoo, DocsListEveryParameter) {
  std::ifstream in(std::string(TRACER_SOURCE_DIR) + "/docs/surrogate_zoo.md");
  ASSERT_TRUE(in) << "docs/surrogate_zoo.md not found";
  std::stringstream doc;
  doc << in.rdbuf();
  const std::string expected = parameter_markdown();
  EXPECT_NE(doc.str().find(expected), std::string::npos) << "docs/surrogate_zoo.md must contain this table:\n"
                                                         << expected;
}

// The worked example of the docs: the model file plus its one registry line.
TEST(Zoo, NearestCentroidExampleIsOneFileAndOneRegistryLine) {
  const ZooEntry line = registry_entry<NearestCentroid>("my_centroids", {.temperature = 2.0}, ZooGroup::kOptIn);
  auto model = line.make({{"temperature", 0.5}});
  EXPECT_EQ(model->name(), "my_centroids");
  EXPECT_EQ(line.parameters().at(0).default_value, 2.0);
  EXPECT_THROW(line.make({{"temperature", 0.0}}), ParameterError);
  auto ds = make_blobs(300, 6, 3, 2.0, 8);
  model->fit(ds.X, ds.y, 3, {});
  EXPECT_GT(testing::accuracy(model->predict_proba(ds.X), ds.y), 0.9);
}

}  // namespace
}  // namespace tracer

#include "core/zoo.hpp"

#include <fmt/format.h>
#include <functional>
#include <utility>

#include "core/models/logistic_regression.hpp"
#include "core/models/mlp_classifier.hpp"
#include "core/models/sgd_classifier.hpp"
#include "core/models/tree_ensemble.hpp"

namespace tracer {
namespace {

using Factory = std::function<std::unique_ptr<Surrogate>(const ModelParams&)>;

// Registry in canonical evaluation order (= tie-break order of selection).
// Defaults follow the reference's candidate table (tracer-llm 0.3.3, sec. 2.1).
const std::vector<std::pair<std::string, Factory>>& registry() {
  static const std::vector<std::pair<std::string, Factory>> r = {
      {"logreg_c1",
       [](const ModelParams& p) {
         return std::make_unique<LogisticRegression>(
             "logreg_c1", LogisticRegression::params_from("logreg_c1", p, {.C = 1.0}));
       }},
      {"logreg_c10",
       [](const ModelParams& p) {
         return std::make_unique<LogisticRegression>(
             "logreg_c10", LogisticRegression::params_from("logreg_c10", p, {.C = 10.0}));
       }},
      {"sgd_log",
       [](const ModelParams& p) {
         return std::make_unique<SgdClassifier>("sgd_log", SgdClassifier::params_from("sgd_log", p, {}));
       }},
      {"mlp_1h",
       [](const ModelParams& p) {
         return std::make_unique<MlpClassifier>("mlp_1h",
                                                MlpClassifier::params_from("mlp_1h", p, {.hidden = {256}}));
       }},
      {"mlp_2h",
       [](const ModelParams& p) {
         return std::make_unique<MlpClassifier>("mlp_2h",
                                                MlpClassifier::params_from("mlp_2h", p, {.hidden = {256, 96}}));
       }},
      {"dt",
       [](const ModelParams& p) {
         return std::make_unique<TreeEnsemble>(
             "dt", TreeEnsemble::params_from("dt", p, {.n_estimators = 1, .max_depth = 16, .min_samples_leaf = 2,
                                                       .max_features = 0.0}));
       }},
      {"rf",
       [](const ModelParams& p) {
         return std::make_unique<TreeEnsemble>(
             "rf", TreeEnsemble::params_from("rf", p, {.n_estimators = 200, .max_depth = 0, .min_samples_leaf = 2,
                                                       .max_features = -1.0, .bootstrap = true}));
       }},
      {"et",
       [](const ModelParams& p) {
         return std::make_unique<TreeEnsemble>(
             "et", TreeEnsemble::params_from("et", p, {.n_estimators = 200, .max_depth = 0, .min_samples_leaf = 2,
                                                       .max_features = -1.0, .bootstrap = false,
                                                       .random_thresholds = true}));
       }},
  };
  return r;
}

}  // namespace

std::unique_ptr<Surrogate> make_surrogate(const CandidateSpec& spec) {
  for (const auto& [name, factory] : registry())
    if (name == spec.name) return factory(spec.params);
  throw std::invalid_argument(fmt::format("unknown surrogate '{}' (known: {})", spec.name,
                                          fmt::join(known_surrogates(), ", ")));
}

std::vector<std::string> known_surrogates() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.first);
  return names;
}

std::vector<std::string> default_zoo(bool with_trees) {
  std::vector<std::string> lean;
  const std::vector<std::string> trees = {"dt", "rf", "et"};
  for (const auto& name : known_surrogates()) {
    const bool is_tree = std::find(trees.begin(), trees.end(), name) != trees.end();
    if (name == "gbt") continue;  // opt-in only
    if (!is_tree || with_trees) lean.push_back(name);
  }
  return lean;
}

}  // namespace tracer

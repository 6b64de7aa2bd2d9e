#include "core/zoo.hpp"

#include <fmt/format.h>

#include "core/models/logistic_regression.hpp"
#include "core/models/mlp_classifier.hpp"
#include "core/models/nearest_centroid.hpp"
#include "core/models/sgd_classifier.hpp"
#include "core/models/tree_ensemble.hpp"

namespace tracer {
namespace {

// Registry in canonical evaluation order (= tie-break order of selection).
// Defaults follow the reference's candidate table (tracer-llm 0.3.3, sec. 2.1).
const std::vector<ZooEntry>& registry() {
  using LR = LogisticRegression;
  using TE = TreeEnsemble;
  static const std::vector<ZooEntry> r = {
      registry_entry<LR>("logreg_c1", {.C = 1.0}),
      registry_entry<LR>("logreg_c10", {.C = 10.0}),
      registry_entry<SgdClassifier>("sgd_log", {}),
      registry_entry<MlpClassifier>("mlp_1h", {.hidden = {256}}),
      registry_entry<MlpClassifier>("mlp_2h", {.hidden = {256, 96}}),
      registry_entry<TE>("dt", {.n_estimators = 1, .max_depth = 16, .min_samples_leaf = 2, .max_features = 0.0},
                         ZooGroup::kTrees),
      registry_entry<TE>(
          "rf", {.n_estimators = 200, .max_depth = 0, .min_samples_leaf = 2, .max_features = -1.0, .bootstrap = true},
          ZooGroup::kTrees),
      registry_entry<TE>("et",
                         {.n_estimators = 200,
                          .max_depth = 0,
                          .min_samples_leaf = 2,
                          .max_features = -1.0,
                          .bootstrap = false,
                          .random_thresholds = true},
                         ZooGroup::kTrees),
      registry_entry<NearestCentroid>("nearest_centroid", {}, ZooGroup::kOptIn),  // the docs' worked example
  };
  return r;
}

}  // namespace

std::unique_ptr<Surrogate> make_surrogate(const CandidateSpec& spec) {
  for (const auto& entry : registry())
    if (entry.name == spec.name) return entry.make(spec.params);
  throw ParameterError(
      fmt::format("unknown surrogate '{}' (known: {})", spec.name, fmt::join(known_surrogates(), ", ")));
}

std::vector<std::string> known_surrogates() {
  std::vector<std::string> names;
  for (const auto& entry : registry()) names.push_back(entry.name);
  return names;
}

std::vector<std::string> default_zoo(bool with_trees) {
  std::vector<std::string> names;
  for (const auto& entry : registry())
    if (entry.group == ZooGroup::kLean || (with_trees && entry.group == ZooGroup::kTrees)) names.push_back(entry.name);
  return names;
}

std::vector<std::pair<std::string, std::vector<ParamInfo>>> parameter_tables() {
  std::vector<std::pair<std::string, std::vector<ParamInfo>>> out;
  for (const auto& entry : registry()) out.emplace_back(entry.name, entry.parameters());
  return out;
}

}  // namespace tracer

#pragma once
// The surrogate factory: candidate names from the config -> model objects.
//
// Adding a model is one file and one registry line: a class M implementing
// Surrogate with a `Params` struct, a constructor M(std::string name, Params)
// and a static `const ParamTable<Params>& param_table()`, then
//   registry_entry<M>("my_model", M::Params{...}),
// in registry() in zoo.cpp (see docs/surrogate_zoo.md).
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/model_params.hpp"
#include "core/surrogate.hpp"

namespace tracer {

/// A candidate as the config names it, with its hyper-parameter overrides.
struct CandidateSpec {
  std::string name;
  ModelParams params;
};

/// Which default zoo a registry entry belongs to.
enum class ZooGroup {
  kLean,   ///< default_zoo(false) and default_zoo(true)
  kTrees,  ///< default_zoo(true) only (the reference CLI's `--trees`)
  kOptIn,  ///< only when a config names it
};

/// One registry line: a name, its defaults and how to build it.
struct ZooEntry {
  std::string name;
  ZooGroup group = ZooGroup::kLean;
  /// Builds the model with the overrides applied (ParameterError on bad ones).
  std::function<std::unique_ptr<Surrogate>(const ModelParams&)> make;
  /// The model's keys with this entry's defaults.
  std::function<std::vector<ParamInfo>()> parameters;
};

/// The registry line of model class M under `name` with `defaults`.
template <typename M>
ZooEntry registry_entry(const std::string& name, typename M::Params defaults, ZooGroup group = ZooGroup::kLean) {
  ZooEntry e;
  e.name = name;
  e.group = group;
  e.make = [name, defaults](const ModelParams& overrides) -> std::unique_ptr<Surrogate> {
    return std::make_unique<M>(name, M::param_table().read(name, overrides, defaults));
  };
  e.parameters = [defaults] { return M::param_table().describe(defaults); };
  return e;
}

/// Builds a surrogate by registry name. Throws ParameterError for an unknown
/// name (listing the known ones) or an unknown / out-of-range parameter.
std::unique_ptr<Surrogate> make_surrogate(const CandidateSpec& spec);

/// All registry names, in the canonical evaluation (tie-break) order.
std::vector<std::string> known_surrogates();

/// The lean default zoo; with_trees adds the tree ensembles (as `--trees` in
/// the reference CLI). Opt-in entries are never in a default zoo.
std::vector<std::string> default_zoo(bool with_trees);

/// Every registry entry's hyper-parameters (key, kind, default, range, doc),
/// in registry order, e.g. to document them.
std::vector<std::pair<std::string, std::vector<ParamInfo>>> parameter_tables();

}  // namespace tracer

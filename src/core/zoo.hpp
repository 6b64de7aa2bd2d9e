#pragma once
// The surrogate factory: candidate names from the config -> model objects.
#include <memory>
#include <string>
#include <vector>

#include "core/surrogate.hpp"

namespace tracer {

/// A candidate as the config names it, with its hyper-parameter overrides.
struct CandidateSpec {
  std::string name;
  ModelParams params;
};

/// Builds a surrogate by registry name. Throws std::invalid_argument for an
/// unknown name (listing the known ones) or an unknown/out-of-range parameter.
std::unique_ptr<Surrogate> make_surrogate(const CandidateSpec& spec);

/// All registry names, in the canonical evaluation (tie-break) order.
std::vector<std::string> known_surrogates();

/// The lean default zoo; with_trees adds the tree ensembles (as `--trees` in
/// the reference CLI).
std::vector<std::string> default_zoo(bool with_trees);

}  // namespace tracer

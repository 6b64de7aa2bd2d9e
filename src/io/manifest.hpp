#pragma once
// manifest.json: what a results folder was made from. Resolved config, input
// sha256s, seeds, tool version with git describe and dirty flag, library
// versions, and a schema version. timings.json beside it holds wall times.
#include <string>

#include "io/provenance.hpp"
#include "protocol/results.hpp"

namespace tracer {

/// Bumped whenever a manifest key is renamed, removed or changes meaning.
inline constexpr int kManifestSchemaVersion = 1;

/// The manifest's text (JSON, 2-space indent, trailing newline).
std::string manifest_json(const ExperimentResults& results, const BuildInfo& build);

/// timings.json: total, per replay and per candidate fit (not reproducible).
std::string timings_json(const ExperimentResults& results);

}  // namespace tracer

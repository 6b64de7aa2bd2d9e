#pragma once
// Interpretability artifacts on disk and in the report.
//
//   results/<exp>/artifacts/<encoder>__<teacher>[__pool<n>]__<mode>__day<d>__alpha<a>.json
//       one file per (encoder, teacher, pool size, gate mode, day, alpha) of
//       the primary replay (seed_index 0); "__pool<n>" only when the config
//       sweeps pool sizes; schema in docs/artifacts_schema.md
//   results/<exp>/artifacts/index.json   the files this run wrote
//   results/<exp>/plots/                  see io/plots.hpp
//
// JSON is written with nlohmann::ordered_json (keys in a fixed order, numbers
// in locale-free shortest round-trip form), so the same results give the same
// bytes.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "io/plots.hpp"
#include "io/result_files.hpp"
#include "protocol/artifacts.hpp"
#include "protocol/results.hpp"

namespace tracer {

/// Bumped whenever a key is renamed, removed or changes type.
inline constexpr int kArtifactsSchemaVersion = 1;

/// What a JSON file / Markdown section says about where the artifacts come from.
struct ArtifactContext {
  std::string experiment, encoder, teacher;
  std::size_t seed_index = 0;
  std::uint64_t seed = 0;
  std::size_t pool_size = 0;  ///< traces the replay drew from
  const DayOutcome& outcome;
  const arma::uvec& teacher_labels;  ///< teacher label per test row
  const std::vector<std::string>& label_names;
  const std::vector<std::string>& texts;
  const std::vector<std::string>& ids;  ///< may be empty (then ids are "")
};

/// The artifact files and the report's artifact section.
struct ArtifactOutputs {
  std::string markdown;                    ///< "## Interpretability artifacts" section
  std::vector<LabelRatePlot> label_rates;  ///< for the per-label bar charts (io/plots.hpp)
};

/// Adds artifacts/<stem>.json for every artifact set of `results` and
/// artifacts/index.json to `files`; returns the report section, which shows,
/// per (encoder, teacher) of the primary replay and the first gate mode of the
/// config, the last day at alpha 0.95 (or the highest alpha of the sweep when
/// 0.95 is not in it).
ArtifactOutputs artifact_outputs(const ExperimentResults& results, ResultFiles& files);

/// The documented JSON object of one artifact set (schema_version first).
nlohmann::ordered_json artifacts_to_json(const ArtifactSet& set, const ArtifactContext& ctx,
                                         const ArtifactOptions& opt = {});

/// One Markdown section (a "###" heading and tables) for one artifact set.
/// `json_link` is the JSON file's path relative to the report ("" = no link).
std::string artifacts_markdown(const ArtifactSet& set, const ArtifactContext& ctx, const std::string& json_link,
                               const ArtifactOptions& opt = {});

/// The one-sentence (E) diagnosis: gate refusal, collapse, or neither.
std::string collapse_diagnosis(const ArtifactSet& set, const ArtifactContext& ctx);

}  // namespace tracer

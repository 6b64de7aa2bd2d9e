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

#include "protocol/artifacts.hpp"
#include "app/experiment_runner.hpp"

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

/// Writes every artifact JSON of the primary replay and the plots, and returns
/// the report's Markdown sections (artifacts, then plots). The artifact
/// section shows, per (encoder, teacher) of the primary replay and the first
/// gate mode of the config, the last day at alpha 0.95 (or the highest alpha
/// of the sweep when 0.95 is not in it). Throws std::runtime_error when the
/// result lacks the held-out data the artifacts need.
std::string write_artifacts(const ExperimentResult& result, const std::filesystem::path& out_dir);

/// The held-out rows a run was evaluated on: its TestView when it has one,
/// else the experiment-wide test data of its encoder and teacher. Throws
/// std::runtime_error naming what is missing.
struct RunTestData {
  const arma::mat& X;
  const arma::uvec& teacher;
  const std::vector<std::string>& label_names;
  const std::vector<std::string>& texts;
  const std::vector<std::string>& ids;
};
RunTestData run_test_data(const ExperimentResult& result, const RunResult& run);

/// "<encoder>__<teacher>", plus "__pool<n>" when the config sweeps pool sizes
/// (file-safe; see file_token).
std::string run_token(const ExperimentResult& result, const RunResult& run);

/// The artifacts of one outcome of `run` (previous day looked up in the same
/// run: same gate mode and alpha).
ArtifactSet compute_outcome_artifacts(const ExperimentResult& result, const RunResult& run, const DayOutcome& outcome);

/// Whether the outcome's test_decision carries real surrogate predictions: a
/// deployed policy always does; for a refused one the replay stores zeros
/// unless it records the selected surrogate's predictions (non-zero scores).
bool predictions_recorded(const DayOutcome& outcome);

/// The documented JSON object of one artifact set (schema_version first).
nlohmann::ordered_json artifacts_to_json(const ArtifactSet& set, const ArtifactContext& ctx,
                                         const ArtifactOptions& opt = {});

/// One Markdown section (a "###" heading and tables) for one artifact set.
/// `json_link` is the JSON file's path relative to the report ("" = no link).
std::string artifacts_markdown(const ArtifactSet& set, const ArtifactContext& ctx, const std::string& json_link,
                               const ArtifactOptions& opt = {});

/// The one-sentence (E) diagnosis: gate refusal, collapse, or neither.
std::string collapse_diagnosis(const ArtifactSet& set, const ArtifactContext& ctx);

/// A name made safe for a file name: [A-Za-z0-9.-] kept, anything else '_'.
std::string file_token(const std::string& name);

/// "<run_token>__<mode>__day<d>__alpha<a>" (no extension).
std::string artifact_stem(const std::string& run_token, const std::string& mode, std::size_t day, double alpha);

}  // namespace tracer

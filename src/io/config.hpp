#pragma once
// The experiment configuration: one struct, read from TOML and validated once
// at the boundary. Every problem is an error that names the file, the key and
// what was expected; nothing falls back silently to a different experiment.
//
// Relative paths in the TOML are resolved against the directory of the TOML
// file itself, so an experiment runs the same from any working directory.
//
// Every key is declared once, in the table of io/config_schema.cpp (section,
// name, type, default, allowed values, one line of documentation). That table
// drives loading and validation, config_to_toml and the reference
// docs/config.md (config_reference_markdown()).
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "core/errors.hpp"
#include "protocol/cost.hpp"
#include "protocol/settings.hpp"

namespace tracer {

/// One embedding set: .npy files row-aligned with the train / test tables.
/// Several files per side are concatenated column-wise (e.g. LSA + GloVe).
struct EncoderSpec {
  std::string name;
  std::vector<std::filesystem::path> train, test;
};

/// One teacher: a column of the trace tables ("label" = ground truth).
struct TeacherSpec {
  std::string name;
  std::string column;
  /// "all": every row must carry this teacher's label (else an error naming
  /// the row). "labelled": only rows with a label take part; with
  /// test_fraction > 0 the labelled rows of both tables are pooled and re-split
  /// (seeded, stratified by ground truth) into traces and test.
  std::string rows = "all";
  double test_fraction = 0.0;
};

struct ExperimentConfig {
  std::filesystem::path config_file;  ///< the TOML this came from
  std::filesystem::path base_dir;     ///< its directory: relative paths resolve against it
  std::string name;                   ///< [experiment] name
  std::string description;
  std::filesystem::path output_dir;  ///< results/<name> by default
  std::uint64_t seed = 0;
  std::size_t n_seeds = 1;               ///< independent replays (seed, seed+1, ... derived)
  std::string paper_reference = "none";  ///< which paper table to print beside ours: banking77|clinc150|mnli|none

  std::filesystem::path train_table, test_table, labels_file;
  /// [data] format: how the trace tables are stored, "csv" or "jsonl".
  /// Only the loader reads it so far.
  std::string trace_format = "csv";
  std::vector<EncoderSpec> encoders;
  std::vector<TeacherSpec> teachers;
  bool zoo_trees = false;  ///< [zoo] trees: add dt/rf/et to the default zoo
  /// Trace-pool sizes to replay (a seeded subsample stratified by teacher
  /// label, e.g. MNLI's 2,000 / 5,000 / 10,000); empty = the whole pool.
  std::vector<std::size_t> pool_sizes;

  ProtocolSettings protocol;
  CostModel cost;
};

/// Whether the loader checks that the files a config names exist.
enum class FileChecks {
  kRequireExisting,  ///< every data / embedding file must be a regular file (the default)
  kSkip,             ///< paths are resolved but not looked at (fuzzing, linting configs without data)
};

/// Reads and validates a TOML file: reads the text and calls parse_config_text.
/// Throws ConfigError (also for a missing or unreadable file).
ExperimentConfig load_config(const std::filesystem::path& toml_file, FileChecks checks = FileChecks::kRequireExisting);

/// Parses and validates TOML text held in memory. `file` names it in errors
/// and anchors relative paths (they resolve against file's parent folder); it
/// need not exist. Any text yields either a config or a ConfigError, never
/// another exception. With kRequireExisting a missing data file is a
/// ConfigError naming the key.
ExperimentConfig parse_config_text(std::string_view toml_text, const std::filesystem::path& file,
                                   FileChecks checks = FileChecks::kRequireExisting);

/// The resolved configuration as TOML text (for the manifest and the report).
/// Paths are relative to cfg.base_dir. parse_config_text of this text (with
/// the same file) gives back an equal configuration.
std::string config_to_toml(const ExperimentConfig& cfg);

/// The Markdown reference of every key (committed as docs/config.md; a test
/// fails when that file differs from this text).
std::string config_reference_markdown();

}  // namespace tracer

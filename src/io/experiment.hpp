#pragma once
// Runs an experiment: config -> data -> protocol -> results (io layer glue).
#include <map>
#include <string>
#include <vector>

#include "io/config.hpp"
#include "io/trace_table.hpp"
#include "protocol/replay.hpp"

namespace tracer {

/// What is known about one teacher on this dataset.
struct TeacherSummary {
  TeacherSpec spec;
  std::size_t train_rows = 0, test_rows = 0;
  double train_accuracy = 0.0, test_accuracy = 0.0;  ///< vs ground truth
  std::map<std::string, std::size_t> out_of_set;     ///< labels outside the set, as the teacher said them
  std::size_t n_classes = 0;                         ///< canonical + out-of-set
};

struct RunResult {
  std::string encoder, teacher;
  std::size_t seed_index = 0;
  std::uint64_t seed = 0;
  std::size_t n_classes = 0;
  ReplayResult replay;
};

struct InputFile { std::string role; std::string path; std::string sha256; };

struct ExperimentResult {
  ExperimentConfig config;
  std::vector<std::string> labels;          ///< canonical label names
  std::vector<TeacherSummary> teachers;
  std::vector<RunResult> runs;              ///< encoder-major, then teacher, then seed
  std::vector<InputFile> inputs;
  std::vector<std::string> test_texts, test_ids;
  std::map<std::string, std::size_t> embedding_dims;
  /// Held-out (test) data for artifacts: embeddings per encoder, teacher
  /// labels per teacher (indices into label_names per teacher), ground truth.
  std::map<std::string, arma::mat> test_embeddings;
  std::map<std::string, arma::uvec> test_teacher;
  std::map<std::string, std::vector<std::string>> label_names;  ///< per teacher: canonical + out-of-set
  arma::uvec test_truth;
  double seconds_total = 0.0;
};

/// Loads everything the config names and runs every (encoder, teacher, seed)
/// replay. Throws std::runtime_error / ConfigError with precise messages.
ExperimentResult run_experiment(const ExperimentConfig& cfg, const ProgressFn& progress);

}  // namespace tracer

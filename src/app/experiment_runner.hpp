#pragma once
// Runs an experiment: config -> data -> protocol -> results (io layer glue).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "io/config.hpp"
#include "io/trace_table.hpp"
#include "protocol/replay.hpp"

namespace tracer {

/// What is known about one teacher on this dataset.
struct TeacherSummary {
  TeacherSpec spec;
  std::size_t train_rows = 0, test_rows = 0;  ///< rows of the replay (after any re-split)
  std::size_t labelled_train_rows = 0, labelled_test_rows = 0;  ///< rows the teacher labels in each table
  double train_accuracy = 0.0, test_accuracy = 0.0;  ///< vs ground truth
  std::map<std::string, std::size_t> out_of_set;     ///< labels outside the set, as the teacher said them
  std::size_t n_classes = 0;                         ///< canonical + out-of-set
};

/// The held-out rows one replay was evaluated on (they differ between
/// teachers when a teacher labels only some rows and the rows are re-split).
struct TestView {
  std::vector<std::string> ids, texts;
  arma::uvec teacher, truth;
  std::vector<std::string> label_names;  ///< index -> label (canonical, then the teacher's out-of-set labels)
  arma::mat X;                           ///< test embeddings of the run's encoder
};

struct RunResult {
  std::string encoder, teacher;
  std::size_t seed_index = 0;
  std::uint64_t seed = 0;
  std::size_t pool_size = 0;  ///< traces replayed (the whole pool unless [protocol] pool_sizes)
  std::size_t n_classes = 0;
  std::shared_ptr<const TestView> test;
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

#pragma once
// The one object an experiment produces. Everything any writer needs is in
// here, computed once: the replays (what happened), and what follows from them
// (seed summaries, cost projections, interpretability artifacts, comparison
// rows), filled by analyse_experiment() in protocol/analysis.hpp. Writers in
// src/io are functions of this object alone; they format, never compute.
//
// No file names or config parsing here: the app layer describes the
// experiment in ExperimentInfo (plain data) when it builds the object.
#include <armadillo>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/artifacts.hpp"
#include "protocol/cost.hpp"
#include "protocol/replay.hpp"
#include "protocol/seed_summary.hpp"
#include "protocol/settings.hpp"

namespace tracer {

/// One teacher as the experiment names it.
struct TeacherInfo {
  std::string name;
  std::string column;          ///< trace-table column; "label" = the ground truth
  std::string rows = "all";    ///< "all" or "labelled"
  double test_fraction = 0.0;  ///< > 0: labelled rows pooled and re-split
};

/// What is known about one teacher on this dataset.
struct TeacherSummary {
  TeacherInfo spec;
  std::size_t train_rows = 0, test_rows = 0;                    ///< rows of the replay (after any re-split)
  std::size_t labelled_train_rows = 0, labelled_test_rows = 0;  ///< rows the teacher labels in each table
  double train_accuracy = 0.0, test_accuracy = 0.0;             ///< vs ground truth
  std::map<std::string, std::size_t> out_of_set;                ///< labels outside the set, as the teacher said them
  std::size_t n_classes = 0;                                    ///< canonical + out-of-set
};

/// The held-out rows one replay was evaluated on (they differ between
/// teachers when a teacher labels only some rows and the rows are re-split).
struct TestView {
  std::vector<std::string> ids, texts;
  arma::uvec teacher, truth;
  std::vector<std::string> label_names;  ///< index -> label (canonical, then the teacher's out-of-set labels)
  arma::mat X;                           ///< test embeddings of the run's encoder
};

/// One replay: one (encoder, teacher, pool size, seed).
struct RunResult {
  std::string encoder, teacher;
  std::size_t seed_index = 0;
  std::uint64_t seed = 0;
  std::size_t pool_size = 0;  ///< traces replayed (the whole pool unless [protocol] pool_sizes)
  std::size_t n_classes = 0;
  std::shared_ptr<const TestView> test;
  ReplayResult replay;
};

/// An input file and its checksum, as recorded in the manifest.
struct InputFile {
  std::string role, path, sha256;
};

struct EncoderInfo {
  std::string name;
  std::size_t dimension = 0;
};

/// The experiment as configured: everything the writers print about the setup.
struct ExperimentInfo {
  std::string name, description;
  std::string config_file_name;  ///< the TOML's file name (no folder)
  std::uint64_t seed = 0;
  std::size_t n_seeds = 1;
  std::string paper_reference;  ///< banking77 | clinc150 | mnli | none
  bool zoo_trees = false;
  bool pool_sizes_swept = false;  ///< [protocol] pool_sizes given: artifact file names carry the pool
  ProtocolSettings protocol;
  CostModel cost;
  std::vector<EncoderInfo> encoders;
  std::vector<std::string> labels;   ///< canonical label names
  std::string resolved_config_toml;  ///< the configuration as loaded, for the manifest
  std::vector<InputFile> inputs;     ///< every file read, with its sha256
};

// ---- what follows from the replays (protocol/analysis.hpp) -----------------

/// Seed summaries of one (encoder, teacher, pool) over its replays.
struct SummaryGroup {
  std::string encoder, teacher;
  std::size_t pool_size = 0;
  std::vector<SeedSummary> rows;
  std::vector<GateVerdict> verdicts;  ///< per (mode, alpha) over all days
};

/// Means over the seeds of one (mode, alpha, day) of a labelling arm's bills.
struct BillSummary {
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t day = 0;
  std::size_t replays = 0;
  double batch = 0.0, teacher_calls = 0.0, cumulative_calls = 0.0, deferred = 0.0, audited = 0.0;
  double calibration_rows = 0.0, training_traces = 0.0;
  double routed_coverage = 0.0;  ///< share of the day's traffic the previous day's policy answered
  MeanInterval routed_ta;        ///< its TA against the hidden teacher labels, over replays that answered some
  double cumulative_usd = 0.0;   ///< cumulative_calls at the cost model's price per call
};

/// What a labelling arm costs over the replay and at its last day's policy,
/// per (mode, alpha), means over the seeds.
struct ArmCost {
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t replays = 0;
  double replay_calls = 0.0;       ///< teacher calls over all days
  double replay_traffic = 0.0;     ///< inputs over all days (what "all" and no routing call)
  double replay_usd = 0.0;         ///< replay_calls at the price per call
  double last_day_coverage = 0.0;  ///< test coverage of the last day's policy
  /// Share of traffic the teacher still sees at the last day's policy:
  /// deferred plus audited, (1 - c) + c * audit_rate.
  double call_share = 0.0;
  double usd_per_year = 0.0;  ///< call_share of the cost model's traffic
  double usd_per_year_without_routing = 0.0;
};

/// One labelling arm over the seeds of an (encoder, teacher, pool): the
/// paper's "all" (from the replays' outcomes) or a production arm.
struct ArmSummary {
  LabelsMode labels = LabelsMode::kAll;
  double audit_rate = 0.0;
  std::vector<SeedSummary> rows;      ///< per (mode, alpha, day), summarize_seeds' order
  std::vector<GateVerdict> verdicts;  ///< per (mode, alpha)
  std::vector<BillSummary> bills;     ///< one per row, same order
  std::vector<ArmCost> costs;         ///< per (mode, alpha), verdicts' order
};

struct ProductionGroup {
  std::string encoder, teacher;
  std::size_t pool_size = 0;
  std::vector<ArmSummary> arms;  ///< "all" first, then the production arms in config order
};

/// One line of the cost table: a TRACER outcome or a baseline alpha.
struct CostRow {
  std::size_t run = 0;      ///< index into ExperimentResults::runs
  bool baseline = false;    ///< false: TRACER outcome `outcome` of the run
  std::size_t outcome = 0;  ///< index into run.replay.outcomes, or into run.replay.baseline
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t day = 0;
  double coverage = 0.0;
  CostProjection projection;
};

/// Artifacts A-E of one outcome of a primary replay (seed_index 0).
struct OutcomeArtifacts {
  std::size_t run = 0, outcome = 0;  ///< indices into runs and run.replay.outcomes
  ArtifactSet set;
};

struct ExperimentResults {
  ExperimentInfo info;
  std::vector<TeacherSummary> teachers;
  std::vector<RunResult> runs;  ///< encoder-major, then teacher, then pool, then seed

  // Derived, filled by analyse_experiment():
  std::vector<SummaryGroup> seed_summaries;  ///< per (encoder, teacher, pool); empty for one seed
  CostProjection unit_cost;                  ///< the cost model at coverage 0
  std::vector<CostRow> costs;                ///< every outcome, then the baseline, per run
  std::vector<OutcomeArtifacts> artifacts;   ///< every outcome of every primary replay
  std::vector<std::size_t> primary_runs;     ///< indices of runs with seed_index 0, in run order
  /// Experiments with production arms ([protocol] labels): per run, the
  /// paper protocol's bill for each of its outcomes (every input labelled);
  /// and per (encoder, teacher, pool) every arm over the seeds.
  std::vector<std::vector<DayBill>> paper_bills;
  std::vector<ProductionGroup> production;

  double seconds_total = 0.0;  ///< wall time (not part of compared outputs)
};

// ---- lookups on the result object (defined in protocol/results.cpp) ---------

/// Whether an outcome's test_decision carries real surrogate predictions: a
/// deployed policy always does; for a refused one the replay stores zeros
/// unless it records the selected surrogate's predictions (non-zero scores).
bool predictions_recorded(const DayOutcome& outcome);

/// The outcome of `run` on (day, mode, alpha), or nullptr.
const DayOutcome* find_outcome(const RunResult& run, std::size_t day, GateMode mode, double alpha);

/// The baseline outcome of `run` at alpha, or nullptr.
const BaselineOutcome* find_baseline(const RunResult& run, double alpha);

/// The alpha the report's artifact section shows: 0.95 (the paper's artifact
/// setting) when swept, else the highest alpha of the sweep.
double shown_artifact_alpha(const ProtocolSettings& protocol);

}  // namespace tracer

#pragma once
// The paper's flywheel replay (section 4): shuffle the training traces once,
// cut them into equal days, refit from scratch on all traces so far after each
// day, and evaluate the deployed policy on the test set; plus the paper's
// confidence-threshold baseline.
#include <armadillo>
#include <functional>
#include <string>
#include <vector>

#include "core/policy.hpp"
#include "protocol/settings.hpp"

namespace tracer {

/// One experiment's data, row-aligned, labels already mapped to indices.
struct ReplayData {
  arma::mat X_train;         ///< n_train x d embeddings of the trace pool
  arma::uvec teacher_train;  ///< teacher label of each trace
  arma::uvec truth_train;    ///< ground truth of each trace (only for reporting)
  arma::mat X_test;
  arma::uvec teacher_test;
  arma::uvec truth_test;
  std::size_t n_classes = 0;  ///< label space size (canonical labels + teacher extras)
};

/// A candidate's fit on one day.
struct CandidateRecord {
  std::size_t day = 0;
  std::string name;
  bool trained = false;
  std::string error;  ///< why it failed, when !trained
  double val_macro_f1 = 0.0, val_accuracy = 0.0;
  double fit_seconds = 0.0;  ///< wall time; reported apart from compared results
  bool selected = false;
};

struct SplitStats {
  std::size_t n = 0, handled = 0, agree = 0;
  double coverage = 0.0, ta = 0.0;
};

/// The paper-mode parity gate on shadow-split statistics: "" if a policy with
/// these statistics is promoted, else the reason it is refused (coverage under
/// the floor, or TA under alpha).
std::string parity_gate_refusal(const SplitStats& shadow, double alpha, const GateSettings& gate);

/// The deployed policy after one day, for one gate mode and alpha.
struct DayOutcome {
  std::size_t day = 0;
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::size_t n_traces = 0, n_train = 0, n_val = 0, n_cal = 0, n_shadow = 0;
  std::string surrogate;       ///< selected candidate ("" if none trained)
  std::string acceptor_score;  ///< "predicted_teacher_match" or "max_prob"
  Family family = Family::kNone;
  bool deployed = false;
  std::string gate_note;  ///< why the gate refused, or which family passed
  double threshold = 0.0;
  double cal_ta_lower = 0.0;  ///< certified: the bound the calibration achieved
  SplitStats cal, shadow, test;
  std::size_t test_gt_correct = 0;  ///< surrogate on handled, teacher on deferred
  double test_gt_accuracy = 0.0;
  RoutingDecision test_decision;  ///< per test row; when nothing is deployed: the selected surrogate's predictions and
                                  ///< scores, handled = 0
};

struct BaselineOutcome {
  double alpha = 0.0;
  bool found = false;
  double threshold = 0.0;
  SplitStats holdout, test;
  std::size_t test_gt_correct = 0;
  double test_gt_accuracy = 0.0;
};

struct ReplayResult {
  std::vector<CandidateRecord> candidates;
  std::vector<DayOutcome> outcomes;  ///< day-major, then mode, then alpha
  std::vector<BaselineOutcome> baseline;
  std::string baseline_error;          ///< why the baseline model failed to train ("" if it did not)
  std::vector<std::size_t> day_sizes;  ///< cumulative traces after each day
  std::vector<arma::uvec> day_order;   ///< trace rows seen by each day (cumulative)
  double teacher_test_accuracy = 0.0;  ///< teacher vs ground truth on test
  double teacher_train_accuracy = 0.0;
  double seconds_total = 0.0;
};

/// Progress sink: (what, detail). May be called from worker threads.
using ProgressFn = std::function<void(const std::string&)>;

/// Runs the replay with one master seed. Deterministic for a given seed at any
/// thread count.
ReplayResult run_replay(const ReplayData& data, const ProtocolSettings& settings, std::uint64_t seed,
                        const ProgressFn& progress = {});

}  // namespace tracer

#pragma once
// The paper's flywheel replay (section 4): shuffle the training traces once,
// cut them into equal days, refit from scratch on all traces so far after each
// day, and evaluate the deployed policy on the test set; plus the paper's
// confidence-threshold baseline.
#include <armadillo>
#include <functional>
#include <string>
#include <vector>

#include "core/certify.hpp"
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
  /// Exact (Clopper-Pearson) lower bound of the deployed policy's TA on the
  /// rows it was calibrated on, at bound_level: certified modes, on the pooled
  /// cal + shadow rows at the level the gate tested (delta, delta / m, ...);
  /// paper mode, on the cal split at 0.1 (descriptive: the paper tests nothing).
  double cal_ta_lower = 0.0;
  double bound_level = 0.0;
  SplitStats cal;     ///< the cal split alone, every mode
  SplitStats pooled;  ///< certified modes: cal + shadow, the rows the gate calibrated on (n = 0 in paper mode)
  SplitStats shadow, test;
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

/// What one day of a production arm cost and saw, for one (mode, alpha).
struct DayBill {
  std::size_t batch = 0;             ///< inputs that arrived that day
  std::size_t routed_handled = 0;    ///< inputs the previous day's policy answered (day 1: 0)
  std::size_t routed_agree = 0;      ///< of those, agreeing with the (hidden) teacher label: evaluation only
  std::size_t deferred = 0;          ///< inputs sent to the teacher because the policy deferred them
  std::size_t audited = 0;           ///< inputs of the audit sample (handled or not)
  std::size_t teacher_calls = 0;     ///< inputs labelled: deferred or audited, each once
  std::size_t cumulative_calls = 0;  ///< teacher calls from day 1 to this day
  std::size_t calibration_rows = 0;  ///< rows the day's gate calibrated on (cal + shadow)
  std::size_t training_traces = 0;   ///< labelled rows the day's refit drew its train/val split from
};

/// One production arm (a labels regime and audit rate) of one replay: per
/// (day, mode, alpha) its own flywheel, because which inputs get labelled
/// depends on the policy each (mode, alpha) deployed the day before.
struct ProductionArm {
  LabelsMode labels = LabelsMode::kDeferred;
  double audit_rate = 0.0;           ///< 0 for kDeferredNoAudit
  std::vector<DayOutcome> outcomes;  ///< day-major, then mode, then alpha; test_decision not kept
  std::vector<DayBill> bills;        ///< one per outcome, same order
};

struct ReplayResult {
  std::vector<CandidateRecord> candidates;
  std::vector<DayOutcome> outcomes;  ///< day-major, then mode, then alpha
  std::vector<BaselineOutcome> baseline;
  std::string baseline_error;          ///< why the baseline model failed to train ("" if it did not)
  std::vector<std::size_t> day_sizes;  ///< cumulative traces after each day
  std::vector<arma::uvec> day_order;   ///< trace rows seen by each day (cumulative)
  std::vector<ProductionArm> arms;     ///< [protocol] labels beyond "all": one per (regime, audit rate)
  double teacher_test_accuracy = 0.0;  ///< teacher vs ground truth on test
  double teacher_train_accuracy = 0.0;
  double seconds_total = 0.0;
};

/// Progress sink: (what, detail). May be called from worker threads.
using ProgressFn = std::function<void(const std::string&)>;

/// The threshold a certified gate mode deploys, before the coverage floor:
/// val_scores are the acceptor's scores on the validation split (they fix the
/// tested thresholds), scores/agree the pooled calibration rows. Spends
/// gate.delta per call, certified-flywheel gate.delta / days.
CalibrationResult calibrate_certified(GateMode mode, const arma::vec& val_scores, const arma::vec& scores,
                                      const arma::uvec& agree, double alpha, const GateSettings& gate,
                                      std::size_t days);

/// Cumulative trace counts after each of `days` days for n traces, cut like
/// numpy's array_split (the paper's and the reference's np.array_split): the
/// first n % days days take one trace more, e.g. 10,003 traces in 5 days give
/// batches of 2,001, 2,001, 2,001, 2,000, 2,000.
std::vector<std::size_t> day_boundaries(std::size_t n, std::size_t days);

/// tracer-llm 0.3.3's _subsample: if rows.n_elem > max_fit_labels, at most
/// floor(max_fit_labels / K) rows per class (K = classes present in
/// labels[rows]), the kept rows of a class a seeded random choice; returned
/// sorted in the order of `rows`. Otherwise (or max_fit_labels = 0) `rows`.
arma::uvec cap_per_class(const arma::uvec& rows, const arma::uvec& labels, std::size_t max_fit_labels,
                         std::uint64_t seed);

/// Runs the replay with one master seed. Deterministic for a given seed at any
/// thread count.
ReplayResult run_replay(const ReplayData& data, const ProtocolSettings& settings, std::uint64_t seed,
                        const ProgressFn& progress = {});

}  // namespace tracer

#pragma once
// Everything the protocol needs to know, already validated (io/config.hpp
// builds it from the TOML). No file names here: the protocol sees data only.
//
// Defaults: the config's defaults are declared in the key table
// (io/config_schema.cpp, listed in docs/config.md); tests/test_config.cpp
// checks that every initialiser below for an optional key equals the table's
// default. Initialisers of keys the config requires (days, alphas, split,
// candidates) never reach a run; they give tests a small valid protocol.
#include <cstdint>
#include <string>
#include <vector>

#include "core/zoo.hpp"

namespace tracer {

/// How the threshold is calibrated and the promotion decided. Every
/// certified mode promises P(TA(deployed) >= alpha) >= 1 - delta per decision
/// (per day) under i.i.d. calibration and deployment traffic, except
/// kCertifiedFlywheel (per flywheel: all days at once) and kDataWalk (which
/// needs a monotone acceptor; kept to show what that assumption costs).
/// The order is the order of every table; new modes go before kDataWalk only
/// with the unit-file decoder's bound updated (io/unit_file.cpp).
enum class GateMode {
  kPaper,              ///< point-estimate sweep on cal, parity (point TA) on shadow, 5% floor
  kCertified,          ///< default: fixed-sequence walks from several starts on the fine grid, delta split over them
  kCertifiedFine,      ///< one fixed-sequence walk on the fine validation-quantile grid
  kCertifiedCoarse,    ///< one fixed-sequence walk on the coarse validation-quantile grid
  kBonferroni,         ///< Bonferroni over the coarse validation-quantile grid
  kCertifiedFlywheel,  ///< the default certified gate at delta / days: one guarantee over the whole flywheel
  kDataWalk,           ///< the earlier walk over every calibration score (valid only for a monotone acceptor)
};
std::string gate_mode_name(GateMode m);

/// Every gate mode with its config name and one line of documentation, in
/// enum order (config choices, docs/config.md and the report use it).
struct GateModeInfo {
  GateMode mode;
  const char* name;
  const char* doc;
};
const std::vector<GateModeInfo>& gate_mode_table();

/// Whether a mode makes a finite-sample promise (all but kPaper).
inline bool is_certified(GateMode m) { return m != GateMode::kPaper; }

/// Which traffic gets a teacher label ([protocol] labels).
///  - kAll: the paper's protocol: every input of every day is labelled before
///    the day's refit, whatever the deployed policy did.
///  - kDeferred: production. Day 1 is fully labelled; from day 2 each batch is
///    routed by the policy deployed the day before, and only the inputs it
///    defers, plus a uniform audit sample of all traffic (audit_rate), reach
///    the teacher. Audited rows calibrate and gate the day's refit and train
///    from the next day on; deferred rows train.
///  - kDeferredNoAudit: the naive production flywheel (the trap): only deferred
///    inputs are labelled and the gate calibrates on a split of those biased
///    traces, as the paper's protocol would on its own pool.
enum class LabelsMode { kAll, kDeferred, kDeferredNoAudit };
std::string labels_mode_name(LabelsMode m);

struct SplitFractions {
  double train = 0.55;   ///< fits the surrogate candidates
  double val = 0.15;     ///< selects the candidate (macro-F1) and trains the acceptor
  double cal = 0.15;     ///< calibrates the threshold; decides Global eligibility
  double shadow = 0.15;  ///< parity gate only: never used for training or calibration
};

struct GateSettings {
  std::vector<GateMode> modes{GateMode::kPaper};
  double min_coverage = 0.05;           ///< promotion floor on shadow coverage
  std::size_t min_accepted = 1;         ///< a threshold must accept at least this many cal rows
  double delta = 0.1;                   ///< certified modes: allowed failure probability
  std::size_t grid_levels = 100;        ///< fine validation-quantile grid (certified, certified-fine, -flywheel)
  std::size_t coarse_grid_levels = 20;  ///< coarse grid (certified-coarse, certified-bonferroni)
  std::size_t multistart_starts = 4;    ///< walks of certified and certified-flywheel, each at delta / starts
};

struct ProtocolSettings {
  std::size_t days = 5;
  std::vector<double> alphas{0.80, 0.85, 0.90, 0.95};
  SplitFractions split;
  GateSettings gate;
  std::vector<CandidateSpec> candidates{{"logreg_c1", {}}};
  CandidateSpec baseline_model{"logreg_c1", {}};
  double baseline_holdout = 0.2;  ///< share of all traces held out to sweep the baseline threshold
  /// > 0: before each day's split, cap every class at floor(max_fit_labels /
  /// K) traces (K = classes present), as tracer-llm 0.3.3's _subsample does
  /// once a pool exceeds max_fit_labels; 0 (default, the paper): no cap.
  std::size_t max_fit_labels = 0;
  /// true: every seed pools all labelled rows and draws its own stratified
  /// traces/test split, so replays share nothing but the population.
  bool resplit_per_seed = false;
  /// Gate modes whose outcomes get interpretability artifacts (primary
  /// replays only); empty = every mode.
  std::vector<GateMode> artifact_modes;
  /// Labelling regimes to replay; kAll is always first (the reference every
  /// production arm is compared with).
  std::vector<LabelsMode> labels{LabelsMode::kAll};
  /// kDeferred: the audit rates to replay (one production arm each), in (0, 1].
  std::vector<double> audit_rates;
  std::size_t threads = 0;  ///< 0 = all hardware threads
};

}  // namespace tracer

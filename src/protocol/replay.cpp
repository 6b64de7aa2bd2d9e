#include "protocol/replay.hpp"

#include <chrono>
#include <limits>
#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <map>
#include <memory>
#include <span>
#include <stdexcept>

#include "core/acceptor.hpp"
#include "core/metrics.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"
#include "core/router.hpp"
#include "core/split.hpp"
#include "core/zoo.hpp"
#include "core/certify.hpp"
#include "protocol/production.hpp"
#include "protocol/replay_steps.hpp"

namespace tracer {

const std::vector<GateModeInfo>& gate_mode_table() {
  static const std::vector<GateModeInfo> table = {
      {GateMode::kPaper, "paper",
       "the paper's gate: point-estimate threshold on cal, parity (TA >= alpha, coverage floor) on shadow; no "
       "guarantee"},
      {GateMode::kCertified, "certified",
       "default certified gate: fixed-sequence walks from multistart_starts spread starts on the fine grid of "
       "validation-score quantiles, each at delta / starts; P(TA >= alpha) >= 1 - delta per day"},
      {GateMode::kCertifiedFine, "certified-fine", "one fixed-sequence walk on the fine grid at delta"},
      {GateMode::kCertifiedCoarse, "certified-coarse", "one fixed-sequence walk on the coarse grid at delta"},
      {GateMode::kBonferroni, "certified-bonferroni", "every threshold of the coarse grid tested at delta / m"},
      {GateMode::kCertifiedFlywheel, "certified-flywheel",
       "the default certified gate at delta / days: P(TA >= alpha on every day) >= 1 - delta over the whole flywheel"},
      {GateMode::kDataWalk, "certified-datawalk",
       "the earlier walk over every calibration score; valid only if agreement rises with the acceptor score"},
  };
  return table;
}

std::string gate_mode_name(GateMode m) {
  for (const GateModeInfo& g : gate_mode_table())
    if (g.mode == m) return g.name;
  return "?";
}

std::string parity_gate_refusal(const SplitStats& s, double alpha, const GateSettings& gate) {
  if (s.n == 0) return "empty shadow split";
  if (s.coverage < gate.min_coverage)
    return fmt::format("shadow coverage {:.4f} < floor {}", s.coverage, gate.min_coverage);
  if (s.ta < alpha) return fmt::format("shadow TA {:.4f} < alpha {}", s.ta, alpha);
  return "";
}

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

namespace replay_steps {

SplitStats stats_of(const RoutingDecision& d, const arma::uvec& teacher) {
  const RoutingStats r = routing_stats(d, teacher);
  return {r.n, r.handled, r.agree_handled, r.coverage(), r.teacher_agreement()};
}

std::size_t gt_correct(const RoutingDecision& d, const arma::uvec& teacher, const arma::uvec& truth) {
  std::size_t c = 0;
  for (arma::uword i = 0; i < truth.n_elem; ++i) c += (d.handled[i] ? d.prediction[i] : teacher[i]) == truth[i];
  return c;
}

FittedCandidate fit_candidate(const ReplayData& data, const DaySplit& split, const CandidateSpec& spec, std::size_t day,
                              std::uint64_t seed, const arma::uvec* route_rows) {
  FittedCandidate out;
  out.record.day = day;
  out.record.name = spec.name;
  const auto t0 = Clock::now();
  try {
    std::unique_ptr<Surrogate> model = make_surrogate(spec);
    model->fit(data.X_train.rows(split.train), data.teacher_train.elem(split.train), data.n_classes,
               FitContext{seed, 1});
    out.probs_val = serving_probabilities(*model, data.X_train.rows(split.val));
    const arma::uvec teacher_val = data.teacher_train.elem(split.val);
    const arma::uvec pred_val = argmax_rows(out.probs_val);
    out.record.val_macro_f1 = macro_f1(teacher_val, pred_val);
    out.record.val_accuracy = accuracy(teacher_val, pred_val);
    out.probs_cal = serving_probabilities(*model, data.X_train.rows(split.cal));
    out.probs_shadow = serving_probabilities(*model, data.X_train.rows(split.shadow));
    out.probs_test = serving_probabilities(*model, data.X_test);
    if (route_rows != nullptr) out.probs_route = serving_probabilities(*model, data.X_train.rows(*route_rows));
    if (!out.probs_val.is_finite() || !out.probs_test.is_finite()) throw TrainingError("non-finite probabilities");
    out.record.trained = true;
  } catch (const TrainingError& e) {  // a data reason: reported per candidate, never silently skipped
    // Anything else (a bug, out of memory) propagates and stops the run.
    out.record.trained = false;
    out.record.error = e.what();
    out.probs_val.reset();
    out.probs_cal.reset();
    out.probs_shadow.reset();
    out.probs_test.reset();
    out.probs_route.reset();
  }
  out.record.fit_seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

}  // namespace replay_steps

namespace {

using namespace replay_steps;

struct Candidate {
  RoutingPolicy policy;
  double cal_coverage = 0.0;
};

// The level of the descriptive Clopper-Pearson bound reported for paper mode
// (the reference's cp_alpha).
constexpr double kPaperBoundLevel = 0.1;

std::string join_notes(const std::vector<std::string>& notes) {
  std::string joined;
  for (const auto& n : notes) joined += (joined.empty() ? "" : "; ") + n;
  return joined;
}

/// Paper mode: the point-estimate sweep on cal (max coverage s.t. TA >= alpha),
/// Global eligible when its cal TA >= alpha, the family with more cal coverage
/// first (ties: Global), then the parity gate on the shadow split: TA >= alpha
/// and coverage >= the floor. The first family that passes is promoted.
RoutingPolicy decide_paper(const FittedCandidate& best, const std::shared_ptr<const Acceptor>& acceptor,
                           const arma::uvec& t_cal, const arma::uvec& t_shadow, double alpha, const GateSettings& gate,
                           DayOutcome& o, std::vector<std::string>& notes) {
  std::vector<Candidate> options;
  const RoutingPolicy global{Family::kGlobal, nullptr, nullptr, 0.0};
  const RoutingStats gs = routing_stats(global.route_probabilities(best.probs_cal), t_cal);
  if (gs.n > 0 && gs.teacher_agreement() >= alpha)
    options.push_back({global, 1.0});
  else
    notes.push_back(fmt::format("global: cal TA {:.4f} < alpha", gs.teacher_agreement()));

  const arma::vec scores_cal = acceptor->score(best.probs_cal);
  const CalibrationResult c =
      calibrate_point_estimate(scores_cal, replay_steps::agreement_of(best.probs_cal, t_cal), alpha, gate.min_accepted);
  if (c.found)
    options.push_back({RoutingPolicy{Family::kL2D, nullptr, acceptor, c.threshold}, c.coverage});
  else
    notes.push_back("l2d: " + c.reason_if_not_found);

  std::stable_sort(options.begin(), options.end(),
                   [](const Candidate& a, const Candidate& b) { return a.cal_coverage > b.cal_coverage; });
  // The gate routes the shadow split with route_probabilities(), the very
  // function the deployed policy serves with.
  for (const Candidate& opt : options) {
    const SplitStats s = stats_of(opt.policy.route_probabilities(best.probs_shadow), t_shadow);
    const std::string refusal = parity_gate_refusal(s, alpha, gate);
    if (refusal.empty()) {
      o.shadow = s;
      o.cal = stats_of(opt.policy.route_probabilities(best.probs_cal), t_cal);
      // Descriptive only: the paper's gate tests nothing, but the bound says
      // how much its point estimate on cal is worth.
      o.bound_level = kPaperBoundLevel;
      o.cal_ta_lower = clopper_pearson_lower(o.cal.agree, o.cal.handled, kPaperBoundLevel);
      return opt.policy;
    }
    notes.push_back(family_name(opt.policy.family) + " refused by the parity gate: " + refusal);
  }
  return RoutingPolicy{};
}

/// Certified modes (see core/certify.hpp): the cal and shadow splits are
/// pooled (neither trains anything) and the threshold is calibrated by an
/// exact multiple test, so P(TA >= alpha) >= 1 - delta for the deployed policy
/// (per day; certified-flywheel: over all days). Global is not tested
/// separately (that would spend delta twice): accept-all is the loosest step of
/// the same sequence, so a threshold that accepts every row deploys the Global
/// family. The gate then only applies the coverage floor.
///
/// The hypotheses are fixed before the calibration rows are looked at: the
/// thresholds are quantiles of the acceptor's scores on the validation split
/// (which trains the acceptor and never calibrates), and where the walk starts
/// depends on (alpha, level, pooled size, floor) only. So validity needs no
/// assumption on how agreement varies with the score. certified-datawalk keeps
/// the earlier walk over the calibration rows' own scores for comparison.
RoutingPolicy decide_certified(GateMode mode, const FittedCandidate& best,
                               const std::shared_ptr<const Acceptor>& acceptor, const arma::uvec& t_cal,
                               const arma::uvec& t_shadow, double alpha, const GateSettings& gate, std::size_t days,
                               DayOutcome& o, std::vector<std::string>& notes) {
  const arma::mat pooled_probs = arma::join_cols(best.probs_cal, best.probs_shadow);
  const arma::uvec pooled_teacher = arma::join_cols(t_cal, t_shadow);
  const arma::vec scores = acceptor->score(pooled_probs);
  const arma::uvec agree = replay_steps::agreement_of(pooled_probs, pooled_teacher);
  // The acceptor's scores on its own training rows: independent of the
  // calibration rows, which is all the grid needs.
  const CalibrationResult c =
      calibrate_certified(mode, acceptor->score(best.probs_val), scores, agree, alpha, gate, days);
  if (!c.found) {
    notes.push_back("not certified: " + c.reason_if_not_found);
    return RoutingPolicy{};
  }
  RoutingPolicy policy{Family::kL2D, nullptr, acceptor, c.threshold};
  if (c.threshold <= scores.min()) policy = RoutingPolicy{Family::kGlobal, nullptr, nullptr, 0.0};
  const SplitStats pooled = stats_of(policy.route_probabilities(pooled_probs), pooled_teacher);
  if (pooled.coverage < gate.min_coverage) {
    notes.push_back(fmt::format("{} refused: coverage {:.4f} < floor {}", family_name(policy.family), pooled.coverage,
                                gate.min_coverage));
    return RoutingPolicy{};
  }
  o.pooled = pooled;
  o.cal = stats_of(policy.route_probabilities(best.probs_cal), t_cal);
  o.shadow = stats_of(policy.route_probabilities(best.probs_shadow), t_shadow);
  o.cal_ta_lower = c.ta_lower_bound;
  o.bound_level = c.bound_level;
  return policy;
}

}  // namespace

CalibrationResult calibrate_certified(GateMode mode, const arma::vec& val_scores, const arma::vec& scores,
                                      const arma::uvec& agree, double alpha, const GateSettings& gate,
                                      std::size_t days) {
  TRACER_CHECK(is_certified(mode), "calibrate_certified: a certified mode");
  const std::size_t n = scores.n_elem;
  if (mode == GateMode::kDataWalk) {
    // Thresholds below the coverage floor would be refused anyway, so the walk
    // starts at the floor.
    const auto floor_rows = static_cast<std::size_t>(std::ceil(gate.min_coverage * static_cast<double>(n)));
    return calibrate_fixed_sequence(scores, agree, alpha, gate.delta, std::max(gate.min_accepted, floor_rows));
  }
  const bool coarse = mode == GateMode::kCertifiedCoarse || mode == GateMode::kBonferroni;
  const std::size_t levels = coarse ? gate.coarse_grid_levels : gate.grid_levels;
  const bool multistart = mode == GateMode::kCertified || mode == GateMode::kCertifiedFlywheel;
  const std::size_t starts = multistart ? gate.multistart_starts : 1;
  const double delta = mode == GateMode::kCertifiedFlywheel ? gate.delta / static_cast<double>(days) : gate.delta;
  // The strictest level tested must be able to certify with one disagreement
  // at the per-test level; for Bonferroni that level is delta / (grid size),
  // taken here as delta / levels (the grid has at most `levels` thresholds, so
  // the start is, if anything, a little strict).
  const double test_level =
      mode == GateMode::kBonferroni ? delta / static_cast<double>(levels) : delta / static_cast<double>(starts);
  const ThresholdGrid grid =
      coverage_quantile_grid(val_scores, levels, certifiable_start_coverage(alpha, test_level, n, gate.min_coverage));
  return mode == GateMode::kBonferroni
             ? calibrate_bonferroni_on_grid(scores, agree, alpha, delta, gate.min_accepted, grid.thresholds)
             : calibrate_multistart_on_grid(scores, agree, alpha, delta, gate.min_accepted, grid.thresholds, starts);
}

namespace replay_steps {

DayOutcome decide_day(const ReplayData& data, const DaySplit& split, const FittedCandidate* best,
                      const std::shared_ptr<const Acceptor>& acceptor, GateMode mode, double alpha,
                      const GateSettings& gate, std::size_t days, RoutingPolicy* deployed_out) {
  DayOutcome o;
  o.mode = mode;
  o.alpha = alpha;
  RoutingPolicy deployed;  // kNone: everything to the teacher
  std::vector<std::string> notes;
  if (best == nullptr) {
    notes.push_back("no candidate trained");
  } else if (split.cal.n_elem + split.shadow.n_elem == 0) {
    // A production arm whose audit sample of the day is empty.
    o.surrogate = best->record.name;
    o.acceptor_score = acceptor->score_name();
    notes.push_back("no calibration rows");
  } else {
    o.surrogate = best->record.name;
    o.acceptor_score = acceptor->score_name();
    const arma::uvec t_cal = data.teacher_train.elem(split.cal);
    const arma::uvec t_shadow = data.teacher_train.elem(split.shadow);
    deployed = mode == GateMode::kPaper
                   ? decide_paper(*best, acceptor, t_cal, t_shadow, alpha, gate, o, notes)
                   : decide_certified(mode, *best, acceptor, t_cal, t_shadow, alpha, gate, days, o, notes);
  }
  o.family = deployed.family;
  o.deployed = deployed.family != Family::kNone;
  o.threshold = deployed.family == Family::kL2D ? deployed.threshold : 0.0;
  if (o.deployed) notes.push_back(family_name(o.family) + " deployed");
  o.gate_note = join_notes(notes);
  if (o.deployed) {
    o.test_decision = deployed.route_probabilities(best->probs_test);
  } else if (best != nullptr) {
    // Nothing deployed: keep what the selected surrogate would have said (for
    // the disagreement cards that explain a refusal), handling nothing.
    const RoutingPolicy shadow_only{Family::kL2D, nullptr, acceptor, std::numeric_limits<double>::infinity()};
    o.test_decision = shadow_only.route_probabilities(best->probs_test);
  } else {
    o.test_decision = RoutingPolicy{}.route_probabilities(arma::mat(data.X_test.n_rows, 1));
  }
  o.test = stats_of(o.test_decision, data.teacher_test);
  o.test_gt_correct = gt_correct(o.test_decision, data.teacher_test, data.truth_test);
  o.test_gt_accuracy = static_cast<double>(o.test_gt_correct) / static_cast<double>(data.truth_test.n_elem);
  if (deployed_out != nullptr) *deployed_out = deployed;
  return o;
}

const FittedCandidate* select_best(std::span<const FittedCandidate> fitted) {
  const FittedCandidate* best = nullptr;
  for (const FittedCandidate& f : fitted)
    if (f.record.trained && (best == nullptr || f.record.val_macro_f1 > best->record.val_macro_f1)) best = &f;
  return best;
}

arma::uvec agreement_of(const arma::mat& probs, const arma::uvec& teacher) {
  return arma::conv_to<arma::uvec>::from(argmax_rows(probs) == teacher);
}

}  // namespace replay_steps

namespace {

void check_data(const ReplayData& d) {
  if (d.X_train.n_rows != d.teacher_train.n_elem || d.X_train.n_rows != d.truth_train.n_elem)
    throw InternalError("replay: training embeddings and labels differ in length");
  if (d.X_test.n_rows != d.teacher_test.n_elem || d.X_test.n_rows != d.truth_test.n_elem)
    throw InternalError("replay: test embeddings and labels differ in length");
  if (d.X_train.n_cols != d.X_test.n_cols)
    throw InternalError(fmt::format("replay: train embeddings are {}-d but test embeddings are {}-d", d.X_train.n_cols,
                                    d.X_test.n_cols));
  if (d.X_test.n_rows == 0) throw DataError("replay: the test split is empty");
}

}  // namespace

std::vector<std::size_t> day_boundaries(std::size_t n, std::size_t days) {
  TRACER_CHECK(days > 0, "day_boundaries: days > 0");
  std::vector<std::size_t> upto;
  std::size_t total = 0;
  for (std::size_t d = 0; d < days; ++d) {
    total += n / days + (d < n % days ? 1 : 0);
    upto.push_back(total);
  }
  return upto;
}

arma::uvec cap_per_class(const arma::uvec& rows, const arma::uvec& labels, std::size_t max_fit_labels,
                         std::uint64_t seed) {
  if (max_fit_labels == 0 || rows.n_elem <= max_fit_labels) return rows;
  std::map<arma::uword, std::vector<std::size_t>> by_class;  // class -> positions in rows
  for (std::size_t i = 0; i < rows.n_elem; ++i) by_class[labels[rows[i]]].push_back(i);
  const std::size_t per_class = max_fit_labels / by_class.size();
  Rng rng(seed);
  std::vector<std::size_t> keep;
  for (auto& [cls, pos] : by_class) {
    if (pos.size() > per_class) {
      const std::vector<std::size_t> perm = rng.permutation(pos.size());
      std::vector<std::size_t> chosen(per_class);
      for (std::size_t j = 0; j < per_class; ++j) chosen[j] = pos[perm[j]];
      pos = std::move(chosen);
    }
    keep.insert(keep.end(), pos.begin(), pos.end());
  }
  std::sort(keep.begin(), keep.end());
  arma::uvec out(keep.size());
  for (std::size_t i = 0; i < keep.size(); ++i) out[i] = rows[keep[i]];
  return out;
}

ReplayResult run_replay(const ReplayData& data, const ProtocolSettings& s, std::uint64_t seed,
                        const ProgressFn& progress) {
  check_data(data);
  const auto t_start = Clock::now();
  const std::size_t n = data.X_train.n_rows;
  if (s.days == 0 || n < s.days)
    throw DataError(fmt::format("replay: {} traces cannot be cut into [protocol] days = {} days", n, s.days));
  ReplayResult result;
  result.teacher_test_accuracy = accuracy(data.teacher_test, data.truth_test);
  result.teacher_train_accuracy = accuracy(data.teacher_train, data.truth_train);

  // Shuffle once, cut into days like np.array_split (the paper's batches).
  Rng order_rng(derive_seed(seed, {stream::kDayShuffle}));
  const std::vector<std::size_t> order = order_rng.permutation(n);
  std::vector<DaySplit> splits(s.days);
  result.day_sizes = day_boundaries(n, s.days);
  for (std::size_t day = 1; day <= s.days; ++day) {
    const std::size_t upto = result.day_sizes[day - 1];
    arma::uvec seen(upto);
    for (std::size_t i = 0; i < upto; ++i) seen[i] = order[i];
    result.day_order.push_back(seen);
    // The reference's per-class cap (off unless [protocol] max_fit_labels).
    const arma::uvec rows =
        cap_per_class(seen, data.teacher_train, s.max_fit_labels, derive_seed(seed, {stream::kFitCap, day}));
    const std::vector<arma::uvec> parts =
        stratified_split(data.teacher_train.elem(rows), {s.split.train, s.split.val, s.split.cal, s.split.shadow},
                         derive_seed(seed, {stream::kSplit, day}));
    splits[day - 1] = {rows.elem(parts[0]), rows.elem(parts[1]), rows.elem(parts[2]), rows.elem(parts[3])};
  }

  // Stage 1: every (day, candidate) fit is independent -> one parallel pool,
  // plus the baseline. Models are trained once per day and shared by every
  // gate mode and alpha.
  const std::size_t n_cand = s.candidates.size();
  const std::size_t n_tasks = s.days * n_cand;
  std::vector<FittedCandidate> fitted(n_tasks);
  struct BaselineFit {
    arma::mat probs_holdout, probs_test;
    arma::uvec holdout;
    std::string error;
  };
  BaselineFit baseline;
  // Longest first: the baseline (all traces), then the days from the last
  // (most traces) to the first, so a long fit never starts last and sets the
  // wall time. Each task writes only its own slot: the order changes nothing
  // in the results.
  std::vector<std::size_t> schedule{n_tasks};
  for (std::size_t d = s.days; d-- > 0;)
    for (std::size_t c = 0; c < n_cand; ++c) schedule.push_back(d * n_cand + c);
  parallel_for(n_tasks + 1, resolve_threads(s.threads), [&](std::size_t slot) {
    const std::size_t task = schedule[slot];
    if (task == n_tasks) {  // baseline: one model on all traces (minus a held-out part)
      if (progress) progress("baseline: fitting " + s.baseline_model.name);
      const std::vector<arma::uvec> parts = stratified_split(
          data.teacher_train, {1.0 - s.baseline_holdout, s.baseline_holdout}, derive_seed(seed, {stream::kBaseline}));
      try {
        auto model = make_surrogate(s.baseline_model);
        model->fit(data.X_train.rows(parts[0]), data.teacher_train.elem(parts[0]), data.n_classes,
                   FitContext{derive_seed(seed, {stream::kBaseline, 1}), 1});
        baseline.holdout = parts[1];
        baseline.probs_holdout = serving_probabilities(*model, data.X_train.rows(parts[1]));
        baseline.probs_test = serving_probabilities(*model, data.X_test);
      } catch (const TrainingError& e) {
        baseline.error = e.what();
      }
      return;
    }
    const std::size_t day = task / n_cand + 1, c = task % n_cand;
    if (progress) progress(fmt::format("day {}/{}: fitting {}", day, s.days, s.candidates[c].name));
    fitted[task] = fit_candidate(data, splits[day - 1], s.candidates[c], day,
                                 derive_seed(seed, {stream::kModel, day, c}), nullptr);
  });

  // Stage 2: per day, select by validation macro-F1 (strict >, so ties go to
  // the earlier candidate), fit the acceptor, then decide per mode and alpha.
  std::vector<std::vector<DayOutcome>> per_day(s.days);
  parallel_for(s.days, resolve_threads(s.threads), [&](std::size_t d) {
    const std::size_t day = d + 1;
    const DaySplit& split = splits[d];
    const FittedCandidate* best = replay_steps::select_best(std::span(fitted).subspan(d * n_cand, n_cand));
    auto acceptor = std::make_shared<Acceptor>();
    if (best)
      acceptor->fit(best->probs_val, replay_steps::agreement_of(best->probs_val, data.teacher_train.elem(split.val)));
    for (GateMode mode : s.gate.modes) {
      for (double alpha : s.alphas) {
        DayOutcome o = decide_day(data, split, best, acceptor, mode, alpha, s.gate, s.days, nullptr);
        o.day = day;
        o.n_traces = result.day_sizes[d];
        o.n_train = split.train.n_elem;
        o.n_val = split.val.n_elem;
        o.n_cal = split.cal.n_elem;
        o.n_shadow = split.shadow.n_elem;
        per_day[d].push_back(std::move(o));
      }
    }
  });
  for (std::size_t d = 0; d < s.days; ++d) {
    const FittedCandidate* best = replay_steps::select_best(std::span(fitted).subspan(d * n_cand, n_cand));
    for (std::size_t c = 0; c < n_cand; ++c) {
      CandidateRecord r = fitted[d * n_cand + c].record;
      r.selected = best == &fitted[d * n_cand + c];
      result.candidates.push_back(std::move(r));
    }
    for (auto& o : per_day[d]) result.outcomes.push_back(std::move(o));
  }

  // The production arms ([protocol] labels beyond "all"): the same days,
  // each (arm, mode, alpha) with its own flywheel from day 2 on.
  if (!production_arm_list(s).empty()) {
    std::vector<arma::uvec> batches;
    for (std::size_t d = 0; d < s.days; ++d) {
      const std::size_t from = d == 0 ? 0 : result.day_sizes[d - 1], to = result.day_sizes[d];
      arma::uvec b(to - from);
      for (std::size_t i = from; i < to; ++i) b[i - from] = order[i];
      batches.push_back(std::move(b));
    }
    const DaySplit& first = splits[0];
    result.arms =
        run_production_arms(data, s, seed, batches, {first.train, first.val, first.cal, first.shadow}, progress);
  }

  // Baseline: max-probability threshold swept on the held-out traces.
  for (double alpha : s.alphas) {
    BaselineOutcome b;
    b.alpha = alpha;
    if (baseline.error.empty()) {
      const arma::uvec t_hold = data.teacher_train.elem(baseline.holdout);
      const arma::vec maxp_hold = arma::max(baseline.probs_holdout, 1);
      const CalibrationResult c = calibrate_point_estimate(
          maxp_hold, replay_steps::agreement_of(baseline.probs_holdout, t_hold), alpha, s.gate.min_accepted);
      RoutingDecision hold, test;
      hold.prediction = argmax_rows(baseline.probs_holdout);
      test.prediction = argmax_rows(baseline.probs_test);
      const arma::vec maxp_test = arma::max(baseline.probs_test, 1);
      b.found = c.found;
      b.threshold = c.found ? c.threshold : 0.0;
      hold.handled = c.found ? arma::conv_to<arma::uvec>::from(maxp_hold >= c.threshold)
                             : arma::uvec(maxp_hold.n_elem, arma::fill::zeros);
      test.handled = c.found ? arma::conv_to<arma::uvec>::from(maxp_test >= c.threshold)
                             : arma::uvec(maxp_test.n_elem, arma::fill::zeros);
      b.holdout = stats_of(hold, t_hold);
      b.test = stats_of(test, data.teacher_test);
      b.test_gt_correct = gt_correct(test, data.teacher_test, data.truth_test);
      b.test_gt_accuracy = static_cast<double>(b.test_gt_correct) / static_cast<double>(data.truth_test.n_elem);
    }
    result.baseline.push_back(b);
  }
  result.baseline_error = baseline.error;
  result.seconds_total = std::chrono::duration<double>(Clock::now() - t_start).count();
  return result;
}

}  // namespace tracer

#include "protocol/production.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <future>
#include <map>
#include <memory>
#include <mutex>

#include "core/errors.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"
#include "core/split.hpp"
#include "protocol/replay_steps.hpp"

namespace tracer {

using namespace replay_steps;

std::string labels_mode_name(LabelsMode m) {
  switch (m) {
    case LabelsMode::kAll:
      return "all";
    case LabelsMode::kDeferred:
      return "deferred";
    case LabelsMode::kDeferredNoAudit:
      return "deferred-no-audit";
  }
  return "?";
}

DayLabels label_day(LabelsMode mode, const arma::uvec& batch, const arma::uvec& handled, double audit_rate,
                    std::uint64_t seed) {
  TRACER_CHECK(mode != LabelsMode::kAll, "label_day: a production arm");
  TRACER_CHECK(batch.n_elem == handled.n_elem, "label_day: one handled flag per batch row");
  TRACER_CHECK(audit_rate >= 0.0 && audit_rate <= 1.0, "label_day: audit_rate in [0, 1]");
  TRACER_CHECK(mode == LabelsMode::kDeferred || audit_rate == 0.0, "label_day: no audit without an audit stream");
  const std::size_t n = batch.n_elem;
  std::vector<char> audit(n, 0);
  const auto k = static_cast<std::size_t>(std::llround(audit_rate * static_cast<double>(n)));
  if (k > 0) {
    Rng rng(seed);
    const std::vector<std::size_t> perm = rng.permutation(n);
    for (std::size_t j = 0; j < k; ++j) audit[perm[j]] = 1;
  }
  std::vector<arma::uword> deferred, audited, labelled, train_new;
  for (std::size_t i = 0; i < n; ++i) {
    const bool d = handled[i] == 0;
    if (d) deferred.push_back(batch[i]);
    if (audit[i]) audited.push_back(batch[i]);
    if (d || audit[i]) labelled.push_back(batch[i]);
    if (d && !audit[i]) train_new.push_back(batch[i]);
  }
  DayLabels out;
  out.deferred = arma::uvec(deferred);
  out.audited = arma::uvec(audited);
  out.labelled = arma::uvec(labelled);
  out.train_new = arma::uvec(train_new);
  out.calibration = out.audited;
  return out;
}

std::vector<std::pair<LabelsMode, double>> production_arm_list(const ProtocolSettings& s) {
  std::vector<std::pair<LabelsMode, double>> arms;
  for (LabelsMode m : s.labels) {
    if (m == LabelsMode::kDeferred)
      for (double a : s.audit_rates) arms.emplace_back(m, a);
    else if (m == LabelsMode::kDeferredNoAudit)
      arms.emplace_back(m, 0.0);
  }
  return arms;
}

namespace {

/// A day's fitted candidates, the selected one and its acceptor: everything
/// the gate needs, shared by every trajectory whose day split is the same.
struct DayModels {
  DaySplit split;
  std::vector<FittedCandidate> fitted;
  const FittedCandidate* best = nullptr;  ///< into fitted
  std::shared_ptr<Acceptor> acceptor;
};

/// Fits of one day keyed by the exact split (day, then each part's rows), so
/// trajectories that labelled the same rows share one fit. A trajectory whose
/// policies are the same as another's (two alphas both refused, say) costs
/// nothing more. Fits are deterministic given the key, so sharing changes no
/// result.
class DayModelCache {
 public:
  using Key = std::vector<arma::uword>;
  static Key key_of(std::size_t day, const DaySplit& s) {
    Key k{static_cast<arma::uword>(day)};
    for (const arma::uvec* part : {&s.train, &s.val, &s.cal, &s.shadow}) {
      k.push_back(part->n_elem);
      k.insert(k.end(), part->begin(), part->end());
    }
    return k;
  }

  /// The models for (day, split), fitting them (on this thread) if no other
  /// trajectory has.
  template <class Fit>
  std::shared_ptr<const DayModels> get(std::size_t day, const DaySplit& split, const Fit& fit) {
    const Key key = key_of(day, split);
    std::promise<std::shared_ptr<const DayModels>> promise;
    std::shared_future<std::shared_ptr<const DayModels>> future;
    bool mine = false;
    {
      const std::lock_guard<std::mutex> lock(mutex_);
      auto it = entries_.find(key);
      if (it == entries_.end()) {
        future = promise.get_future().share();
        entries_.emplace(key, future);
        mine = true;
      } else {
        future = it->second;
      }
    }
    if (mine) {
      try {
        promise.set_value(fit());
      } catch (...) {
        promise.set_exception(std::current_exception());
      }
    }
    return future.get();
  }

  void clear() {
    const std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
  }

 private:
  std::mutex mutex_;
  std::map<Key, std::shared_future<std::shared_ptr<const DayModels>>> entries_;
};

/// One (arm, mode, alpha) flywheel in flight.
struct Trajectory {
  std::size_t arm = 0;
  LabelsMode labels = LabelsMode::kDeferred;
  double audit_rate = 0.0;
  GateMode mode = GateMode::kPaper;
  double alpha = 0.0;
  std::vector<arma::uword> traces;          ///< labelled rows available for training, in arrival order
  std::shared_ptr<const DayModels> models;  ///< yesterday's
  RoutingPolicy policy;                     ///< yesterday's deployed policy
  std::size_t cumulative_calls = 0;
  std::vector<DayOutcome> outcomes;
  std::vector<DayBill> bills;
};

arma::uvec as_uvec(const std::vector<arma::uword>& v) { return arma::uvec(v); }

void append(std::vector<arma::uword>& to, const arma::uvec& rows) { to.insert(to.end(), rows.begin(), rows.end()); }

}  // namespace

std::vector<ProductionArm> run_production_arms(const ReplayData& data, const ProtocolSettings& s, std::uint64_t seed,
                                               const std::vector<arma::uvec>& batches,
                                               const std::vector<arma::uvec>& day1_split,
                                               const std::function<void(const std::string&)>& progress) {
  const std::vector<std::pair<LabelsMode, double>> arm_list = production_arm_list(s);
  TRACER_CHECK(batches.size() == s.days && day1_split.size() == 4, "run_production_arms: one batch per day");
  std::vector<Trajectory> traj;
  for (std::size_t a = 0; a < arm_list.size(); ++a)
    for (GateMode mode : s.gate.modes)
      for (double alpha : s.alphas) {
        Trajectory t;
        t.arm = a;
        t.labels = arm_list[a].first;
        t.audit_rate = arm_list[a].second;
        t.mode = mode;
        t.alpha = alpha;
        traj.push_back(std::move(t));
      }

  DayModelCache cache;
  const double train_share = s.split.train / (s.split.train + s.split.val);
  auto fit_day = [&](std::size_t day, const DaySplit& split) {
    const arma::uvec* route = day < s.days ? &batches[day] : nullptr;  // batches[day] arrives on day + 1
    return cache.get(day, split, [&] {
      if (progress)
        progress(fmt::format("production day {}/{}: fitting on {} traces", day, s.days, split.train.n_elem));
      auto m = std::make_shared<DayModels>();
      m->split = split;
      for (std::size_t c = 0; c < s.candidates.size(); ++c)
        m->fitted.push_back(
            fit_candidate(data, split, s.candidates[c], day, derive_seed(seed, {stream::kModel, day, c}), route));
      m->best = select_best(m->fitted);
      m->acceptor = std::make_shared<Acceptor>();
      if (m->best)
        m->acceptor->fit(m->best->probs_val, agreement_of(m->best->probs_val, data.teacher_train.elem(split.val)));
      return std::shared_ptr<const DayModels>(std::move(m));
    });
  };

  auto step = [&](Trajectory& t, std::size_t day) {
    const arma::uvec& batch = batches[day - 1];
    DayBill bill;
    bill.batch = batch.n_elem;
    DaySplit split;
    if (day == 1) {
      // The whole first batch is labelled and split as in the paper's replay.
      split = {day1_split[0], day1_split[1], day1_split[2], day1_split[3]};
      bill.deferred = bill.teacher_calls = batch.n_elem;
      append(t.traces, batch);
      bill.training_traces = batch.n_elem;
    } else {
      const FittedCandidate* prev = t.models ? t.models->best : nullptr;
      const RoutingDecision routed = prev != nullptr ? t.policy.route_probabilities(prev->probs_route)
                                                     : RoutingPolicy{}.route_probabilities(arma::mat(batch.n_elem, 1));
      for (arma::uword i = 0; i < batch.n_elem; ++i)
        if (routed.handled[i]) {
          ++bill.routed_handled;
          bill.routed_agree += routed.prediction[i] == data.teacher_train[batch[i]];
        }
      const DayLabels lab =
          label_day(t.labels, batch, routed.handled, t.audit_rate, derive_seed(seed, {stream::kAudit, day}));
      bill.deferred = lab.deferred.n_elem;
      bill.audited = lab.audited.n_elem;
      bill.teacher_calls = lab.labelled.n_elem;
      if (t.labels == LabelsMode::kDeferred) {
        append(t.traces, lab.train_new);
        const arma::uvec pool = as_uvec(t.traces);
        bill.training_traces = pool.n_elem;
        const std::vector<arma::uvec> tv =
            stratified_split(data.teacher_train.elem(pool), {train_share, 1.0 - train_share},
                             derive_seed(seed, {stream::kProduction, day}));
        split.train = pool.elem(tv[0]);
        split.val = pool.elem(tv[1]);
        // The fresh audit sample, in halves: cal (threshold, Global
        // eligibility) and shadow (the paper's parity check); the certified
        // modes pool them.
        Rng halves(derive_seed(seed, {stream::kProduction, day, 1}));
        const std::vector<std::size_t> perm = halves.permutation(lab.calibration.n_elem);
        const std::size_t n_cal = (perm.size() + 1) / 2;
        std::vector<arma::uword> cal, shadow;
        for (std::size_t j = 0; j < perm.size(); ++j) (j < n_cal ? cal : shadow).push_back(lab.calibration[perm[j]]);
        std::sort(cal.begin(), cal.end());
        std::sort(shadow.begin(), shadow.end());
        split.cal = as_uvec(cal);
        split.shadow = as_uvec(shadow);
        // Audited rows train from tomorrow on, once they have calibrated today.
        append(t.traces, lab.audited);
      } else {
        append(t.traces, lab.train_new);
        const arma::uvec pool = as_uvec(t.traces);
        bill.training_traces = pool.n_elem;
        // The paper's split, on the biased pool (the same seeds as the paper
        // replay, so a policy that defers everything replays it exactly).
        const arma::uvec rows =
            cap_per_class(pool, data.teacher_train, s.max_fit_labels, derive_seed(seed, {stream::kFitCap, day}));
        const std::vector<arma::uvec> parts =
            stratified_split(data.teacher_train.elem(rows), {s.split.train, s.split.val, s.split.cal, s.split.shadow},
                             derive_seed(seed, {stream::kSplit, day}));
        split = {rows.elem(parts[0]), rows.elem(parts[1]), rows.elem(parts[2]), rows.elem(parts[3])};
      }
    }
    t.cumulative_calls += bill.teacher_calls;
    bill.cumulative_calls = t.cumulative_calls;
    bill.calibration_rows = split.cal.n_elem + split.shadow.n_elem;

    std::shared_ptr<const DayModels> models = fit_day(day, split);
    RoutingPolicy deployed;
    DayOutcome o =
        decide_day(data, models->split, models->best, models->acceptor, t.mode, t.alpha, s.gate, s.days, &deployed);
    o.day = day;
    o.n_traces = t.cumulative_calls;
    o.n_train = split.train.n_elem;
    o.n_val = split.val.n_elem;
    o.n_cal = split.cal.n_elem;
    o.n_shadow = split.shadow.n_elem;
    o.test_decision = RoutingDecision{};  // per-row decisions feed artifacts only, which production arms do not get
    t.outcomes.push_back(std::move(o));
    t.bills.push_back(bill);
    // The policy routes tomorrow's batch through the selected candidate's
    // probabilities on it (probs_route): no model object is kept.
    t.policy = deployed;
    t.models = std::move(models);
  };

  // Day-synchronous: every trajectory finishes day t before any starts day
  // t + 1, so the cache only ever holds one day's fits.
  for (std::size_t day = 1; day <= s.days; ++day) {
    parallel_for(traj.size(), resolve_threads(s.threads), [&](std::size_t i) { step(traj[i], day); });
    cache.clear();
  }

  std::vector<ProductionArm> arms(arm_list.size());
  for (std::size_t a = 0; a < arm_list.size(); ++a) {
    arms[a].labels = arm_list[a].first;
    arms[a].audit_rate = arm_list[a].second;
  }
  for (std::size_t day = 1; day <= s.days; ++day)
    for (const Trajectory& t : traj) {
      arms[t.arm].outcomes.push_back(t.outcomes[day - 1]);
      arms[t.arm].bills.push_back(t.bills[day - 1]);
    }
  return arms;
}

}  // namespace tracer

#include "protocol/production_summary.hpp"

#include <fmt/format.h>

#include <map>
#include <tuple>

#include "core/errors.hpp"

namespace tracer {

std::vector<DayBill> paper_protocol_bills(const ReplayResult& rep) {
  std::vector<DayBill> bills;
  for (const DayOutcome& o : rep.outcomes) {
    TRACER_CHECK(o.day >= 1 && o.day <= rep.day_sizes.size(), "paper_protocol_bills: a day of the replay");
    DayBill b;
    const std::size_t before = o.day > 1 ? rep.day_sizes[o.day - 2] : 0;
    b.batch = rep.day_sizes[o.day - 1] - before;
    b.deferred = b.teacher_calls = b.batch;  // every input is labelled, whatever the policy did
    b.cumulative_calls = rep.day_sizes[o.day - 1];
    b.calibration_rows = o.n_cal + o.n_shadow;
    b.training_traces = o.n_traces;
    bills.push_back(b);
  }
  return bills;
}

namespace {

using Key = std::tuple<int, double, std::size_t>;  // (mode, alpha, day), as summarize_seeds orders its rows

struct BillAcc {
  std::size_t replays = 0;
  double batch = 0, calls = 0, cumulative = 0, deferred = 0, audited = 0, cal = 0, traces = 0, routed_cov = 0;
  std::vector<double> routed_ta;
};

}  // namespace

ArmSummary summarise_arm(LabelsMode labels, double audit_rate, const OutcomeSets& outcomes,
                         const std::vector<const std::vector<DayBill>*>& bills, const ProtocolSettings& p,
                         const CostModel& cost) {
  TRACER_CHECK(outcomes.size() == bills.size(), "summarise_arm: one bill list per replay");
  ArmSummary a;
  a.labels = labels;
  a.audit_rate = audit_rate;
  a.rows = summarize_seeds(outcomes, p.gate, p.days);
  a.verdicts = gate_verdicts(outcomes, a.rows, p.gate, p.days);
  const double usd_per_call = project_cost(cost, 0.0).usd_per_call;

  std::map<Key, BillAcc> acc;
  struct CostAcc {
    std::size_t replays = 0;
    double calls = 0, traffic = 0, coverage = 0, share = 0;
  };
  std::map<std::pair<int, double>, CostAcc> costs;
  for (std::size_t r = 0; r < outcomes.size(); ++r) {
    const std::vector<DayOutcome>& os = *outcomes[r];
    const std::vector<DayBill>& bs = *bills[r];
    TRACER_CHECK(os.size() == bs.size(), "summarise_arm: one bill per outcome");
    std::map<std::pair<int, double>, double> traffic;
    for (std::size_t i = 0; i < os.size(); ++i) {
      const DayOutcome& o = os[i];
      const DayBill& b = bs[i];
      BillAcc& x = acc[{static_cast<int>(o.mode), o.alpha, o.day}];
      ++x.replays;
      x.batch += static_cast<double>(b.batch);
      x.calls += static_cast<double>(b.teacher_calls);
      x.cumulative += static_cast<double>(b.cumulative_calls);
      x.deferred += static_cast<double>(b.deferred);
      x.audited += static_cast<double>(b.audited);
      x.cal += static_cast<double>(b.calibration_rows);
      x.traces += static_cast<double>(b.training_traces);
      x.routed_cov += b.batch ? static_cast<double>(b.routed_handled) / static_cast<double>(b.batch) : 0.0;
      if (b.routed_handled > 0)
        x.routed_ta.push_back(static_cast<double>(b.routed_agree) / static_cast<double>(b.routed_handled));
      const std::pair<int, double> mk{static_cast<int>(o.mode), o.alpha};
      traffic[mk] += static_cast<double>(b.batch);
      if (o.day == p.days) {
        CostAcc& c = costs[mk];
        ++c.replays;
        c.calls += static_cast<double>(b.cumulative_calls);
        c.coverage += o.test.coverage;
        c.share += (1.0 - o.test.coverage) + o.test.coverage * audit_rate;
      }
    }
    for (const auto& [mk, t] : traffic) costs[mk].traffic += t;
  }
  for (const SeedSummary& s : a.rows) {
    const auto it = acc.find({static_cast<int>(s.mode), s.alpha, s.day});
    TRACER_CHECK(it != acc.end(), "summarise_arm: a bill for every summary row");
    const BillAcc& x = it->second;
    const double n = static_cast<double>(x.replays);
    BillSummary b;
    b.mode = s.mode;
    b.alpha = s.alpha;
    b.day = s.day;
    b.replays = x.replays;
    b.batch = x.batch / n;
    b.teacher_calls = x.calls / n;
    b.cumulative_calls = x.cumulative / n;
    b.deferred = x.deferred / n;
    b.audited = x.audited / n;
    b.calibration_rows = x.cal / n;
    b.training_traces = x.traces / n;
    b.routed_coverage = x.routed_cov / n;
    b.routed_ta = mean_interval(x.routed_ta);
    b.cumulative_usd = b.cumulative_calls * usd_per_call;
    a.bills.push_back(b);
  }
  const double usd_year_all = cost.queries_per_day * cost.days_per_year * usd_per_call;
  for (const GateVerdict& v : a.verdicts) {
    const auto it = costs.find({static_cast<int>(v.mode), v.alpha});
    TRACER_CHECK(it != costs.end(), "summarise_arm: a last day for every verdict");
    const CostAcc& c = it->second;
    const double n = static_cast<double>(c.replays);
    ArmCost ac;
    ac.mode = v.mode;
    ac.alpha = v.alpha;
    ac.replays = c.replays;
    ac.replay_calls = c.calls / n;
    ac.replay_traffic = c.traffic / static_cast<double>(outcomes.size());
    ac.replay_usd = ac.replay_calls * usd_per_call;
    ac.last_day_coverage = c.coverage / n;
    ac.call_share = c.share / n;
    ac.usd_per_year = ac.call_share * usd_year_all;
    ac.usd_per_year_without_routing = usd_year_all;
    a.costs.push_back(ac);
  }
  return a;
}

std::vector<ProductionGroup> summarise_production(const ExperimentResults& r) {
  std::vector<ProductionGroup> groups;
  const ProtocolSettings& p = r.info.protocol;
  TRACER_CHECK(r.paper_bills.size() == r.runs.size(), "summarise_production: paper bills per run");
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    ProductionGroup g{run.encoder, run.teacher, run.pool_size, {}};
    std::vector<const RunResult*> members;
    std::vector<std::size_t> member_index;
    for (std::size_t i = 0; i < r.runs.size(); ++i) {
      const RunResult& other = r.runs[i];
      if (other.encoder == run.encoder && other.teacher == run.teacher && other.pool_size == run.pool_size) {
        members.push_back(&other);
        member_index.push_back(i);
      }
    }
    OutcomeSets all_outcomes;
    std::vector<const std::vector<DayBill>*> all_bills;
    for (std::size_t m = 0; m < members.size(); ++m) {
      all_outcomes.push_back(&members[m]->replay.outcomes);
      all_bills.push_back(&r.paper_bills[member_index[m]]);
    }
    g.arms.push_back(summarise_arm(LabelsMode::kAll, 0.0, all_outcomes, all_bills, p, r.info.cost));
    const std::size_t n_arms = run.replay.arms.size();
    for (std::size_t a = 0; a < n_arms; ++a) {
      OutcomeSets outcomes;
      std::vector<const std::vector<DayBill>*> bills;
      for (const RunResult* m : members) {
        if (m->replay.arms.size() != n_arms)
          throw InternalError(fmt::format("production: seed {} of {} / {} has {} arms, seed 0 has {}", m->seed_index,
                                          run.encoder, run.teacher, m->replay.arms.size(), n_arms));
        outcomes.push_back(&m->replay.arms[a].outcomes);
        bills.push_back(&m->replay.arms[a].bills);
      }
      const ProductionArm& arm = run.replay.arms[a];
      g.arms.push_back(summarise_arm(arm.labels, arm.audit_rate, outcomes, bills, p, r.info.cost));
    }
    groups.push_back(std::move(g));
  }
  return groups;
}

}  // namespace tracer

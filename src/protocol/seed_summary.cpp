#include "protocol/seed_summary.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
#include <algorithm>
#include <map>
#include <tuple>

#include "core/certify.hpp"

namespace tracer {

MeanInterval mean_interval(const std::vector<double>& v) {
  MeanInterval m;
  m.n = v.size();
  if (v.empty()) return m;
  double sum = 0.0;
  for (double x : v) sum += x;
  m.mean = sum / static_cast<double>(v.size());
  if (v.size() < 2) {
    m.lo = m.hi = m.mean;
    return m;
  }
  double ss = 0.0;
  for (double x : v) ss += (x - m.mean) * (x - m.mean);
  const double sd = std::sqrt(ss / static_cast<double>(v.size() - 1));
  const boost::math::students_t t(static_cast<double>(v.size() - 1));
  const double half =
      boost::math::quantile(boost::math::complement(t, 0.025)) * sd / std::sqrt(static_cast<double>(v.size()));
  m.lo = m.mean - half;
  m.hi = m.mean + half;
  return m;
}

RateBounds rate_bounds(std::size_t events, std::size_t trials) {
  RateBounds b;
  b.events = events;
  b.trials = trials;
  if (trials == 0) return b;
  b.rate = static_cast<double>(events) / static_cast<double>(trials);
  b.lower95 = clopper_pearson_lower(events, trials, 0.05);
  b.upper95 = clopper_pearson_upper(events, trials, 0.05);
  return b;
}

bool clear_violation(const SplitStats& test, double alpha) {
  return test.handled > 0 && clopper_pearson_upper(test.agree, test.handled, kClearViolationLevel) < alpha;
}

double promised_delta_per_day(GateMode mode, const GateSettings& gate, std::size_t days) {
  if (!is_certified(mode)) return 0.0;
  if (mode == GateMode::kCertifiedFlywheel) return gate.delta / static_cast<double>(days);
  return gate.delta;
}

bool promise_contradicted(const RateBounds& plain, const RateBounds& clear, double delta) {
  if (delta <= 0.0 || plain.trials == 0) return false;
  return clear.lower95 > delta + kClearMargin || plain.lower95 > delta + kPlainMargin;
}

namespace {

using Key = std::tuple<int, double, std::size_t>;  // (mode, alpha, day): sorted output

/// Test coverage of each replay per (mode, alpha, day).
std::map<Key, std::vector<double>> coverage_by_replay(const OutcomeSets& replays) {
  std::map<Key, std::vector<double>> cov;
  for (const std::vector<DayOutcome>* r : replays)
    for (const DayOutcome& o : *r) cov[{static_cast<int>(o.mode), o.alpha, o.day}].push_back(o.test.coverage);
  return cov;
}

std::size_t drops(const std::vector<double>& before, const std::vector<double>& after) {
  std::size_t k = 0;
  for (std::size_t i = 0; i < std::min(before.size(), after.size()); ++i) k += after[i] < before[i] - kStabilityDrop;
  return k;
}

}  // namespace

std::vector<SeedSummary> summarize_seeds(const OutcomeSets& replays, const GateSettings& gate, std::size_t days) {
  struct Acc {
    std::vector<double> coverage, ta, gt, gap;
    std::size_t replays = 0, deployed = 0, violations = 0, clear = 0;
  };
  std::map<Key, Acc> acc;
  for (const std::vector<DayOutcome>* r : replays) {
    for (const DayOutcome& o : *r) {
      Acc& a = acc[{static_cast<int>(o.mode), o.alpha, o.day}];
      ++a.replays;
      a.coverage.push_back(o.test.coverage);
      a.gt.push_back(o.test_gt_accuracy);
      if (o.test.handled > 0) a.ta.push_back(o.test.ta);
      if (o.deployed) {
        ++a.deployed;
        // Against the rows the gate calibrated on: cal + shadow pooled for the
        // certified modes, the cal split for the paper's.
        a.gap.push_back((is_certified(o.mode) ? o.pooled.ta : o.cal.ta) - o.test.ta);
        if (o.test.handled > 0 && o.test.ta < o.alpha) ++a.violations;
        if (clear_violation(o.test, o.alpha)) ++a.clear;
      }
    }
  }
  const auto cov = coverage_by_replay(replays);
  std::vector<SeedSummary> out;
  for (const auto& [key, a] : acc) {
    SeedSummary s;
    s.mode = static_cast<GateMode>(std::get<0>(key));
    s.alpha = std::get<1>(key);
    s.day = std::get<2>(key);
    s.replays = a.replays;
    s.deployed = a.deployed;
    s.coverage = mean_interval(a.coverage);
    s.test_ta = mean_interval(a.ta);
    s.gt_accuracy = mean_interval(a.gt);
    s.cal_test_gap = mean_interval(a.gap);
    s.violation = rate_bounds(a.violations, a.replays);
    s.clear_violation = rate_bounds(a.clear, a.replays);
    if (s.day >= 2) {
      const auto prev = cov.find({std::get<0>(key), s.alpha, s.day - 1});
      if (prev != cov.end()) s.coverage_drop = rate_bounds(drops(prev->second, cov.at(key)), a.replays);
    }
    s.promised_delta = promised_delta_per_day(s.mode, gate, days);
    s.contradicted = promise_contradicted(s.violation, s.clear_violation, s.promised_delta);
    s.p_rate_above_delta =
        s.promised_delta > 0.0 ? binomial_tail_p_value(a.violations, a.replays, s.promised_delta) : 1.0;
    out.push_back(s);
  }
  return out;
}

std::vector<GateVerdict> gate_verdicts(const OutcomeSets& replays, const std::vector<SeedSummary>& rows,
                                       const GateSettings& gate, std::size_t days) {
  struct Acc {
    std::size_t replays = 0, any = 0, any_clear = 0, transitions = 0, drops = 0;
    double coverage_sum = 0.0;
    std::size_t coverage_n = 0;
    bool day_contradicted = false;
  };
  std::map<std::pair<int, double>, Acc> acc;
  for (const std::vector<DayOutcome>* r : replays) {
    std::map<std::pair<int, double>, std::pair<bool, bool>> hit;  // (plain, clear) on some day
    std::map<std::pair<int, double>, std::vector<std::pair<std::size_t, double>>> cov;
    for (const DayOutcome& o : *r) {
      const std::pair<int, double> k{static_cast<int>(o.mode), o.alpha};
      auto& h = hit[k];
      if (o.deployed && o.test.handled > 0 && o.test.ta < o.alpha) h.first = true;
      if (o.deployed && clear_violation(o.test, o.alpha)) h.second = true;
      cov[k].push_back({o.day, o.test.coverage});
    }
    for (auto& [k, h] : hit) {
      Acc& a = acc[k];
      ++a.replays;
      a.any += h.first;
      a.any_clear += h.second;
      auto& c = cov[k];
      std::sort(c.begin(), c.end());
      for (std::size_t i = 0; i < c.size(); ++i) {
        a.coverage_sum += c[i].second;
        ++a.coverage_n;
        if (i > 0) {
          ++a.transitions;
          a.drops += c[i].second < c[i - 1].second - kStabilityDrop;
        }
      }
    }
  }
  for (const SeedSummary& s : rows)
    if (s.contradicted) acc[{static_cast<int>(s.mode), s.alpha}].day_contradicted = true;
  std::vector<GateVerdict> out;
  for (const auto& [k, a] : acc) {
    GateVerdict v;
    v.mode = static_cast<GateMode>(k.first);
    v.alpha = k.second;
    v.replays = a.replays;
    v.mean_coverage = a.coverage_n ? a.coverage_sum / static_cast<double>(a.coverage_n) : 0.0;
    v.any_day_violation = rate_bounds(a.any, a.replays);
    v.any_day_clear = rate_bounds(a.any_clear, a.replays);
    v.unstable_transitions = rate_bounds(a.drops, a.transitions);
    if (v.mode == GateMode::kCertifiedFlywheel) {
      v.promised_delta = gate.delta;
      v.contradicted = promise_contradicted(v.any_day_violation, v.any_day_clear, gate.delta);
    } else {
      v.promised_delta = promised_delta_per_day(v.mode, gate, days);
      v.contradicted = a.day_contradicted;
    }
    out.push_back(v);
  }
  return out;
}

OutcomeSets outcome_sets(const std::vector<const ReplayResult*>& replays) {
  OutcomeSets sets;
  for (const ReplayResult* r : replays) sets.push_back(&r->outcomes);
  return sets;
}

std::vector<SeedSummary> summarize_seeds(const std::vector<const ReplayResult*>& replays, const GateSettings& gate,
                                         std::size_t days) {
  return summarize_seeds(outcome_sets(replays), gate, days);
}

std::vector<GateVerdict> gate_verdicts(const std::vector<const ReplayResult*>& replays,
                                       const std::vector<SeedSummary>& rows, const GateSettings& gate,
                                       std::size_t days) {
  return gate_verdicts(outcome_sets(replays), rows, gate, days);
}

}  // namespace tracer

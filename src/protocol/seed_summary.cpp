#include "protocol/seed_summary.hpp"

#include <boost/math/distributions/students_t.hpp>
#include <cmath>
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

std::vector<SeedSummary> summarize_seeds(const std::vector<const ReplayResult*>& replays, double delta) {
  struct Acc {
    std::vector<double> coverage, ta, gt, gap;
    std::size_t replays = 0, deployed = 0, violations = 0;
  };
  std::map<std::tuple<int, double, std::size_t>, Acc> acc;  // (mode, alpha, day): sorted output
  for (const ReplayResult* r : replays) {
    for (const DayOutcome& o : r->outcomes) {
      Acc& a = acc[{static_cast<int>(o.mode), o.alpha, o.day}];
      ++a.replays;
      a.coverage.push_back(o.test.coverage);
      a.gt.push_back(o.test_gt_accuracy);
      if (o.test.handled > 0) a.ta.push_back(o.test.ta);
      if (o.deployed) {
        ++a.deployed;
        a.gap.push_back(o.cal.ta - o.test.ta);
        if (o.test.handled > 0 && o.test.ta < o.alpha) ++a.violations;
      }
    }
  }
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
    s.violations = a.violations;
    s.violation_rate = a.replays ? static_cast<double>(a.violations) / static_cast<double>(a.replays) : 0.0;
    s.violation_rate_upper = clopper_pearson_upper(a.violations, a.replays, 0.05);
    s.p_rate_above_delta = binomial_tail_p_value(a.violations, a.replays, delta);
    out.push_back(s);
  }
  return out;
}

}  // namespace tracer

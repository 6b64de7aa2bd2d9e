// Seed summaries: exact rate bounds, the clear-violation test, the verdict
// rule and the stability count on hand-made replays.
#include <gtest/gtest.h>

#include "protocol/seed_summary.hpp"

namespace tracer {
namespace {

TEST(SeedSummary, RateBoundsAreExactClopperPearson) {
  const RateBounds zero = rate_bounds(0, 100);
  EXPECT_DOUBLE_EQ(zero.rate, 0.0);
  EXPECT_DOUBLE_EQ(zero.lower95, 0.0);
  EXPECT_NEAR(zero.upper95, 1.0 - std::pow(0.05, 0.01), 1e-12);
  // scipy.stats.beta.ppf(0.05, 20, 81) and beta.ppf(0.95, 21, 80)
  const RateBounds twenty = rate_bounds(20, 100);
  EXPECT_NEAR(twenty.lower95, 0.13666132524586727, 1e-9);
  EXPECT_NEAR(twenty.upper95, 0.2772002496709136, 1e-9);
}

TEST(SeedSummary, ClearViolationNeedsTheUpperBoundBelowAlpha) {
  // 85 of 100: two-sided 95% upper bound 0.9135 < 0.95, a clear violation;
  // 90 of 100: upper bound 0.9510 >= 0.95, only a plain one.
  EXPECT_TRUE(clear_violation({100, 100, 85, 1.0, 0.85}, 0.95));
  EXPECT_FALSE(clear_violation({100, 100, 90, 1.0, 0.90}, 0.95));
  EXPECT_FALSE(clear_violation({100, 0, 0, 0.0, 0.0}, 0.95));  // nothing handled: nothing to violate
}

TEST(SeedSummary, VerdictRuleMargins) {
  const double delta = 0.1;
  const RateBounds none = rate_bounds(0, 100);
  // clear: lower bound 0.1367 > 0.125 contradicts; 15/100 (0.0948) does not.
  EXPECT_TRUE(promise_contradicted(none, rate_bounds(20, 100), delta));
  EXPECT_FALSE(promise_contradicted(none, rate_bounds(15, 100), delta));
  // plain: 70/100 (lower 0.6158 > 0.6) contradicts; 65/100 (0.5639) does not.
  EXPECT_TRUE(promise_contradicted(rate_bounds(70, 100), none, delta));
  EXPECT_FALSE(promise_contradicted(rate_bounds(65, 100), none, delta));
  // No promise, no verdict.
  EXPECT_FALSE(promise_contradicted(rate_bounds(100, 100), rate_bounds(100, 100), 0.0));
}

DayOutcome outcome(std::size_t day, bool deployed, std::size_t handled, std::size_t agree) {
  DayOutcome o;
  o.day = day;
  o.mode = GateMode::kCertified;
  o.alpha = 0.95;
  o.deployed = deployed;
  o.test = {100, handled, agree, static_cast<double>(handled) / 100.0,
            handled ? static_cast<double>(agree) / static_cast<double>(handled) : 0.0};
  return o;
}

TEST(SeedSummary, CountsViolationsClearViolationsAndDrops) {
  // Three replays over two days at alpha 0.95.
  ReplayResult a, b, c;
  a.outcomes = {outcome(1, true, 100, 99), outcome(2, true, 100, 85)};  // day 2: clear violation
  b.outcomes = {outcome(1, true, 60, 60), outcome(2, true, 30, 27)};    // day 2: plain only; coverage 60 -> 30
  c.outcomes = {outcome(1, false, 0, 0), outcome(2, true, 50, 50)};     // refusal: no violation
  GateSettings g;
  g.delta = 0.1;
  const std::vector<const ReplayResult*> replays = {&a, &b, &c};
  const std::vector<SeedSummary> rows = summarize_seeds(replays, g, 2);
  ASSERT_EQ(rows.size(), 2u);
  const SeedSummary& d1 = rows[0];
  const SeedSummary& d2 = rows[1];
  EXPECT_EQ(d1.day, 1u);
  EXPECT_EQ(d1.replays, 3u);
  EXPECT_EQ(d1.deployed, 2u);
  EXPECT_EQ(d1.violation.events, 0u);
  EXPECT_EQ(d2.violation.events, 2u);
  EXPECT_EQ(d2.clear_violation.events, 1u);
  EXPECT_EQ(d2.coverage_drop.events, 1u);  // b: 0.60 -> 0.30 is a drop of more than 20 points
  EXPECT_DOUBLE_EQ(d2.promised_delta, 0.1);

  const std::vector<GateVerdict> v = gate_verdicts(replays, rows, g, 2);
  ASSERT_EQ(v.size(), 1u);
  EXPECT_EQ(v[0].replays, 3u);
  EXPECT_EQ(v[0].any_day_violation.events, 2u);
  EXPECT_EQ(v[0].any_day_clear.events, 1u);
  EXPECT_EQ(v[0].unstable_transitions.trials, 3u);
  EXPECT_EQ(v[0].unstable_transitions.events, 1u);
  EXPECT_NEAR(v[0].mean_coverage, (1.0 + 1.0 + 0.6 + 0.3 + 0.0 + 0.5) / 6.0, 1e-12);
}

}  // namespace
}  // namespace tracer

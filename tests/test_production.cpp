// The production flywheel ([protocol] labels = "deferred" / "deferred-no-audit"):
// who gets labelled each day, what the gate calibrates on, and what the bill
// counts.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "protocol/production.hpp"
#include "protocol/production_summary.hpp"
#include "protocol/replay.hpp"
#include "replay_fixtures.hpp"

namespace tracer {
namespace {

std::set<arma::uword> as_set(const arma::uvec& v) { return {v.begin(), v.end()}; }

const arma::uvec kBatch = {10, 11, 12, 13, 14, 15, 16, 17, 18, 19};
const arma::uvec kHandled = {1, 0, 1, 1, 0, 0, 1, 1, 1, 0};  // deferred: 11, 14, 15, 19

TEST(LabelDay, LabelledRowsAreTheDeferredOnesPlusTheAuditSample) {
  const DayLabels lab = label_day(LabelsMode::kDeferred, kBatch, kHandled, 0.3, 7);
  EXPECT_EQ(as_set(lab.deferred), (std::set<arma::uword>{11, 14, 15, 19}));
  ASSERT_EQ(lab.audited.n_elem, 3u);  // round(0.3 * 10)
  std::set<arma::uword> expected = {11, 14, 15, 19};
  for (arma::uword r : lab.audited) {
    EXPECT_TRUE(std::find(kBatch.begin(), kBatch.end(), r) != kBatch.end()) << r;
    expected.insert(r);
  }
  EXPECT_EQ(as_set(lab.labelled), expected);
  EXPECT_EQ(lab.labelled.n_elem, expected.size());  // each labelled once
  // Deferred rows that were audited calibrate instead of training.
  std::set<arma::uword> train = {11, 14, 15, 19};
  for (arma::uword r : lab.audited) train.erase(r);
  EXPECT_EQ(as_set(lab.train_new), train);
  EXPECT_EQ(as_set(lab.calibration), as_set(lab.audited));
}

TEST(LabelDay, TheAuditSampleIgnoresTheRoutingAndNestsAcrossRates) {
  // The audit must be a uniform sample of all traffic, so it may not depend
  // on what the policy handled; arms with a larger rate audit a superset.
  const arma::uvec none(kBatch.n_elem, arma::fill::zeros), all(kBatch.n_elem, arma::fill::ones);
  const DayLabels a = label_day(LabelsMode::kDeferred, kBatch, kHandled, 0.3, 99);
  EXPECT_EQ(as_set(label_day(LabelsMode::kDeferred, kBatch, none, 0.3, 99).audited), as_set(a.audited));
  EXPECT_EQ(as_set(label_day(LabelsMode::kDeferred, kBatch, all, 0.3, 99).audited), as_set(a.audited));
  const std::set<arma::uword> wide = as_set(label_day(LabelsMode::kDeferred, kBatch, kHandled, 0.6, 99).audited);
  for (arma::uword r : a.audited) EXPECT_TRUE(wide.count(r)) << r;
  // Different days (seeds) audit different rows at least sometimes.
  bool differs = false;
  for (std::uint64_t s = 0; s < 20 && !differs; ++s)
    differs = as_set(label_day(LabelsMode::kDeferred, kBatch, kHandled, 0.3, s).audited) != as_set(a.audited);
  EXPECT_TRUE(differs);
}

TEST(LabelDay, AuditRateOneCalibratesOnTheWholeBatch) {
  const DayLabels lab = label_day(LabelsMode::kDeferred, kBatch, kHandled, 1.0, 3);
  EXPECT_EQ(as_set(lab.calibration), as_set(kBatch));
  EXPECT_EQ(as_set(lab.labelled), as_set(kBatch));
  EXPECT_EQ(lab.train_new.n_elem, 0u);
}

TEST(LabelDay, WithoutAuditOnlyDeferredRowsAreLabelledAndAllOfThemTrain) {
  const DayLabels lab = label_day(LabelsMode::kDeferredNoAudit, kBatch, kHandled, 0.0, 3);
  EXPECT_EQ(as_set(lab.labelled), (std::set<arma::uword>{11, 14, 15, 19}));
  EXPECT_EQ(as_set(lab.train_new), as_set(lab.labelled));
  EXPECT_EQ(lab.audited.n_elem, 0u);
  EXPECT_EQ(lab.calibration.n_elem, 0u);
}

ProtocolSettings production_settings(std::size_t threads) {
  ProtocolSettings s;
  s.days = 4;
  s.alphas = {0.8, 0.95};
  s.gate.modes = {GateMode::kPaper, GateMode::kCertified};
  s.candidates = {{"logreg_c1", {}}};
  s.labels = {LabelsMode::kAll, LabelsMode::kDeferred, LabelsMode::kDeferredNoAudit};
  s.audit_rates = {0.1, 1.0};
  s.threads = threads;
  return s;
}

TEST(ProductionReplay, BillsCountExactlyTheLabelledRows) {
  const ReplayData data = synthetic(1600, 500, 4, 0.9, false, 5);
  const ProtocolSettings s = production_settings(1);
  const ReplayResult r = run_replay(data, s, 21);
  ASSERT_EQ(r.arms.size(), 3u);  // deferred at 0.1 and 1.0, deferred-no-audit
  const std::size_t per_day = s.gate.modes.size() * s.alphas.size();
  bool some_handled = false;
  for (const ProductionArm& arm : r.arms) {
    ASSERT_EQ(arm.outcomes.size(), s.days * per_day);
    ASSERT_EQ(arm.bills.size(), arm.outcomes.size());
    for (std::size_t i = 0; i < arm.outcomes.size(); ++i) {
      const DayOutcome& o = arm.outcomes[i];
      const DayBill& b = arm.bills[i];
      const std::size_t day = o.day;
      const std::size_t batch = r.day_sizes[day - 1] - (day > 1 ? r.day_sizes[day - 2] : 0);
      EXPECT_EQ(b.batch, batch);
      EXPECT_EQ(b.deferred, batch - b.routed_handled);
      // Labelled = deferred or audited, each once.
      EXPECT_LE(b.teacher_calls, b.deferred + b.audited);
      EXPECT_GE(b.teacher_calls, std::max(b.deferred, b.audited));
      EXPECT_LE(b.teacher_calls, batch);
      if (day == 1) {
        EXPECT_EQ(b.teacher_calls, batch);
      }
      some_handled = some_handled || b.routed_handled > 0;
      if (arm.labels == LabelsMode::kDeferred && day > 1) {
        EXPECT_EQ(b.audited, static_cast<std::size_t>(std::llround(arm.audit_rate * static_cast<double>(batch))));
        // The gate calibrates on the day's audit sample: the whole batch at rate 1.
        EXPECT_EQ(o.n_cal + o.n_shadow, b.audited);
        if (arm.audit_rate == 1.0) {
          EXPECT_EQ(o.n_cal + o.n_shadow, batch);
        }
      }
      if (arm.labels == LabelsMode::kDeferredNoAudit) {
        EXPECT_EQ(b.audited, 0u);
      }
      // The counter and the row sets agree: every labelled row is a training
      // trace of the next refit, or (kDeferred) today's audit sample.
      const std::size_t extra = arm.labels == LabelsMode::kDeferred && day > 1 ? b.audited : 0;
      EXPECT_EQ(b.cumulative_calls, b.training_traces + extra) << labels_mode_name(arm.labels) << " day " << day;
      EXPECT_EQ(o.n_traces, b.cumulative_calls);
    }
  }
  EXPECT_TRUE(some_handled) << "no policy was ever deployed: the test data are too hard to exercise routing";
}

TEST(ProductionReplay, DayOneIsThePaperProtocolsDayOne) {
  const ReplayData data = synthetic(1200, 400, 4, 0.9, false, 6);
  const ReplayResult r = run_replay(data, production_settings(1), 8);
  for (const ProductionArm& arm : r.arms)
    for (const DayOutcome& o : arm.outcomes) {
      if (o.day != 1) continue;
      const DayOutcome* ref = nullptr;
      for (const DayOutcome& p : r.outcomes)
        if (p.day == 1 && p.mode == o.mode && p.alpha == o.alpha) ref = &p;
      ASSERT_NE(ref, nullptr);
      EXPECT_EQ(o.deployed, ref->deployed);
      EXPECT_EQ(o.threshold, ref->threshold);
      EXPECT_EQ(o.test.handled, ref->test.handled);
      EXPECT_EQ(o.test.agree, ref->test.agree);
    }
}

TEST(ProductionReplay, WithoutDeploymentsTheNaiveArmReplaysThePaperProtocol) {
  // Random teacher labels: nothing is ever deployed, so every input is
  // deferred and labelled, and the naive arm's pool and splits are the paper's.
  const ReplayData data = synthetic(1200, 400, 4, 0.9, true, 7);
  ProtocolSettings s = production_settings(1);
  s.labels = {LabelsMode::kAll, LabelsMode::kDeferredNoAudit};
  s.audit_rates.clear();
  const ReplayResult r = run_replay(data, s, 9);
  ASSERT_EQ(r.arms.size(), 1u);
  ASSERT_EQ(r.arms[0].outcomes.size(), r.outcomes.size());
  for (std::size_t i = 0; i < r.outcomes.size(); ++i) {
    const DayOutcome& a = r.outcomes[i];
    const DayOutcome& b = r.arms[0].outcomes[i];
    EXPECT_FALSE(a.deployed);
    EXPECT_EQ(a.day, b.day);
    EXPECT_EQ(a.n_train, b.n_train);
    EXPECT_EQ(a.n_cal, b.n_cal);
    EXPECT_EQ(a.test.agree, b.test.agree);
    EXPECT_EQ(a.gate_note, b.gate_note);
    EXPECT_EQ(r.arms[0].bills[i].cumulative_calls, r.day_sizes[a.day - 1]);
  }
}

TEST(ProductionReplay, SameResultsAtAnyThreadCount) {
  const ReplayData data = synthetic(1200, 400, 4, 0.9, false, 10);
  const ReplayResult one = run_replay(data, production_settings(1), 12);
  const ReplayResult two = run_replay(data, production_settings(2), 12);
  ASSERT_EQ(one.arms.size(), two.arms.size());
  for (std::size_t a = 0; a < one.arms.size(); ++a)
    for (std::size_t i = 0; i < one.arms[a].outcomes.size(); ++i) {
      EXPECT_EQ(one.arms[a].outcomes[i].threshold, two.arms[a].outcomes[i].threshold);
      EXPECT_EQ(one.arms[a].outcomes[i].test.agree, two.arms[a].outcomes[i].test.agree);
      EXPECT_EQ(one.arms[a].bills[i].cumulative_calls, two.arms[a].bills[i].cumulative_calls);
    }
}

TEST(ProductionSummary, TheCostTableCountsTheLabelledRows) {
  const ReplayData data = synthetic(1200, 400, 4, 0.9, false, 13);
  const ProtocolSettings s = production_settings(1);
  const ReplayResult r = run_replay(data, s, 14);
  CostModel cost;
  cost.input_tokens_per_call = 1e6;  // 1 USD per call at 1 USD per million input tokens
  cost.usd_per_million_input = 1.0;
  cost.queries_per_day = 100;
  for (const ProductionArm& arm : r.arms) {
    const ArmSummary a = summarise_arm(arm.labels, arm.audit_rate, {&arm.outcomes}, {&arm.bills}, s, cost);
    ASSERT_EQ(a.costs.size(), s.gate.modes.size() * s.alphas.size());
    for (const ArmCost& c : a.costs) {
      std::size_t labelled = 0, last_training = 0, last_audited = 0;
      double last_cov = 0;
      for (std::size_t i = 0; i < arm.outcomes.size(); ++i) {
        const DayOutcome& o = arm.outcomes[i];
        if (o.mode != c.mode || o.alpha != c.alpha) continue;
        labelled += arm.bills[i].teacher_calls;
        if (o.day == s.days) {
          last_training = arm.bills[i].training_traces;
          last_audited = arm.bills[i].audited;
          last_cov = o.test.coverage;
        }
      }
      EXPECT_EQ(c.replay_calls, static_cast<double>(labelled));
      EXPECT_EQ(c.replay_calls,
                static_cast<double>(last_training + (arm.labels == LabelsMode::kDeferred ? last_audited : 0)));
      EXPECT_EQ(c.replay_usd, c.replay_calls);
      EXPECT_EQ(c.replay_traffic, static_cast<double>(r.day_sizes.back()));
      EXPECT_DOUBLE_EQ(c.call_share, 1.0 - last_cov + last_cov * arm.audit_rate);
      EXPECT_DOUBLE_EQ(c.usd_per_year, c.call_share * 100 * 365);
    }
  }
}

}  // namespace
}  // namespace tracer

#include <gtest/gtest.h>

#include "core/rng.hpp"
#include "protocol/replay.hpp"
#include "replay_fixtures.hpp"

namespace tracer {
namespace {

ProtocolSettings settings(std::size_t threads) {
  ProtocolSettings s;
  s.days = 3;
  s.alphas = {0.8, 0.95};
  s.gate.modes = {GateMode::kPaper, GateMode::kCertified};
  s.candidates = {{"logreg_c1", {}}, {"logreg_c10", {}}};
  s.threads = threads;
  return s;
}

TEST(ParityGate, RefusesLowTeacherAgreementAndLowCoverage) {
  GateSettings g;
  EXPECT_EQ(parity_gate_refusal({100, 50, 48, 0.5, 0.96}, 0.95, g), "");
  EXPECT_NE(parity_gate_refusal({100, 50, 45, 0.5, 0.90}, 0.95, g).find("TA"), std::string::npos);
  EXPECT_NE(parity_gate_refusal({100, 4, 4, 0.04, 1.0}, 0.95, g).find("coverage"), std::string::npos);
  EXPECT_NE(parity_gate_refusal({0, 0, 0, 0.0, 0.0}, 0.95, g), "");
}

TEST(Replay, EasyDataDeploysAndKeepsTheTarget) {
  const ReplayData data = synthetic(1500, 600, 4, 0.6, false, 1);
  const ReplayResult r = run_replay(data, settings(1), 11);
  ASSERT_EQ(r.outcomes.size(), 3u * 2u * 2u);
  for (const auto& o : r.outcomes) {
    if (o.day != 3) continue;
    EXPECT_TRUE(o.deployed) << o.gate_note;
    EXPECT_GE(o.test.coverage, 0.5);
    EXPECT_GE(o.test.ta, o.alpha - 0.03);
  }
  ASSERT_EQ(r.baseline.size(), 2u);
  EXPECT_TRUE(r.baseline[0].found);
}

TEST(Replay, NoiseLabelsAreRefusedAndEverythingGoesToTheTeacher) {
  const ReplayData data = synthetic(1500, 600, 4, 0.6, true, 2);
  const ReplayResult r = run_replay(data, settings(1), 12);
  for (const auto& o : r.outcomes) {
    EXPECT_FALSE(o.deployed && o.test.coverage > 0.2) << "day " << o.day << " alpha " << o.alpha;
    if (!o.deployed) {
      EXPECT_EQ(o.test.handled, 0u);
      EXPECT_FALSE(o.gate_note.empty());
    }
  }
}

TEST(Replay, IdenticalAtOneAndTwoThreads) {
  const ReplayData data = synthetic(1200, 400, 5, 1.2, false, 3);
  const ReplayResult a = run_replay(data, settings(1), 99);
  const ReplayResult b = run_replay(data, settings(2), 99);
  ASSERT_EQ(a.outcomes.size(), b.outcomes.size());
  for (std::size_t i = 0; i < a.outcomes.size(); ++i) {
    EXPECT_EQ(a.outcomes[i].threshold, b.outcomes[i].threshold);
    EXPECT_EQ(a.outcomes[i].test.handled, b.outcomes[i].test.handled);
    EXPECT_EQ(a.outcomes[i].test_gt_correct, b.outcomes[i].test_gt_correct);
    EXPECT_TRUE(arma::all(a.outcomes[i].test_decision.score == b.outcomes[i].test_decision.score));
  }
  for (std::size_t i = 0; i < a.candidates.size(); ++i)
    EXPECT_EQ(a.candidates[i].val_macro_f1, b.candidates[i].val_macro_f1);
}

TEST(Replay, DaysAreCutLikeNumpyArraySplit) {
  // np.array_split(range(10003), 5): 2001, 2001, 2001, 2000, 2000.
  EXPECT_EQ(day_boundaries(10003, 5), (std::vector<std::size_t>{2001, 4002, 6003, 8003, 10003}));
  EXPECT_EQ(day_boundaries(18000, 5), (std::vector<std::size_t>{3600, 7200, 10800, 14400, 18000}));
  const ReplayData data = synthetic(1000, 100, 3, 1.0, false, 4);
  const ReplayResult r = run_replay(data, settings(1), 5);
  EXPECT_EQ(r.day_sizes, (std::vector<std::size_t>{334, 667, 1000}));
  for (std::size_t d = 0; d < 3; ++d) EXPECT_EQ(r.day_order[d].n_elem, r.day_sizes[d]);
}

TEST(Replay, PerClassCapIsTheReferenceSubsample) {
  // 300 rows of class 0, 60 of class 1, 40 of class 2; cap 240 -> 80 per class.
  arma::uvec labels(400);
  for (arma::uword i = 0; i < 400; ++i) labels[i] = i < 300 ? 0 : i < 360 ? 1 : 2;
  const arma::uvec rows = arma::regspace<arma::uvec>(0, 399);
  const arma::uvec kept = cap_per_class(rows, labels, 240, 9);
  const arma::uvec kept_labels = labels.elem(kept);
  EXPECT_EQ(arma::accu(kept_labels == 0), 80u);
  EXPECT_EQ(arma::accu(kept_labels == 1), 60u);
  EXPECT_EQ(arma::accu(kept_labels == 2), 40u);
  EXPECT_TRUE(kept.is_sorted());
  // Under the cap, or with the cap off, nothing is dropped.
  EXPECT_EQ(cap_per_class(rows, labels, 400, 9).n_elem, 400u);
  EXPECT_EQ(cap_per_class(rows, labels, 0, 9).n_elem, 400u);
  // Seeded: the same rows for the same seed.
  EXPECT_TRUE(arma::all(cap_per_class(rows, labels, 240, 9) == kept));
}

TEST(Replay, MismatchedDataIsAClearError) {
  ReplayData data = synthetic(100, 50, 3, 1.0, false, 5);
  data.X_test = arma::mat(50, 3, arma::fill::zeros);
  EXPECT_THROW(run_replay(data, settings(1), 1), InternalError);
}

}  // namespace
}  // namespace tracer

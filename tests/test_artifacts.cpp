// Artifacts A-E on a hand-made dataset whose answers are worked out by hand
// below (12 rows, 2 labels, 2-d embeddings).
#include <gtest/gtest.h>

#include <cmath>

#include "protocol/artifacts.hpp"

namespace tracer {
namespace {

// Rows 0-5: teacher label 0 ("alpha"); rows 6-11: label 1 ("beta").
//  row  embedding  handled  score  prediction
//   0   (0,0)      yes      0.90   0
//   1   (2,0)      yes      0.80   0
//   2   (0,2)      yes      0.95   1   <- handled disagreement
//   3   (1,1)      no       0.30   0
//   4   (5,0)      no       0.10   1   <- deferred disagreement
//   5   (1,0)      no       0.40   0
//   6   (10,10)    yes      0.85   1
//   7   (12,10)    yes      0.70   1
//   8   (10,12)    yes      0.99   1
//   9   (11,11)    yes      0.60   0   <- handled disagreement
//  10   (20,20)    yes      0.75   1
//  11   (11,10)    yes      0.65   1
// Row i has i+1 words.
struct Hand {
  arma::mat X{{0, 0},   {2, 0},   {0, 2},   {1, 1},   {5, 0},   {1, 0},
              {10, 10}, {12, 10}, {10, 12}, {11, 11}, {20, 20}, {11, 10}};
  arma::uvec teacher{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
  std::vector<std::string> names{"alpha", "beta"};
  std::vector<std::string> texts;
  RoutingDecision today, yesterday;
  Hand() {
    for (int i = 0; i < 12; ++i) {
      std::string t = "w";
      for (int w = 1; w <= i; ++w) t += " w";
      texts.push_back(t);
    }
    today.prediction = {0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1};
    today.score = {0.90, 0.80, 0.95, 0.30, 0.10, 0.40, 0.85, 0.70, 0.99, 0.60, 0.75, 0.65};
    today.handled = {1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    // Yesterday: alpha handled 5/6 (all but row 4), beta 4/6 (rows 6-9).
    yesterday.prediction = today.prediction;
    yesterday.score = today.score;
    yesterday.handled = {1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0};
  }
  ArtifactSet run(const RoutingDecision* prev, ArtifactOptions opt = {}) const {
    return compute_artifacts(ArtifactInput{X, teacher, names, texts, today, true, prev}, opt);
  }
};

const ExampleCard* card(const ArtifactSet& s, std::size_t label, bool handled) {
  for (const auto& c : s.cards)
    if (c.label == label && c.handled == handled) return &c;
  return nullptr;
}

TEST(Artifacts, WordCountAndTerciles) {
  EXPECT_EQ(word_count(""), 0u);
  EXPECT_EQ(word_count("  hello   world\tfoo\n"), 3u);
  EXPECT_EQ(word_count("one"), 1u);
  const Hand h;
  // Sorted counts 1..12, n = 12: cut_short = W[4] = 5, cut_medium = W[8] = 9.
  const LengthBins b = length_terciles(h.texts);
  EXPECT_EQ(b.cut_short, 5u);
  EXPECT_EQ(b.cut_medium, 9u);
  EXPECT_STREQ(b.bin_of(5), "short");
  EXPECT_STREQ(b.bin_of(6), "medium");
  EXPECT_STREQ(b.bin_of(9), "medium");
  EXPECT_STREQ(b.bin_of(10), "long");
}

TEST(Artifacts, SlicesWeakestFirst) {
  const Hand h;
  const ArtifactSet s = h.run(nullptr);
  EXPECT_EQ(s.n, 12u);
  EXPECT_EQ(s.handled, 9u);
  EXPECT_EQ(s.agree, 7u);
  ASSERT_EQ(s.label_slices.size(), 2u);
  // alpha: 3 of 6 handled, 2 agree; beta: 6 of 6 handled, 5 agree.
  EXPECT_EQ(s.label_slices[0].name, "alpha");
  EXPECT_DOUBLE_EQ(s.label_slices[0].handled_rate, 0.5);
  EXPECT_DOUBLE_EQ(*s.label_slices[0].teacher_agreement, 2.0 / 3.0);
  EXPECT_EQ(s.label_slices[1].name, "beta");
  EXPECT_DOUBLE_EQ(s.label_slices[1].handled_rate, 1.0);
  EXPECT_DOUBLE_EQ(*s.label_slices[1].teacher_agreement, 5.0 / 6.0);
  // short = rows 0-4 (3/5 handled), medium = rows 5-8 (3/4), long = rows 9-11 (3/3, TA 2/3).
  ASSERT_EQ(s.length_slices.size(), 3u);
  EXPECT_EQ(s.length_slices[0].name, "short");
  EXPECT_DOUBLE_EQ(s.length_slices[0].handled_rate, 0.6);
  EXPECT_EQ(s.length_slices[1].name, "medium");
  EXPECT_DOUBLE_EQ(s.length_slices[1].handled_rate, 0.75);
  EXPECT_DOUBLE_EQ(*s.length_slices[1].teacher_agreement, 1.0);
  EXPECT_EQ(s.length_slices[2].name, "long");
  EXPECT_DOUBLE_EQ(*s.length_slices[2].teacher_agreement, 2.0 / 3.0);
}

TEST(Artifacts, SliceOrderTies) {
  SliceSummary a{"b", 4, 2, 2, 0.5, 0.5, 1.0};
  SliceSummary b{"a", 4, 2, 1, 0.5, 0.5, 0.5};
  SliceSummary none{"z", 4, 0, 0, 0.0, 1.0, std::nullopt};
  SliceSummary zero{"y", 4, 0, 0, 0.0, 1.0, std::nullopt};
  EXPECT_TRUE(slice_weaker(b, a));        // same rate: lower TA first
  EXPECT_TRUE(slice_weaker(zero, none));  // same rate, both without TA: by name
  EXPECT_TRUE(slice_weaker(none, b));     // lower rate first
}

TEST(Artifacts, CentroidCards) {
  const Hand h;
  const ArtifactSet s = h.run(nullptr);
  ASSERT_EQ(s.cards.size(), 3u);  // beta has no deferred row
  // alpha/handled: rows 0,1,2, centroid (2/3, 2/3): squared distances 8/9, 20/9, 20/9 -> row 0.
  const ExampleCard* ah = card(s, 0, true);
  ASSERT_NE(ah, nullptr);
  EXPECT_EQ(ah->row, 0u);
  EXPECT_EQ(ah->group_size, 3u);
  EXPECT_NEAR(ah->distance_to_centroid, std::sqrt(8.0) / 3.0, 1e-12);
  EXPECT_DOUBLE_EQ(ah->score, 0.90);
  // alpha/deferred: rows 3,4,5, centroid (7/3, 1/3): 20/9, 65/9, 17/9 -> row 5.
  const ExampleCard* ad = card(s, 0, false);
  ASSERT_NE(ad, nullptr);
  EXPECT_EQ(ad->row, 5u);
  EXPECT_NEAR(ad->distance_to_centroid, std::sqrt(17.0) / 3.0, 1e-12);
  // beta/handled: rows 6-11, centroid (74/6, 73/6): row 9 (11,11) is closest.
  const ExampleCard* bh = card(s, 1, true);
  ASSERT_NE(bh, nullptr);
  EXPECT_EQ(bh->row, 9u);
  EXPECT_EQ(card(s, 1, false), nullptr);
}

TEST(Artifacts, CentroidTieGoesToLowestRow) {
  // Rows 1 and 2 are both at distance 1 from their centroid (1, 0).
  const arma::mat X{{9, 9}, {0, 0}, {2, 0}};
  const arma::uvec teacher{1, 0, 0};
  const std::vector<std::string> names{"a", "b"}, texts{"x", "y", "z"};
  RoutingDecision d;
  d.prediction = {1, 0, 0};
  d.score = {0.9, 0.8, 0.8};
  d.handled = {1, 1, 1};
  const ArtifactSet s = compute_artifacts(ArtifactInput{X, teacher, names, texts, d, true, nullptr});
  const ExampleCard* c = card(s, 0, true);
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->row, 1u);
  EXPECT_DOUBLE_EQ(c->distance_to_centroid, 1.0);
}

TEST(Artifacts, BoundaryPairAllNeighbours) {
  const Hand h;
  const ArtifactSet s = h.run(nullptr);  // k = 10 >= |H| = 3: every handled row is a neighbour
  // Every deferred row's partner is row 2 (score 0.95); gaps 0.65, 0.85, 0.55 -> (2, 4).
  ASSERT_EQ(s.pairs.size(), 1u);  // beta has no deferred row
  const BoundaryPair& p = s.pairs[0];
  EXPECT_EQ(p.label, 0u);
  EXPECT_EQ(p.handled_row, 2u);
  EXPECT_EQ(p.deferred_row, 4u);
  EXPECT_NEAR(p.score_gap, 0.85, 1e-12);
  EXPECT_NEAR(p.distance, std::sqrt(29.0), 1e-12);
  EXPECT_TRUE(s.pairs_note.empty());
}

TEST(Artifacts, BoundaryPairWithinNeighbourhood) {
  const Hand h;
  ArtifactOptions opt;
  opt.boundary_k = 2;
  const ArtifactSet s = h.run(nullptr, opt);
  // k = 2. Row 3 (1,1): rows 0,1,2 all at squared distance 2 -> rows 0,1 -> partner 0, gap 0.60.
  // Row 4 (5,0): 25, 9, 29 -> rows 1,0 -> partner 0, gap 0.80.
  // Row 5 (1,0): 1, 1, 5 -> rows 0,1 -> partner 0, gap 0.50.   Pair: (0, 4).
  ASSERT_EQ(s.pairs.size(), 1u);
  EXPECT_EQ(s.pairs[0].handled_row, 0u);
  EXPECT_EQ(s.pairs[0].deferred_row, 4u);
  EXPECT_NEAR(s.pairs[0].score_gap, 0.80, 1e-12);
  EXPECT_NEAR(s.pairs[0].distance, 5.0, 1e-12);
}

TEST(Artifacts, NoPairsAtFullCoverage) {
  Hand h;
  h.today.handled.ones();
  h.today.score.ones();  // Global: every score is 1
  const ArtifactSet s = h.run(nullptr);
  EXPECT_TRUE(s.pairs.empty());
  EXPECT_NE(s.pairs_note.find("full coverage"), std::string::npos);
}

TEST(Artifacts, TemporalDeltas) {
  const Hand h;
  const ArtifactSet day1 = h.run(nullptr);
  EXPECT_FALSE(day1.has_previous);
  EXPECT_TRUE(day1.deltas.empty());
  const ArtifactSet s = h.run(&h.yesterday);
  ASSERT_TRUE(s.has_previous);
  EXPECT_EQ(s.previous_handled, 9u);
  ASSERT_EQ(s.deltas.size(), 2u);
  // alpha: 5/6 -> 3/6 (drop of 1/3) first; beta: 4/6 -> 6/6 (+1/3).
  EXPECT_EQ(s.deltas[0].label, 0u);
  EXPECT_NEAR(s.deltas[0].previous_rate, 5.0 / 6.0, 1e-12);
  EXPECT_NEAR(s.deltas[0].current_rate, 0.5, 1e-12);
  EXPECT_NEAR(s.deltas[0].delta, -1.0 / 3.0, 1e-12);
  EXPECT_EQ(s.deltas[1].label, 1u);
  EXPECT_NEAR(s.deltas[1].delta, 1.0 / 3.0, 1e-12);
}

TEST(Artifacts, Disagreements) {
  const Hand h;
  const ArtifactSet s = h.run(nullptr);
  EXPECT_EQ(s.disagree_handled, 2u);  // rows 2 and 9
  EXPECT_EQ(s.disagree_all, 3u);      // plus row 4
  ASSERT_EQ(s.disagreements.size(), 2u);
  // Predicted beta: row 2 (handled) and row 4 (deferred); predicted alpha: row 9. Both have one
  // handled error, beta has more in all -> beta first.
  const DisagreementGroup& g0 = s.disagreements[0];
  EXPECT_EQ(g0.predicted, 1u);
  EXPECT_EQ(g0.n_handled, 1u);
  EXPECT_EQ(g0.n_all, 2u);
  ASSERT_EQ(g0.examples.size(), 2u);
  EXPECT_EQ(g0.examples[0].row, 2u);  // handled first
  EXPECT_TRUE(g0.examples[0].handled);
  EXPECT_EQ(g0.examples[1].row, 4u);
  EXPECT_EQ(s.disagreements[1].predicted, 0u);
  EXPECT_EQ(s.disagreements[1].examples[0].row, 9u);
  // Predictions: 5 alpha, 7 beta -> beta 7/12; teacher gives beta 1/2: not a collapse.
  ASSERT_TRUE(s.collapse.has_value());
  EXPECT_EQ(s.collapse->top_class, 1u);
  EXPECT_NEAR(s.collapse->share, 7.0 / 12.0, 1e-12);
  EXPECT_NEAR(s.collapse->teacher_share, 0.5, 1e-12);
  EXPECT_FALSE(s.collapse->collapsed);
}

TEST(Artifacts, CollapseDetected) {
  Hand h;
  h.today.prediction.zeros();  // everything predicted "alpha"
  const ArtifactSet s = h.run(nullptr);
  ASSERT_TRUE(s.collapse.has_value());
  EXPECT_EQ(s.collapse->top_class, 0u);
  EXPECT_DOUBLE_EQ(s.collapse->share, 1.0);
  EXPECT_TRUE(s.collapse->collapsed);
}

TEST(Artifacts, RefusedPolicyWithoutPredictions) {
  Hand h;
  h.today.handled.zeros();
  h.today.prediction.zeros();
  h.today.score.zeros();
  const ArtifactSet s = compute_artifacts(ArtifactInput{h.X, h.teacher, h.names, h.texts, h.today, false, nullptr});
  EXPECT_FALSE(s.predictions_available);
  EXPECT_FALSE(s.collapse.has_value());
  EXPECT_TRUE(s.disagreements.empty());
  EXPECT_TRUE(s.pairs.empty());
  EXPECT_NE(s.pairs_note.find("nothing is handled"), std::string::npos);
  EXPECT_EQ(s.cards.size(), 2u);  // deferred cards only
}

TEST(Artifacts, RejectsMisalignedInput) {
  Hand h;
  h.texts.pop_back();
  EXPECT_THROW(h.run(nullptr), InternalError);
  Hand g;
  g.today.prediction[3] = 7;  // outside the 2 label names
  EXPECT_THROW(g.run(nullptr), InternalError);
}

TEST(Artifacts, Deterministic) {
  const Hand h;
  const ArtifactSet a = h.run(&h.yesterday), b = h.run(&h.yesterday);
  ASSERT_EQ(a.pairs.size(), b.pairs.size());
  EXPECT_EQ(a.pairs[0].distance, b.pairs[0].distance);
  ASSERT_EQ(a.cards.size(), b.cards.size());
  for (std::size_t i = 0; i < a.cards.size(); ++i)
    EXPECT_EQ(a.cards[i].distance_to_centroid, b.cards[i].distance_to_centroid);
}

}  // namespace
}  // namespace tracer

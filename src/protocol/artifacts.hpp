#pragma once
// Interpretability artifacts (paper, "Method", A-E) for one routing decision.
//
// They are computed on the held-out TEST split: it is the largest held-out
// traffic, it is the split every table of the report is measured on, and it is
// never used for training, model selection, threshold calibration or the gate,
// so what the artifacts show is what the deployed policy does on unseen
// inputs. (The Python reference computes them in-sample over all training
// traces, with deferred scores forced to 0.0; see tracer-llm 0.3.3 section 8.5.)
//
// Pure computation on arrays: no files, no formatting. Every rule below is
// deterministic: ties are broken by an explicit order, never by hash or
// pointer order, so the same input gives the same artifacts.
#include <armadillo>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/policy.hpp"

namespace tracer {

/// What the artifacts are computed from. All per-row arrays are aligned with
/// the rows of `embeddings`.
struct ArtifactInput {
  const arma::mat& embeddings;                  ///< n x d, one row per input
  const arma::uvec& teacher;                    ///< teacher label per row (index into label_names)
  const std::vector<std::string>& label_names;  ///< label space (teacher labels and predictions index it)
  const std::vector<std::string>& texts;        ///< input texts (for word counts)
  const RoutingDecision& decision;              ///< today's policy on these rows
  /// False when `decision.prediction` / `decision.score` are placeholders (the
  /// replay records nothing for a policy the gate refused): then the
  /// disagreement cards and the collapse diagnostic are marked unavailable.
  bool predictions_available = true;
  /// The previous refit's deployed policy on the same rows (same gate mode and
  /// alpha); nullptr on day 1 ("no previous refit").
  const RoutingDecision* previous = nullptr;
};

struct ArtifactOptions {
  std::size_t boundary_k = 10;            ///< (C) neighbourhood size among handled rows of the label
  std::size_t disagreement_examples = 3;  ///< (E) examples per predicted class
  double collapse_share = 0.5;            ///< (E) "collapse" needs at least this share of predictions ...
  double collapse_ratio = 2.0;            ///< ... and at least this multiple of the teacher's share of that class
};

/// Input length in words: runs of ASCII whitespace separate words.
std::size_t word_count(std::string_view text);

/// Tercile cut points of the word counts W of all rows: with W sorted and n
/// rows, cut_short = W[n/3] and cut_medium = W[2n/3] (0-based, integer
/// division; the Python reference's rule, on words instead of characters).
/// short: words <= cut_short; medium: cut_short < words <= cut_medium;
/// long: words > cut_medium. Ties in word counts can make bins unequal or
/// empty; empty bins are not reported.
struct LengthBins {
  std::size_t cut_short = 0, cut_medium = 0;
  const char* bin_of(std::size_t words) const {
    return words <= cut_short ? "short" : words <= cut_medium ? "medium" : "long";
  }
};
LengthBins length_terciles(const std::vector<std::string>& texts);

/// (A) One slice: rows with one teacher label, or in one length bin.
struct SliceSummary {
  std::string name;
  std::size_t n = 0, handled = 0, agree = 0;  ///< agree: handled rows where surrogate == teacher
  double handled_rate = 0.0, deferred_rate = 0.0;
  std::optional<double> teacher_agreement;  ///< agree / handled; empty when nothing is handled
};

/// (B) The input closest to the embedding centroid of one (label, group).
struct ExampleCard {
  std::size_t label = 0;  ///< teacher label
  bool handled = false;   ///< routing group
  std::size_t group_size = 0;
  std::size_t row = 0;
  double score = 0.0;                 ///< acceptor score of the row
  double distance_to_centroid = 0.0;  ///< Euclidean
};

/// (C) A handled and a deferred input of the same teacher label.
struct BoundaryPair {
  std::size_t label = 0;
  std::size_t handled_row = 0, deferred_row = 0;
  double handled_score = 0.0, deferred_score = 0.0;
  double score_gap = 0.0;  ///< handled_score - deferred_score
  double distance = 0.0;   ///< Euclidean, between the two embeddings
};

/// (D) Per-label change of the handled rate against the previous refit.
struct TemporalDelta {
  std::size_t label = 0;
  std::size_t n = 0;
  double previous_rate = 0.0, current_rate = 0.0, delta = 0.0;  ///< delta = current - previous
};

/// (E) Rows where the surrogate's prediction differs from the teacher,
/// grouped by the predicted class.
struct DisagreementExample {
  std::size_t row = 0;
  bool handled = false;
  double score = 0.0;
};
struct DisagreementGroup {
  std::size_t predicted = 0;
  std::size_t n_handled = 0;  ///< disagreeing rows the surrogate answers (the errors users see)
  std::size_t n_all = 0;      ///< disagreeing rows, handled or deferred
  std::vector<DisagreementExample> examples;
};

/// (E) How concentrated the surrogate's predictions are, over all rows.
struct CollapseDiagnostic {
  std::size_t top_class = 0;  ///< most predicted class (ties: lowest index)
  std::size_t top_count = 0;
  double share = 0.0;          ///< top_count / n
  double teacher_share = 0.0;  ///< share of rows the teacher gives top_class
  bool collapsed = false;      ///< share >= collapse_share and >= collapse_ratio * teacher_share
};

struct ArtifactSet {
  std::size_t n = 0, handled = 0, agree = 0;
  LengthBins bins;
  std::vector<SliceSummary> label_slices;   ///< weakest first (see slice_weaker)
  std::vector<SliceSummary> length_slices;  ///< weakest first; only non-empty bins
  std::vector<ExampleCard> cards;           ///< by label index, handled before deferred
  std::vector<BoundaryPair> pairs;          ///< by label index; at most one per label
  std::string pairs_note;                   ///< why there are no pairs, "" if there are some
  bool has_previous = false;
  std::size_t previous_handled = 0;
  std::vector<TemporalDelta> deltas;  ///< largest drop first (delta ascending), ties by label name
  bool predictions_available = false;
  std::size_t disagree_handled = 0, disagree_all = 0;
  std::vector<DisagreementGroup> disagreements;  ///< most handled disagreements first
  std::optional<CollapseDiagnostic> collapse;    ///< empty when predictions are unavailable or n == 0
};

/// "Weakest first": lower handled rate; ties: lower teacher agreement (a slice
/// with nothing handled has no TA and counts as lowest); ties: name (bytes).
bool slice_weaker(const SliceSummary& a, const SliceSummary& b);

/// Computes artifacts A-E. Rules:
///  (A) one slice per teacher label present in the rows, and per non-empty
///      length bin (word-count terciles over these rows).
///  (B) per teacher label and routing group (handled / deferred) with at least
///      one row: the row whose embedding is closest in Euclidean distance to
///      the group's mean embedding; ties: lowest row index. For unit-norm
///      embeddings this is also the row of highest cosine similarity to the
///      centroid (|x - c|^2 = 1 + |c|^2 - 2 x.c), so one rule serves both.
///  (C) per teacher label with both handled rows H and deferred rows D: for
///      each deferred row d, its k = min(boundary_k, |H|) nearest handled rows
///      (Euclidean; ties: lower row index); its partner is the one of those
///      with the highest acceptor score (ties: closer, then lower row index).
///      The label's pair is the (partner, d) with the largest score gap
///      score(partner) - score(d); ties: smaller distance, then lower d. So
///      the pair is semantically close (within the k nearest) and spans the
///      threshold from a confident handled input to an unsure deferred one.
///      None when a label has no handled or no deferred row: at full coverage
///      (e.g. the Global family) there are no pairs, and pairs_note says so.
///  (D) per teacher label: handled rate today minus handled rate of the
///      previous refit's deployed policy on the same rows (a refused policy
///      handles nothing, rate 0). Empty on day 1.
///  (E) when predictions are available: groups over every row whose
///      prediction differs from the teacher, counted among handled rows
///      (n_handled) and among all rows (n_all); groups ordered by n_handled
///      desc, n_all desc, label name. Examples: handled rows first, then
///      highest acceptor score (the most confident errors), then lowest row.
/// Throws std::invalid_argument on misaligned inputs or labels out of range.
ArtifactSet compute_artifacts(const ArtifactInput& in, const ArtifactOptions& opt = {});

}  // namespace tracer

#include "protocol/artifacts.hpp"
#include "core/errors.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <stdexcept>

namespace tracer {

std::size_t word_count(std::string_view text) {
  std::size_t words = 0;
  bool in_word = false;
  for (char c : text) {
    const bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

LengthBins length_terciles(const std::vector<std::string>& texts) {
  LengthBins b;
  if (texts.empty()) return b;
  std::vector<std::size_t> w;
  w.reserve(texts.size());
  for (const auto& t : texts) w.push_back(word_count(t));
  std::sort(w.begin(), w.end());
  const std::size_t n = w.size();
  b.cut_short = w[n / 3];
  b.cut_medium = w[(2 * n) / 3];
  return b;
}

bool slice_weaker(const SliceSummary& a, const SliceSummary& b) {
  if (a.handled_rate != b.handled_rate) return a.handled_rate < b.handled_rate;
  // No TA (nothing handled) ranks below any TA.
  const double ta_a = a.teacher_agreement.value_or(-1.0), ta_b = b.teacher_agreement.value_or(-1.0);
  if (ta_a != ta_b) return ta_a < ta_b;
  return a.name < b.name;
}

namespace {

void check_input(const ArtifactInput& in) {
  const std::size_t n = in.embeddings.n_rows;
  const auto fail = [](const std::string& what) { throw InternalError("compute_artifacts: " + what); };
  if (in.teacher.n_elem != n || in.texts.size() != n)
    fail(fmt::format("{} embedding rows but {} teacher labels and {} texts", n, in.teacher.n_elem, in.texts.size()));
  const RoutingDecision& d = in.decision;
  if (d.prediction.n_elem != n || d.score.n_elem != n || d.handled.n_elem != n)
    fail(fmt::format("{} rows but the decision has {} predictions, {} scores, {} handled flags", n, d.prediction.n_elem,
                     d.score.n_elem, d.handled.n_elem));
  if (in.previous && in.previous->handled.n_elem != n)
    fail(fmt::format("{} rows but the previous decision has {} handled flags", n, in.previous->handled.n_elem));
  const std::size_t k = in.label_names.size();
  for (arma::uword i = 0; i < n; ++i) {
    if (in.teacher[i] >= k)
      fail(fmt::format("row {}: teacher label {} outside the {} label names", i, in.teacher[i], k));
    if (in.predictions_available && d.prediction[i] >= k)
      fail(fmt::format("row {}: predicted label {} outside the {} label names", i, d.prediction[i], k));
    if (!in.predictions_available && d.handled[i])
      fail(fmt::format("row {} is handled but the decision's predictions are marked unavailable", i));
  }
  if (!in.embeddings.is_finite()) fail("non-finite embeddings");
}

SliceSummary make_slice(std::string name, std::size_t n, std::size_t handled, std::size_t agree) {
  SliceSummary s;
  s.name = std::move(name);
  s.n = n;
  s.handled = handled;
  s.agree = agree;
  s.handled_rate = n ? static_cast<double>(handled) / static_cast<double>(n) : 0.0;
  s.deferred_rate = n ? 1.0 - s.handled_rate : 0.0;
  if (handled) s.teacher_agreement = static_cast<double>(agree) / static_cast<double>(handled);
  return s;
}

/// Squared Euclidean distance of row i of X to the vector c, accumulated in
/// column order (a fixed order: the same bytes in give the same bits out).
double sq_dist_row(const arma::mat& X, arma::uword i, const arma::rowvec& c) {
  double s = 0.0;
  for (arma::uword j = 0; j < X.n_cols; ++j) {
    const double t = X(i, j) - c[j];
    s += t * t;
  }
  return s;
}

/// (B) Closest row to the group's centroid; ties: lowest row (rows ascending).
ExampleCard centroid_card(const arma::mat& X, const arma::uvec& rows, const RoutingDecision& d, std::size_t label,
                          bool handled) {
  arma::rowvec c(X.n_cols, arma::fill::zeros);
  for (arma::uword j = 0; j < X.n_cols; ++j) {
    double s = 0.0;
    for (arma::uword r : rows) s += X(r, j);
    c[j] = s / static_cast<double>(rows.n_elem);
  }
  ExampleCard card;
  card.label = label;
  card.handled = handled;
  card.group_size = rows.n_elem;
  double best = std::numeric_limits<double>::infinity();
  for (arma::uword r : rows) {
    const double dist = sq_dist_row(X, r, c);
    if (dist < best) {
      best = dist;
      card.row = r;
    }
  }
  card.score = d.score[card.row];
  card.distance_to_centroid = std::sqrt(best);
  return card;
}

/// (C) The label's boundary pair (see compute_artifacts), or nullopt.
std::optional<BoundaryPair> boundary_pair(const arma::mat& X, const arma::uvec& H, const arma::uvec& D,
                                          const arma::vec& score, std::size_t label, std::size_t k_max) {
  if (H.is_empty() || D.is_empty() || k_max == 0) return std::nullopt;
  const std::size_t k = std::min<std::size_t>(k_max, H.n_elem);
  // Squared distances as |a|^2 + |b|^2 - 2 a.b: one matrix product per block
  // of deferred rows, so large labels stay fast; the reported distance of the
  // chosen pair is recomputed exactly below.
  const arma::mat B = X.rows(H);
  const arma::vec nb = arma::sum(arma::square(B), 1);
  constexpr arma::uword kBlock = 512;  // bounds the |block| x |H| matrix
  std::vector<arma::uword> order(H.n_elem);
  bool found = false;
  BoundaryPair best;
  double best_d2 = 0.0;
  for (arma::uword start = 0; start < D.n_elem; start += kBlock) {
    const arma::uword stop = std::min<arma::uword>(start + kBlock, D.n_elem);
    const arma::uvec Dblk = D.subvec(start, stop - 1);
    const arma::mat A = X.rows(Dblk);
    const arma::vec na = arma::sum(arma::square(A), 1);
    const arma::mat G = A * B.t();
    for (arma::uword i = 0; i < Dblk.n_elem; ++i) {
      std::vector<double> d2(H.n_elem);
      for (arma::uword j = 0; j < H.n_elem; ++j) d2[j] = std::max(0.0, na[i] + nb[j] - 2.0 * G(i, j));
      std::iota(order.begin(), order.end(), arma::uword{0});
      // H is ascending, so ties on distance go to the lower row index.
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                        [&](arma::uword a, arma::uword b) { return d2[a] != d2[b] ? d2[a] < d2[b] : a < b; });
      arma::uword partner = order[0];
      for (std::size_t t = 1; t < k; ++t) {
        const arma::uword j = order[t];
        const double sj = score[H[j]], sp = score[H[partner]];
        if (sj > sp || (sj == sp && (d2[j] < d2[partner] || (d2[j] == d2[partner] && j < partner)))) partner = j;
      }
      const arma::uword drow = Dblk[i], hrow = H[partner];
      const double gap = score[hrow] - score[drow];
      // D is visited in ascending order, so a tie on (gap, distance) keeps the lower deferred row.
      if (!found || gap > best.score_gap || (gap == best.score_gap && d2[partner] < best_d2)) {
        found = true;
        best.label = label;
        best.handled_row = hrow;
        best.deferred_row = drow;
        best.handled_score = score[hrow];
        best.deferred_score = score[drow];
        best.score_gap = gap;
        best_d2 = d2[partner];
      }
    }
  }
  best.distance = std::sqrt(sq_dist_row(X, best.handled_row, X.row(best.deferred_row)));
  return best;
}

}  // namespace

ArtifactSet compute_artifacts(const ArtifactInput& in, const ArtifactOptions& opt) {
  check_input(in);
  const arma::mat& X = in.embeddings;
  const RoutingDecision& d = in.decision;
  const std::size_t n = X.n_rows, K = in.label_names.size();
  ArtifactSet out;
  out.n = n;
  out.predictions_available = in.predictions_available;

  // Rows per (label, group), ascending.
  std::vector<std::vector<arma::uword>> handled_rows(K), deferred_rows(K);
  for (arma::uword i = 0; i < n; ++i) {
    (d.handled[i] ? handled_rows : deferred_rows)[in.teacher[i]].push_back(i);
    if (d.handled[i]) {
      ++out.handled;
      out.agree += d.prediction[i] == in.teacher[i];
    }
  }

  // (A) slices.
  for (std::size_t l = 0; l < K; ++l) {
    const std::size_t nl = handled_rows[l].size() + deferred_rows[l].size();
    if (nl == 0) continue;
    std::size_t agree = 0;
    for (arma::uword r : handled_rows[l]) agree += d.prediction[r] == l;
    out.label_slices.push_back(make_slice(in.label_names[l], nl, handled_rows[l].size(), agree));
  }
  std::sort(out.label_slices.begin(), out.label_slices.end(), slice_weaker);
  out.bins = length_terciles(in.texts);
  {
    const char* names[] = {"short", "medium", "long"};
    std::size_t cnt[3] = {0, 0, 0}, hnd[3] = {0, 0, 0}, agr[3] = {0, 0, 0};
    for (arma::uword i = 0; i < n; ++i) {
      const std::string_view bin = out.bins.bin_of(word_count(in.texts[i]));
      const int b = bin == "short" ? 0 : bin == "medium" ? 1 : 2;
      ++cnt[b];
      if (d.handled[i]) {
        ++hnd[b];
        agr[b] += d.prediction[i] == in.teacher[i];
      }
    }
    for (int b = 0; b < 3; ++b)
      if (cnt[b]) out.length_slices.push_back(make_slice(names[b], cnt[b], hnd[b], agr[b]));
    std::sort(out.length_slices.begin(), out.length_slices.end(), slice_weaker);
  }

  // (B) cards and (C) pairs, label by label.
  for (std::size_t l = 0; l < K; ++l) {
    const arma::uvec H(handled_rows[l]), D(deferred_rows[l]);
    if (!H.is_empty()) out.cards.push_back(centroid_card(X, H, d, l, true));
    if (!D.is_empty()) out.cards.push_back(centroid_card(X, D, d, l, false));
    if (auto p = boundary_pair(X, H, D, d.score, l, opt.boundary_k)) out.pairs.push_back(*p);
  }
  if (out.pairs.empty()) {
    if (n > 0 && out.handled == n)
      out.pairs_note = "no boundary pairs: every input is handled (full coverage), so no label has a deferred input";
    else if (out.handled == 0)
      out.pairs_note = "no boundary pairs: nothing is handled";
    else
      out.pairs_note = "no boundary pairs: no teacher label has both a handled and a deferred input";
  }

  // (D) temporal deltas.
  if (in.previous) {
    out.has_previous = true;
    std::vector<std::size_t> prev(K, 0);
    for (arma::uword i = 0; i < n; ++i)
      if (in.previous->handled[i]) {
        ++prev[in.teacher[i]];
        ++out.previous_handled;
      }
    for (std::size_t l = 0; l < K; ++l) {
      const std::size_t nl = handled_rows[l].size() + deferred_rows[l].size();
      if (nl == 0) continue;
      TemporalDelta t;
      t.label = l;
      t.n = nl;
      t.previous_rate = static_cast<double>(prev[l]) / static_cast<double>(nl);
      t.current_rate = static_cast<double>(handled_rows[l].size()) / static_cast<double>(nl);
      t.delta = t.current_rate - t.previous_rate;
      out.deltas.push_back(t);
    }
    std::sort(out.deltas.begin(), out.deltas.end(), [&](const TemporalDelta& a, const TemporalDelta& b) {
      if (a.delta != b.delta) return a.delta < b.delta;
      return in.label_names[a.label] < in.label_names[b.label];
    });
  }

  // (E) disagreements and collapse.
  if (in.predictions_available && n > 0) {
    std::vector<std::vector<arma::uword>> wrong(K);
    std::vector<std::size_t> predicted(K, 0), teacher_count(K, 0);
    for (arma::uword i = 0; i < n; ++i) {
      ++predicted[d.prediction[i]];
      ++teacher_count[in.teacher[i]];
      if (d.prediction[i] != in.teacher[i]) wrong[d.prediction[i]].push_back(i);
    }
    for (std::size_t p = 0; p < K; ++p) {
      if (wrong[p].empty()) continue;
      DisagreementGroup g;
      g.predicted = p;
      g.n_all = wrong[p].size();
      for (arma::uword r : wrong[p]) g.n_handled += d.handled[r] != 0;
      std::vector<arma::uword> rows = wrong[p];
      std::stable_sort(rows.begin(), rows.end(), [&](arma::uword a, arma::uword b) {
        if ((d.handled[a] != 0) != (d.handled[b] != 0)) return d.handled[a] != 0;
        if (d.score[a] != d.score[b]) return d.score[a] > d.score[b];
        return a < b;
      });
      for (std::size_t t = 0; t < rows.size() && t < opt.disagreement_examples; ++t)
        g.examples.push_back({rows[t], d.handled[rows[t]] != 0, d.score[rows[t]]});
      out.disagree_handled += g.n_handled;
      out.disagree_all += g.n_all;
      out.disagreements.push_back(std::move(g));
    }
    std::sort(out.disagreements.begin(), out.disagreements.end(),
              [&](const DisagreementGroup& a, const DisagreementGroup& b) {
                if (a.n_handled != b.n_handled) return a.n_handled > b.n_handled;
                if (a.n_all != b.n_all) return a.n_all > b.n_all;
                return in.label_names[a.predicted] < in.label_names[b.predicted];
              });
    CollapseDiagnostic c;
    for (std::size_t p = 0; p < K; ++p)
      if (predicted[p] > c.top_count) {
        c.top_count = predicted[p];
        c.top_class = p;
      }
    c.share = static_cast<double>(c.top_count) / static_cast<double>(n);
    c.teacher_share = static_cast<double>(teacher_count[c.top_class]) / static_cast<double>(n);
    c.collapsed = c.share >= opt.collapse_share && c.share >= opt.collapse_ratio * c.teacher_share;
    out.collapse = c;
  }
  return out;
}

}  // namespace tracer

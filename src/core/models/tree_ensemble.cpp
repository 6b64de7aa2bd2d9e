#include "core/models/tree_ensemble.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <numeric>

#include "core/models/training_checks.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"

namespace tracer {

namespace {

constexpr double kFeatureThreshold = 1e-7;  // scikit-learn's FEATURE_THRESHOLD

/// Random splits draw their thresholds from derive_seed(tree seed, {this}),
/// apart from the feature draws, so that a node's candidate features are
/// known before any of their values is read.
constexpr std::uint64_t kThresholdStream = 1;

/// Random splits in nodes of at most this many rows gather the values of all
/// their candidate features in one pass before evaluating any: in a small
/// node nearly every value is a cache miss, and one pass keeps many of them
/// in flight where a feature at a time waited for a handful. (At most
/// max_features x this many floats are buffered.)
constexpr std::size_t kGatherAheadRows = 256;

/// Random splits copy the whole rows of a node of at most this many rows
/// (and not already inside such a copy) into a buffer that its subtree's
/// nodes then read: the copy is a few sequential kilobytes per row, where
/// the subtree would otherwise read each (row, feature) value from a line of
/// its own in a 30 MB matrix, a cache and TLB miss each. (Buffer: this many
/// rows of d floats, 1.5 MB at d = 768, to stay within L2.)
constexpr std::size_t kLocalRows = 512;

/// The largest float not above t (t finite and within float range), so that
/// for every float v, v <= result exactly when double(v) <= t.
float float_at_or_below(double t) {
  float r = static_cast<float>(t);
  if (static_cast<double>(r) > t) {  // rounded up: one float step down (libm's nextafter, inlined)
    const auto bits = std::bit_cast<std::uint32_t>(r);
    if (r > 0.0f)
      r = std::bit_cast<float>(bits - 1);
    else if (r < 0.0f)
      r = std::bit_cast<float>(bits + 1);
    else
      r = -std::numeric_limits<float>::denorm_min();  // t < 0 rounded to zero
  }
  return r;
}

/// The smallest and largest of a node's values of one feature.
struct ValueRange {
  float lo, hi;
};

/// Read-only data shared by all trees of one fit.
struct SharedData {
  std::size_t n = 0, d = 0, K = 0;
  std::vector<std::uint32_t> y;
  arma::fmat Xf;                           // n x d, float32 as scikit-learn
  arma::fmat Xf_rows;                      // d x n, its transpose (random splits only): each row contiguous
  std::vector<std::uint32_t> rank;         // d x n dense ranks (best-split mode)
  std::vector<std::vector<float>> values;  // per feature: sorted distinct values
};

void compute_ranks(SharedData& s, std::size_t n_threads) {
  s.rank.resize(s.d * s.n);
  s.values.assign(s.d, {});
  parallel_for(s.d, n_threads, [&](std::size_t f) {
    const float* col = s.Xf.colptr(f);
    std::vector<std::uint32_t> idx(s.n);
    std::iota(idx.begin(), idx.end(), 0u);
    std::sort(idx.begin(), idx.end(),
              [col](std::uint32_t a, std::uint32_t b) { return col[a] < col[b] || (!(col[b] < col[a]) && a < b); });
    std::uint32_t* rk = s.rank.data() + f * s.n;
    auto& vals = s.values[f];
    for (std::size_t k = 0; k < s.n; ++k) {
      const float v = col[idx[k]];
      if (vals.empty() || vals.back() < v) vals.push_back(v);
      rk[idx[k]] = static_cast<std::uint32_t>(vals.size() - 1);
    }
  });
}

struct SplitCandidate {
  bool constant = true;  ///< feature has a single value in the node
  bool valid = false;    ///< a split respecting min_samples_leaf exists
  double proxy = -std::numeric_limits<double>::infinity();
  std::uint32_t cut_rank = 0;  ///< best-split mode: rank <= cut_rank goes left
  double threshold = 0.0;      ///< value threshold (both modes)
};

class TreeBuilder {
 public:
  TreeBuilder(const SharedData& s, const TreeEnsemble::Params& p, std::size_t max_features, std::uint64_t seed)
      : s_(s), p_(p), max_features_(max_features), rng_(seed), threshold_rng_(derive_seed(seed, {kThresholdStream})) {}

  FittedTree build() {
    const std::size_t n = s_.n;
    weight_.assign(n, 1);
    if (p_.bootstrap) {
      std::fill(weight_.begin(), weight_.end(), 0u);
      for (std::size_t k = 0; k < n; ++k) ++weight_[rng_.uniform_index(n)];
    }
    // The rows in the tree, grouped by class and ascending within a class.
    // partition() is stable, so every node's rows stay in this order: a
    // random split counts each class's left rows over one contiguous run.
    samples_.clear();
    std::vector<std::size_t> class_start(s_.K + 1, 0);
    for (std::size_t i = 0; i < n; ++i)
      if (weight_[i] > 0) ++class_start[s_.y[i] + 1];
    for (std::size_t c = 0; c < s_.K; ++c) class_start[c + 1] += class_start[c];
    samples_.resize(class_start[s_.K]);
    for (std::size_t i = 0; i < n; ++i)
      if (weight_[i] > 0) samples_[class_start[s_.y[i]]++] = static_cast<std::uint32_t>(i);
    features_.resize(s_.d);
    std::iota(features_.begin(), features_.end(), 0u);
    keys_.resize(samples_.size());
    tmp_.resize(samples_.size());
    part_.resize(samples_.size());
    lab_.resize(samples_.size());
    wt_.resize(samples_.size());
    vals_.resize(samples_.size());
    if (p_.random_thresholds) {
      ahead_.resize(max_features_ * std::min(kGatherAheadRows, samples_.size()));
      ahead_features_.resize(max_features_);
      ahead_range_.resize(max_features_);
      local_rows_.resize(std::min(kLocalRows, samples_.size()) * s_.d);
      local_index_.resize(samples_.size());
      part_index_.resize(samples_.size());
    }
    counts_.assign(s_.K, 0);
    cl_.assign(s_.K, 0);
    cr_.assign(s_.K, 0);
    class_rows_.assign(s_.K, 0);

    struct Entry {
      std::uint32_t start, end;
      int depth;
      std::int32_t parent;
      bool is_left;
    };
    std::vector<Entry> stack = {{0, static_cast<std::uint32_t>(samples_.size()), 0, -1, false}};
    while (!stack.empty()) {
      const Entry e = stack.back();
      stack.pop_back();
      const auto id = static_cast<std::int32_t>(tree_.nodes.size());
      tree_.nodes.emplace_back();
      if (e.parent >= 0) {
        auto& parent = tree_.nodes[static_cast<std::size_t>(e.parent)];
        (e.is_left ? parent.left : parent.right) = id;
      }

      const std::size_t n_node = e.end - e.start;
      std::fill(counts_.begin(), counts_.end(), 0);
      std::fill(class_rows_.begin(), class_rows_.end(), 0);
      std::int64_t total = 0;
      for (std::uint32_t k = e.start; k < e.end; ++k) {
        const std::uint32_t row = samples_[k];
        counts_[s_.y[row]] += weight_[row];
        ++class_rows_[s_.y[row]];
        total += weight_[row];
      }
      present_.clear();  // classes in this node, ascending (their order in samples_)
      for (std::uint32_t c = 0; c < s_.K; ++c)
        if (counts_[c] > 0) present_.push_back(c);
      const std::size_t n_present = present_.size();
      bool leaf = n_present <= 1 || n_node < static_cast<std::size_t>(p_.min_samples_split) ||
                  n_node < 2 * static_cast<std::size_t>(p_.min_samples_leaf) ||
                  (p_.max_depth > 0 && e.depth >= p_.max_depth);
      SplitCandidate best;
      std::int32_t best_feature = -1;
      if (!leaf) {
        best_feature = find_split(e.start, e.end, total, best);
        leaf = best_feature < 0;
      }
      if (leaf) {
        auto& node = tree_.nodes[static_cast<std::size_t>(id)];
        node.leaf_begin = static_cast<std::uint32_t>(tree_.leaf_class.size());
        for (std::size_t c = 0; c < s_.K; ++c) {
          if (counts_[c] == 0) continue;
          tree_.leaf_class.push_back(static_cast<std::uint32_t>(c));
          tree_.leaf_prob.push_back(static_cast<double>(counts_[c]) / static_cast<double>(total));
        }
        node.leaf_end = static_cast<std::uint32_t>(tree_.leaf_class.size());
        continue;
      }
      const std::uint32_t mid = partition(e.start, e.end, best_feature, best);
      auto& node = tree_.nodes[static_cast<std::size_t>(id)];
      node.feature = best_feature;
      node.threshold = best.threshold;
      stack.push_back({mid, e.end, e.depth + 1, id, false});
      stack.push_back({e.start, mid, e.depth + 1, id, true});  // left first (depth-first)
    }
    return std::move(tree_);
  }

 private:
  // Draws candidate features and returns the best one's index (or -1).
  std::int32_t find_split(std::uint32_t start, std::uint32_t end, std::int64_t total, SplitCandidate& best) {
    const std::size_t n_node = end - start;
    std::int64_t sumsq = 0;
    for (auto c : counts_) sumsq += c * c;
    // Labels by position are for best splits (random splits read class runs);
    // weights for both, unless every row weighs 1.
    if (!p_.random_thresholds || p_.bootstrap) {
      for (std::size_t k = 0; k < n_node; ++k) {
        const std::uint32_t row = samples_[start + k];
        lab_[k] = s_.y[row];
        wt_[k] = weight_[row];
      }
    }
    if (p_.random_thresholds) return find_random_split(start, end, total, best);
    std::int32_t best_feature = -1;
    std::size_t visited = 0, drawn = 0;
    while (visited < max_features_ && drawn < s_.d) {
      const std::uint32_t f = draw_feature(drawn++);
      const SplitCandidate c = eval_best(f, start, n_node, total, sumsq);
      if (c.constant) continue;
      ++visited;
      if (c.valid && c.proxy > best.proxy) {
        best = c;
        best_feature = static_cast<std::int32_t>(f);
      }
    }
    return best_feature;
  }

  // find_split for random splits. The features still needed are drawn
  // together (if none of them is constant they are the node's last), their
  // values gathered in one pass, then evaluated in draw order; a node of more
  // than kGatherAheadRows rows does this one feature at a time. Either way the
  // draws and the result are the same.
  std::int32_t find_random_split(std::uint32_t start, std::uint32_t end, std::int64_t total, SplitCandidate& best) {
    const std::size_t n_node = end - start;
    if (n_node <= kLocalRows) enter_local(start, end);
    const bool ahead = n_node <= kGatherAheadRows;
    float* values = ahead ? ahead_.data() : vals_.data();
    std::int32_t best_feature = -1;
    std::size_t visited = 0, drawn = 0;
    while (visited < max_features_ && drawn < s_.d) {
      const std::size_t m = ahead ? std::min(max_features_ - visited, s_.d - drawn) : 1;
      for (std::size_t j = 0; j < m; ++j) {
        ahead_features_[j] = draw_feature(drawn++);
        ahead_range_[j] = gather(ahead_features_[j], start, n_node, values + j * n_node);
      }
      for (std::size_t j = 0; j < m; ++j) {
        const SplitCandidate c = eval_random(values + j * n_node, n_node, ahead_range_[j], total);
        if (c.constant) continue;
        ++visited;
        if (c.valid && c.proxy > best.proxy) {
          best = c;
          best_feature = static_cast<std::int32_t>(ahead_features_[j]);
        }
      }
    }
    return best_feature;
  }

  // The next candidate feature: step `drawn` of a Fisher-Yates shuffle of features_.
  std::uint32_t draw_feature(std::size_t drawn) {
    const std::size_t j = drawn + static_cast<std::size_t>(rng_.uniform_index(s_.d - drawn));
    std::swap(features_[drawn], features_[j]);
    return features_[drawn];
  }

  // True when the node [start, end) lies in the rows copied by enter_local().
  bool in_local(std::uint32_t start, std::uint32_t end) const {
    return local_end_ > local_start_ && start >= local_start_ && end <= local_end_;
  }

  // Copies the rows of node [start, end) into local_rows_ (row k of the node
  // becomes local row k) unless the node is already inside the copy. The
  // copy serves the node's whole subtree: the traversal is depth-first and
  // partition() keeps a node's rows within its range.
  void enter_local(std::uint32_t start, std::uint32_t end) {
    if (in_local(start, end)) return;
    const std::size_t d = s_.d;
    for (std::uint32_t k = start; k < end; ++k) {
      const std::uint32_t i = k - start;
      std::copy_n(s_.Xf_rows.colptr(samples_[k]), d, local_rows_.data() + static_cast<std::size_t>(i) * d);
      local_index_[k] = i;
    }
    local_start_ = start;
    local_end_ = end;
  }

  // out[k] = feature f of the node's k-th row; returns their range.
  ValueRange gather(std::uint32_t f, std::uint32_t start, std::size_t n_node, float* out) const {
    if (in_local(start, start + static_cast<std::uint32_t>(n_node))) {
      const float* base = local_rows_.data() + f;
      const std::uint32_t* idx = local_index_.data() + start;
      const std::size_t d = s_.d;
      return copy_with_range(n_node, out, [&](std::size_t k) { return base[static_cast<std::size_t>(idx[k]) * d]; });
    }
    const float* col = s_.Xf.colptr(f);
    const std::uint32_t* rows = samples_.data() + start;
    return copy_with_range(n_node, out, [&](std::size_t k) { return col[rows[k]]; });
  }

  // out[k] = load(k) for k < n, and the min and max of those values, taken
  // while the loads are in flight. Four running minima and maxima: one pair
  // would be a chain of dependent instructions. Exact in any order.
  template <class Load>
  static ValueRange copy_with_range(std::size_t n, float* out, Load load) {
    constexpr float kInf = std::numeric_limits<float>::infinity();
    float lo4[4] = {kInf, kInf, kInf, kInf}, hi4[4] = {-kInf, -kInf, -kInf, -kInf};
    std::size_t k = 0;
    for (; k + 4 <= n; k += 4) {
      for (std::size_t u = 0; u < 4; ++u) {
        const float v = load(k + u);
        out[k + u] = v;
        lo4[u] = std::min(lo4[u], v);
        hi4[u] = std::max(hi4[u], v);
      }
    }
    for (; k < n; ++k) {
      const float v = load(k);
      out[k] = v;
      lo4[0] = std::min(lo4[0], v);
      hi4[0] = std::max(hi4[0], v);
    }
    return {std::min(std::min(lo4[0], lo4[1]), std::min(lo4[2], lo4[3])),
            std::max(std::max(hi4[0], hi4[1]), std::max(hi4[2], hi4[3]))};
  }

  // Sorts keys_[0..m) by their upper 32 bits (stable LSD radix, 8-bit digits).
  void sort_keys(std::size_t m, std::uint32_t range) {
    if (m < 64) {
      std::sort(keys_.begin(), keys_.begin() + static_cast<std::ptrdiff_t>(m));
      return;
    }
    const int bits = static_cast<int>(std::bit_width(range));
    std::uint64_t* src = keys_.data();
    std::uint64_t* dst = tmp_.data();
    for (int shift = 0; shift < bits; shift += 8) {
      std::uint32_t hist[257] = {0};
      for (std::size_t k = 0; k < m; ++k) ++hist[((src[k] >> (32 + shift)) & 0xFF) + 1];
      for (int b = 0; b < 256; ++b) hist[b + 1] += hist[b];
      for (std::size_t k = 0; k < m; ++k) dst[hist[(src[k] >> (32 + shift)) & 0xFF]++] = src[k];
      std::swap(src, dst);
    }
    if (src != keys_.data()) std::copy(src, src + m, keys_.data());
  }

  SplitCandidate eval_best(std::uint32_t f, std::uint32_t start, std::size_t n_node, std::int64_t total,
                           std::int64_t sumsq) {
    SplitCandidate out;
    const std::uint32_t* rk = s_.rank.data() + static_cast<std::size_t>(f) * s_.n;
    std::uint32_t lo = std::numeric_limits<std::uint32_t>::max(), hi = 0;
    for (std::size_t k = 0; k < n_node; ++k) {
      const std::uint32_t r = rk[samples_[start + k]];
      lo = std::min(lo, r);
      hi = std::max(hi, r);
      keys_[k] = r;  // temporarily the raw rank
    }
    if (lo == hi) return out;
    out.constant = false;
    for (std::size_t k = 0; k < n_node; ++k) keys_[k] = ((keys_[k] - lo) << 32) | k;
    sort_keys(n_node, hi - lo);

    for (auto c : present_) {
      cl_[c] = 0;
      cr_[c] = counts_[c];
    }
    std::int64_t sl = 0, sr = sumsq, wl = 0, wr = total;
    const std::size_t min_leaf = static_cast<std::size_t>(p_.min_samples_leaf);
    std::uint64_t best_key = 0, next_key = 0;
    for (std::size_t q = 0; q + 1 < n_node; ++q) {
      const std::uint64_t key = keys_[q];
      const std::uint32_t k = static_cast<std::uint32_t>(key);
      const std::uint32_t c = lab_[k];
      const std::int64_t w = wt_[k];
      sl += w * (2 * cl_[c] + w);
      cl_[c] += w;
      sr -= w * (2 * cr_[c] - w);
      cr_[c] -= w;
      wl += w;
      wr -= w;
      if ((key >> 32) == (keys_[q + 1] >> 32)) continue;
      const std::size_t nl = q + 1;
      if (nl < min_leaf) continue;
      if (n_node - nl < min_leaf) break;
      const double proxy =
          static_cast<double>(sl) / static_cast<double>(wl) + static_cast<double>(sr) / static_cast<double>(wr);
      if (proxy > out.proxy) {
        out.proxy = proxy;
        out.valid = true;
        best_key = key >> 32;
        next_key = keys_[q + 1] >> 32;
      }
    }
    if (out.valid) {
      out.cut_rank = static_cast<std::uint32_t>(best_key) + lo;
      const double a = s_.values[f][out.cut_rank];
      const double b = s_.values[f][static_cast<std::uint32_t>(next_key) + lo];
      double t = a / 2.0 + b / 2.0;
      if (t == b || !std::isfinite(t)) t = a;
      out.threshold = t;
    }
    return out;
  }

  // A random split of the node on values vals[0..n_node) (the node's rows in
  // order), whose min and max are range.
  SplitCandidate eval_random(const float* vals, std::size_t n_node, ValueRange range, std::int64_t total) {
    SplitCandidate out;
    const float lo = range.lo, hi = range.hi;
    if (static_cast<double>(hi) <= static_cast<double>(lo) + kFeatureThreshold) return out;
    out.constant = false;
    double t = static_cast<double>(lo) + (static_cast<double>(hi) - static_cast<double>(lo)) * threshold_rng_.uniform();
    if (t >= static_cast<double>(hi)) t = lo;
    out.threshold = t;
    const float t_below = float_at_or_below(t);  // float v: v <= t_below exactly when double(v) <= t
    // The node's rows are grouped by class (in present_ order): each class's
    // left count is a sum over its own run, with no per-row histogram update.
    // Branch-free: which side a row falls on is a coin flip for a random
    // threshold, and a mispredicted branch per row cost more than the adds.
    std::size_t nl = 0;
    std::int64_t wl = 0, sl = 0, sr = 0;
    std::size_t k0 = 0;
    for (auto c : present_) {
      const std::size_t len = class_rows_[c];
      std::int64_t left_rows = 0, left_weight = 0;
      if (!p_.bootstrap) {  // every row weighs 1
        for (std::size_t q = k0; q < k0 + len; ++q) left_rows += vals[q] <= t_below ? 1 : 0;
        left_weight = left_rows;
      } else {
        for (std::size_t q = k0; q < k0 + len; ++q) {
          const std::int64_t left = vals[q] <= t_below ? 1 : 0;
          left_rows += left;
          left_weight += left * wt_[q];
        }
      }
      k0 += len;
      nl += static_cast<std::size_t>(left_rows);
      wl += left_weight;
      sl += left_weight * left_weight;
      const std::int64_t r = counts_[c] - left_weight;
      sr += r * r;
    }
    const std::size_t min_leaf = static_cast<std::size_t>(p_.min_samples_leaf);
    if (nl < min_leaf || n_node - nl < min_leaf) return out;
    const std::int64_t wr = total - wl;
    out.valid = true;
    out.proxy = static_cast<double>(sl) / static_cast<double>(wl) + static_cast<double>(sr) / static_cast<double>(wr);
    return out;
  }

  // Moves the node's rows that go left to the front, in order, and the rest
  // after them, in order. Stable, so the rows stay grouped by class (and
  // ascending within a class) as eval_random needs; branch-free, because the
  // side is a coin flip at a good split. (Results do not depend on the order
  // of a node's rows: every statistic is an integer sum or a min/max.)
  std::uint32_t partition(std::uint32_t start, std::uint32_t end, std::int32_t f, const SplitCandidate& c) {
    const std::size_t n_node = end - start;
    // goes_left(k): whether the node's k-th row goes left. Rows (and their
    // local indices, inside a local copy) keep their order on either side.
    const auto split = [&](auto goes_left, std::uint32_t* index) {
      std::uint32_t* rows = samples_.data() + start;
      std::uint32_t* right = part_.data();
      std::uint32_t* right_index = part_index_.data();
      std::size_t nl = 0, nr = 0;
      for (std::size_t k = 0; k < n_node; ++k) {
        const std::size_t left = goes_left(k) ? 1 : 0;
        const std::uint32_t row = rows[k];  // read before rows[nl] is written: nl <= k
        rows[nl] = row;
        right[nr] = row;
        if (index != nullptr) {
          const std::uint32_t i = index[k];
          index[nl] = i;
          right_index[nr] = i;
        }
        nl += left;
        nr += 1 - left;
      }
      std::copy(right, right + nr, rows + nl);
      if (index != nullptr) std::copy(right_index, right_index + nr, index + nl);
      return start + static_cast<std::uint32_t>(nl);
    };
    if (p_.random_thresholds) {
      const float t_below = float_at_or_below(c.threshold);
      gather(static_cast<std::uint32_t>(f), start, n_node, vals_.data());
      const float* v = vals_.data();
      return split([&](std::size_t k) { return v[k] <= t_below; },
                   in_local(start, end) ? local_index_.data() + start : nullptr);
    }
    const std::uint32_t* rk = s_.rank.data() + static_cast<std::size_t>(f) * s_.n;
    const std::uint32_t* rows = samples_.data() + start;
    return split([&](std::size_t k) { return rk[rows[k]] <= c.cut_rank; }, nullptr);
  }

  const SharedData& s_;
  const TreeEnsemble::Params& p_;
  std::size_t max_features_;
  Rng rng_;            // bootstrap draws and candidate features
  Rng threshold_rng_;  // random-split thresholds
  FittedTree tree_;
  std::vector<std::uint32_t> weight_, samples_, part_, features_, lab_, wt_, present_;
  // Random splits: the rows copied for the current small subtree
  // (samples_[local_start_, local_end_)), and each sample's row in the copy.
  std::vector<float> local_rows_;
  std::vector<std::uint32_t> local_index_, part_index_;
  std::uint32_t local_start_ = 0, local_end_ = 0;
  std::vector<std::uint64_t> keys_, tmp_;
  std::vector<float> vals_, ahead_;
  std::vector<std::uint32_t> ahead_features_;
  std::vector<ValueRange> ahead_range_;
  std::vector<std::int64_t> counts_, cl_, cr_;
  std::vector<std::size_t> class_rows_;  // distinct rows of each class in the current node
};

}  // namespace

std::size_t FittedTree::depth() const {
  if (nodes.empty()) return 0;
  std::vector<std::size_t> dep(nodes.size(), 0);
  std::size_t best = 0;
  for (std::size_t i = 0; i < nodes.size(); ++i) {  // children always follow their parent
    best = std::max(best, dep[i]);
    if (nodes[i].feature >= 0) {
      dep[static_cast<std::size_t>(nodes[i].left)] = dep[i] + 1;
      dep[static_cast<std::size_t>(nodes[i].right)] = dep[i] + 1;
    }
  }
  return best;
}

std::size_t FittedTree::n_leaves() const {
  return static_cast<std::size_t>(
      std::count_if(nodes.begin(), nodes.end(), [](const Node& n) { return n.feature < 0; }));
}

std::size_t TreeEnsemble::resolve_max_features(double spec, std::size_t d) {
  if (spec == 0.0) return d;
  if (spec < 0.0) return std::max<std::size_t>(1, static_cast<std::size_t>(std::sqrt(static_cast<double>(d))));
  if (spec < 1.0) return std::max<std::size_t>(1, static_cast<std::size_t>(spec * static_cast<double>(d)));
  return std::min(d, static_cast<std::size_t>(spec));
}

const ParamTable<TreeEnsemble::Params>& TreeEnsemble::param_table() {
  const auto forest = [](ParamField<Params> f) {
    f.exists = [](const Params& p) { return p.n_estimators > 1; };  // the single tree `dt` has neither
    return f;
  };
  ParamField<Params> max_features =
      param("max_features", &Params::max_features, -1.0, 1e9,
            "features per split: -1 = sqrt(d), 0 = all, (0, 1) = fraction of d, >= 1 = count");
  max_features.range.accepts = [](double v) {
    return v == -1.0 || v == 0.0 || (v > 0.0 && v < 1.0) || (v >= 1.0 && v == std::floor(v));
  };
  max_features.range.expected = "-1 (sqrt d), 0 (all), a fraction in (0, 1) or an integer count in [1, 1e9]";
  static const ParamTable<Params> table({
      forest(param("n_estimators", &Params::n_estimators, 1, 100000, "number of trees")),
      param("max_depth", &Params::max_depth, 0, 100000, "maximum depth, 0 = unlimited"),
      param("min_samples_leaf", &Params::min_samples_leaf, 1, 1000000, "minimum distinct rows in a leaf"),
      param("min_samples_split", &Params::min_samples_split, 2, 1000000, "minimum rows to split a node"),
      max_features,
      forest(param("bootstrap", &Params::bootstrap, "draw each tree's rows with replacement")),
  });
  return table;
}

void TreeEnsemble::fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) {
  check_training_set(name_, X, y, n_classes);
  if (X.n_rows > std::numeric_limits<std::uint32_t>::max() / 2)
    throw TrainingError(fmt::format("{}: too many rows ({})", name_, X.n_rows));
  SharedData s;
  s.n = X.n_rows;
  s.d = X.n_cols;
  s.K = n_classes;
  s.y.assign(y.begin(), y.end());
  s.Xf = arma::conv_to<arma::fmat>::from(X);
  if (!s.Xf.is_finite()) throw TrainingError(fmt::format("{}: feature values overflow float32", name_));
  const std::size_t threads = resolve_threads(ctx.n_threads);
  if (params_.random_thresholds)
    s.Xf_rows = s.Xf.t();
  else
    compute_ranks(s, threads);
  const std::size_t max_features = resolve_max_features(params_.max_features, s.d);
  std::vector<FittedTree> trees(static_cast<std::size_t>(params_.n_estimators));
  parallel_for(trees.size(), threads, [&](std::size_t t) {
    TreeBuilder builder(s, params_, max_features, derive_seed(ctx.seed, {stream::kTree, t}));
    trees[t] = builder.build();
  });
  trees_ = std::move(trees);
  n_classes_ = n_classes;
  n_features_ = s.d;
}

void TreeEnsemble::predict_row(const double* x, std::size_t x_stride, double* out, std::size_t out_stride) const {
  for (std::size_t k = 0; k < n_classes_; ++k) out[k * out_stride] = 0.0;
  for (const auto& tree : trees_) {
    const auto* nodes = tree.nodes.data();
    std::int32_t id = 0;
    while (nodes[id].feature >= 0) {
      const float v = static_cast<float>(x[static_cast<std::size_t>(nodes[id].feature) * x_stride]);
      id = static_cast<double>(v) <= nodes[id].threshold ? nodes[id].left : nodes[id].right;
    }
    for (std::uint32_t k = nodes[id].leaf_begin; k < nodes[id].leaf_end; ++k)
      out[tree.leaf_class[k] * out_stride] += tree.leaf_prob[k];
  }
  const double n_trees = static_cast<double>(trees_.size());
  for (std::size_t k = 0; k < n_classes_; ++k) out[k * out_stride] /= n_trees;
}

arma::mat TreeEnsemble::predict_proba(const arma::mat& X) const {
  check_predict_input(name_, X, trees_.empty() ? 0 : n_features_);
  arma::mat P(X.n_rows, n_classes_);
  for (arma::uword i = 0; i < X.n_rows; ++i) predict_row(X.colptr(0) + i, X.n_rows, P.colptr(0) + i, P.n_rows);
  return P;
}

void TreeEnsemble::predict_proba_row(const double* x, std::size_t d, double* out) const {
  TRACER_CHECK(!trees_.empty(), name_ + ": predict_proba_row before fit");
  TRACER_CHECK(d == n_features_, name_ + ": predict_proba_row got a row of another length than the fitted features");
  predict_row(x, 1, out, 1);
}

}  // namespace tracer

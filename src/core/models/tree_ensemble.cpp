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

/// Read-only data shared by all trees of one fit.
struct SharedData {
  std::size_t n = 0, d = 0, K = 0;
  std::vector<std::uint32_t> y;
  arma::fmat Xf;                           // n x d, float32 as scikit-learn
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
      : s_(s), p_(p), max_features_(max_features), rng_(seed) {}

  FittedTree build() {
    const std::size_t n = s_.n;
    weight_.assign(n, 1);
    if (p_.bootstrap) {
      std::fill(weight_.begin(), weight_.end(), 0u);
      for (std::size_t k = 0; k < n; ++k) ++weight_[rng_.uniform_index(n)];
    }
    samples_.clear();
    for (std::size_t i = 0; i < n; ++i)
      if (weight_[i] > 0) samples_.push_back(static_cast<std::uint32_t>(i));
    features_.resize(s_.d);
    std::iota(features_.begin(), features_.end(), 0u);
    keys_.resize(samples_.size());
    tmp_.resize(samples_.size());
    lab_.resize(samples_.size());
    wt_.resize(samples_.size());
    vals_.resize(samples_.size());
    counts_.assign(s_.K, 0);
    cl_.assign(s_.K, 0);
    cr_.assign(s_.K, 0);

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
      std::int64_t total = 0;
      for (std::uint32_t k = e.start; k < e.end; ++k) {
        const std::uint32_t row = samples_[k];
        counts_[s_.y[row]] += weight_[row];
        total += weight_[row];
      }
      present_.clear();  // classes in this node: per-feature work is O(present), not O(K)
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
    for (std::size_t k = 0; k < n_node; ++k) {
      const std::uint32_t row = samples_[start + k];
      lab_[k] = s_.y[row];
      wt_[k] = weight_[row];
    }
    std::int32_t best_feature = -1;
    std::size_t visited = 0, drawn = 0;
    const std::size_t d = s_.d;
    while (visited < max_features_ && drawn < d) {
      const std::size_t j = drawn + static_cast<std::size_t>(rng_.uniform_index(d - drawn));
      std::swap(features_[drawn], features_[j]);
      const std::uint32_t f = features_[drawn++];
      const SplitCandidate c =
          p_.random_thresholds ? eval_random(f, start, n_node, total) : eval_best(f, start, n_node, total, sumsq);
      if (c.constant) continue;
      ++visited;
      if (c.valid && c.proxy > best.proxy) {
        best = c;
        best_feature = static_cast<std::int32_t>(f);
      }
    }
    return best_feature;
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

  SplitCandidate eval_random(std::uint32_t f, std::uint32_t start, std::size_t n_node, std::int64_t total) {
    SplitCandidate out;
    const float* col = s_.Xf.colptr(f);
    float lo = std::numeric_limits<float>::infinity(), hi = -lo;
    for (std::size_t k = 0; k < n_node; ++k) {
      const float v = col[samples_[start + k]];
      vals_[k] = v;
      lo = std::min(lo, v);
      hi = std::max(hi, v);
    }
    if (static_cast<double>(hi) <= static_cast<double>(lo) + kFeatureThreshold) return out;
    out.constant = false;
    double t = static_cast<double>(lo) + (static_cast<double>(hi) - static_cast<double>(lo)) * rng_.uniform();
    if (t >= static_cast<double>(hi)) t = lo;
    out.threshold = t;
    for (auto c : present_) cl_[c] = 0;
    std::size_t nl = 0;
    std::int64_t wl = 0;
    // Branch-free: which side a row falls on is a coin flip for a random
    // threshold, and a mispredicted branch per row cost more than the adds.
    for (std::size_t k = 0; k < n_node; ++k) {
      const std::int64_t left = static_cast<double>(vals_[k]) <= t ? 1 : 0;
      nl += static_cast<std::size_t>(left);
      const std::int64_t w = left * wt_[k];
      wl += w;
      cl_[lab_[k]] += w;
    }
    const std::size_t min_leaf = static_cast<std::size_t>(p_.min_samples_leaf);
    if (nl < min_leaf || n_node - nl < min_leaf) return out;
    std::int64_t sl = 0, sr = 0;
    for (auto c : present_) {
      sl += cl_[c] * cl_[c];
      const std::int64_t r = counts_[c] - cl_[c];
      sr += r * r;
    }
    const std::int64_t wr = total - wl;
    out.valid = true;
    out.proxy = static_cast<double>(sl) / static_cast<double>(wl) + static_cast<double>(sr) / static_cast<double>(wr);
    return out;
  }

  std::uint32_t partition(std::uint32_t start, std::uint32_t end, std::int32_t f, const SplitCandidate& c) {
    auto first = samples_.begin() + start, last = samples_.begin() + end;
    decltype(first) mid;
    if (p_.random_thresholds) {
      const float* col = s_.Xf.colptr(static_cast<arma::uword>(f));
      mid =
          std::partition(first, last, [&](std::uint32_t row) { return static_cast<double>(col[row]) <= c.threshold; });
    } else {
      const std::uint32_t* rk = s_.rank.data() + static_cast<std::size_t>(f) * s_.n;
      mid = std::partition(first, last, [&](std::uint32_t row) { return rk[row] <= c.cut_rank; });
    }
    return static_cast<std::uint32_t>(mid - samples_.begin());
  }

  const SharedData& s_;
  const TreeEnsemble::Params& p_;
  std::size_t max_features_;
  Rng rng_;
  FittedTree tree_;
  std::vector<std::uint32_t> weight_, samples_, features_, lab_, wt_, present_;
  std::vector<std::uint64_t> keys_, tmp_;
  std::vector<float> vals_;
  std::vector<std::int64_t> counts_, cl_, cr_;
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
  if (!params_.random_thresholds) compute_ranks(s, threads);
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

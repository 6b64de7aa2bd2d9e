#pragma once
// CART classification trees (Gini) and their ensembles: the reference's `dt`
// (DecisionTreeClassifier), `rf` (RandomForestClassifier) and `et`
// (ExtraTreesClassifier), scikit-learn 1.2 semantics unless stated.
//
// Documented choices:
//  - Features are cast to float32 for fitting and prediction, as scikit-learn
//    does for trees; thresholds are doubles, "x <= threshold" goes left.
//  - Best splits (dt, rf): each feature's values are replaced once per fit by
//    dense ranks (shared by all trees); a node sorts the ranks of its rows
//    (LSD radix sort, or std::sort for small nodes) and scans every boundary
//    between distinct values, Gini by incremental sums of squared class
//    weights (exact integer arithmetic). Threshold = midpoint of the two
//    float32 values (the lower value if the midpoint rounds up to the upper).
//    scikit-learn additionally treats values closer than 1e-7 as equal; we
//    split between any two distinct float32 values.
//  - Random splits (et): per candidate feature one threshold uniform in
//    [min, max) of the node's values (a feature with max <= min + 1e-7 is
//    constant), rejected if a child would have fewer than min_samples_leaf rows.
//    Thresholds come from their own stream (derive_seed(tree seed, {1})), so
//    a small node draws its candidate features first and reads their values
//    in one pass; nodes of <= 512 rows copy their rows (row-major, a d x n
//    float transpose kept for the fit: +4 n d bytes) into a buffer their
//    subtree reads. Neither changes a result, only when values are read.
//  - A tree's rows are kept grouped by class (stable, branch-free partition),
//    so a random split counts left rows per class over contiguous runs.
//  - Candidate features per node are drawn without replacement in a seeded
//    random order; constant features do not count towards max_features; the
//    first best split in draw order wins ties (strict >).
//  - A node is a leaf when it is pure, has < min_samples_split or
//    < 2 min_samples_leaf rows, is at max_depth (0 = unlimited), or no valid
//    split exists. Leaves store class frequencies (sparse); a forest's
//    probability is the mean of its trees' leaf frequency vectors.
//  - Bootstrap (rf) as scikit-learn: n draws with replacement become integer
//    sample weights; min_samples_leaf counts distinct rows, Gini uses weights.
//  - Tree t is seeded with derive_seed(ctx.seed, {stream::kTree, t}) and trees
//    are built in parallel (parallel_for, ctx.n_threads), so results are
//    bit-identical at any thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "core/model_params.hpp"
#include "core/surrogate.hpp"

namespace tracer {

/// One fitted tree: flat nodes, leaves as sparse class-frequency lists.
struct FittedTree {
  struct Node {
    std::int32_t feature = -1;  ///< -1 for a leaf
    std::int32_t left = -1, right = -1;
    double threshold = 0.0;
    std::uint32_t leaf_begin = 0, leaf_end = 0;  ///< range in leaf_class / leaf_prob
  };
  std::vector<Node> nodes;
  std::vector<std::uint32_t> leaf_class;
  std::vector<double> leaf_prob;

  std::size_t depth() const;
  std::size_t n_leaves() const;
};

class TreeEnsemble final : public Surrogate {
 public:
  struct Params {
    int n_estimators = 1;
    int max_depth = 0;  ///< 0 = unlimited
    int min_samples_leaf = 1;
    int min_samples_split = 2;
    double max_features = 0.0;  ///< 0 = all; in (0, 1): fraction of d; >= 1: count; -1 = sqrt(d)
    bool bootstrap = false;
    bool random_thresholds = false;  ///< extra-trees
  };
  TreeEnsemble(std::string name, Params params) : name_(std::move(name)), params_(params) {}

  /// Keys max_depth, min_samples_leaf, min_samples_split, max_features, and
  /// for forests (defaults with n_estimators > 1) n_estimators and bootstrap
  /// (0/1). (random_thresholds is fixed by the model.)
  static const ParamTable<Params>& param_table();

  void fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) override;
  /// Loops over rows with the same code as predict_proba_row: both paths are
  /// bit-identical.
  arma::mat predict_proba(const arma::mat& X) const override;
  /// Descends every tree with x cast to float32 and averages the leaf
  /// frequencies, in tree order.
  void predict_proba_row(const double* x, std::size_t d, double* out) const override;
  std::string name() const override { return name_; }
  std::size_t n_classes() const override { return n_classes_; }

  const std::vector<FittedTree>& trees() const { return trees_; }
  /// max_features resolved for d features.
  static std::size_t resolve_max_features(double spec, std::size_t d);

 private:
  std::string name_;
  Params params_;
  std::vector<FittedTree> trees_;
  std::size_t n_classes_ = 0;
  std::size_t n_features_ = 0;

  /// out[k * out_stride] for k < n_classes_ = forest probabilities of the row
  /// x[j * x_stride], j < n_features_.
  void predict_row(const double* x, std::size_t x_stride, double* out, std::size_t out_stride) const;
};

}  // namespace tracer

#include "core/models/mlp_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#include "core/models/adam.hpp"
#include "core/models/training_checks.hpp"
#include "core/rng.hpp"
#include "core/softmax.hpp"

namespace tracer {

namespace {

constexpr std::uint64_t kInitTag = 1;
constexpr std::uint64_t kSplitTag = 2;
constexpr std::uint64_t kShuffleTag = 3;

// Stratified hold-out of ceil(fraction * n) rows: each class gets its
// proportional share (largest remainder, ties to the lower class index),
// never all of its rows; rows within a class are drawn by a seeded shuffle.
void stratified_holdout(const arma::uvec& y, std::size_t n_classes, double fraction, Rng& rng,
                        std::vector<arma::uword>& train, std::vector<arma::uword>& val) {
  const std::size_t n = y.n_elem;
  std::vector<std::vector<arma::uword>> by_class(n_classes);
  for (arma::uword i = 0; i < n; ++i) by_class[y[i]].push_back(i);
  const std::size_t n_val = static_cast<std::size_t>(std::ceil(fraction * static_cast<double>(n)));
  std::vector<std::size_t> take(n_classes, 0);
  std::vector<std::pair<double, std::size_t>> rema;
  std::size_t taken = 0;
  for (std::size_t c = 0; c < n_classes; ++c) {
    const double share = fraction * static_cast<double>(by_class[c].size());
    const std::size_t cap = by_class[c].empty() ? 0 : by_class[c].size() - 1;
    take[c] = std::min(cap, static_cast<std::size_t>(std::floor(share)));
    taken += take[c];
    if (take[c] < cap) rema.emplace_back(share - std::floor(share), c);
  }
  std::stable_sort(rema.begin(), rema.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  for (std::size_t r = 0; r < rema.size() && taken < n_val; ++r) {
    ++take[rema[r].second];
    ++taken;
  }
  for (std::size_t c = 0; c < n_classes; ++c) {
    rng.shuffle(by_class[c]);
    for (std::size_t k = 0; k < by_class[c].size(); ++k) (k < take[c] ? val : train).push_back(by_class[c][k]);
  }
  std::sort(train.begin(), train.end());
  std::sort(val.begin(), val.end());
}

}  // namespace

const ParamTable<MlpClassifier::Params>& MlpClassifier::param_table() {
  // hidden<l>: the width of hidden layer l, a key only where the defaults have that layer.
  const auto hidden = [](std::size_t l, const char* doc) {
    ParamField<Params> f;
    f.key = fmt::format("hidden{}", l + 1);
    f.kind = ParamKind::kInt;
    f.range.min = 1;
    f.range.max = 100000;
    f.doc = doc;
    f.get = [l](const Params& p) { return static_cast<double>(p.hidden[l]); };
    f.set = [l](Params& p, double v) { p.hidden[l] = static_cast<arma::uword>(v); };
    f.exists = [l](const Params& p) { return p.hidden.size() > l; };
    return f;
  };
  static const ParamTable<Params> table({
      hidden(0, "units in the first hidden layer"),
      hidden(1, "units in the second hidden layer"),
      param("alpha", &Params::alpha, 0.0, 1e6, "L2 strength on weights (scaled by 1 / batch size)"),
      param("learning_rate", &Params::learning_rate, 1e-12, 10.0, "Adam step size"),
      param("max_iter", &Params::max_iter, 1, 100000, "maximum epochs"),
      param("batch_size", &Params::batch_size, 1, 1000000, "minibatch rows (capped at the training rows)"),
      param("validation_fraction", &Params::validation_fraction, 0.01, 0.5, "early-stopping hold-out share"),
      param("n_iter_no_change", &Params::n_iter_no_change, 1, 100000, "epochs without improvement before stopping"),
      param("tol", &Params::tol, 0.0, 1.0, "minimum validation-accuracy improvement"),
      param("early_stopping", &Params::early_stopping, "hold out a validation split and keep the best weights"),
  });
  return table;
}

void MlpClassifier::fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) {
  check_training_set(name_, X, y, n_classes);
  n_classes_ = n_classes;
  scaler_.fit(X);

  std::vector<arma::uword> sizes = {X.n_cols};
  sizes.insert(sizes.end(), params_.hidden.begin(), params_.hidden.end());
  sizes.push_back(n_classes);
  layout_ = MlpLayout(sizes);

  // Glorot-uniform initialisation, layer by layer: weights then biases.
  Rng init_rng(derive_seed(ctx.seed, {kInitTag}));
  theta_.set_size(layout_.n_params());
  for (std::size_t l = 0; l < layout_.n_layers(); ++l) {
    const double bound = std::sqrt(6.0 / static_cast<double>(layout_.in(l) + layout_.out(l)));
    arma::mat W = layout_.weights(theta_, l);
    arma::rowvec b = layout_.bias(theta_, l);
    for (arma::uword k = 0; k < W.n_elem; ++k) W[k] = (2.0 * init_rng.uniform() - 1.0) * bound;
    for (arma::uword k = 0; k < b.n_elem; ++k) b[k] = (2.0 * init_rng.uniform() - 1.0) * bound;
  }

  // Early-stopping hold-out.
  std::vector<arma::uword> train_idx, val_idx;
  const bool holdout = params_.early_stopping && X.n_rows >= 20;
  if (holdout) {
    Rng split_rng(derive_seed(ctx.seed, {kSplitTag}));
    stratified_holdout(y, n_classes, params_.validation_fraction, split_rng, train_idx, val_idx);
  } else {
    for (arma::uword i = 0; i < X.n_rows; ++i) train_idx.push_back(i);
  }
  // Standardised samples as float columns (d x n): minibatches are gathered
  // from here by index into the engine's buffer; no double copy per batch.
  const arma::uvec tr = arma::conv_to<arma::uvec>::from(train_idx);
  const arma::fmat Xtr = scaler_.transform_rows_to_float_columns(X, tr);
  const arma::uvec ytr = y.elem(tr);
  arma::fmat Xval;
  arma::uvec yval;
  if (holdout) {
    const arma::uvec va = arma::conv_to<arma::uvec>::from(val_idx);
    Xval = scaler_.transform_rows_to_float_columns(X, va);
    yval = y.elem(va);
  }

  const std::size_t n_train = Xtr.n_cols;
  const std::size_t batch = std::min<std::size_t>(static_cast<std::size_t>(params_.batch_size), n_train);
  const double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
  // Adam's moments and the master weights stay in double (sklearn's
  // precision); the engine runs on a float copy refreshed by every step.
  arma::vec m(theta_.n_elem, arma::fill::zeros), v(theta_.n_elem, arma::fill::zeros);
  arma::fvec theta_f = arma::conv_to<arma::fvec>::from(theta_), grad;
  MlpFloatEngine engine(layout_);
  arma::vec best_theta = theta_;
  double best = -std::numeric_limits<double>::infinity();
  int no_improvement = 0;
  long long step = 0;
  Rng shuffle_rng(derive_seed(ctx.seed, {kShuffleTag}));
  std::vector<arma::uword> order(n_train);
  for (std::size_t i = 0; i < n_train; ++i) order[i] = i;
  epochs_run_ = 0;
  for (int epoch = 0; epoch < params_.max_iter; ++epoch) {
    shuffle_rng.shuffle(order);
    for (std::size_t start = 0; start < n_train; start += batch) {
      const std::size_t stop = std::min(start + batch, n_train);
      engine.cross_entropy_gradient(theta_f, Xtr, ytr, order.data() + start, stop - start, grad);
      ++step;
      const double lr_t = params_.learning_rate * std::sqrt(1.0 - std::pow(beta2, static_cast<double>(step))) /
                          (1.0 - std::pow(beta1, static_cast<double>(step)));
      const double penalty = params_.alpha / static_cast<double>(stop - start);  // L2 on weights, per batch
      for (std::size_t l = 0; l < layout_.n_layers(); ++l) {
        const arma::uword off = layout_.offset(l), n_w = layout_.in(l)*layout_.out(l), n_b = layout_.out(l);
        adam_step(theta_.memptr() + off, m.memptr() + off, v.memptr() + off, grad.memptr() + off,
                  theta_f.memptr() + off, n_w, {penalty, lr_t, beta1, beta2, eps});
        adam_step(theta_.memptr() + off + n_w, m.memptr() + off + n_w, v.memptr() + off + n_w,
                  grad.memptr() + off + n_w, theta_f.memptr() + off + n_w, n_b, {0.0, lr_t, beta1, beta2, eps});
      }
    }
    ++epochs_run_;
    if (!theta_.is_finite()) throw TrainingError(fmt::format("{}: training diverged (non-finite weights)", name_));
    if (!holdout) continue;
    const double score =
        static_cast<double>(engine.count_correct(theta_f, Xval, yval)) / static_cast<double>(yval.n_elem);
    if (score < best + params_.tol)
      ++no_improvement;
    else
      no_improvement = 0;
    if (score > best) {
      best = score;
      best_theta = theta_;
    }
    if (no_improvement > params_.n_iter_no_change) break;
  }
  if (holdout) {
    theta_ = best_theta;
    best_score_ = best;
  }

  // Float copies for the single-row path, standardisation folded into layer 0.
  std::vector<AffineLayer> layers(layout_.n_layers());
  for (std::size_t l = 0; l < layout_.n_layers(); ++l) {
    // assigned, not initialised: a copy, never an alias of theta_
    layers[l].W = layout_.weights(static_cast<const arma::vec&>(theta_), l);
    layers[l].b = layout_.bias(static_cast<const arma::vec&>(theta_), l);
  }
  row_path_.build(scaler_.mean(), scaler_.scale(), std::move(layers));
}

arma::mat MlpClassifier::predict_proba(const arma::mat& X) const {
  check_predict_input(name_, X, theta_.is_empty() ? 0 : layout_.in(0));
  return softmax_rows(mlp_logits(layout_, theta_, scaler_.transform(X)));
}

void MlpClassifier::predict_proba_row(const double* x, std::size_t d, double* out) const {
  softmax_row(row_path_.forward(x, d), n_classes_, out);
}

void MlpClassifier::predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count, double* out) const {
  row_path_.forward_rows(X, first, count,
                         [&](std::size_t r, const float* z) { softmax_row(z, n_classes_, out + r * n_classes_); });
}

}  // namespace tracer

#include "core/models/mlp_loss.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

#include "core/softmax.hpp"
#include "core/vec_math.hpp"

namespace tracer {

MlpLayout::MlpLayout(std::vector<arma::uword> sizes) : sizes_(std::move(sizes)) {
  if (sizes_.size() < 2) throw InternalError("MlpLayout: need at least input and output sizes");
  offsets_.push_back(0);
  for (std::size_t l = 0; l + 1 < sizes_.size(); ++l) {
    if (sizes_[l] == 0 || sizes_[l + 1] == 0) throw InternalError("MlpLayout: zero layer size");
    offsets_.push_back(offsets_.back() + sizes_[l] * sizes_[l + 1] + sizes_[l + 1]);
  }
}

arma::mat MlpLayout::weights(arma::vec& theta, std::size_t l) const {
  return arma::mat(theta.memptr() + offsets_[l], in(l), out(l), false, true);
}
arma::rowvec MlpLayout::bias(arma::vec& theta, std::size_t l) const {
  return arma::rowvec(theta.memptr() + offsets_[l] + in(l)*out(l), out(l), false, true);
}
const arma::mat MlpLayout::weights(const arma::vec& theta, std::size_t l) const {
  return arma::mat(const_cast<double*>(theta.memptr()) + offsets_[l], in(l), out(l), false, true);
}
const arma::rowvec MlpLayout::bias(const arma::vec& theta, std::size_t l) const {
  return arma::rowvec(const_cast<double*>(theta.memptr()) + offsets_[l] + in(l)*out(l), out(l), false, true);
}

arma::fmat MlpLayout::weights(arma::fvec& theta, std::size_t l) const {
  return arma::fmat(theta.memptr() + offsets_[l], in(l), out(l), false, true);
}
const arma::fmat MlpLayout::weights(const arma::fvec& theta, std::size_t l) const {
  return arma::fmat(const_cast<float*>(theta.memptr()) + offsets_[l], in(l), out(l), false, true);
}

MlpLoss::MlpLoss(const MlpLayout& layout, const arma::mat& X, const arma::uvec& y, double alpha)
    : layout_(layout), X_(X), y_(y), alpha_(alpha) {
  if (X.n_rows != y.n_elem) throw InternalError("MlpLoss: X rows != y length");
  if (X.n_rows == 0) throw InternalError("MlpLoss: no rows");
  if (X.n_cols != layout.in(0)) throw InternalError("MlpLoss: X columns != input size");
  if (y.max() >= layout.out(layout.n_layers() - 1)) throw InternalError("MlpLoss: label >= n_classes");
  if (!(alpha >= 0.0)) throw InternalError("MlpLoss: alpha must be >= 0");
}

arma::mat mlp_logits(const MlpLayout& layout, const arma::vec& theta, const arma::mat& X) {
  arma::mat A = X;
  for (std::size_t l = 0; l < layout.n_layers(); ++l) {
    arma::mat Z = A * layout.weights(theta, l);
    Z.each_row() += layout.bias(theta, l);
    if (l + 1 < layout.n_layers()) Z.clamp(0.0, arma::datum::inf);  // ReLU (hidden layers)
    A = std::move(Z);
  }
  return A;
}

double MlpLoss::evaluate_with_gradient(const arma::vec& theta, arma::vec& grad) const {
  const std::size_t L = layout_.n_layers();
  const arma::uword n = X_.n_rows;
  const double inv_n = 1.0 / static_cast<double>(n);
  // Forward pass, keeping every layer's (post-ReLU) activations.
  std::vector<arma::mat> act(L);  // act[l] = output of layer l (logits for the last)
  for (std::size_t l = 0; l < L; ++l) {
    const arma::mat& input = l == 0 ? X_ : act[l - 1];
    act[l] = input * layout_.weights(theta, l);
    act[l].each_row() += layout_.bias(theta, l);
    if (l + 1 < L) act[l].clamp(0.0, arma::datum::inf);
  }
  // Softmax cross-entropy; delta = (P - Y) / n.
  arma::mat& Z = act[L - 1];
  const arma::vec lse = log_sum_exp_rows(Z);
  double ce = 0.0;
  for (arma::uword i = 0; i < n; ++i) ce += lse[i] - Z(i, y_[i]);
  arma::mat delta = arma::exp(Z.each_col() - lse);
  for (arma::uword i = 0; i < n; ++i) delta(i, y_[i]) -= 1.0;
  delta *= inv_n;

  grad.set_size(theta.n_elem);
  double penalty = 0.0;
  for (std::size_t l = L; l-- > 0;) {
    const arma::mat W = layout_.weights(theta, l);
    penalty += arma::accu(arma::square(W));
    const arma::mat& input = l == 0 ? X_ : act[l - 1];
    arma::mat gW = layout_.weights(grad, l);
    arma::rowvec gb = layout_.bias(grad, l);
    gW = input.t() * delta + (alpha_ * inv_n) * W;
    gb = arma::sum(delta, 0);
    if (l > 0) {
      arma::mat back = delta * W.t();
      const double* a = act[l - 1].memptr();  // ReLU derivative: 0 where the unit was off
      double* bk = back.memptr();
      for (arma::uword k = 0; k < back.n_elem; ++k)
        if (!(a[k] > 0.0)) bk[k] = 0.0;
      delta = std::move(back);
    }
  }
  return ce * inv_n + 0.5 * alpha_ * inv_n * penalty;
}

double MlpLoss::evaluate(const arma::vec& theta) const {
  arma::vec g;
  return evaluate_with_gradient(theta, g);
}

}  // namespace tracer

namespace tracer {

namespace {

constexpr std::size_t kBlock = PackedAffine::kBlockRows;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }

// act[k] = back[k] where act[k] > 0, else 0.
void relu_mask(float* __restrict act, const float* __restrict back, std::size_t n) {
  for (std::size_t k = 0; k < n; ++k) {
    const float b = back[k];  // read unconditionally, so the select needs no branch
    act[k] = act[k] > 0.0f ? b : 0.0f;
  }
}

// Rows [0, m) of the product A B, B packed in `packed` (k x n): fill(r0,
// rows, xb) writes rows r0..r0+rows-1 of A interleaved (xb[i * kBlock + r],
// i < k) and zeros for r >= rows; row r's n outputs go to dest + r * ld.
// padded_dest: dest has room for padded_out() floats a row and for whole
// blocks of rows (the engine's activations); otherwise a block is written
// in place only when it fits, else through `spill` and copied.
template <class Fill>
void block_product(const PackedAffine& packed, std::size_t m, Fill&& fill, float* dest, std::size_t ld,
                   bool padded_dest, bool relu, std::vector<float>& xb, std::vector<float>& spill) {
  const std::size_t k = packed.in_dim(), n = packed.out_dim(), pn = packed.padded_out();
  xb.resize(k * kBlock);
  spill.resize(pn * kBlock);
  const bool in_place = ld >= pn;
  for (std::size_t r0 = 0; r0 < m; r0 += kBlock) {
    const std::size_t rows = std::min(kBlock, m - r0);
    fill(r0, rows, xb.data());
    if (in_place && (padded_dest || rows == kBlock)) {
      packed.apply_block(xb.data(), dest + r0 * ld, ld, relu);
    } else {
      packed.apply_block(xb.data(), spill.data(), pn, relu);
      for (std::size_t r = 0; r < rows; ++r)
        std::memcpy(dest + (r0 + r) * ld, spill.data() + r * pn, n * sizeof(float));
    }
  }
}

}  // namespace

template <class Sample>
void MlpFloatEngine::forward(const arma::fvec& theta, std::size_t nb, Sample&& sample) {
  const std::size_t L = layout_.n_layers();
  act_.resize(L);
  for (std::size_t l = 0; l < L; ++l) {
    const std::size_t in = layout_.in(l), out = layout_.out(l);
    const float* W = theta.memptr() + layout_.offset(l);
    packed_.pack_columns(in, out, W, in, W + in * out);  // B(i, o) = W(i, o), with the bias
    act_[l].set_size(packed_.padded_out(), round_up(nb, kBlock));
    const std::size_t ld = act_[l].n_rows;
    const auto fill = [&](std::size_t r0, std::size_t rows, float* xb) {
      if (l == 0) {
        interleave_block(
            in, rows, [&](std::size_t r) { return sample(r0 + r); }, xb);
        // The samples are scattered columns of a matrix far bigger than L2:
        // fetch the next block's while this one's product runs (a block's
        // product is thousands of cycles; without this the copy above waits
        // on memory for every column, a quarter of the engine's own time).
        constexpr std::size_t kLine = 64 / sizeof(float);
        for (std::size_t r = r0 + kBlock; r < std::min(nb, r0 + 2 * kBlock); ++r)
          for (std::size_t i = 0; i < in; i += kLine) __builtin_prefetch(sample(r) + i, 0, 2);
      } else {
        interleave_block(
            in, rows, [&](std::size_t r) { return act_[l - 1].colptr(r0 + r); }, xb);
      }
    };
    block_product(packed_, nb, fill, act_[l].memptr(), ld, true, l + 1 < L, xb_, spill_);
  }
}

double MlpFloatEngine::cross_entropy_gradient(const arma::fvec& theta, const arma::fmat& Xt, const arma::uvec& y,
                                              const arma::uword* idx, std::size_t nb, arma::fvec& grad) {
  const std::size_t L = layout_.n_layers();
  const auto sample = [&](std::size_t j) { return Xt.colptr(idx[j]); };
  forward(theta, nb, sample);

  // Softmax cross-entropy per column in double; the residual (P - Y) / nb
  // overwrites the logits (the padding rows stay 0).
  arma::fmat& Z = act_[L - 1];
  const arma::uword K = layout_.out(L - 1);
  const double inv_n = 1.0 / static_cast<double>(nb);
  std::vector<double> z(K);
  double ce = 0.0;
  for (std::size_t j = 0; j < nb; ++j) {
    float* col = Z.colptr(j);
    double m = -std::numeric_limits<double>::infinity();
    for (arma::uword k = 0; k < K; ++k) {
      z[k] = static_cast<double>(col[k]);
      m = std::max(m, z[k]);
    }
    const arma::uword yj = y[idx[j]];
    const double zy = z[yj] - m;
    for (arma::uword k = 0; k < K; ++k) z[k] -= m;
    exp_nonpositive_inplace(z.data(), K);
    double s = 0.0;
    for (arma::uword k = 0; k < K; ++k) s += z[k];  // >= 1
    ce += std::log(s) - zy;
    const double scale = inv_n / s;
    for (arma::uword k = 0; k < K; ++k) col[k] = static_cast<float>(z[k] * scale - (k == yj ? inv_n : 0.0));
  }

  grad.set_size(layout_.n_params());
  for (std::size_t l = L; l-- > 0;) {
    const std::size_t in = layout_.in(l), out = layout_.out(l);
    const arma::fmat& delta = act_[l];  // padded out x nb (+ block padding columns)
    const std::size_t ldd = delta.n_rows;
    // Weight gradient gW(i, o) = sum_j in(i, j) delta(o, j), stored column o
    // after column o: rows o of delta B with B(j, i) = in(i, j), each
    // sample's inputs contiguous (a copy); the chain runs over the samples.
    rows_.resize(nb);
    for (std::size_t j = 0; j < nb; ++j) rows_[j] = l == 0 ? sample(j) : act_[l - 1].colptr(j);
    packed_.pack_rows(nb, in, rows_.data(), nullptr);
    const float* dm = delta.memptr();
    block_product(
        packed_, out,
        [&](std::size_t o0, std::size_t, float* xb) {
          // rows o0..o0+3 of delta: four contiguous floats of each column
          // (the padding rows, past out, are 0).
          for (std::size_t j = 0; j < nb; ++j) std::memcpy(xb + j * kBlock, dm + j * ldd + o0, kBlock * sizeof(float));
        },
        grad.memptr() + layout_.offset(l), in, false, false, xb_, spill_);
    float* gb = grad.memptr() + layout_.offset(l) + in * out;
    for (std::size_t u = 0; u < out; ++u) gb[u] = 0.0f;
    for (std::size_t j = 0; j < nb; ++j) {
      const float* dc = delta.colptr(j);
      for (std::size_t u = 0; u < out; ++u) gb[u] += dc[u];
    }
    if (l > 0) {
      // back(i, j) = sum_o W(i, o) delta(o, j): rows j of delta' B with
      // B(o, i) = W(i, o), each output's weights contiguous (a copy).
      const float* W = theta.memptr() + layout_.offset(l);
      rows_.resize(out);
      for (std::size_t o = 0; o < out; ++o) rows_[o] = W + o * in;
      packed_.pack_rows(out, in, rows_.data(), nullptr);
      arma::fmat& prev = act_[l - 1];
      back_.set_size(prev.n_rows, prev.n_cols);
      block_product(
          packed_, nb,
          [&](std::size_t j0, std::size_t rows, float* xb) {
            interleave_block(
                out, rows, [&](std::size_t r) { return delta.colptr(j0 + r); }, xb);
          },
          back_.memptr(), back_.n_rows, true, false, xb_, spill_);
      // ReLU derivative: 0 where the unit was off; the result becomes the
      // previous layer's delta. A vectorised select, not a branch (relu_mask
      // reads back_ unconditionally): a unit is on or off by a coin flip, and
      // the branch GCC emitted for the conditional read was 7% of an MLP fit.
      relu_mask(prev.memptr(), back_.memptr(), prev.n_elem);
    }
  }
  return ce * inv_n;
}

std::size_t MlpFloatEngine::count_correct(const arma::fvec& theta, const arma::fmat& Xt, const arma::uvec& y) {
  forward(theta, Xt.n_cols, [&](std::size_t j) { return Xt.colptr(j); });
  const arma::fmat& Z = act_.back();
  const arma::uword K = layout_.out(layout_.n_layers() - 1);
  std::size_t correct = 0;
  for (arma::uword j = 0; j < Xt.n_cols; ++j) {
    const float* col = Z.colptr(j);
    arma::uword best = 0;
    for (arma::uword k = 1; k < K; ++k)
      if (col[k] > col[best]) best = k;
    correct += best == y[j] ? 1 : 0;
  }
  return correct;
}

}  // namespace tracer

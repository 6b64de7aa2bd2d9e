#include "core/models/scaled_affine.hpp"

#include "core/errors.hpp"
#include "core/models/simd.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>

namespace tracer {

namespace {

constexpr std::size_t P = PackedAffine::kPanel;

// G output panels at once, the input split into U interleaved partial sums
// (G * U independent accumulator vectors hide the FMA latency; each input
// value is broadcast once per panel group). GCC vector extensions give the
// same code shape for every target (AVX-512: one zmm per panel, AVX2: two ymm,
// SSE2: four xmm). GCC fuses the multiply-adds where the target has FMA.
typedef float v16 __attribute__((vector_size(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4), may_alias));  // unaligned access
#define TRACER_LOAD16(p) (*reinterpret_cast<const v16u*>(p))

template <std::size_t G, std::size_t U>
__attribute__((always_inline)) inline void panel_group(const float* __restrict x, std::size_t in,
                                                       const float* __restrict base, std::size_t stride,
                                                       const float* __restrict bias, float* __restrict y) {
  static_assert(P == 16);
  v16 acc[G * U];
  for (std::size_t a = 0; a < G * U; ++a) acc[a] = v16{};
  std::size_t i = 0;
  for (; i + U <= in; i += U)
    for (std::size_t u = 0; u < U; ++u) {
      const float xi = x[i + u];
      for (std::size_t g = 0; g < G; ++g) acc[g * U + u] += xi * TRACER_LOAD16(base + g * stride + (i + u) * P);
    }
  for (; i < in; ++i)
    for (std::size_t g = 0; g < G; ++g) acc[g * U] += x[i] * TRACER_LOAD16(base + g * stride + i * P);
  for (std::size_t g = 0; g < G; ++g) {
    v16 s = acc[g * U];
    if constexpr (U == 2) s = s + acc[g * U + 1];
    if constexpr (U == 4) s = (s + acc[g * U + 1]) + (acc[g * U + 2] + acc[g * U + 3]);
    s += TRACER_LOAD16(bias + g * P);
    *reinterpret_cast<v16u*>(y + g * P) = s;
  }
}

TRACER_MULTIVERSION
void affine_kernel(const float* __restrict x, std::size_t in, const float* __restrict panels, std::size_t n_panels,
                   const float* __restrict bias, float* __restrict y, bool relu) {
  const std::size_t stride = in * P;
  std::size_t p = 0;
  for (; p + 4 <= n_panels; p += 4) panel_group<4, 1>(x, in, panels + p * stride, stride, bias + p * P, y + p * P);
  switch (n_panels - p) {
    case 3:
      panel_group<3, 1>(x, in, panels + p * stride, stride, bias + p * P, y + p * P);
      break;
    case 2:
      panel_group<2, 2>(x, in, panels + p * stride, stride, bias + p * P, y + p * P);
      break;
    case 1:
      panel_group<1, 4>(x, in, panels + p * stride, stride, bias + p * P, y + p * P);
      break;
    default:
      break;
  }
  if (relu)
    for (std::size_t c = 0; c < n_panels * P; ++c) y[c] = y[c] > 0.0f ? y[c] : 0.0f;
}
#undef TRACER_LOAD16

// Per-thread scratch buffer `slot` of at least n floats (allocates only when it grows).
float* row_scratch(std::size_t slot, std::size_t n) {
  thread_local std::array<std::vector<float>, 4> buffers;
  auto& buf = buffers.at(slot);
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace

void PackedAffine::pack(const arma::mat& W, const arma::rowvec& b) {
  TRACER_CHECK(b.n_elem == W.n_cols, "PackedAffine::pack: bias length != W columns");
  in_ = W.n_rows;
  out_ = W.n_cols;
  n_panels_ = (out_ + P - 1) / P;
  panels_.assign(n_panels_ * in_ * P, 0.0f);
  bias_.assign(n_panels_ * P, 0.0f);
  for (std::size_t o = 0; o < out_; ++o) {
    const std::size_t p = o / P, c = o % P;
    bias_[o] = static_cast<float>(b[o]);
    for (std::size_t i = 0; i < in_; ++i) panels_[(p * in_ + i) * P + c] = static_cast<float>(W(i, o));
  }
}

void PackedAffine::apply(const float* x, float* y, bool relu) const {
  affine_kernel(x, in_, panels_.data(), n_panels_, bias_.data(), y, relu);
}

void ScaledAffineStack::fold_standardisation(const arma::rowvec& mean, const arma::rowvec& scale, arma::mat& W,
                                             arma::rowvec& b) {
  TRACER_CHECK(mean.n_elem == W.n_rows && scale.n_elem == W.n_rows && b.n_elem == W.n_cols,
               "fold_standardisation: sizes differ");
  W.each_col() /= scale.t();
  b -= mean * W;  // uses the already rescaled W: mean/scale . W_original
}

void ScaledAffineStack::build(const arma::rowvec& mean, const arma::rowvec& scale, std::vector<AffineLayer> layers) {
  TRACER_CHECK(!layers.empty(), "ScaledAffineStack::build: no layers");
  for (std::size_t l = 1; l < layers.size(); ++l)
    TRACER_CHECK(layers[l].W.n_rows == layers[l - 1].W.n_cols, "ScaledAffineStack::build: layer sizes do not chain");
  fold_standardisation(mean, scale, layers[0].W, layers[0].b);
  layers_.assign(layers.size(), PackedAffine());
  for (std::size_t l = 0; l < layers.size(); ++l) layers_[l].pack(layers[l].W, layers[l].b);
}

const float* ScaledAffineStack::forward(const double* x, std::size_t d) const {
  TRACER_CHECK(!layers_.empty(), "ScaledAffineStack::forward before build (predict before fit)");
  TRACER_CHECK(d == layers_.front().in_dim(),
               "ScaledAffineStack::forward: row length differs from the fitted features");
  float* a = row_scratch(0, d);
  for (std::size_t j = 0; j < d; ++j) a[j] = static_cast<float>(x[j]);
  for (std::size_t l = 0; l < layers_.size(); ++l) {
    float* next = row_scratch(1 + (l % 2), layers_[l].padded_out());
    layers_[l].apply(a, next, l + 1 < layers_.size());
    a = next;
  }
  return a;
}

void softmax_row(const float* z, std::size_t k, double* out) {
  double m = z[0];
  for (std::size_t j = 1; j < k; ++j) m = std::max(m, static_cast<double>(z[j]));
  double s = 0.0;
  for (std::size_t j = 0; j < k; ++j) {
    out[j] = std::exp(static_cast<double>(z[j]) - m);
    s += out[j];
  }
  const double inv = 1.0 / s;
  for (std::size_t j = 0; j < k; ++j) out[j] *= inv;
}

}  // namespace tracer

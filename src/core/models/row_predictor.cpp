#include "core/models/row_predictor.hpp"

#include "core/models/simd.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>

namespace tracer {

namespace {

constexpr std::size_t P = PackedAffine::kPanel;

// Four output panels (64 outputs) per sweep over the input: 4 independent
// accumulator vectors hide FMA latency and each input value is broadcast once.

TRACER_MULTIVERSION
void affine_kernel(const float* __restrict x, std::size_t in, const float* __restrict panels,
                   std::size_t n_panels, const float* __restrict bias, float* __restrict y, bool relu) {
  std::size_t p = 0;
  for (; p + 4 <= n_panels; p += 4) {
    float a0[P], a1[P], a2[P], a3[P];
    const float* p0 = panels + (p + 0) * in * P;
    const float* p1 = panels + (p + 1) * in * P;
    const float* p2 = panels + (p + 2) * in * P;
    const float* p3 = panels + (p + 3) * in * P;
    for (std::size_t c = 0; c < P; ++c) {
      a0[c] = bias[(p + 0) * P + c];
      a1[c] = bias[(p + 1) * P + c];
      a2[c] = bias[(p + 2) * P + c];
      a3[c] = bias[(p + 3) * P + c];
    }
    for (std::size_t i = 0; i < in; ++i) {
      const float xi = x[i];
      for (std::size_t c = 0; c < P; ++c) a0[c] = std::fma(xi, p0[i * P + c], a0[c]);
      for (std::size_t c = 0; c < P; ++c) a1[c] = std::fma(xi, p1[i * P + c], a1[c]);
      for (std::size_t c = 0; c < P; ++c) a2[c] = std::fma(xi, p2[i * P + c], a2[c]);
      for (std::size_t c = 0; c < P; ++c) a3[c] = std::fma(xi, p3[i * P + c], a3[c]);
    }
    for (std::size_t c = 0; c < P; ++c) {
      y[(p + 0) * P + c] = a0[c];
      y[(p + 1) * P + c] = a1[c];
      y[(p + 2) * P + c] = a2[c];
      y[(p + 3) * P + c] = a3[c];
    }
  }
  for (; p < n_panels; ++p) {  // remaining panels: split the input in 4 partial sums
    float a0[P], a1[P], a2[P], a3[P];
    const float* p0 = panels + p * in * P;
    for (std::size_t c = 0; c < P; ++c) {
      a0[c] = bias[p * P + c];
      a1[c] = a2[c] = a3[c] = 0.0f;
    }
    std::size_t i = 0;
    for (; i + 4 <= in; i += 4) {
      for (std::size_t c = 0; c < P; ++c) a0[c] = std::fma(x[i], p0[i * P + c], a0[c]);
      for (std::size_t c = 0; c < P; ++c) a1[c] = std::fma(x[i + 1], p0[(i + 1) * P + c], a1[c]);
      for (std::size_t c = 0; c < P; ++c) a2[c] = std::fma(x[i + 2], p0[(i + 2) * P + c], a2[c]);
      for (std::size_t c = 0; c < P; ++c) a3[c] = std::fma(x[i + 3], p0[(i + 3) * P + c], a3[c]);
    }
    for (; i < in; ++i)
      for (std::size_t c = 0; c < P; ++c) a0[c] = std::fma(x[i], p0[i * P + c], a0[c]);
    for (std::size_t c = 0; c < P; ++c) y[p * P + c] = (a0[c] + a1[c]) + (a2[c] + a3[c]);
  }
  if (relu)
    for (std::size_t c = 0; c < n_panels * P; ++c) y[c] = y[c] > 0.0f ? y[c] : 0.0f;
}

}  // namespace

void PackedAffine::pack(const arma::mat& W, const arma::rowvec& b) {
  if (b.n_elem != W.n_cols) throw std::invalid_argument("PackedAffine::pack: bias length != W columns");
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

void fold_standardisation(const arma::rowvec& mean, const arma::rowvec& scale, arma::mat& W,
                          arma::rowvec& b) {
  W.each_col() /= scale.t();
  b -= mean * W;  // uses the already rescaled W: mean/scale . W_original
}

float* row_scratch(std::size_t slot, std::size_t n) {
  thread_local std::array<std::vector<float>, 4> buffers;
  auto& buf = buffers.at(slot);
  if (buf.size() < n) buf.resize(n);
  return buf.data();
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

#include "core/models/scaled_affine.hpp"

#include "core/errors.hpp"
#include "core/models/simd.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>

#if TRACER_X86_KERNELS
#include <immintrin.h>
#endif

namespace tracer {

namespace {

constexpr std::size_t P = PackedAffine::kPanel;

// Every kernel computes, for each output o of a 16-wide panel,
//   acc_o = 0; for i in 0..in: acc_o = fma(x_i, w_io, acc_o)   (SSE2: acc_o + x_i w_io)
//   y_o = acc_o + b_o, then max(0, y_o) if relu,
// i.e. one sequential chain per output; the kernels differ only in how many
// outputs advance together (G panels of 16 at once, as registers allow: the
// independent chains hide the FMA latency, each x_i is broadcast once per
// group, the weights stream once). Groups are balanced (16 panels on AVX2:
// 6 + 5 + 5, not 6 + 6 + 4) so that no group is a short latency-bound chain.
//
// Layout: panel p holds rows i = 0..in-1 of 16 floats (64 bytes, aligned).
// The `#pragma GCC unroll` on every loop over accumulators is what keeps them
// in registers: without it GCC turns the zeroing loop into a memset and keeps
// the accumulator array on the stack, storing it every iteration (checked with
// objdump: no %rsp traffic inside the inner loops).

using Kernel = void (*)(const float* x, std::size_t in, const float* panels, std::size_t n_panels, const float* bias,
                        float* y, bool relu, bool reverse);

// group(std::integral_constant<std::size_t, G>{}, p) for the run-time width
// g in [1, Gmax]: each kernel's group code is a template on its width.
template <std::size_t Gmax, class F>
inline void with_width(std::size_t g, F& group, std::size_t p) {
  if constexpr (Gmax > 1) {
    if (g < Gmax) return with_width<Gmax - 1>(g, group, p);
  }
  group(std::integral_constant<std::size_t, Gmax>{}, p);
}

// Calls group(G, first panel), G a std::integral_constant, for balanced
// groups of at most Gmax panels, in panel order or (reverse) in the opposite
// order. The outputs do not depend on the order; see
// ScaledAffineStack::forward for why it alternates.
template <std::size_t Gmax, class F>
inline void for_balanced_groups(std::size_t n_panels, bool reverse, F&& group) {
  if (n_panels == 0) return;
  const std::size_t n_groups = (n_panels + Gmax - 1) / Gmax;
  const std::size_t base = n_panels / n_groups, extra = n_panels % n_groups;
  const auto size_of = [&](std::size_t g) { return base + (g < extra ? 1 : 0); };
  if (!reverse) {
    std::size_t p = 0;
    for (std::size_t g = 0; g < n_groups; ++g) {
      with_width<Gmax>(size_of(g), group, p);
      p += size_of(g);
    }
  } else {
    std::size_t end = n_panels;
    for (std::size_t g = n_groups; g-- > 0;) {
      end -= size_of(g);
      with_width<Gmax>(size_of(g), group, end);
    }
  }
}

// ---- portable: scalar std::fma, the reference order ----------------------------
void kernel_portable(const float* __restrict x, std::size_t in, const float* __restrict panels, std::size_t n_panels,
                     const float* __restrict bias, float* __restrict y, bool relu,
                     bool /*reverse: one panel at a time, order irrelevant*/) {
  for (std::size_t p = 0; p < n_panels; ++p) {
    const float* w = panels + p * in * P;
    float acc[P] = {};
    for (std::size_t i = 0; i < in; ++i)
      for (std::size_t c = 0; c < P; ++c) acc[c] = std::fma(x[i], w[i * P + c], acc[c]);
    for (std::size_t c = 0; c < P; ++c) {
      const float v = acc[c] + bias[p * P + c];
      y[p * P + c] = relu ? (v > 0.0f ? v : 0.0f) : v;
    }
  }
}

#if TRACER_X86_KERNELS

// ---- SSE2 (baseline x86-64): 4 xmm per panel, multiply then add --------------
template <std::size_t G>
inline void group_sse2(const float* __restrict x, std::size_t in, const float* __restrict base, std::size_t stride,
                       const float* __restrict bias, float* __restrict y, bool relu) {
  __m128 acc[4 * G];
#pragma GCC unroll 16
  for (std::size_t a = 0; a < 4 * G; ++a) acc[a] = _mm_setzero_ps();
  for (std::size_t i = 0; i < in; ++i) {
    const __m128 xi = _mm_set1_ps(x[i]);
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) {
      const float* w = base + g * stride + i * P;
#pragma GCC unroll 16
      for (std::size_t q = 0; q < 4; ++q)
        acc[4 * g + q] = _mm_add_ps(acc[4 * g + q], _mm_mul_ps(xi, _mm_load_ps(w + 4 * q)));
    }
  }
  const __m128 zero = _mm_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t g = 0; g < G; ++g)
#pragma GCC unroll 16
    for (std::size_t q = 0; q < 4; ++q) {
      __m128 v = _mm_add_ps(acc[4 * g + q], _mm_load_ps(bias + g * P + 4 * q));
      if (relu) v = _mm_max_ps(v, zero);
      _mm_storeu_ps(y + g * P + 4 * q, v);
    }
}

void kernel_sse2(const float* __restrict x, std::size_t in, const float* __restrict panels, std::size_t n_panels,
                 const float* __restrict bias, float* __restrict y, bool relu, bool reverse) {
  const std::size_t stride = in * P;
  for_balanced_groups<3>(n_panels, reverse, [&](auto G, std::size_t p) {
    const float* b = panels + p * stride;
    group_sse2<decltype(G)::value>(x, in, b, stride, bias + p * P, y + p * P, relu);
  });
}

// ---- AVX2 + FMA: 2 ymm per panel, up to 6 panels (12 accumulators) -----------
#define TRACER_AVX2 __attribute__((target("avx2,fma")))

template <std::size_t G>
TRACER_AVX2 inline __attribute__((always_inline)) void group_avx2(const float* __restrict x, std::size_t in,
                                                                  const float* __restrict base, std::size_t stride,
                                                                  const float* __restrict bias, float* __restrict y,
                                                                  bool relu) {
  __m256 acc[2 * G];
#pragma GCC unroll 16
  for (std::size_t a = 0; a < 2 * G; ++a) acc[a] = _mm256_setzero_ps();
  for (std::size_t i = 0; i < in; ++i) {
    const __m256 xi = _mm256_broadcast_ss(x + i);
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) {
      const float* w = base + g * stride + i * P;
      acc[2 * g] = _mm256_fmadd_ps(xi, _mm256_load_ps(w), acc[2 * g]);
      acc[2 * g + 1] = _mm256_fmadd_ps(xi, _mm256_load_ps(w + 8), acc[2 * g + 1]);
    }
  }
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t g = 0; g < G; ++g)
#pragma GCC unroll 16
    for (std::size_t q = 0; q < 2; ++q) {
      __m256 v = _mm256_add_ps(acc[2 * g + q], _mm256_load_ps(bias + g * P + 8 * q));
      if (relu) v = _mm256_max_ps(v, zero);
      _mm256_storeu_ps(y + g * P + 8 * q, v);
    }
}

TRACER_AVX2 void kernel_avx2(const float* __restrict x, std::size_t in, const float* __restrict panels,
                             std::size_t n_panels, const float* __restrict bias, float* __restrict y, bool relu,
                             bool reverse) {
  const std::size_t stride = in * P;
  for_balanced_groups<6>(n_panels, reverse, [&](auto G, std::size_t p) TRACER_AVX2 {
    const float* b = panels + p * stride;
    float* out = y + p * P;
    const float* bb = bias + p * P;
    group_avx2<decltype(G)::value>(x, in, b, stride, bb, out, relu);
  });
}
#undef TRACER_AVX2

// ---- AVX-512F: 1 zmm per panel, up to 8 panels --------------------------------
#define TRACER_AVX512 __attribute__((target("avx512f")))

template <std::size_t G>
TRACER_AVX512 inline __attribute__((always_inline)) void group_avx512(const float* __restrict x, std::size_t in,
                                                                      const float* __restrict base, std::size_t stride,
                                                                      const float* __restrict bias, float* __restrict y,
                                                                      bool relu) {
  __m512 acc[G];
#pragma GCC unroll 16
  for (std::size_t a = 0; a < G; ++a) acc[a] = _mm512_setzero_ps();
  for (std::size_t i = 0; i < in; ++i) {
    const __m512 xi = _mm512_set1_ps(x[i]);
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) acc[g] = _mm512_fmadd_ps(xi, _mm512_load_ps(base + g * stride + i * P), acc[g]);
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t g = 0; g < G; ++g) {
    __m512 v = _mm512_add_ps(acc[g], _mm512_load_ps(bias + g * P));
    // max(v, 0) as the other kernels (0 for NaN and -0); not _mm512_max_ps,
    // whose _mm512_undefined_ps trips GCC 12's -Wmaybe-uninitialized.
    if (relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), v);
    _mm512_storeu_ps(y + g * P, v);
  }
}

TRACER_AVX512 void kernel_avx512(const float* __restrict x, std::size_t in, const float* __restrict panels,
                                 std::size_t n_panels, const float* __restrict bias, float* __restrict y, bool relu,
                                 bool reverse) {
  const std::size_t stride = in * P;
  for_balanced_groups<8>(n_panels, reverse, [&](auto G, std::size_t p) TRACER_AVX512 {
    const float* b = panels + p * stride;
    float* out = y + p * P;
    const float* bb = bias + p * P;
    group_avx512<decltype(G)::value>(x, in, b, stride, bb, out, relu);
  });
}
#undef TRACER_AVX512

#endif  // TRACER_X86_KERNELS

// ---- row blocks: kBlockRows rows per pass over the weights ------------------
// The batch serving path (serving_probabilities: every split of the protocol
// and the gate) runs kBlockRows rows at once: each weight vector is loaded
// once and used for every row of the block, so a layer streams its weights
// from cache once per block instead of once per row, and the input is read
// straight from the column-major batch (no transposed copy). Per (row,
// output) the arithmetic is the row kernel's chain above, acc = fma(x_i,
// w_io, acc) over i in order, then + b, then max(0, .): a row computed in a
// block has exactly the bits of the same row computed alone (test:
// ScaledAffine.BlockKernelsGiveTheRowKernelsBits).
//
// xb: the block's inputs interleaved, xb[i * kBlockRows + r] (rows past the
// block's real count are zeros); y: row r at y + r * ldy.
constexpr std::size_t R = PackedAffine::kBlockRows;

using BlockKernel = void (*)(const float* xb, std::size_t in, const float* panels, std::size_t n_panels,
                             const float* bias, float* y, std::size_t ldy, bool relu, bool reverse);

// Fallback for kernels without a block form (portable, SSE2): the row kernel
// on each row, de-interleaved.
template <Kernel RowKernel>
void block_by_rows(const float* xb, std::size_t in, const float* panels, std::size_t n_panels, const float* bias,
                   float* y, std::size_t ldy, bool relu, bool reverse) {
  thread_local std::vector<float> row;
  row.resize(in);
  for (std::size_t r = 0; r < R; ++r) {
    for (std::size_t i = 0; i < in; ++i) row[i] = xb[i * R + r];
    RowKernel(row.data(), in, panels, n_panels, bias, y + r * ldy, relu, reverse);
  }
}

#if TRACER_X86_KERNELS

#define TRACER_AVX2 __attribute__((target("avx2,fma")))

// AVX2 + FMA: Rb rows (of the block's R) x G panels x 2 ymm accumulators.
template <std::size_t Rb, std::size_t G>
TRACER_AVX2 inline __attribute__((always_inline)) void block_group_avx2(
    const float* __restrict xb, std::size_t in, const float* __restrict base, std::size_t stride,
    const float* __restrict bias, float* __restrict y, std::size_t ldy, bool relu) {
  __m256 acc[Rb * 2 * G];
#pragma GCC unroll 16
  for (std::size_t a = 0; a < Rb * 2 * G; ++a) acc[a] = _mm256_setzero_ps();
  for (std::size_t i = 0; i < in; ++i) {
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) {
      const float* w = base + g * stride + i * P;
      const __m256 w0 = _mm256_load_ps(w), w1 = _mm256_load_ps(w + 8);
#pragma GCC unroll 16
      for (std::size_t r = 0; r < Rb; ++r) {
        const __m256 xi = _mm256_broadcast_ss(xb + i * R + r);
        acc[(r * G + g) * 2] = _mm256_fmadd_ps(xi, w0, acc[(r * G + g) * 2]);
        acc[(r * G + g) * 2 + 1] = _mm256_fmadd_ps(xi, w1, acc[(r * G + g) * 2 + 1]);
      }
    }
  }
  const __m256 zero = _mm256_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t r = 0; r < Rb; ++r)
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g)
#pragma GCC unroll 16
      for (std::size_t q = 0; q < 2; ++q) {
        __m256 v = _mm256_add_ps(acc[(r * G + g) * 2 + q], _mm256_load_ps(bias + g * P + 8 * q));
        if (relu) v = _mm256_max_ps(v, zero);
        _mm256_storeu_ps(y + r * ldy + g * P + 8 * q, v);
      }
}

// All four rows, one panel at a time: 8 accumulators, the panel's two
// weight vectors loaded once per input for the four rows, four broadcasts
// (14 of the 16 ymm registers). Two rows x three panels (12 accumulators)
// left no register free: GCC then re-loaded every weight vector for each
// row, and the block ran slower than four single rows.
TRACER_AVX2 void block_avx2(const float* __restrict xb, std::size_t in, const float* __restrict panels,
                            std::size_t n_panels, const float* __restrict bias, float* __restrict y, std::size_t ldy,
                            bool relu, bool reverse) {
  const std::size_t stride = in * P;
  for_balanced_groups<1>(n_panels, reverse, [&](auto, std::size_t p) TRACER_AVX2 {
    block_group_avx2<R, 1>(xb, in, panels + p * stride, stride, bias + p * P, y + p * P, ldy, relu);
  });
}
#undef TRACER_AVX2

#define TRACER_AVX512 __attribute__((target("avx512f")))

// AVX-512F: all R rows x G panels, one zmm accumulator each (24 for G = 6).
template <std::size_t G>
TRACER_AVX512 inline __attribute__((always_inline)) void block_group_avx512(
    const float* __restrict xb, std::size_t in, const float* __restrict base, std::size_t stride,
    const float* __restrict bias, float* __restrict y, std::size_t ldy, bool relu) {
  __m512 acc[R * G];
#pragma GCC unroll 32
  for (std::size_t a = 0; a < R * G; ++a) acc[a] = _mm512_setzero_ps();
  for (std::size_t i = 0; i < in; ++i) {
    __m512 xi[R];
#pragma GCC unroll 16
    for (std::size_t r = 0; r < R; ++r) xi[r] = _mm512_set1_ps(xb[i * R + r]);
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) {
      const __m512 w = _mm512_load_ps(base + g * stride + i * P);
#pragma GCC unroll 16
      for (std::size_t r = 0; r < R; ++r) acc[r * G + g] = _mm512_fmadd_ps(xi[r], w, acc[r * G + g]);
    }
  }
  const __m512 zero = _mm512_setzero_ps();
#pragma GCC unroll 16
  for (std::size_t r = 0; r < R; ++r)
#pragma GCC unroll 16
    for (std::size_t g = 0; g < G; ++g) {
      __m512 v = _mm512_add_ps(acc[r * G + g], _mm512_load_ps(bias + g * P));
      if (relu) v = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(v, zero, _CMP_GT_OQ), v);
      _mm512_storeu_ps(y + r * ldy + g * P, v);
    }
}

TRACER_AVX512 void block_avx512(const float* __restrict xb, std::size_t in, const float* __restrict panels,
                                std::size_t n_panels, const float* __restrict bias, float* __restrict y,
                                std::size_t ldy, bool relu, bool reverse) {
  const std::size_t stride = in * P;
  for_balanced_groups<6>(n_panels, reverse, [&](auto G, std::size_t p) TRACER_AVX512 {
    const float* b = panels + p * stride;
    float* out = y + p * P;
    const float* bb = bias + p * P;
    block_group_avx512<decltype(G)::value>(xb, in, b, stride, bb, out, ldy, relu);
  });
}
#undef TRACER_AVX512

#endif  // TRACER_X86_KERNELS

BlockKernel block_kernel_for(AffineIsa isa) {
  TRACER_CHECK(affine_isa_supported(isa),
               std::string("affine kernel '") + affine_isa_name(isa) + "' is not supported by this build or CPU");
  switch (isa) {
#if TRACER_X86_KERNELS
    case AffineIsa::kSse2:
      return block_by_rows<kernel_sse2>;
    case AffineIsa::kAvx2:
      return block_avx2;
    case AffineIsa::kAvx512:
      return block_avx512;
#endif
    default:
      return block_by_rows<kernel_portable>;
  }
}

Kernel kernel_for(AffineIsa isa) {
  TRACER_CHECK(affine_isa_supported(isa),
               std::string("affine kernel '") + affine_isa_name(isa) + "' is not supported by this build or CPU");
  switch (isa) {
#if TRACER_X86_KERNELS
    case AffineIsa::kSse2:
      return kernel_sse2;
    case AffineIsa::kAvx2:
      return kernel_avx2;
    case AffineIsa::kAvx512:
      return kernel_avx512;
#endif
    default:
      return kernel_portable;
  }
}

struct Selected {
  AffineIsa isa;
  Kernel kernel;
  BlockKernel block;
};

Selected& selected() {
  static Selected s = [] {
    AffineIsa isa = AffineIsa::kPortable;
    for (AffineIsa c : {AffineIsa::kAvx512, AffineIsa::kAvx2, AffineIsa::kSse2})
      if (affine_isa_supported(c)) {
        isa = c;
        break;
      }
    return Selected{isa, kernel_for(isa), block_kernel_for(isa)};
  }();
  return s;
}

// Per-thread scratch buffer `slot` of at least n floats (allocates only when it grows).
float* row_scratch(std::size_t slot, std::size_t n) {
  thread_local std::array<std::vector<float>, 5> buffers;
  auto& buf = buffers.at(slot);
  if (buf.size() < n) buf.resize(n);
  return buf.data();
}

}  // namespace

const char* affine_isa_name(AffineIsa isa) {
  switch (isa) {
    case AffineIsa::kPortable:
      return "portable";
    case AffineIsa::kSse2:
      return "sse2";
    case AffineIsa::kAvx2:
      return "avx2";
    case AffineIsa::kAvx512:
      return "avx512";
  }
  return "?";
}

bool affine_isa_supported(AffineIsa isa) {
  switch (isa) {
    case AffineIsa::kPortable:
      return true;
#if TRACER_X86_KERNELS
    case AffineIsa::kSse2:
      return true;  // x86-64 baseline
    case AffineIsa::kAvx2:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case AffineIsa::kAvx512:
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx512f");
#endif
    default:
      return false;
  }
}

AffineIsa affine_kernel_isa() { return selected().isa; }

void use_affine_isa(AffineIsa isa) { selected() = Selected{isa, kernel_for(isa), block_kernel_for(isa)}; }
const char* affine_kernel_name() { return affine_isa_name(selected().isa); }

void PackedAffine::reshape(std::size_t k, std::size_t n, const float* bias) {
  in_ = k;
  out_ = n;
  n_panels_ = (n + P - 1) / P;
  panels_.resize(n_panels_ * k * P);  // every entry is written by the caller
  bias_.assign(n_panels_ * P, 0.0f);
  if (bias != nullptr) std::copy(bias, bias + n, bias_.begin());
}

void PackedAffine::pack_rows(std::size_t k, std::size_t n, const float* const* rows, const float* bias) {
  reshape(k, n, bias);
  const std::size_t full = n / P, tail = n % P;
  for (std::size_t i = 0; i < k; ++i) {
    const float* src = rows[i];
    for (std::size_t p = 0; p < full; ++p) std::memcpy(&panels_[(p * k + i) * P], src + p * P, P * sizeof(float));
    if (tail != 0) {
      float* dst = &panels_[(full * k + i) * P];
      std::memcpy(dst, src + full * P, tail * sizeof(float));
      std::fill(dst + tail, dst + P, 0.0f);
    }
  }
}

void PackedAffine::pack_columns(std::size_t k, std::size_t n, const float* B, std::size_t ld, const float* bias) {
  TRACER_CHECK(ld >= k, "PackedAffine::pack_columns: ld < k");
  reshape(k, n, bias);
  // Panel by panel, input by input: the panel is written in order, its 16
  // columns read as 16 contiguous streams.
  for (std::size_t p = 0; p < n_panels_; ++p) {
    const std::size_t w = std::min(P, n - p * P);
    float* dst = &panels_[p * k * P];
    const float* col = B + p * P * ld;
    if (w == P) {
      for (std::size_t i = 0; i < k; ++i)
#pragma GCC unroll 16
        for (std::size_t c = 0; c < P; ++c) dst[i * P + c] = col[i + c * ld];
    } else {
      for (std::size_t i = 0; i < k; ++i)
        for (std::size_t c = 0; c < P; ++c) dst[i * P + c] = c < w ? col[i + c * ld] : 0.0f;
    }
  }
}

void PackedAffine::pack(const arma::mat& W, const arma::rowvec& b) {
  TRACER_CHECK(b.n_elem == W.n_cols, "PackedAffine::pack: bias length != W columns");
  // Rounded to float once here; W is column-major (in x out), column o output o's weights.
  const arma::fmat Wf = arma::conv_to<arma::fmat>::from(W);
  const arma::frowvec bf = arma::conv_to<arma::frowvec>::from(b);
  pack_columns(W.n_rows, W.n_cols, Wf.memptr(), W.n_rows, bf.memptr());
}

void PackedAffine::apply(const float* x, float* y, bool relu, bool reverse_groups) const {
  selected().kernel(x, in_, panels_.data(), n_panels_, bias_.data(), y, relu, reverse_groups);
}

void PackedAffine::apply(const float* x, float* y, bool relu, AffineIsa isa, bool reverse_groups) const {
  kernel_for(isa)(x, in_, panels_.data(), n_panels_, bias_.data(), y, relu, reverse_groups);
}

void PackedAffine::apply_block(const float* xb, float* y, std::size_t ldy, bool relu, bool reverse_groups) const {
  selected().block(xb, in_, panels_.data(), n_panels_, bias_.data(), y, ldy, relu, reverse_groups);
}

void PackedAffine::apply_block(const float* xb, float* y, std::size_t ldy, bool relu, AffineIsa isa,
                               bool reverse_groups) const {
  block_kernel_for(isa)(xb, in_, panels_.data(), n_panels_, bias_.data(), y, ldy, relu, reverse_groups);
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

namespace {

// The forward pass with apply(layer, x, y, relu, reverse_groups) running one
// layer. Successive rows on a thread alternate the panel-group order (first
// to last, then last to first): a layer bigger than L2 (the MLP's 768 x 256
// first layer is 786 KB of fp32, Zen 3's L2 is 512 KB) then starts on the
// weights the previous row read last, still in L2, instead of streaming all
// of them from L3 every time (about 15% faster on that layer). Outputs do not
// depend on the group order (test: ScaledAffine.GroupOrderDoesNotChangeBits).
template <class Apply>
const float* forward_layers(const std::vector<PackedAffine>& layers, const double* x, std::size_t d, Apply&& apply) {
  TRACER_CHECK(!layers.empty(), "ScaledAffineStack::forward before build (predict before fit)");
  TRACER_CHECK(d == layers.front().in_dim(), "ScaledAffineStack::forward: row length differs from the fitted features");
  thread_local bool reverse = false;
  reverse = !reverse;
  float* a = row_scratch(0, d);
  for (std::size_t j = 0; j < d; ++j) a[j] = static_cast<float>(x[j]);
  for (std::size_t l = 0; l < layers.size(); ++l) {
    float* next = row_scratch(1 + (l % 2), layers[l].padded_out());
    apply(layers[l], a, next, l + 1 < layers.size(), reverse);
    a = next;
  }
  return a;
}

}  // namespace

const float* ScaledAffineStack::forward(const double* x, std::size_t d) const {
  return forward_layers(layers_, x, d, [](const PackedAffine& layer, const float* in, float* out, bool relu, bool rev) {
    layer.apply(in, out, relu, rev);
  });
}

namespace {

// The block form of forward_layers: one block of kBlockRows rows, already
// interleaved (xb[j * kBlockRows + r]), through every layer. Hidden outputs
// (row-major, ldy = padded_out) are re-interleaved for the next layer.
template <class ApplyBlock>
const float* forward_block_layers(const std::vector<PackedAffine>& layers, const float* xb, std::size_t d,
                                  ApplyBlock&& apply) {
  TRACER_CHECK(!layers.empty(), "ScaledAffineStack::forward_block before build (predict before fit)");
  TRACER_CHECK(d == layers.front().in_dim(),
               "ScaledAffineStack::forward_block: row length differs from the fitted features");
  thread_local bool reverse = false;
  reverse = !reverse;
  float* y = nullptr;
  for (std::size_t l = 0; l < layers.size(); ++l) {
    const std::size_t ldy = layers[l].padded_out();
    y = row_scratch(1 + (l % 2), R * ldy);
    apply(layers[l], xb, y, ldy, l + 1 < layers.size(), reverse);
    if (l + 1 < layers.size()) {
      const std::size_t next_in = layers[l].out_dim();
      float* next = row_scratch(3, next_in * R);
      interleave_block(
          next_in, R, [&](std::size_t r) -> const float* { return y + r * ldy; }, next);
      xb = next;
    }
  }
  return y;
}

}  // namespace

const float* ScaledAffineStack::interleave_tile(const double* X, std::size_t ld, std::size_t n_rows, std::size_t d,
                                                std::size_t next_rows) {
  TRACER_CHECK(n_rows >= 1 && n_rows <= kTileRows && n_rows <= ld, "ScaledAffineStack: bad tile size");
  const std::size_t n_blocks = (n_rows + R - 1) / R;
  float* tile = row_scratch(4, n_blocks * d * R);
  // Column by column: n_rows contiguous doubles read per feature (a few
  // cache lines of one page), written to each block's slot for the feature.
  // The columns are ld * 8 bytes apart, one page each, more streams than
  // the hardware prefetcher follows: without help every tile waits on
  // memory for every feature. So each column's lines of the next tile are
  // prefetched now (into L2), to be read after this tile's compute.
  constexpr std::size_t kLine = 64 / sizeof(double);
  for (std::size_t j = 0; j < d; ++j) {
    const double* col = X + j * ld;
    for (std::size_t r = 0; r < next_rows; r += kLine) __builtin_prefetch(col + n_rows + r, 0, 2);
    float* dst = tile + j * R;
    const std::size_t full = n_rows / R;
    for (std::size_t blk = 0; blk < full; ++blk)  // 4 contiguous doubles -> 4 contiguous floats (vectorised)
      for (std::size_t r = 0; r < R; ++r) dst[blk * d * R + r] = static_cast<float>(col[blk * R + r]);
    for (std::size_t r = full * R; r < n_blocks * R; ++r)
      dst[full * d * R + r % R] = r < n_rows ? static_cast<float>(col[r]) : 0.0f;
  }
  return tile;
}

const float* ScaledAffineStack::forward_interleaved(const float* xb, std::size_t d) const {
  return forward_block_layers(
      layers_, xb, d, [](const PackedAffine& layer, const float* in, float* y, std::size_t ldy, bool relu, bool rev) {
        layer.apply_block(in, y, ldy, relu, rev);
      });
}

const float* ScaledAffineStack::forward_block(const double* X, std::size_t ld, std::size_t n_rows,
                                              std::size_t d) const {
  TRACER_CHECK(n_rows <= R, "ScaledAffineStack::forward_block: more rows than a block");
  return forward_interleaved(interleave_tile(X, ld, n_rows, d, 0), d);
}

const float* ScaledAffineStack::forward_block(const double* X, std::size_t ld, std::size_t n_rows, std::size_t d,
                                              AffineIsa isa) const {
  TRACER_CHECK(affine_isa_supported(isa),
               std::string("affine kernel '") + affine_isa_name(isa) + "' is not supported by this build or CPU");
  TRACER_CHECK(n_rows <= R, "ScaledAffineStack::forward_block: more rows than a block");
  return forward_block_layers(layers_, interleave_tile(X, ld, n_rows, d, 0), d,
                              [isa](const PackedAffine& layer, const float* in, float* y, std::size_t ldy, bool relu,
                                    bool rev) { layer.apply_block(in, y, ldy, relu, isa, rev); });
}

const float* ScaledAffineStack::forward(const double* x, std::size_t d, AffineIsa isa) const {
  TRACER_CHECK(affine_isa_supported(isa),
               std::string("affine kernel '") + affine_isa_name(isa) + "' is not supported by this build or CPU");
  return forward_layers(layers_, x, d,
                        [isa](const PackedAffine& layer, const float* in, float* out, bool relu, bool rev) {
                          layer.apply(in, out, relu, isa, rev);
                        });
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

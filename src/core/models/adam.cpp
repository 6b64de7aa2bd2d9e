#include "core/models/adam.hpp"

#include <cmath>

#include "core/errors.hpp"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define TRACER_ADAM_AVX2 1
#endif

namespace tracer {

namespace {

inline float step_size(double lr_m, double v, float eps) {
  return static_cast<float>(lr_m) / (std::sqrt(static_cast<float>(v)) + eps);
}

// The reference order; it cannot be auto-vectorised (std::sqrt sets errno).
void adam_scalar(double* __restrict th, double* __restrict m, double* __restrict v, const float* __restrict g,
                 float* __restrict th_f, std::size_t n, const AdamStep& s) {
  const float eps = static_cast<float>(s.eps);
  for (std::size_t k = 0; k < n; ++k) {
    const double gk = static_cast<double>(g[k]) + s.penalty * th[k];
    m[k] = s.beta1 * m[k] + (1.0 - s.beta1) * gk;
    v[k] = s.beta2 * v[k] + ((1.0 - s.beta2) * gk) * gk;
    th[k] -= static_cast<double>(step_size(s.lr_t * m[k], v[k], eps));
    th_f[k] = static_cast<float>(th[k]);
  }
}

#ifdef TRACER_ADAM_AVX2
#define TRACER_AVX2 __attribute__((target("avx2")))

// The double part for four parameters: the moments, stored, and (lr_t m, v)
// rounded to float for the step size. The same operations in the same order
// as adam_scalar, no FMA.
TRACER_AVX2 inline __attribute__((always_inline)) void moments4(const double* th, double* m, double* v, const float* g,
                                                                __m256d pen, __m256d b1, __m256d c1, __m256d b2,
                                                                __m256d c2, __m256d lr, __m128& lr_m, __m128& v_f) {
  const __m256d t = _mm256_loadu_pd(th);
  const __m256d gk = _mm256_add_pd(_mm256_cvtps_pd(_mm_loadu_ps(g)), _mm256_mul_pd(pen, t));
  const __m256d mk = _mm256_add_pd(_mm256_mul_pd(b1, _mm256_loadu_pd(m)), _mm256_mul_pd(c1, gk));
  const __m256d vk = _mm256_add_pd(_mm256_mul_pd(b2, _mm256_loadu_pd(v)), _mm256_mul_pd(_mm256_mul_pd(c2, gk), gk));
  _mm256_storeu_pd(m, mk);
  _mm256_storeu_pd(v, vk);
  lr_m = _mm256_cvtpd_ps(_mm256_mul_pd(lr, mk));
  v_f = _mm256_cvtpd_ps(vk);
}

// Eight parameters at a time, so the float sqrt and division run 8 wide.
TRACER_AVX2 void adam_avx2(double* __restrict th, double* __restrict m, double* __restrict v, const float* __restrict g,
                           float* __restrict th_f, std::size_t n, const AdamStep& s) {
  const __m256d pen = _mm256_set1_pd(s.penalty), b1 = _mm256_set1_pd(s.beta1), c1 = _mm256_set1_pd(1.0 - s.beta1),
                b2 = _mm256_set1_pd(s.beta2), c2 = _mm256_set1_pd(1.0 - s.beta2), lr = _mm256_set1_pd(s.lr_t);
  const __m256 eps = _mm256_set1_ps(static_cast<float>(s.eps));
  std::size_t k = 0;
  for (; k + 8 <= n; k += 8) {
    __m128 lm0, v0, lm1, v1;
    moments4(th + k, m + k, v + k, g + k, pen, b1, c1, b2, c2, lr, lm0, v0);
    moments4(th + k + 4, m + k + 4, v + k + 4, g + k + 4, pen, b1, c1, b2, c2, lr, lm1, v1);
    const __m256 step =
        _mm256_div_ps(_mm256_set_m128(lm1, lm0), _mm256_add_ps(_mm256_sqrt_ps(_mm256_set_m128(v1, v0)), eps));
    const __m256d t0 = _mm256_sub_pd(_mm256_loadu_pd(th + k), _mm256_cvtps_pd(_mm256_castps256_ps128(step)));
    const __m256d t1 = _mm256_sub_pd(_mm256_loadu_pd(th + k + 4), _mm256_cvtps_pd(_mm256_extractf128_ps(step, 1)));
    _mm256_storeu_pd(th + k, t0);
    _mm256_storeu_pd(th + k + 4, t1);
    _mm_storeu_ps(th_f + k, _mm256_cvtpd_ps(t0));
    _mm_storeu_ps(th_f + k + 4, _mm256_cvtpd_ps(t1));
  }
  adam_scalar(th + k, m + k, v + k, g + k, th_f + k, n - k, s);
}
#undef TRACER_AVX2
#endif

}  // namespace

bool adam_kernel_supported(AdamKernel kernel) {
  switch (kernel) {
    case AdamKernel::kScalar:
      return true;
    case AdamKernel::kAvx2:
#ifdef TRACER_ADAM_AVX2
      __builtin_cpu_init();
      return __builtin_cpu_supports("avx2") != 0;
#else
      return false;
#endif
  }
  return false;
}

namespace {

// The dispatch itself, for a kernel already known to be supported.
void run_adam(double* th, double* m, double* v, const float* g, float* th_f, std::size_t n, const AdamStep& step,
              AdamKernel kernel) {
#ifdef TRACER_ADAM_AVX2
  if (kernel == AdamKernel::kAvx2) return adam_avx2(th, m, v, g, th_f, n, step);
#endif
  adam_scalar(th, m, v, g, th_f, n, step);
}

}  // namespace

void adam_step(double* th, double* m, double* v, const float* g, float* th_f, std::size_t n, const AdamStep& step,
               AdamKernel kernel) {
  TRACER_CHECK(adam_kernel_supported(kernel), "adam_step: kernel not supported by this build or CPU");
  run_adam(th, m, v, g, th_f, n, step, kernel);
}

// Called once per layer per minibatch: the CPU check runs once, at the first call.
void adam_step(double* th, double* m, double* v, const float* g, float* th_f, std::size_t n, const AdamStep& step) {
  static const AdamKernel widest = adam_kernel_supported(AdamKernel::kAvx2) ? AdamKernel::kAvx2 : AdamKernel::kScalar;
  run_adam(th, m, v, g, th_f, n, step, widest);
}

}  // namespace tracer

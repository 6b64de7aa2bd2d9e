#pragma once
// One Adam step over a block of parameters, apart from the MLP that calls it,
// so tests can check its kernels against each other and against the formula.
#include <cstddef>

namespace tracer {

/// The step's constants: penalty (the L2 term's coefficient: the gradient
/// used is g + penalty * theta; 0 for biases), lr_t (the learning rate with
/// both bias corrections folded in), beta1, beta2, eps.
struct AdamStep {
  double penalty, lr_t, beta1, beta2, eps;
};

/// The kernels: kScalar everywhere, kAvx2 on x86-64 CPUs with AVX2. Both give
/// the same bits (test: Adam.Avx2GivesTheScalarBits).
enum class AdamKernel { kScalar, kAvx2 };

/// Whether this build and CPU can run the kernel.
bool adam_kernel_supported(AdamKernel kernel);

/// For k < n, with gk = g[k] + penalty * th[k]:
///   m[k] = beta1 m[k] + (1 - beta1) gk,  v[k] = beta2 v[k] + ((1 - beta2) gk) gk   (double)
///   th[k] -= float(lr_t m[k]) / (sqrt(float(v[k])) + float(eps))                  (step size in float)
///   th_f[k] = float(th[k])
/// Master weights th and moments m, v accumulate in double; the step size is
/// computed in float, a relative error of a few 1e-8 per step (a learning rate
/// off by that much). A double sqrt and division per parameter made the step
/// divider-bound (1.4 ns a parameter, 14% of an mlp_2h fit); in float both
/// run about four times as many lanes per cycle, and both are still correctly
/// rounded, so every kernel gives the same bits. Runs the widest supported
/// kernel, or the given one (InternalError if unsupported).
void adam_step(double* th, double* m, double* v, const float* g, float* th_f, std::size_t n, const AdamStep& step);
void adam_step(double* th, double* m, double* v, const float* g, float* th_f, std::size_t n, const AdamStep& step,
               AdamKernel kernel);

}  // namespace tracer

#pragma once
// Vectorisable elementwise math for the training losses. std::exp is a scalar
// libm call that GCC cannot vectorise without -ffast-math; the softmax of a
// large batch spends most of its non-GEMM time there. These kernels are plain
// loops that GCC vectorises inside each multiversioned clone (simd.hpp), with
// contraction into fused multiply-adds switched off for this file (GCC would
// fuse in the FMA clones only), so every clone returns the same bits on every
// x86-64 CPU, as the SGD kernels must (simd.hpp).
#include <cstddef>

namespace tracer {

/// x[i] = exp(x[i]) for x[i] <= 0, to about 2 ulp (max relative error below
/// 5e-16 against std::exp); x[i] < -708 gives 0 (below the smallest normal
/// double: it only ever meets sums >= 1 in a softmax). NaN stays NaN.
void exp_nonpositive_inplace(double* x, std::size_t n);

/// scikit-learn's Log loss (sgd_fast.pyx) and its derivative for k margins at
/// once: z[m] = p y (y = +-1), u[m] = exp(-|z[m]|) (from
/// exp_nonpositive_inplace). Cases as scikit-learn's: z > 18 gives exp(-z)
/// and -y exp(-z), z < -18 gives -z and -y, else log1p(exp(-z)) and
/// -y / (exp(z) + 1), to within 1e-15 relative.
void log_loss_and_dloss_many(const double* z, const double* u, const double* y, double* loss, double* dloss,
                             std::size_t k);

}  // namespace tracer

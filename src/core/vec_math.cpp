#include "core/vec_math.hpp"

#include <bit>
#include <cstdint>

#include "core/models/simd.hpp"

#pragma GCC optimize("fp-contract=off")
namespace tracer {

// exp(x) = 2^k exp(r), k = round(x / ln 2), |r| <= ln(2) / 2, exp(r) by its
// Taylor series to degree 13 (truncation error < 1e-17 relative). k is
// rounded with the 1.5 * 2^52 shifter, whose low mantissa bits then hold k;
// adding the exponent bias and shifting left by 52 builds 2^k directly (valid
// for k in [-1022, 0], i.e. x in [-708, 0]).
TRACER_MULTIVERSION
void exp_nonpositive_inplace(double* x, std::size_t n) {
  constexpr double kLog2e = 1.4426950408889634074;
  constexpr double kLn2Hi = 6.93147180369123816490e-01;  // ln 2 split so k * kLn2Hi is exact
  constexpr double kLn2Lo = 1.90821492927058770002e-10;
  constexpr double kShifter = 6755399441055744.0;  // 1.5 * 2^52
  for (std::size_t i = 0; i < n; ++i) {
    const double v = x[i];
    const bool tiny = v < -708.0;  // NaN compares false here and flows through as NaN
    const double c = tiny ? -708.0 : v;
    const double t = c * kLog2e + kShifter;
    const double k = t - kShifter;
    const double r = (c - k * kLn2Hi) - k * kLn2Lo;
    double p = 1.0 / 6227020800.0;  // 1/13!
    p = p * r + 1.0 / 479001600.0;
    p = p * r + 1.0 / 39916800.0;
    p = p * r + 1.0 / 3628800.0;
    p = p * r + 1.0 / 362880.0;
    p = p * r + 1.0 / 40320.0;
    p = p * r + 1.0 / 5040.0;
    p = p * r + 1.0 / 720.0;
    p = p * r + 1.0 / 120.0;
    p = p * r + 1.0 / 24.0;
    p = p * r + 1.0 / 6.0;
    p = p * r + 0.5;
    p = p * r + 1.0;
    p = p * r + 1.0;
    const std::uint64_t bits = (std::bit_cast<std::uint64_t>(t) + 1023u) << 52;
    const double e = p * std::bit_cast<double>(bits);
    x[i] = tiny ? 0.0 : e;
  }
}

// scikit-learn's Log loss and its derivative for k classes at once, given u[m] = exp(-|z[m]|) with
// z = p y: no branches and no libm calls, so GCC vectorises it across
// classes (the per-sample work outside the W pass). Same cases as
// scikit-learn's Log loss (|z| > 18 cut-offs); in the middle range
// log1p(u) = 2 atanh(u / (2 + u)) by its odd series (s <= 1/3, 19 terms, to
// double precision), and for z < 0 the identities log1p(exp(-z)) = -z +
// log1p(exp(z)) and -y / (exp(z) + 1) = -y / (1 + u).
TRACER_MULTIVERSION
void log_loss_and_dloss_many(const double* __restrict z, const double* __restrict u, const double* __restrict y,
                             double* __restrict loss, double* __restrict dloss, std::size_t k) {
  for (std::size_t m = 0; m < k; ++m) {
    const double zm = z[m], um = u[m], ym = y[m];
    const double s = um / (2.0 + um), s2 = s * s;
    double q = 1.0 / 37.0;
    q = q * s2 + 1.0 / 35.0;
    q = q * s2 + 1.0 / 33.0;
    q = q * s2 + 1.0 / 31.0;
    q = q * s2 + 1.0 / 29.0;
    q = q * s2 + 1.0 / 27.0;
    q = q * s2 + 1.0 / 25.0;
    q = q * s2 + 1.0 / 23.0;
    q = q * s2 + 1.0 / 21.0;
    q = q * s2 + 1.0 / 19.0;
    q = q * s2 + 1.0 / 17.0;
    q = q * s2 + 1.0 / 15.0;
    q = q * s2 + 1.0 / 13.0;
    q = q * s2 + 1.0 / 11.0;
    q = q * s2 + 1.0 / 9.0;
    q = q * s2 + 1.0 / 7.0;
    q = q * s2 + 1.0 / 5.0;
    q = q * s2 + 1.0 / 3.0;
    q = q * s2 + 1.0;
    const double log1p_u = 2.0 * s * q;
    const double inv = 1.0 / (1.0 + um);
    const bool pos = zm >= 0.0;
    const double loss_mid = pos ? log1p_u : log1p_u - zm;
    const double dloss_mid = pos ? -ym * um * inv : -ym * inv;
    loss[m] = zm > 18.0 ? um : (zm < -18.0 ? -zm : loss_mid);
    dloss[m] = zm > 18.0 ? -ym * um : (zm < -18.0 ? -ym : dloss_mid);
  }
}

}  // namespace tracer

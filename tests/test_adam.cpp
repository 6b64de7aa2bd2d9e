// Adam's step (core/models/adam.hpp): kernels agree to the bit, the step is
// the double formula to float rounding, and the master weights keep steps a
// float could not.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "core/models/adam.hpp"
#include "core/rng.hpp"

namespace tracer {
namespace {

struct State {
  std::vector<double> th, m, v;
  std::vector<float> g, th_f;
};

State random_state(std::size_t n, std::uint64_t seed) {
  Rng rng(seed);
  State s{std::vector<double>(n), std::vector<double>(n), std::vector<double>(n), std::vector<float>(n),
          std::vector<float>(n)};
  for (std::size_t k = 0; k < n; ++k) {
    s.th[k] = rng.normal() * 0.1;
    s.m[k] = rng.normal() * 1e-3;
    s.v[k] = std::abs(rng.normal()) * 1e-6;
    s.g[k] = static_cast<float>(rng.normal() * 1e-2);
  }
  s.v[0] = 0.0;  // a parameter that never had a gradient
  s.g[0] = 0.0f;
  s.m[0] = 0.0;
  return s;
}

const AdamStep kStep{1e-4 / 200, 1e-3, 0.9, 0.999, 1e-8};

TEST(Adam, Avx2GivesTheScalarBits) {
  if (!adam_kernel_supported(AdamKernel::kAvx2)) GTEST_SKIP() << "no AVX2 on this CPU";
  for (std::size_t n : {1u, 7u, 8u, 37u, 1000u}) {
    State a = random_state(n, 11), b = a;
    for (int step = 0; step < 3; ++step) {
      adam_step(a.th.data(), a.m.data(), a.v.data(), a.g.data(), a.th_f.data(), n, kStep, AdamKernel::kScalar);
      adam_step(b.th.data(), b.m.data(), b.v.data(), b.g.data(), b.th_f.data(), n, kStep, AdamKernel::kAvx2);
    }
    EXPECT_EQ(std::memcmp(a.th.data(), b.th.data(), n * sizeof(double)), 0) << "n = " << n;
    EXPECT_EQ(std::memcmp(a.m.data(), b.m.data(), n * sizeof(double)), 0) << "n = " << n;
    EXPECT_EQ(std::memcmp(a.v.data(), b.v.data(), n * sizeof(double)), 0) << "n = " << n;
    EXPECT_EQ(std::memcmp(a.th_f.data(), b.th_f.data(), n * sizeof(float)), 0) << "n = " << n;
  }
}

TEST(Adam, StepIsTheDoubleFormulaToFloatRounding) {
  const std::size_t n = 500;
  State s = random_state(n, 12);
  const State before = s;
  adam_step(s.th.data(), s.m.data(), s.v.data(), s.g.data(), s.th_f.data(), n, kStep);
  for (std::size_t k = 0; k < n; ++k) {
    const double gk = static_cast<double>(before.g[k]) + kStep.penalty * before.th[k];
    const double m = kStep.beta1 * before.m[k] + (1.0 - kStep.beta1) * gk;
    const double v = kStep.beta2 * before.v[k] + ((1.0 - kStep.beta2) * gk) * gk;
    const double step = kStep.lr_t * m / (std::sqrt(v) + kStep.eps);
    EXPECT_EQ(s.m[k], m);  // the moments are exactly the double formula
    EXPECT_EQ(s.v[k], v);
    EXPECT_NEAR(before.th[k] - s.th[k], step, 1e-6 * std::abs(step) + 1e-30) << "k = " << k;
    EXPECT_EQ(s.th_f[k], static_cast<float>(s.th[k]));
  }
  EXPECT_TRUE(std::isfinite(s.th[0]));
}

TEST(Adam, MasterWeightsKeepStepsBelowFloatResolution) {
  // A weight of 1 moved by about 1e-9 a step: a float weight (spacing 1.2e-7
  // at 1) would never move; the double master moves by the sum of the steps.
  std::vector<double> th(8, 1.0), m(8, 0.0), v(8, 1.0);
  std::vector<float> g(8, 1e-3f), th_f(8);
  const AdamStep step{0.0, 1e-9, 0.0, 1.0, 0.0};  // m = g, v stays 1: each step is lr_t * g
  for (int t = 0; t < 1000; ++t) adam_step(th.data(), m.data(), v.data(), g.data(), th_f.data(), 8, step);
  // 1000 steps of 1e-12: 1e-9 in all, to the double rounding of 1000
  // subtractions near 1 (1.1e-16 each); a float master would stay at 1.
  for (std::size_t k = 0; k < 8; ++k) {
    EXPECT_NEAR(1.0 - th[k], 1e-9, 1000 * 1.2e-16);
    EXPECT_EQ(th_f[k], 1.0f);
  }
}

}  // namespace
}  // namespace tracer

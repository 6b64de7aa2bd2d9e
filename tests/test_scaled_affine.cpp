// The float single-row affine kernels (core/models/scaled_affine.hpp): every
// kernel this build and CPU can run against a double-precision reference, the
// FMA kernels against the portable std::fma kernel bit for bit (the check
// that covers the AVX-512 kernel's arithmetic order on machines without
// AVX-512), and the selected kernel.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/models/scaled_affine.hpp"
#include "core/rng.hpp"

namespace tracer {
namespace {

const std::vector<AffineIsa> kAllIsas = {AffineIsa::kPortable, AffineIsa::kSse2, AffineIsa::kAvx2, AffineIsa::kAvx512};

std::vector<AffineIsa> supported_isas() {
  std::vector<AffineIsa> out;
  for (AffineIsa isa : kAllIsas)
    if (affine_isa_supported(isa)) out.push_back(isa);
  return out;
}

bool fused(AffineIsa isa) { return isa != AffineIsa::kSse2; }

arma::mat random_mat(std::size_t r, std::size_t c, Rng& rng, double s = 1.0) {
  arma::mat M(r, c);
  for (auto& v : M) v = s * rng.normal();
  return M;
}

// Float weights as packed (W and b rounded to float first), so the reference
// differs from the kernel only by the kernel's float accumulation.
arma::mat to_float_precision(arma::mat M) {
  for (auto& v : M) v = static_cast<double>(static_cast<float>(v));
  return M;
}

struct Layer {
  arma::mat W;
  arma::rowvec b;
  PackedAffine packed;
};

Layer make_layer(std::size_t in, std::size_t out, std::uint64_t seed) {
  Rng rng(seed);
  Layer L{to_float_precision(random_mat(in, out, rng, 1.0 / std::sqrt(static_cast<double>(in)))),
          to_float_precision(random_mat(1, out, rng, 0.1)),
          {}};
  L.packed.pack(L.W, L.b);
  return L;
}

// Output counts 1..16 panels (and partial last panels), input counts with no
// relation to any vector width.
const std::vector<std::pair<std::size_t, std::size_t>> kShapes = {
    {1, 1},    {3, 5},   {7, 16},   {17, 17}, {5, 33},   {9, 48},  {13, 77},  {31, 96},
    {64, 100}, {2, 112}, {11, 128}, {6, 144}, {19, 160}, {8, 176}, {23, 256}, {768, 77}};

TEST(ScaledAffine, EveryKernelMatchesADoubleReferenceWithinTheFloatBound) {
  Rng rng(5);
  for (const auto& [in, out] : kShapes) {
    Layer L = make_layer(in, out, 100 + in * 7 + out);
    ASSERT_EQ(L.packed.padded_out() % PackedAffine::kPanel, 0u);
    for (int rep = 0; rep < 3; ++rep) {
      std::vector<float> x(in);
      for (auto& v : x) v = static_cast<float>(rng.normal());
      for (bool relu : {false, true})
        for (AffineIsa isa : supported_isas()) {
          std::vector<float> y(L.packed.padded_out(), std::nanf(""));
          L.packed.apply(x.data(), y.data(), relu, isa);
          for (std::size_t o = 0; o < out; ++o) {
            double ref = 0.0, mag = 0.0;
            for (std::size_t i = 0; i < in; ++i) {
              ref += static_cast<double>(x[i]) * L.W(i, o);
              mag += std::abs(static_cast<double>(x[i]) * L.W(i, o));
            }
            ref += L.b[o];
            mag += std::abs(L.b[o]);
            if (relu) ref = std::max(ref, 0.0);
            // Sequential float summation of in + 1 terms: |error| <= (in + 1) u sum|terms|
            // (u = 2^-24; twice that for multiply-then-add).
            const double bound = 2.0 * static_cast<double>(in + 2) * std::ldexp(1.0, -24) * mag + 1e-30;
            EXPECT_NEAR(y[o], ref, bound) << affine_isa_name(isa) << " " << in << "x" << out << " o=" << o;
          }
          for (std::size_t o = out; o < L.packed.padded_out(); ++o)
            EXPECT_EQ(y[o], 0.0f) << affine_isa_name(isa) << ": padding " << o;
        }
    }
  }
}

TEST(ScaledAffine, FmaKernelsEqualThePortableKernelBitForBit) {
  // The AVX-512 and AVX2 kernels compute every output as the same sequential
  // fma chain as the portable kernel, whatever their vector width and panel
  // grouping: equal bits. Kernels this CPU cannot run are reported, not run.
  Rng rng(9);
  std::size_t compared = 0;
  for (AffineIsa isa : kAllIsas) {
    if (!fused(isa) || isa == AffineIsa::kPortable) continue;
    if (!affine_isa_supported(isa)) {
      std::printf("[ INFO     ] kernel %s not runnable on this CPU/build: not compared here\n", affine_isa_name(isa));
      continue;
    }
    for (const auto& [in, out] : kShapes) {
      Layer L = make_layer(in, out, 7 * in + out);
      std::vector<float> x(in);
      for (auto& v : x) v = static_cast<float>(rng.normal());
      for (bool relu : {false, true}) {
        std::vector<float> ref(L.packed.padded_out()), y(L.packed.padded_out());
        L.packed.apply(x.data(), ref.data(), relu, AffineIsa::kPortable);
        L.packed.apply(x.data(), y.data(), relu, isa);
        EXPECT_EQ(std::memcmp(ref.data(), y.data(), y.size() * sizeof(float)), 0)
            << affine_isa_name(isa) << " " << in << "x" << out << " relu=" << relu;
      }
    }
    ++compared;
  }
  std::printf("[ INFO     ] FMA kernels compared with the portable kernel: %zu\n", compared);
}

TEST(ScaledAffine, GroupOrderDoesNotChangeBits) {
  Rng rng(13);
  for (const auto& [in, out] : kShapes) {
    Layer L = make_layer(in, out, 3 * in + out);
    std::vector<float> x(in);
    for (auto& v : x) v = static_cast<float>(rng.normal());
    for (AffineIsa isa : supported_isas()) {
      std::vector<float> a(L.packed.padded_out()), b(L.packed.padded_out());
      L.packed.apply(x.data(), a.data(), true, isa, false);
      L.packed.apply(x.data(), b.data(), true, isa, true);
      EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0)
          << affine_isa_name(isa) << " " << in << "x" << out;
    }
  }
}

TEST(ScaledAffine, TheSelectedKernelIsTheWidestSupportedOne) {
  const AffineIsa sel = affine_kernel_isa();
  EXPECT_TRUE(affine_isa_supported(sel));
  EXPECT_STREQ(affine_kernel_name(), affine_isa_name(sel));
  for (AffineIsa isa : kAllIsas)
    if (static_cast<int>(isa) > static_cast<int>(sel)) {
      EXPECT_FALSE(affine_isa_supported(isa)) << affine_isa_name(isa);
    }
#if defined(__x86_64__)
  EXPECT_NE(sel, AffineIsa::kPortable);
#endif
  std::printf("[ INFO     ] selected affine kernel: %s\n", affine_kernel_name());
}

TEST(ScaledAffine, StackForwardIsTheSameForEveryFmaKernelAndCloseToDouble) {
  // 768 -> 256 -> 96 -> 77, as mlp_2h, with a standard scaler folded in.
  Rng rng(11);
  const std::size_t d = 768;
  arma::rowvec mean = random_mat(1, d, rng, 0.05), scale(d);
  for (auto& v : scale) v = 0.02 + 0.05 * std::abs(rng.normal());
  std::vector<AffineLayer> layers = {{random_mat(d, 256, rng, 0.05), random_mat(1, 256, rng, 0.1)},
                                     {random_mat(256, 96, rng, 0.08), random_mat(1, 96, rng, 0.1)},
                                     {random_mat(96, 77, rng, 0.1), random_mat(1, 77, rng, 0.1)}};
  ScaledAffineStack stack;
  stack.build(mean, scale, layers);
  EXPECT_EQ(stack.in_dim(), d);
  EXPECT_EQ(stack.out_dim(), 77u);
  for (int rep = 0; rep < 5; ++rep) {
    arma::rowvec x = mean + random_mat(1, d, rng, 0.03);
    // Double reference: ((x - mean) / scale), ReLU hidden layers.
    arma::rowvec a = (x - mean) / scale;
    for (std::size_t l = 0; l < layers.size(); ++l) {
      a = a * layers[l].W + layers[l].b;
      if (l + 1 < layers.size()) a.transform([](double v) { return v > 0 ? v : 0.0; });
    }
    std::vector<float> first(77);
    for (AffineIsa isa : supported_isas()) {
      const float* z = stack.forward(x.memptr(), d, isa);
      for (std::size_t k = 0; k < 77; ++k) EXPECT_NEAR(z[k], a[k], 2e-4 * (1.0 + std::abs(a[k]))) << k;
      if (isa == AffineIsa::kPortable) std::memcpy(first.data(), z, 77 * sizeof(float));
      if (fused(isa)) {
        EXPECT_EQ(std::memcmp(first.data(), z, 77 * sizeof(float)), 0) << affine_isa_name(isa);
      }
    }
    // The default forward is the selected kernel.
    const float* s = stack.forward(x.memptr(), d);
    const std::vector<float> sel(s, s + 77);
    const float* z = stack.forward(x.memptr(), d, affine_kernel_isa());
    EXPECT_EQ(std::memcmp(sel.data(), z, 77 * sizeof(float)), 0);
  }
  EXPECT_THROW(stack.forward(mean.memptr(), d - 1), InternalError);
}

TEST(ScaledAffine, UnsupportedKernelIsACallerBug) {
  Layer L = make_layer(4, 3, 1);
  std::vector<float> x(4, 1.0f), y(L.packed.padded_out());
  for (AffineIsa isa : kAllIsas)
    if (!affine_isa_supported(isa)) {
      EXPECT_THROW(L.packed.apply(x.data(), y.data(), false, isa), InternalError);
    }
}

// use_affine_isa switches the default row path to another kernel (for
// benchmarks), and refuses one this CPU cannot run.
TEST(ScaledAffine, UseAffineIsaSwitchesTheDefaultKernel) {
  const AffineIsa widest = affine_kernel_isa();
  Layer L = make_layer(768, 77, 3);
  Rng rng(5);
  std::vector<float> x(768), y_widest(L.packed.padded_out()), y(L.packed.padded_out());
  for (auto& v : x) v = static_cast<float>(rng.normal());
  L.packed.apply(x.data(), y_widest.data(), false);
  for (AffineIsa isa : supported_isas()) {
    use_affine_isa(isa);
    EXPECT_EQ(affine_kernel_isa(), isa);
    EXPECT_STREQ(affine_kernel_name(), affine_isa_name(isa));
    L.packed.apply(x.data(), y.data(), false);
    if (fused(isa) && fused(widest)) {
      EXPECT_EQ(std::memcmp(y.data(), y_widest.data(), 77 * sizeof(float)), 0) << affine_isa_name(isa);
    }
  }
  for (AffineIsa isa : kAllIsas)
    if (!affine_isa_supported(isa)) {
      EXPECT_THROW(use_affine_isa(isa), InternalError);
    }
  use_affine_isa(widest);
  EXPECT_EQ(affine_kernel_isa(), widest);
}

// The block kernels (4 rows per pass over the weights, the batch serving
// path) compute each (row, output) as the row kernel's chain: equal bits, for
// every kernel this CPU runs, every shape, relu on and off, both group orders.
TEST(ScaledAffine, BlockKernelsGiveTheRowKernelsBits) {
  constexpr std::size_t B = PackedAffine::kBlockRows;
  Rng rng(21);
  for (const auto& [in, out] : kShapes) {
    Layer L = make_layer(in, out, 5 * in + out);
    const std::size_t ldy = L.packed.padded_out() + 3;  // a stride wider than the row
    std::vector<float> rows(B * in), xb(B * in);
    for (auto& v : rows) v = static_cast<float>(rng.normal());
    for (std::size_t r = 0; r < B; ++r)
      for (std::size_t i = 0; i < in; ++i) xb[i * B + r] = rows[r * in + i];
    for (AffineIsa isa : supported_isas())
      for (bool relu : {false, true})
        for (bool reverse : {false, true}) {
          std::vector<float> y(B * ldy, -7.0f), ref(L.packed.padded_out());
          L.packed.apply_block(xb.data(), y.data(), ldy, relu, isa, reverse);
          for (std::size_t r = 0; r < B; ++r) {
            L.packed.apply(rows.data() + r * in, ref.data(), relu, isa);
            EXPECT_EQ(std::memcmp(ref.data(), y.data() + r * ldy, ref.size() * sizeof(float)), 0)
                << affine_isa_name(isa) << " " << in << "x" << out << " row " << r << " relu=" << relu;
            for (std::size_t o = ref.size(); o < ldy; ++o) EXPECT_EQ(y[r * ldy + o], -7.0f) << "wrote past the row";
          }
        }
  }
}

// The float packers the MLP's training products use: the same panels as
// pack() from the same (float-valued) weights, checked through the outputs
// of every supported kernel, bit for bit; with and without a bias, over a
// packer reused for a bigger then a smaller shape (no stale entries).
TEST(ScaledAffine, FloatPackersGivePacksBits) {
  constexpr std::size_t B = PackedAffine::kBlockRows;
  Rng rng(22);
  PackedAffine by_rows, by_columns;  // reused across shapes, as the engine reuses one
  for (const auto& [in, out] : {std::pair<std::size_t, std::size_t>{768, 77}, {13, 77}, {31, 96}, {5, 33}, {1, 1}}) {
    for (bool with_bias : {true, false}) {
      Layer L = make_layer(in, out, 7 * in + out);
      if (!with_bias) L.b.zeros();
      L.packed.pack(L.W, L.b);
      const arma::fmat Wf = arma::conv_to<arma::fmat>::from(L.W);  // column-major: W(i, o) at i + o * in
      const arma::fmat Wt = Wf.t();                                // Wt(o, i): input i's outputs contiguous
      const arma::fvec bf = arma::conv_to<arma::fvec>::from(L.b.t());
      std::vector<const float*> rows(in);
      for (std::size_t i = 0; i < in; ++i) rows[i] = Wt.colptr(i);
      by_rows.pack_rows(in, out, rows.data(), with_bias ? bf.memptr() : nullptr);
      by_columns.pack_columns(in, out, Wf.memptr(), in, with_bias ? bf.memptr() : nullptr);
      ASSERT_EQ(by_rows.padded_out(), L.packed.padded_out());
      ASSERT_EQ(by_columns.in_dim(), in);
      std::vector<float> xb(B * in);
      for (auto& v : xb) v = static_cast<float>(rng.normal());
      for (AffineIsa isa : supported_isas()) {
        const std::size_t ldy = L.packed.padded_out();
        std::vector<float> ref(B * ldy), a(B * ldy), b(B * ldy);
        L.packed.apply_block(xb.data(), ref.data(), ldy, true, isa);
        by_rows.apply_block(xb.data(), a.data(), ldy, true, isa);
        by_columns.apply_block(xb.data(), b.data(), ldy, true, isa);
        EXPECT_EQ(std::memcmp(ref.data(), a.data(), ref.size() * sizeof(float)), 0)
            << "pack_rows " << affine_isa_name(isa) << " " << in << "x" << out << " bias=" << with_bias;
        EXPECT_EQ(std::memcmp(ref.data(), b.data(), ref.size() * sizeof(float)), 0)
            << "pack_columns " << affine_isa_name(isa) << " " << in << "x" << out << " bias=" << with_bias;
      }
    }
  }
}

// forward_rows (tiles of 32 rows, blocks of 4, read in place from a
// column-major batch) gives each row exactly forward() of that row, for a
// row count with a partial tile and a partial block, from an offset.
TEST(ScaledAffine, BlockForwardIsTheRowForward) {
  Rng rng(23);
  const std::size_t d = 96;
  arma::rowvec mean = random_mat(1, d, rng, 0.05), scale(d);
  for (auto& v : scale) v = 0.5 + std::abs(rng.normal());
  const std::vector<AffineLayer> layers = {{random_mat(d, 40, rng, 0.1), random_mat(1, 40, rng, 0.1)},
                                           {random_mat(40, 19, rng, 0.2), random_mat(1, 19, rng, 0.1)},
                                           {random_mat(19, 7, rng, 0.3), random_mat(1, 7, rng, 0.1)}};
  ScaledAffineStack stack;
  stack.build(mean, scale, layers);
  const arma::mat X = random_mat(83, d, rng);
  const std::size_t first = 5, count = 71;  // 2 full tiles + 7 rows: a block of 3 at the end
  std::vector<float> blocked;               // copied out: the logits live in scratch that forward() reuses
  std::size_t seen = 0;
  stack.forward_rows(X, first, count, [&](std::size_t r, const float* z) {
    EXPECT_EQ(r, seen++);
    blocked.insert(blocked.end(), z, z + 7);
  });
  ASSERT_EQ(seen, count);
  for (std::size_t r = 0; r < count; ++r) {
    const arma::rowvec x = X.row(first + r);
    const float* ref = stack.forward(x.memptr(), d);
    EXPECT_EQ(std::memcmp(blocked.data() + 7 * r, ref, 7 * sizeof(float)), 0) << "row " << r;
  }
  for (AffineIsa isa : supported_isas()) {
    const float* z = stack.forward_block(X.memptr() + 10, X.n_rows, 3, d, isa);
    const std::vector<float> block(z, z + 3 * stack.out_stride());
    for (std::size_t r = 0; r < 3; ++r) {
      const arma::rowvec x = X.row(10 + r);
      const float* ref = stack.forward(x.memptr(), d, isa);
      EXPECT_EQ(std::memcmp(block.data() + r * stack.out_stride(), ref, 7 * sizeof(float)), 0)
          << affine_isa_name(isa) << " row " << r;
    }
  }
  EXPECT_THROW(stack.forward_rows(X, 80, 4, [](std::size_t, const float*) {}), InternalError);
  EXPECT_THROW(stack.forward_block(X.memptr(), X.n_rows, 5, d), InternalError);
}

}  // namespace
}  // namespace tracer

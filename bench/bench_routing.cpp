// Logistic-regression fit at paper scale, single-row routing latency of every
// lean-zoo model (median and p99 per call) and batch routing throughput.
//   build/bench_routing --benchmark_format=json
//
// The JSON context names the affine kernel that ran ("affine_kernel": avx512,
// avx2 or sse2, chosen at run time from the CPU; affine_kernel_name() in
// core/models/scaled_affine.hpp).
//
//   BM_LogRegFit_10000x768x77   one logreg_c1 fit
//   BM_RouteSingleRow/<model>   Router::route_row (surrogate row path + acceptor),
//                               counters median_us, p99_us (steady_clock per call)
//   BM_RouteBatch/<model>/threads:<t>  RoutingPolicy::route on 4,096 rows with t
//                               threads (the gate's path: serving_probabilities,
//                               4 rows per pass over the weights, + the same
//                               per-row rule), counter rows_per_s
//   BM_AffineKernel/<isa>/<in>/<out>  one PackedAffine::apply (a layer alone) with
//                               each kernel this CPU runs: 768x77 (logreg),
//                               768x256 (MLP layer 1, 786 KB of fp32 weights), 256x77
//   BM_BatchProduct/<kernel>/<rows>/<inner>/<out>  Y = X W for a batch of rows, the
//                               products an MLP training step makes (200-row
//                               minibatch: forward 200x768->256, weight gradient
//                               768x200->256, back-propagation 200x256->256), with
//                               OpenBLAS sgemm (kernel 0, as the engine calls it:
//                               W' X on column-major float matrices) or with the
//                               row kernels' 4-row block path (2 = AVX2, 3 =
//                               AVX-512: one FMA chain per output, the same bits on
//                               both), including its per-block interleave of X.
//                               Counter GFLOPs. A probe for an sgemm of our own.
//   BM_PeakFma/<isa>            this core's float FMA ceiling: 12 independent
//                               FMA chains in registers, no memory (2 = AVX2,
//                               3 = AVX-512), counter GFLOPs. The bound every
//                               figure above is read against (docs/performance.md,
//                               "Issue #13's targets on two CPUs, and the hardware
//                               ceilings").
//   BM_ReadBandwidth/<isa>/<KB>  streaming read of a KB-sized buffer, over and
//                               over (24 KB: L1; 768 KB, the MLPs' first layer:
//                               L2 on 1-2 MB L2 cores; 16 MB: L3), counter GBps
//
// Models are fitted on synthetic 3,000 x 768 x 77 data (class means plus noise,
// unit-normalised like sentence embeddings, fixed seeds); the MLPs with
// max_iter = 20 (latency does not depend on how converged the weights are).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <string>

#include "core/acceptor.hpp"
#include "core/metrics.hpp"
#include "core/models/scaled_affine.hpp"
#include "core/models/simd.hpp"
#include "core/rng.hpp"
#include "core/router.hpp"
#include "core/zoo.hpp"

#if TRACER_X86_KERNELS
#include <immintrin.h>
#endif

extern "C" void openblas_set_num_threads(int);

namespace {

using namespace tracer;

constexpr std::size_t kD = 768, kK = 77;

/// Class means plus noise, unit-normalised like sentence embeddings.
void make_data(std::size_t n, std::size_t d, std::size_t K, std::uint64_t seed, arma::mat& X, arma::uvec& y) {
  Rng rng(seed);
  arma::mat means(K, d);
  for (auto& v : means) v = rng.normal();
  X.set_size(n, d);
  y.set_size(n);
  for (std::size_t i = 0; i < n; ++i) {
    y[i] = rng.uniform_index(K);
    for (std::size_t j = 0; j < d; ++j) X(i, j) = 0.35 * means(y[i], j) + rng.normal();
  }
  X = arma::normalise(X, 2, 1);
}

void BM_LogRegFit_10000x768x77(benchmark::State& state) {
  openblas_set_num_threads(1);
  arma::mat X;
  arma::uvec y;
  make_data(10000, kD, kK, 1, X, y);
  for (auto _ : state) {
    auto m = make_surrogate({"logreg_c1", {}});
    m->fit(X, y, kK, {});
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_LogRegFit_10000x768x77)->Unit(benchmark::kSecond)->Iterations(1);

/// A fitted model with its L2D policy (acceptor fitted on the serving
/// probabilities, threshold 0.5) and 4,096 held-out rows; one per model, cached.
struct Fixture {
  RoutingPolicy policy;
  arma::mat rows;  // 4096 x 768
};

const Fixture& fixture(const std::string& model_name) {
  static std::map<std::string, Fixture> cache;
  auto it = cache.find(model_name);
  if (it != cache.end()) return it->second;
  openblas_set_num_threads(1);
  arma::mat X, Xq;
  arma::uvec y, yq;
  make_data(3000, kD, kK, 2, X, y);
  make_data(4096, kD, kK, 3, Xq, yq);
  ModelParams params;
  if (model_name.rfind("mlp", 0) == 0) params["max_iter"] = 20;
  std::shared_ptr<Surrogate> model = make_surrogate({model_name, params});
  model->fit(X, y, kK, {});
  const arma::mat P = serving_probabilities(*model, X);
  auto acceptor = std::make_shared<Acceptor>();
  acceptor->fit(P, arma::conv_to<arma::uvec>::from(argmax_rows(P) == y));
  return cache.emplace(model_name, Fixture{RoutingPolicy{Family::kL2D, model, acceptor, 0.5}, Xq}).first->second;
}

void BM_RouteSingleRow(benchmark::State& state, const char* model_name) {
  const Fixture& f = fixture(model_name);
  const Router router(f.policy);
  std::vector<arma::rowvec> rows;
  for (arma::uword i = 0; i < 256; ++i) rows.push_back(f.rows.row(i));
  // Per-call latencies (steady_clock around each call) for the median and p99;
  // Google Benchmark's own time is the mean.
  std::vector<double> ns;
  ns.reserve(1 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const RouteResult r = router.route_row(rows[i++ & 255].memptr(), kD);
    benchmark::DoNotOptimize(r);
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["median_us"] = ns[ns.size() / 2] / 1000.0;
  state.counters["p99_us"] = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)] / 1000.0;
}

void BM_RouteBatch(benchmark::State& state, const char* model_name) {
  const Fixture& f = fixture(model_name);
  const auto n_threads = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    const RoutingDecision d = f.policy.route(f.rows, n_threads);
    benchmark::DoNotOptimize(d.handled.memptr());
  }
  state.counters["rows_per_s"] =
      benchmark::Counter(static_cast<double>(state.iterations() * f.rows.n_rows), benchmark::Counter::kIsRate);
}

void BM_AffineKernel(benchmark::State& state) {
  const auto isa = static_cast<AffineIsa>(state.range(0));
  const auto in = static_cast<std::size_t>(state.range(1)), out = static_cast<std::size_t>(state.range(2));
  if (!affine_isa_supported(isa)) {
    state.SkipWithError("kernel not supported on this CPU");
    return;
  }
  state.SetLabel(affine_isa_name(isa));
  Rng rng(4);
  arma::mat W(in, out);
  arma::rowvec b(out);
  for (auto& v : W) v = rng.normal() * 0.05;
  for (auto& v : b) v = rng.normal();
  PackedAffine layer;
  layer.pack(W, b);
  std::vector<float> x(in), y(layer.padded_out());
  for (auto& v : x) v = static_cast<float>(rng.normal());
  for (auto _ : state) {
    layer.apply(x.data(), y.data(), false, isa);
    benchmark::DoNotOptimize(y.data());
    benchmark::ClobberMemory();
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * static_cast<double>(in * out) * static_cast<double>(state.iterations()) * 1e-9,
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_AffineKernel)
    ->ArgsProduct({{static_cast<int>(AffineIsa::kSse2), static_cast<int>(AffineIsa::kAvx2),
                    static_cast<int>(AffineIsa::kAvx512)},
                   {768},
                   {77, 256}})
    ->Args({static_cast<int>(AffineIsa::kAvx2), 256, 77})
    ->Unit(benchmark::kMicrosecond);

void BM_BatchProduct(benchmark::State& state) {
  openblas_set_num_threads(1);  // one core on both sides, as the training engine runs
  const auto kernel = state.range(0);
  const auto rows = static_cast<std::size_t>(state.range(1)), in = static_cast<std::size_t>(state.range(2)),
             out = static_cast<std::size_t>(state.range(3));
  Rng rng(6);
  arma::mat W(in, out);
  for (auto& v : W) v = rng.normal() * 0.05;
  arma::fmat X(in, rows);  // one row per column, as the MLP engine keeps its batch
  for (auto& v : X) v = static_cast<float>(rng.normal());
  if (kernel == 0) {
    state.SetLabel("sgemm");
    const arma::fmat Wf = arma::conv_to<arma::fmat>::from(W);
    arma::fmat Y;
    for (auto _ : state) {
      Y = Wf.t() * X;  // out x rows
      benchmark::DoNotOptimize(Y.memptr());
      benchmark::ClobberMemory();
    }
  } else {
    const auto isa = static_cast<AffineIsa>(kernel);
    if (!affine_isa_supported(isa)) {
      state.SkipWithError("kernel not supported on this CPU");
      return;
    }
    state.SetLabel(affine_isa_name(isa));
    PackedAffine layer;
    layer.pack(W, arma::rowvec(out, arma::fill::zeros));
    constexpr std::size_t R = PackedAffine::kBlockRows;
    std::vector<float> xb(in * R), Y(layer.padded_out() * rows);
    for (auto _ : state) {
      for (std::size_t j = 0; j + R <= rows; j += R) {
        for (std::size_t i = 0; i < in; ++i)
          for (std::size_t r = 0; r < R; ++r) xb[i * R + r] = X(i, j + r);
        layer.apply_block(xb.data(), Y.data() + j * layer.padded_out(), layer.padded_out(), false, isa);
      }
      benchmark::DoNotOptimize(Y.data());
      benchmark::ClobberMemory();
    }
  }
  state.counters["GFLOPs"] =
      benchmark::Counter(2.0 * static_cast<double>(rows * in * out) * static_cast<double>(state.iterations()) * 1e-9,
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_BatchProduct)
    ->ArgsProduct({{0, static_cast<int>(AffineIsa::kAvx2), static_cast<int>(AffineIsa::kAvx512)}, {200}, {768}, {256}})
    ->ArgsProduct({{0, static_cast<int>(AffineIsa::kAvx2), static_cast<int>(AffineIsa::kAvx512)}, {768}, {200}, {256}})
    ->ArgsProduct({{0, static_cast<int>(AffineIsa::kAvx2), static_cast<int>(AffineIsa::kAvx512)}, {200}, {256}, {256}})
    ->Unit(benchmark::kMicrosecond);

#if TRACER_X86_KERNELS
// 12 accumulators: more than FMA latency x FMA pipes on current x86 cores
// (4 cycles x 2), so the loop runs at the FMA units' rate. acc = acc * 0.999
// + 0.001 keeps every value finite and bounded.
__attribute__((target("avx2,fma"))) float peak_fma_avx2(std::int64_t n) {
  const __m256 a = _mm256_set1_ps(0.999f), b = _mm256_set1_ps(1e-3f);
  __m256 acc[12];
  for (auto& v : acc) v = b;
  for (std::int64_t i = 0; i < n; ++i)
#pragma GCC unroll 12
    for (auto& v : acc) v = _mm256_fmadd_ps(v, a, b);
  float s = 0.0f;
  for (const auto& v : acc) s += _mm256_cvtss_f32(v);
  return s;
}

__attribute__((target("avx512f"))) float peak_fma_avx512(std::int64_t n) {
  const __m512 a = _mm512_set1_ps(0.999f), b = _mm512_set1_ps(1e-3f);
  __m512 acc[12];
  for (auto& v : acc) v = b;
  for (std::int64_t i = 0; i < n; ++i)
#pragma GCC unroll 12
    for (auto& v : acc) v = _mm512_fmadd_ps(v, a, b);
  float s = 0.0f;
  for (const auto& v : acc) s += _mm512_cvtss_f32(v);
  return s;
}

// The probes' ISA argument (kAvx2 or kAvx512), checked as the affine kernels
// are; false (and the benchmark skipped) where this CPU cannot run it.
bool probe_isa(benchmark::State& state, bool& wide) {
  const auto isa = static_cast<AffineIsa>(state.range(0));
  if (!affine_isa_supported(isa)) {
    state.SkipWithError("kernel not supported on this CPU");
    return false;
  }
  state.SetLabel(affine_isa_name(isa));
  wide = isa == AffineIsa::kAvx512;
  return true;
}

void BM_PeakFma(benchmark::State& state) {
  bool wide = false;
  if (!probe_isa(state, wide)) return;
  constexpr std::int64_t kIterations = 1 << 20;
  for (auto _ : state) {
    std::int64_t n = kIterations;
    benchmark::DoNotOptimize(n);  // opaque: the call must not be hoisted out of the loop
    benchmark::DoNotOptimize(wide ? peak_fma_avx512(n) : peak_fma_avx2(n));
  }
  const double flops_per_iteration = 12.0 * 2.0 * (wide ? 16.0 : 8.0);
  state.counters["GFLOPs"] = benchmark::Counter(
      flops_per_iteration * static_cast<double>(kIterations) * static_cast<double>(state.iterations()) * 1e-9,
      benchmark::Counter::kIsRate);
}
BENCHMARK(BM_PeakFma)
    ->Arg(static_cast<int>(AffineIsa::kAvx2))
    ->Arg(static_cast<int>(AffineIsa::kAvx512))
    ->Unit(benchmark::kMillisecond);

// Read bandwidth from the cache level a buffer of this size lives in (768 KB:
// the MLPs' first layer, 768 x 256 floats): eight independent sums of
// 64-byte loads, the buffer read again and again. Counter GBps. Together with
// BM_PeakFma the ceiling of a single-row layer, which reads every weight once.
__attribute__((target("avx512f"))) float read_sum_avx512(const float* p, std::size_t n) {
  __m512 acc[8];
  for (auto& v : acc) v = _mm512_setzero_ps();
  for (std::size_t i = 0; i + 128 <= n; i += 128)
#pragma GCC unroll 8
    for (std::size_t j = 0; j < 8; ++j) acc[j] = _mm512_add_ps(acc[j], _mm512_loadu_ps(p + i + 16 * j));
  float s = 0.0f;
  for (const auto& v : acc) s += _mm512_cvtss_f32(v);
  return s;
}

__attribute__((target("avx2"))) float read_sum_avx2(const float* p, std::size_t n) {
  __m256 acc[8];
  for (auto& v : acc) v = _mm256_setzero_ps();
  for (std::size_t i = 0; i + 64 <= n; i += 64)
#pragma GCC unroll 8
    for (std::size_t j = 0; j < 8; ++j) acc[j] = _mm256_add_ps(acc[j], _mm256_loadu_ps(p + i + 8 * j));
  float s = 0.0f;
  for (const auto& v : acc) s += _mm256_cvtss_f32(v);
  return s;
}

void BM_ReadBandwidth(benchmark::State& state) {
  bool wide = false;
  if (!probe_isa(state, wide)) return;
  const auto n = static_cast<std::size_t>(state.range(1)) * 1024 / sizeof(float);
  std::vector<float> buffer(n, 1.0f);
  for (auto _ : state) {
    const float* p = buffer.data();
    benchmark::DoNotOptimize(p);
    benchmark::DoNotOptimize(wide ? read_sum_avx512(p, n) : read_sum_avx2(p, n));
  }
  state.counters["GBps"] =
      benchmark::Counter(static_cast<double>(n * sizeof(float)) * static_cast<double>(state.iterations()) * 1e-9,
                         benchmark::Counter::kIsRate);
}
BENCHMARK(BM_ReadBandwidth)
    ->ArgsProduct({{static_cast<int>(AffineIsa::kAvx2), static_cast<int>(AffineIsa::kAvx512)}, {24, 768, 16384}})
    ->Unit(benchmark::kMicrosecond);
#endif

#define TRACER_ROUTE_BENCH(model)                                                     \
  BENCHMARK_CAPTURE(BM_RouteSingleRow, model, #model)->Unit(benchmark::kMicrosecond); \
  BENCHMARK_CAPTURE(BM_RouteBatch, model, #model)                                     \
      ->ArgName("threads")                                                            \
      ->Arg(1)                                                                        \
      ->Arg(2)                                                                        \
      ->UseRealTime()                                                                 \
      ->Unit(benchmark::kMillisecond)
TRACER_ROUTE_BENCH(logreg_c1);
TRACER_ROUTE_BENCH(logreg_c10);
TRACER_ROUTE_BENCH(sgd_log);
TRACER_ROUTE_BENCH(mlp_1h);
TRACER_ROUTE_BENCH(mlp_2h);
#undef TRACER_ROUTE_BENCH

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
#ifndef TRACER_BASELINE_BENCH
  // TRACER_BENCH_AFFINE_ISA=avx2 (or sse2, portable, avx512) measures the row
  // paths with that kernel instead of the widest one this CPU runs, e.g. the
  // AVX2 kernel on an AVX-512 machine.
  if (const char* want = std::getenv("TRACER_BENCH_AFFINE_ISA")) {
    bool known = false;
    for (AffineIsa isa : {AffineIsa::kPortable, AffineIsa::kSse2, AffineIsa::kAvx2, AffineIsa::kAvx512}) {
      if (std::string(want) != affine_isa_name(isa)) continue;
      known = true;
      if (!affine_isa_supported(isa)) {
        std::fprintf(stderr, "TRACER_BENCH_AFFINE_ISA=%s: this CPU cannot run that kernel\n", want);
        return 2;
      }
      use_affine_isa(isa);
    }
    if (!known) {
      std::fprintf(stderr, "TRACER_BENCH_AFFINE_ISA=%s: expected portable, sse2, avx2 or avx512\n", want);
      return 2;
    }
  }
  benchmark::AddCustomContext("affine_kernel", affine_kernel_name());
  // Which OpenBLAS kernels BM_BatchProduct's sgemm ran (scripts/blas_env.sh pins Zen).
  const char* coretype = std::getenv("OPENBLAS_CORETYPE");
  benchmark::AddCustomContext("openblas_coretype_env", coretype != nullptr ? coretype : "(unset: OpenBLAS chooses)");
  benchmark::AddCustomContext("openblas_threads_in_batch_product", "1");
#endif
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

// Logistic-regression fit at paper scale and single-row routing latency.
//   build/bench_routing --benchmark_format=json
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>

#include "core/acceptor.hpp"
#include "core/metrics.hpp"
#include "core/rng.hpp"
#include "core/router.hpp"
#include "core/zoo.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

using namespace tracer;

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
  make_data(10000, 768, 77, 1, X, y);
  for (auto _ : state) {
    auto m = make_surrogate({"logreg_c1", {}});
    m->fit(X, y, 77, {});
    benchmark::DoNotOptimize(m);
  }
}
BENCHMARK(BM_LogRegFit_10000x768x77)->Unit(benchmark::kSecond)->Iterations(1);

void BM_RouteSingleRow(benchmark::State& state, const char* model_name) {
  openblas_set_num_threads(1);
  arma::mat X;
  arma::uvec y;
  make_data(3000, 768, 77, 2, X, y);
  std::shared_ptr<Surrogate> model = make_surrogate({model_name, {}});
  model->fit(X, y, 77, {});
  const arma::mat P = serving_probabilities(*model, X);
  auto acceptor = std::make_shared<Acceptor>();
  acceptor->fit(P, arma::conv_to<arma::uvec>::from(argmax_rows(P) == y));
  const Router router(RoutingPolicy{Family::kL2D, model, acceptor, 0.5});
  std::vector<arma::rowvec> rows;
  for (arma::uword i = 0; i < 256; ++i) rows.push_back(X.row(i));
  // Per-call latencies (steady_clock around each call) for the median and p99;
  // Google Benchmark's own time is the mean.
  std::vector<double> ns;
  ns.reserve(1 << 20);
  std::size_t i = 0;
  for (auto _ : state) {
    const auto t0 = std::chrono::steady_clock::now();
    const RouteResult r = router.route_row(rows[i++ & 255].memptr(), 768);
    benchmark::DoNotOptimize(r);
    ns.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ns.begin(), ns.end());
  state.counters["median_us"] = ns[ns.size() / 2] / 1000.0;
  state.counters["p99_us"] = ns[std::min(ns.size() - 1, ns.size() * 99 / 100)] / 1000.0;
}
BENCHMARK_CAPTURE(BM_RouteSingleRow, logreg_c1, "logreg_c1")->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(BM_RouteSingleRow, mlp_1h, "mlp_1h")->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();

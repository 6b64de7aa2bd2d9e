// Scaling study (Google Benchmark): how fit and protocol time grow with the
// number of traces n, classes K, embedding dimension d and threads.
//
//   BM_Fit/<model>/n:N/K:K/d:D/threads:T   one fit of a lean-zoo candidate on the
//                                          final day's training split (0.55 n rows)
//   BM_Replay/n:N/K:K/d:D/threads:T        the whole protocol (tracer::run_replay)
//                                          with Banking77's settings on n traces
//
// One-factor-at-a-time grid around n = 10,000, K = 77, d = 768, 1 thread:
// n in {2000, 5000, 10000, 18000}, K in {77, 150}, d in {256, 768, 1024},
// threads in {1, 2}. bench/run_scaling.py runs it and bench/scaling_table.py
// turns the JSON into docs/performance.md.
//
// Synthetic data as in bench_models.cpp, generalised to K and d: class means
// ~ N(0, 0.1^2) per coordinate plus 8 strong coordinates per class (among the
// first min(d, 256)), unit Gaussian noise, fixed seeds (a linear model lands
// near Banking77's accuracy). The test set has 3,000 rows at every n
// (Banking77 has 3,080). OpenBLAS runs single-threaded, as in tracer-bench.
//
// Counters: cpu_s (user + system CPU of the whole process over the timed run,
// all threads), rows (rows fitted), test_accuracy (fits), deployed (replays:
// deployed (day, mode, alpha) outcomes, a sanity check that the protocol ran).
#include <benchmark/benchmark.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "core/rng.hpp"
#include "core/zoo.hpp"
#include "protocol/replay.hpp"
#include "protocol/settings.hpp"

extern "C" void openblas_set_num_threads(int);

namespace {

using namespace tracer;

constexpr std::size_t kTestRows = 3000;
constexpr double kTrainShare = 0.55;  // Banking77's split.train
const std::vector<std::string> kLeanZoo = {"logreg_c1", "logreg_c10", "sgd_log", "mlp_1h", "mlp_2h"};

struct Point {
  std::int64_t n, K, d, threads;
};

/// The grid: the base point, then one factor changed at a time.
std::vector<Point> grid() {
  const Point base{10000, 77, 768, 1};
  std::vector<Point> pts{base};
  for (std::int64_t n : {2000, 5000, 18000}) pts.push_back({n, base.K, base.d, 1});
  pts.push_back({base.n, 150, base.d, 1});
  for (std::int64_t d : {256, 1024}) pts.push_back({base.n, base.K, d, 1});
  pts.push_back({base.n, base.K, base.d, 2});
  return pts;
}

/// n_train training rows and kTestRows test rows of K classes in d dimensions.
const ReplayData& data(std::size_t n_train, std::size_t K, std::size_t d) {
  static std::tuple<std::size_t, std::size_t, std::size_t> key{0, 0, 0};
  static ReplayData cached;
  if (key == std::make_tuple(n_train, K, d)) return cached;
  Rng means_rng(1234);
  arma::mat means(K, d);
  for (auto& v : means) v = 0.1 * means_rng.normal();
  const std::size_t strong_pool = std::min<std::size_t>(d, 256);
  for (std::size_t k = 0; k < K; ++k) {
    const auto dims = means_rng.permutation(strong_pool);
    for (std::size_t a = 0; a < 8; ++a) means(k, dims[a]) += 1.2 * means_rng.normal();
  }
  auto draw = [&](std::size_t n, std::uint64_t seed, arma::mat& X, arma::uvec& y) {
    Rng rng(seed);
    X.set_size(n, d);
    y.set_size(n);
    for (std::size_t i = 0; i < n; ++i) {
      y[i] = static_cast<arma::uword>(rng.uniform_index(K));
      for (std::size_t j = 0; j < d; ++j) X(i, j) = means(y[i], j) + rng.normal();
    }
  };
  cached = ReplayData{};
  draw(n_train, 1, cached.X_train, cached.teacher_train);
  draw(kTestRows, 2, cached.X_test, cached.teacher_test);
  cached.truth_train = cached.teacher_train;
  cached.truth_test = cached.teacher_test;
  cached.n_classes = K;
  key = {n_train, K, d};
  return cached;
}

double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         1e-6 * static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec);
}

Point point_of(const benchmark::State& state) {
  return {state.range(0), state.range(1), state.range(2), state.range(3)};
}

void BM_Fit(benchmark::State& state, const std::string& model_name) {
  openblas_set_num_threads(1);
  const Point p = point_of(state);
  const auto rows = static_cast<std::size_t>(kTrainShare * static_cast<double>(p.n));
  const ReplayData& D = data(rows, static_cast<std::size_t>(p.K), static_cast<std::size_t>(p.d));
  double cpu = 0.0, accuracy = 0.0;
  for (auto _ : state) {
    const double c0 = process_cpu_seconds();
    auto model = make_surrogate({model_name, {}});
    model->fit(D.X_train, D.teacher_train, D.n_classes, {.seed = 42, .n_threads = static_cast<std::size_t>(p.threads)});
    cpu += process_cpu_seconds() - c0;
    state.PauseTiming();
    const arma::uvec pred = arma::index_max(model->predict_proba(D.X_test), 1);
    accuracy = static_cast<double>(arma::accu(pred == D.teacher_test)) / static_cast<double>(pred.n_elem);
    state.ResumeTiming();
  }
  state.counters["cpu_s"] = cpu / static_cast<double>(state.iterations());
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["test_accuracy"] = accuracy;
}

/// Banking77's protocol (experiments/banking77.toml) on synthetic traces.
ProtocolSettings banking77_settings(std::size_t threads) {
  ProtocolSettings s;
  s.days = 5;
  s.alphas = {0.80, 0.85, 0.90, 0.95};
  s.split = {0.55, 0.15, 0.15, 0.15};
  s.gate.modes = {GateMode::kPaper, GateMode::kCertified, GateMode::kBonferroni};
  s.gate.min_coverage = 0.05;
  s.gate.min_accepted = 1;
  s.gate.delta = 0.1;
  s.candidates.clear();
  for (const auto& name : kLeanZoo) s.candidates.push_back({name, {}});
  s.baseline_model = {"logreg_c1", {}};
  s.baseline_holdout = 0.2;
  s.threads = threads;
  return s;
}

void BM_Replay(benchmark::State& state) {
  openblas_set_num_threads(1);
  const Point p = point_of(state);
  const ReplayData& D =
      data(static_cast<std::size_t>(p.n), static_cast<std::size_t>(p.K), static_cast<std::size_t>(p.d));
  const ProtocolSettings s = banking77_settings(static_cast<std::size_t>(p.threads));
  double cpu = 0.0;
  std::size_t deployed = 0;
  for (auto _ : state) {
    const double c0 = process_cpu_seconds();
    const ReplayResult r = run_replay(D, s, 20260422);
    cpu += process_cpu_seconds() - c0;
    deployed = static_cast<std::size_t>(
        std::count_if(r.outcomes.begin(), r.outcomes.end(), [](const DayOutcome& o) { return o.deployed; }));
  }
  state.counters["cpu_s"] = cpu / static_cast<double>(state.iterations());
  state.counters["rows"] = static_cast<double>(p.n);
  state.counters["deployed"] = static_cast<double>(deployed);
}

void add_point(benchmark::internal::Benchmark* b, const Point& p) {
  b->Args({p.n, p.K, p.d, p.threads})
      ->ArgNames({"n", "K", "d", "threads"})
      ->Iterations(1)
      ->Unit(benchmark::kSecond)
      ->UseRealTime();
}

}  // namespace

int main(int argc, char** argv) {
  for (const Point& p : grid()) {
    for (const auto& name : kLeanZoo)
      add_point(benchmark::RegisterBenchmark(("BM_Fit/" + name).c_str(), BM_Fit, name), p);
    add_point(benchmark::RegisterBenchmark("BM_Replay", BM_Replay), p);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

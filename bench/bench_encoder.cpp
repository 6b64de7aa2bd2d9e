// LSA encoder timings. By default on a synthetic corpus shaped like
// Banking77 (10,003 texts of ~12 Zipf-distributed words from 2,500 words);
// set TRACER_BENCH_CSV=prepared/banking77/train.csv to time a real table.
//
//   ./bench_encoder --benchmark_filter=Fit
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "core/encoder/lsa.hpp"
#include "core/encoder/randomized_svd.hpp"
#include "core/rng.hpp"
#include "app/embed_command.hpp"

namespace {

constexpr std::uint64_t kSeed = 20240607;

std::vector<std::string> synthetic_corpus(std::size_t n_texts) {
  constexpr std::size_t kWords = 2500;
  // Zipf(1) cumulative distribution over word ranks.
  std::vector<double> cdf(kWords);
  double total = 0.0;
  for (std::size_t r = 0; r < kWords; ++r) cdf[r] = (total += 1.0 / static_cast<double>(r + 1));
  tracer::Rng rng(kSeed);
  std::vector<std::string> texts(n_texts);
  for (std::string& t : texts) {
    const std::size_t len = 6 + rng.uniform_index(13);
    for (std::size_t i = 0; i < len; ++i) {
      const double u = rng.uniform() * total;
      const std::size_t r = static_cast<std::size_t>(std::lower_bound(cdf.begin(), cdf.end(), u) - cdf.begin());
      t += fmt::format("{}w{}", i ? " " : "", r);
    }
  }
  return texts;
}

const std::vector<std::string>& texts() {
  static const std::vector<std::string> corpus = [] {
    if (const char* csv = std::getenv("TRACER_BENCH_CSV")) return tracer::read_text_columns(csv, false).text;
    return synthetic_corpus(10003);
  }();
  return corpus;
}

void BM_Tokenize(benchmark::State& state) {
  const tracer::LsaOptions o;
  std::size_t terms = 0;
  for (auto _ : state)
    for (const std::string& t : texts()) terms += tracer::lsa_terms(t, o).size();
  benchmark::DoNotOptimize(terms);
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts().size()));
}
BENCHMARK(BM_Tokenize)->Unit(benchmark::kMillisecond);

void BM_Fit(benchmark::State& state) {
  tracer::LsaOptions o;
  o.dimension = static_cast<std::size_t>(state.range(0));
  o.power_iterations = static_cast<std::size_t>(state.range(1));
  for (auto _ : state) {
    tracer::LsaEncoder enc(o);
    benchmark::DoNotOptimize(enc.fit_transform(texts(), kSeed));
  }
}
BENCHMARK(BM_Fit)->Args({256, 2})->Args({768, 1})->Args({768, 2})->Unit(benchmark::kSecond)->UseRealTime();

void BM_Transform(benchmark::State& state) {
  tracer::LsaOptions o;
  o.dimension = 768;
  tracer::LsaEncoder enc(o);
  enc.fit_transform(texts(), kSeed);
  for (auto _ : state) benchmark::DoNotOptimize(enc.transform(texts()));
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(texts().size()));
}
BENCHMARK(BM_Transform)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_DenseTimesSparse(benchmark::State& state) {
  tracer::LsaOptions o;
  o.dimension = 1;
  tracer::LsaEncoder enc(o);
  enc.fit_transform(texts(), kSeed);
  const arma::sp_mat X = enc.tfidf(texts());
  arma::mat D(778, X.n_rows);
  tracer::Rng rng(kSeed);
  for (double& x : D) x = rng.normal();
  arma::mat out;
  for (auto _ : state) tracer::dense_times_sparse(D, X, out, static_cast<std::size_t>(state.range(0)));
}
BENCHMARK(BM_DenseTimesSparse)->Arg(1)->Arg(2)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();

// Surrogate zoo benchmarks (Google Benchmark; run with --benchmark_format=json).
//
//   BM_Fit/<model>        one fit on synthetic 10,000 x 768 x 77 data, 2 threads
//   BM_PredictProba1/<m>  predict_proba on a single 1 x 768 row (the interface)
//   BM_Route1/<model>     single-row path (Surrogate::predict_proba_row)
//                         + a 4-feature logistic acceptor, i.e. one routing call
//                         (not registered for the trees: their fit at 10,000 rows is slow)
//
// Synthetic data: class means ~ N(0, 0.1^2) per coordinate plus 8 strong
// coordinates per class (N(0, 1.2^2), among the first 256), unit Gaussian
// noise, fixed seeds. A linear model lands near Banking77's accuracy (~85%);
// trees do worse than on real LSA embeddings (scikit-learn alike), so tree fit
// times here are pessimistic (less pure nodes, bigger trees).
//
// Comparison mode (no benchmarks): prints each candidate's test accuracy on
// given embeddings, for bench/compare_sklearn.py:
//   bench_models --compare TRAIN_X.npy TRAIN_Y.npy TEST_X.npy TEST_Y.npy
//                [--models a,b,...] [--threads N] [--seed S]
// (epochs column: SGD/MLP epochs, L-BFGS iterations for logistic regression;
// evaluations: L-BFGS loss + gradient evaluations, 0 for the other models)
// X: 2-D '<f2', '<f4' or '<f8' (io/npy.hpp's reader); y: (n, 1) '<f8'
// integer labels 0..K-1. A bad argument or file exits 2.
#include <benchmark/benchmark.h>

#include <boost/program_options.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/errors.hpp"
#include "core/metrics.hpp"
#include "core/models/logistic_regression.hpp"
#include "core/models/mlp_classifier.hpp"
#include "core/models/sgd_classifier.hpp"
#include "core/rng.hpp"
#include "core/zoo.hpp"
#include "io/npy.hpp"

namespace {

using namespace tracer;

constexpr std::size_t kN = 10000, kD = 768, kK = 77;

struct Data {
  arma::mat X;
  arma::uvec y;
};

Data synthetic(std::size_t n, std::uint64_t seed) {
  Rng means_rng(1234);  // the same class means for every call
  arma::mat means(kK, kD);
  for (auto& v : means) v = 0.1 * means_rng.normal();
  for (std::size_t k = 0; k < kK; ++k) {  // a few strong "topic" coordinates per class
    const auto dims = means_rng.permutation(256);
    for (std::size_t a = 0; a < 8; ++a) means(k, dims[a]) += 1.2 * means_rng.normal();
  }
  Rng rng(seed);
  Data d{arma::mat(n, kD), arma::uvec(n)};
  for (std::size_t i = 0; i < n; ++i) {
    d.y[i] = static_cast<arma::uword>(rng.uniform_index(kK));
    for (std::size_t j = 0; j < kD; ++j) d.X(i, j) = means(d.y[i], j) + rng.normal();
  }
  return d;
}

const Data& train_data() {
  static const Data d = synthetic(kN, 1);
  return d;
}
const Data& test_data() {
  static const Data d = synthetic(2000, 2);
  return d;
}

std::map<std::string, std::unique_ptr<Surrogate>>& fitted() {
  static std::map<std::string, std::unique_ptr<Surrogate>> m;
  return m;
}

bool is_tree(const std::string& name) { return name == "dt" || name == "rf" || name == "et"; }

// A fitted model for the latency benchmarks: the one BM_Fit produced if it ran,
// else a fresh fit. Latency of the linear models and MLPs does not depend on
// the training-set size (fixed weight shapes), so those are fitted on the
// first 1,500 rows to keep latency-only runs short; trees use all rows (their
// depth, hence latency, grows with n).
const Surrogate& get_fitted(const std::string& name) {
  auto& cache = fitted();
  auto it = cache.find(name);
  if (it == cache.end()) {
    auto model = make_surrogate({name, {}});
    const std::size_t rows = is_tree(name) ? kN : 1500;
    model->fit(train_data().X.head_rows(rows), train_data().y.head(rows), kK, {.seed = 42, .n_threads = 2});
    it = cache.emplace(name, std::move(model)).first;
  }
  return *it->second;
}

void BM_Fit(benchmark::State& state, const std::string& name) {
  const Data& tr = train_data();
  for (auto _ : state) {
    auto model = make_surrogate({name, {}});
    model->fit(tr.X, tr.y, kK, {.seed = 42, .n_threads = 2});
    state.PauseTiming();
    const arma::uvec pred = arma::index_max(model->predict_proba(test_data().X), 1);
    state.counters["test_accuracy"] =
        static_cast<double>(arma::accu(pred == test_data().y)) / static_cast<double>(pred.n_elem);
    fitted()[name] = std::move(model);
    state.ResumeTiming();
  }
}

void BM_PredictProba1(benchmark::State& state, const std::string& name) {
  const Surrogate& model = get_fitted(name);
  const arma::mat row = test_data().X.row(0);
  for (auto _ : state) {
    arma::mat p = model.predict_proba(row);
    benchmark::DoNotOptimize(p.memptr());
  }
}

// The acceptor of the protocol: logistic regression on top-1, top-2, margin,
// normalised entropy of the probability vector.
double acceptor(const double* p, std::size_t k) {
  double t1 = 0.0, t2 = 0.0, h = 0.0;
  for (std::size_t j = 0; j < k; ++j) {
    const double v = p[j];
    if (v > t1) {
      t2 = t1;
      t1 = v;
    } else if (v > t2)
      t2 = v;
    if (v > 0.0) h -= v * std::log(v);
  }
  const double z = 0.3 + 2.0 * t1 - 1.0 * t2 + 1.5 * (t1 - t2) - 0.7 * h / std::log(static_cast<double>(k));
  return 1.0 / (1.0 + std::exp(-z));
}

void BM_Route1(benchmark::State& state, const std::string& name) {
  const Surrogate& model = get_fitted(name);
  const arma::rowvec row = test_data().X.row(0);
  std::vector<double> out(kK);
  for (auto _ : state) {
    model.predict_proba_row(row.memptr(), row.n_elem, out.data());
    double s = acceptor(out.data(), kK);
    benchmark::DoNotOptimize(s);
  }
}

// ---- comparison mode ---------------------------------------------------------

// Labels travel as an (n, 1) '<f8' .npy (compare_sklearn.py writes them so),
// read by the project's own .npy reader; every value must be an integer >= 0.
arma::uvec load_labels(const std::string& path) {
  const arma::mat a = read_npy(path);
  if (a.n_cols != 1)
    throw DataError(path + ": labels must be an (n, 1) array, got " + std::to_string(a.n_cols) + " columns");
  arma::uvec y(a.n_rows);
  for (arma::uword i = 0; i < a.n_rows; ++i) {
    if (a[i] < 0 || a[i] != std::floor(a[i]))
      throw DataError(path + ": row " + std::to_string(i) + ": labels must be integers >= 0");
    y[i] = static_cast<arma::uword>(a[i]);
  }
  return y;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int compare_main(int argc, char** argv) {
  namespace po = boost::program_options;
  std::string train_x, train_y, test_x, test_y, model_list;
  std::size_t threads = 2;
  std::uint64_t seed = 42;
  po::options_description opts("bench_models --compare TRAIN_X TRAIN_Y TEST_X TEST_Y [options]");
  opts.add_options()("compare", "comparison mode (no benchmarks)")(
      "train-x", po::value<std::string>(&train_x)->required(), "training embeddings, 2-D .npy")(
      "train-y", po::value<std::string>(&train_y)->required(), "training labels, (n, 1) .npy")(
      "test-x", po::value<std::string>(&test_x)->required(), "test embeddings, 2-D .npy")(
      "test-y", po::value<std::string>(&test_y)->required(), "test labels, (n, 1) .npy")(
      "models", po::value<std::string>(&model_list), "comma-separated zoo names (default: every model)")(
      "threads", po::value<std::size_t>(&threads)->default_value(2), "threads a fit may use (trees)")(
      "seed", po::value<std::uint64_t>(&seed)->default_value(42), "fit seed");
  po::positional_options_description pos;
  pos.add("train-x", 1).add("train-y", 1).add("test-x", 1).add("test-y", 1);
  try {
    po::variables_map vm;
    po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::fprintf(stderr, "bench_models: %s\n", e.what());
    std::cerr << opts;
    return 2;
  }
  std::vector<std::string> models = known_surrogates();
  if (!model_list.empty()) {
    models.clear();
    std::stringstream ss(model_list);
    std::string tok;
    while (std::getline(ss, tok, ',')) models.push_back(tok);
  }
  const arma::mat Xtr = read_npy(train_x), Xte = read_npy(test_x);
  const arma::uvec ytr = load_labels(train_y), yte = load_labels(test_y);
  const std::size_t K = std::max(ytr.max(), yte.max()) + 1;
  // fit_cpu_seconds: CPU time of the whole process during the fit (all
  // threads); on a loaded machine it is the fairer single-threaded measure.
  std::printf("model\ttest_accuracy\ttest_macro_f1\tfit_seconds\tepochs\tfit_cpu_seconds\tevaluations\n");
  for (const auto& name : models) {
    auto model = make_surrogate({name, {}});
    const double c0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    model->fit(Xtr, ytr, K, {.seed = seed, .n_threads = threads});
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = process_cpu_seconds() - c0;
    const arma::uvec pred = arma::index_max(model->predict_proba(Xte), 1);
    const double acc = static_cast<double>(arma::accu(pred == yte)) / static_cast<double>(yte.n_elem);
    int epochs = 0, evaluations = 0;
    if (const auto* sgd = dynamic_cast<const SgdClassifier*>(model.get())) epochs = sgd->epochs_run();
    if (const auto* mlp = dynamic_cast<const MlpClassifier*>(model.get())) epochs = mlp->epochs_run();
    if (const auto* lr = dynamic_cast<const LogisticRegression*>(model.get())) {
      epochs = lr->solver_report().iterations;
      evaluations = lr->solver_report().evaluations;
    }
    std::printf("%s\t%.4f\t%.4f\t%.3f\t%d\t%.3f\t%d\n", name.c_str(), acc, macro_f1(yte, pred), secs, epochs, cpu,
                evaluations);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--compare") {
    try {
      return compare_main(argc, argv);
    } catch (const DataError& e) {  // a bad input file: the caller's to fix
      std::fprintf(stderr, "bench_models: %s\n", e.what());
      return 2;
    }
  }
  for (const auto& name : known_surrogates())
    benchmark::RegisterBenchmark(("BM_Fit/" + name).c_str(), BM_Fit, name)
        ->Iterations(1)
        ->Unit(benchmark::kSecond)
        ->UseRealTime();
  for (const auto& name : known_surrogates())
    benchmark::RegisterBenchmark(("BM_PredictProba1/" + name).c_str(), BM_PredictProba1, name)
        ->Unit(benchmark::kMicrosecond);
  for (const auto& name : known_surrogates()) {
    if (is_tree(name)) continue;
    benchmark::RegisterBenchmark(("BM_Route1/" + name).c_str(), BM_Route1, name)->Unit(benchmark::kMicrosecond);
  }
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

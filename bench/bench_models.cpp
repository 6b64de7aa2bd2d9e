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
// (epochs column: SGD/MLP epochs, L-BFGS iterations for logistic regression)
// X: 2-D '<f4' or '<f8'; y: 1-D '<i8', '<i4' or '<f8' integer labels 0..K-1.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/models/logistic_regression.hpp"
#include "core/models/mlp_classifier.hpp"
#include "core/models/sgd_classifier.hpp"
#include "core/rng.hpp"
#include "core/zoo.hpp"

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

struct Npy {
  std::vector<std::size_t> shape;
  std::vector<double> data;  // row-major
};

Npy read_npy_any(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (bytes.size() < 10 || bytes.compare(0, 6, "\x93NUMPY") != 0) throw std::runtime_error(path + ": not a .npy file");
  const int major = static_cast<unsigned char>(bytes[6]);
  std::size_t header_len, off;
  if (major == 1) {
    header_len =
        static_cast<unsigned char>(bytes[8]) | (static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8);
    off = 10;
  } else {
    header_len = 0;
    for (int b = 0; b < 4; ++b)
      header_len |= static_cast<std::size_t>(static_cast<unsigned char>(bytes[8 + b])) << (8 * b);
    off = 12;
  }
  const std::string header = bytes.substr(off, header_len);
  off += header_len;
  auto field = [&](const std::string& key) {
    const auto k = header.find("'" + key + "'");
    if (k == std::string::npos) throw std::runtime_error(path + ": header lacks " + key);
    return header.substr(header.find(':', k) + 1);
  };
  std::string descr = field("descr");
  descr = descr.substr(descr.find('\'') + 1);
  descr = descr.substr(0, descr.find('\''));
  const bool fortran = field("fortran_order").find("True") < field("fortran_order").find(',');
  std::string shp = field("shape");
  shp = shp.substr(shp.find('(') + 1, shp.find(')') - shp.find('(') - 1);
  Npy out;
  std::stringstream ss(shp);
  std::string tok;
  while (std::getline(ss, tok, ','))
    if (tok.find_first_not_of(' ') != std::string::npos) out.shape.push_back(std::stoul(tok));
  std::size_t count = 1;
  for (auto s : out.shape) count *= s;
  out.data.resize(count);
  const char* p = bytes.data() + off;
  auto need = [&](std::size_t width) {
    if (bytes.size() - off < count * width) throw std::runtime_error(path + ": truncated data");
  };
  if (descr == "<f4") {
    need(4);
    for (std::size_t i = 0; i < count; ++i) {
      float v;
      std::memcpy(&v, p + 4 * i, 4);
      out.data[i] = v;
    }
  } else if (descr == "<f8") {
    need(8);
    std::memcpy(out.data.data(), p, 8 * count);
  } else if (descr == "<i8") {
    need(8);
    for (std::size_t i = 0; i < count; ++i) {
      std::int64_t v;
      std::memcpy(&v, p + 8 * i, 8);
      out.data[i] = static_cast<double>(v);
    }
  } else if (descr == "<i4") {
    need(4);
    for (std::size_t i = 0; i < count; ++i) {
      std::int32_t v;
      std::memcpy(&v, p + 4 * i, 4);
      out.data[i] = v;
    }
  } else {
    throw std::runtime_error(path + ": unsupported dtype " + descr);
  }
  if (fortran && out.shape.size() == 2) {  // convert to row-major
    std::vector<double> rm(count);
    const std::size_t r = out.shape[0], c = out.shape[1];
    for (std::size_t j = 0; j < c; ++j)
      for (std::size_t i = 0; i < r; ++i) rm[i * c + j] = out.data[j * r + i];
    out.data.swap(rm);
  }
  return out;
}

arma::mat load_matrix(const std::string& path) {
  const Npy a = read_npy_any(path);
  if (a.shape.size() != 2) throw std::runtime_error(path + ": expected a 2-D array");
  arma::mat X(a.shape[0], a.shape[1]);
  for (std::size_t i = 0; i < a.shape[0]; ++i)
    for (std::size_t j = 0; j < a.shape[1]; ++j) X(i, j) = a.data[i * a.shape[1] + j];
  return X;
}

arma::uvec load_labels(const std::string& path) {
  const Npy a = read_npy_any(path);
  if (a.shape.size() != 1) throw std::runtime_error(path + ": expected a 1-D array");
  arma::uvec y(a.shape[0]);
  for (std::size_t i = 0; i < y.n_elem; ++i) {
    if (a.data[i] < 0 || a.data[i] != std::floor(a.data[i]))
      throw std::runtime_error(path + ": labels must be integers >= 0");
    y[i] = static_cast<arma::uword>(a.data[i]);
  }
  return y;
}

double macro_f1(const arma::uvec& truth, const arma::uvec& pred, std::size_t K) {
  // scikit-learn: average over labels present in truth or pred.
  std::vector<double> tp(K), fp(K), fn(K);
  std::vector<char> seen(K, 0);
  for (std::size_t i = 0; i < truth.n_elem; ++i) {
    seen[truth[i]] = seen[pred[i]] = 1;
    if (truth[i] == pred[i])
      tp[truth[i]] += 1;
    else {
      fp[pred[i]] += 1;
      fn[truth[i]] += 1;
    }
  }
  double s = 0.0;
  int m = 0;
  for (std::size_t k = 0; k < K; ++k) {
    if (!seen[k]) continue;
    ++m;
    const double denom = 2 * tp[k] + fp[k] + fn[k];
    s += denom > 0 ? 2 * tp[k] / denom : 0.0;
  }
  return m ? s / m : 0.0;
}

double process_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
}

int compare_main(int argc, char** argv) {
  if (argc < 6) {
    std::fprintf(stderr, "usage: %s --compare TRAIN_X TRAIN_Y TEST_X TEST_Y [--models a,b] [--threads N] [--seed S]\n",
                 argv[0]);
    return 2;
  }
  std::vector<std::string> models = known_surrogates();
  std::size_t threads = 2;
  std::uint64_t seed = 42;
  for (int a = 6; a + 1 < argc; a += 2) {
    const std::string opt = argv[a];
    if (opt == "--models") {
      models.clear();
      std::stringstream ss(argv[a + 1]);
      std::string tok;
      while (std::getline(ss, tok, ',')) models.push_back(tok);
    } else if (opt == "--threads") {
      threads = std::stoul(argv[a + 1]);
    } else if (opt == "--seed") {
      seed = std::stoull(argv[a + 1]);
    } else {
      std::fprintf(stderr, "unknown option %s\n", opt.c_str());
      return 2;
    }
  }
  const arma::mat Xtr = load_matrix(argv[2]), Xte = load_matrix(argv[4]);
  const arma::uvec ytr = load_labels(argv[3]), yte = load_labels(argv[5]);
  const std::size_t K = std::max(ytr.max(), yte.max()) + 1;
  // fit_cpu_seconds: CPU time of the whole process during the fit (all
  // threads); on a loaded machine it is the fairer single-threaded measure.
  std::printf("model\ttest_accuracy\ttest_macro_f1\tfit_seconds\tepochs\tfit_cpu_seconds\n");
  for (const auto& name : models) {
    auto model = make_surrogate({name, {}});
    const double c0 = process_cpu_seconds();
    const auto t0 = std::chrono::steady_clock::now();
    model->fit(Xtr, ytr, K, {.seed = seed, .n_threads = threads});
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const double cpu = process_cpu_seconds() - c0;
    const arma::uvec pred = arma::index_max(model->predict_proba(Xte), 1);
    const double acc = static_cast<double>(arma::accu(pred == yte)) / static_cast<double>(yte.n_elem);
    int epochs = 0;
    if (const auto* sgd = dynamic_cast<const SgdClassifier*>(model.get())) epochs = sgd->epochs_run();
    if (const auto* mlp = dynamic_cast<const MlpClassifier*>(model.get())) epochs = mlp->epochs_run();
    if (const auto* lr = dynamic_cast<const LogisticRegression*>(model.get())) epochs = lr->solver_report().iterations;
    std::printf("%s\t%.4f\t%.4f\t%.3f\t%d\t%.3f\n", name.c_str(), acc, macro_f1(yte, pred, K), secs, epochs, cpu);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--compare") {
    try {
      return compare_main(argc, argv);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "error: %s\n", e.what());
      return 1;
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

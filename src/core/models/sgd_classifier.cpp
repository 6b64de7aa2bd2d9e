#include "core/models/sgd_classifier.hpp"

#include <algorithm>
#include <cmath>
#include <fmt/format.h>
#include <limits>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/models/simd.hpp"
#include "core/models/training_checks.hpp"
#include "core/parallel.hpp"
#include "core/rng.hpp"
#include "core/vec_math.hpp"

namespace tracer {

namespace {

constexpr std::uint64_t kShuffleTag = 1;

// scikit-learn's Log loss derivative (sgd_fast.pyx), for margin p and y in {-1, +1}.
double log_dloss(double p, double y) {
  const double z = p * y;
  if (z > 18.0) return -y * std::exp(-z);
  if (z < -18.0) return -y;
  return -y / (std::exp(z) + 1.0);
}

// out[m] = <W[:, m], x> for the k columns of a d x k column-major W whose
// mask[m] is set (others untouched). Eight partial sums in a fixed order.
TRACER_MULTIVERSION
void column_dots(const double* __restrict W, std::size_t d, std::size_t k, const char* __restrict mask,
                 const double* __restrict x, double* __restrict out) {
  for (std::size_t m = 0; m < k; ++m) {
    if (!mask[m]) continue;
    const double* w = W + m * d;
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t j = 0;
    for (; j + 8 <= d; j += 8)
      for (std::size_t l = 0; l < 8; ++l) a[l] = std::fma(w[j + l], x[j + l], a[l]);
    double tail = 0.0;
    for (; j < d; ++j) tail = std::fma(w[j], x[j], tail);
    out[m] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + tail;
  }
}

// For each masked column: W[:, m] += g[m] x, then out[m] = <W[:, m], x_next>,
// in one pass over W (the SGD step for one sample fused with the margins of
// the next; the same operations, in the same order, as rank1_update followed
// by column_dots, at half the memory traffic). The portable version; the
// AVX2 one below gives the same bits.
TRACER_MULTIVERSION
void update_then_dots_portable(double* __restrict W, std::size_t d, std::size_t k, const char* __restrict mask,
                               const double* __restrict x, const double* __restrict g, const double* __restrict x_next,
                               double* __restrict out) {
  for (std::size_t m = 0; m < k; ++m) {
    if (!mask[m]) continue;
    double* w = W + m * d;
    const double gm = g[m];
    double a[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    std::size_t j = 0;
    for (; j + 8 <= d; j += 8)
      for (std::size_t l = 0; l < 8; ++l) {
        w[j + l] = std::fma(gm, x[j + l], w[j + l]);
        a[l] = std::fma(w[j + l], x_next[j + l], a[l]);
      }
    double tail = 0.0;
    for (; j < d; ++j) {
      w[j] = std::fma(gm, x[j], w[j]);
      tail = std::fma(w[j], x_next[j], tail);
    }
    out[m] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + tail;
  }
}

#if TRACER_X86_KERNELS
// update_then_dots with AVX2 + FMA intrinsics: GCC does not vectorise the
// portable loop (it cannot prove that the weight and sample rows do not
// overlap at run time, and falls back to scalar FMAs). The eight partial sums
// a[0..7] live in two registers (lanes 0-3 and 4-7); kPass consecutive running
// columns share each load of x and x_next. Every lane does the portable
// version's FMAs in its order, and the final sum is the same expression, so
// the result is bit-identical to it on every CPU.
template <std::size_t kPass>
__attribute__((target("avx2,fma"))) inline void update_then_dots_avx2_block(double* __restrict w, std::size_t d,
                                                                            const double* __restrict x,
                                                                            const double* __restrict g,
                                                                            const double* __restrict x_next,
                                                                            double* __restrict out) {
  __m256d lo[kPass], hi[kPass], gv[kPass];
  for (std::size_t c = 0; c < kPass; ++c) {
    lo[c] = _mm256_setzero_pd();
    hi[c] = _mm256_setzero_pd();
    gv[c] = _mm256_set1_pd(g[c]);
  }
  std::size_t j = 0;
  for (; j + 8 <= d; j += 8) {
    const __m256d x0 = _mm256_loadu_pd(x + j), x1 = _mm256_loadu_pd(x + j + 4);
    const __m256d n0 = _mm256_loadu_pd(x_next + j), n1 = _mm256_loadu_pd(x_next + j + 4);
    for (std::size_t c = 0; c < kPass; ++c) {
      double* wc = w + c * d + j;
      const __m256d w0 = _mm256_fmadd_pd(gv[c], x0, _mm256_loadu_pd(wc));
      const __m256d w1 = _mm256_fmadd_pd(gv[c], x1, _mm256_loadu_pd(wc + 4));
      _mm256_storeu_pd(wc, w0);
      _mm256_storeu_pd(wc + 4, w1);
      lo[c] = _mm256_fmadd_pd(w0, n0, lo[c]);
      hi[c] = _mm256_fmadd_pd(w1, n1, hi[c]);
    }
  }
  for (std::size_t c = 0; c < kPass; ++c) {
    double* wc = w + c * d;
    double tail = 0.0;
    for (std::size_t t = j; t < d; ++t) {
      wc[t] = std::fma(g[c], x[t], wc[t]);
      tail = std::fma(wc[t], x_next[t], tail);
    }
    alignas(32) double a[8];
    _mm256_store_pd(a, lo[c]);
    _mm256_store_pd(a + 4, hi[c]);
    out[c] = ((a[0] + a[1]) + (a[2] + a[3])) + ((a[4] + a[5]) + (a[6] + a[7])) + tail;
  }
}

// Two columns per pass: 8.8 s for the Banking77 sgd_log fit against 8.9 s for
// one, 9.0 s for three and 9.1 s for four (Intel Xeon, December 2026); more
// columns run out of the 16 AVX2 registers.
constexpr std::size_t kColumnsPerPass = 2;

__attribute__((target("avx2,fma"))) void update_then_dots_avx2(double* __restrict W, std::size_t d, std::size_t k,
                                                               const char* __restrict mask, const double* __restrict x,
                                                               const double* __restrict g,
                                                               const double* __restrict x_next,
                                                               double* __restrict out) {
  std::size_t m = 0;
  while (m < k) {
    bool all_running = m + kColumnsPerPass <= k;
    for (std::size_t c = 0; all_running && c < kColumnsPerPass; ++c) all_running = mask[m + c] != 0;
    if (all_running) {
      update_then_dots_avx2_block<kColumnsPerPass>(W + m * d, d, x, g + m, x_next, out + m);
      m += kColumnsPerPass;
    } else {
      if (mask[m]) update_then_dots_avx2_block<1>(W + m * d, d, x, g + m, x_next, out + m);
      ++m;
    }
  }
}

#endif

// The AVX2 + FMA test of the affine row kernels (the same CPU features), asked once.
bool cpu_runs_avx2_kernel() {
  static const bool runs = affine_isa_supported(AffineIsa::kAvx2);
  return runs;
}

void run_update_then_dots(sgd_kernels::Kernel kernel, double* W, std::size_t d, std::size_t k, const char* mask,
                          const double* x, const double* g, const double* x_next, double* out) {
#if TRACER_X86_KERNELS
  if (kernel == sgd_kernels::Kernel::avx2) return update_then_dots_avx2(W, d, k, mask, x, g, x_next, out);
#endif
  update_then_dots_portable(W, d, k, mask, x, g, x_next, out);
}

// The fused step with the widest kernel this CPU runs (all give the same bits).
void update_then_dots(double* W, std::size_t d, std::size_t k, const char* mask, const double* x, const double* g,
                      const double* x_next, double* out) {
  run_update_then_dots(cpu_runs_avx2_kernel() ? sgd_kernels::Kernel::avx2 : sgd_kernels::Kernel::portable, W, d, k,
                       mask, x, g, x_next, out);
}

// W[:, m] += g[m] x for every masked column (a rank-1 update).
TRACER_MULTIVERSION
void rank1_update(double* __restrict W, std::size_t d, std::size_t k, const char* __restrict mask,
                  const double* __restrict x, const double* __restrict g) {
  for (std::size_t m = 0; m < k; ++m) {
    if (!mask[m]) continue;
    const double gm = g[m];
    double* w = W + m * d;
    for (std::size_t j = 0; j < d; ++j) w[j] = std::fma(gm, x[j], w[j]);
  }
}

// log(sigmoid(z)) = -softplus(-z), stable for any finite z. For z < -40,
// exp(z) < 5e-18 is below half an ulp of z, so z - log1p(exp(z)) rounds to z:
// returned without the two calls (the fallback below runs when every margin is
// under -690, where these calls, and exp's underflow path, were the cost).
double log_sigmoid(double z) {
  if (z < -40.0) return z;
  return z >= 0.0 ? -std::log1p(std::exp(-z)) : z - std::log1p(std::exp(z));
}

// exp(x) for x <= 0, bit for bit, without the call where it underflows to 0.
double exp_nonpositive_or_zero(double x) { return x < -746.0 ? 0.0 : std::exp(x); }

// 1 / (1 + exp(-z)), bit for bit, without calling exp where its result is
// known: for z > 50, exp(-z) < 2e-22 and 1 + exp(-z) rounds to 1; for z < -710,
// exp(-z) overflows to inf and the quotient is 0. SGD margins are often in
// the hundreds, and glibc's exp takes a slow errno path on every overflow and
// underflow (a third of sgd_log's routing time before this).
double sigmoid_of_margin(double z) {
  if (z > 50.0) return 1.0;
  if (z < -710.0) return 0.0;
  return 1.0 / (1.0 + std::exp(-z));
}

// Normalises OvR sigmoids of margins m[0..k) into out[active[j]] (others 0).
// Fast path: sigmoids directly (one exp each). If they all underflow (every
// margin below about -690), the row is redone in log space (log sigmoid, then
// log-sum-exp), so a row is never 0/0.
template <typename T>
void ovr_normalise(const T* m, std::size_t stride, std::size_t k, const std::vector<arma::uword>& active,
                   std::size_t n_classes, double* out, std::size_t out_stride) {
  for (std::size_t c = 0; c < n_classes; ++c) out[c * out_stride] = 0.0;
  double s = 0.0;
  for (std::size_t j = 0; j < k; ++j) {
    const double e = sigmoid_of_margin(static_cast<double>(m[j * stride]));
    out[active[j] * out_stride] = e;
    s += e;
  }
  if (!(s >= 1e-300)) {
    double ls_max = -std::numeric_limits<double>::infinity();
    for (std::size_t j = 0; j < k; ++j) ls_max = std::max(ls_max, log_sigmoid(static_cast<double>(m[j * stride])));
    s = 0.0;
    for (std::size_t j = 0; j < k; ++j) {
      const double e = exp_nonpositive_or_zero(log_sigmoid(static_cast<double>(m[j * stride])) - ls_max);
      out[active[j] * out_stride] = e;
      s += e;  // >= 1: the maximal term is exp(0)
    }
  }
  const double inv = 1.0 / s;
  for (std::size_t j = 0; j < k; ++j) out[active[j] * out_stride] *= inv;
}

}  // namespace

void ovr_probabilities(const double* margins, std::size_t k, double* out) {
  std::vector<arma::uword> identity(k);
  for (std::size_t j = 0; j < k; ++j) identity[j] = j;
  ovr_normalise(margins, 1, k, identity, k, out, 1);
}

namespace sgd_kernels {

bool available(Kernel kernel) { return kernel == Kernel::portable || cpu_runs_avx2_kernel(); }

void update_then_dots(Kernel kernel, double* W, std::size_t d, std::size_t k, const char* mask, const double* x,
                      const double* g, const double* x_next, double* out) {
  if (!available(kernel)) throw InternalError("sgd_kernels::update_then_dots: kernel not available on this CPU");
  run_update_then_dots(kernel, W, d, k, mask, x, g, x_next, out);
}

}  // namespace sgd_kernels

const ParamTable<SgdClassifier::Params>& SgdClassifier::param_table() {
  static const ParamTable<Params> table({
      param("alpha", &Params::alpha, 1e-12, 1e3, "L2 strength; also sets the 'optimal' learning rate"),
      param("max_iter", &Params::max_iter, 1, 100000, "maximum epochs"),
      param("tol", &Params::tol, 0.0, 1e6, "stop a class when its epoch loss > best - tol n"),
      param("n_iter_no_change", &Params::n_iter_no_change, 1, 100000, "epochs without improvement before stopping"),
  });
  return table;
}

void SgdClassifier::fit(const arma::mat& X, const arma::uvec& y, std::size_t n_classes, const FitContext& ctx) {
  check_training_set(name_, X, y, n_classes);
  n_classes_ = n_classes;
  scaler_.fit(X);
  const arma::mat Zt = scaler_.transform(X).t();  // d x n: one sample per contiguous column
  const arma::uword n = Zt.n_cols, d = Zt.n_rows;

  const arma::uvec present = arma::unique(y);
  active_.assign(present.begin(), present.end());
  const bool binary = active_.size() == 2;
  const arma::uword n_models = binary ? 1 : active_.size();  // binary: one classifier for active_[1]

  // Targets in {-1, +1}: Y(m, i) for model m, sample i.
  arma::mat Y(n_models, n, arma::fill::value(-1.0));
  for (arma::uword m = 0; m < n_models; ++m) {
    const arma::uword cls = binary ? active_[1] : active_[m];
    for (arma::uword i = 0; i < n; ++i)
      if (y[i] == cls) Y(m, i) = 1.0;
  }

  const double alpha = params_.alpha;
  const double typw = std::sqrt(1.0 / std::sqrt(alpha));
  const double eta0 = typw / std::max(1.0, log_dloss(-typw, 1.0));
  const double optimal_init = 1.0 / (eta0 * alpha);
  constexpr double kMaxDloss = 1e12;

  arma::mat W(d, n_models, arma::fill::zeros);
  arma::vec wscale(n_models, arma::fill::ones);
  arma::vec b(n_models, arma::fill::zeros);

  // The binary problems are independent; they share only the shuffle (the
  // same seeded sequence is replayed by every group) and the sample counter t.
  // Groups of columns train on separate threads with bit-identical results.
  const std::size_t n_groups = std::min<std::size_t>(resolve_threads(ctx.n_threads), n_models);
  std::vector<int> group_epochs(n_groups, 0);
  parallel_for(n_groups, n_groups, [&](std::size_t grp) {
    const arma::uword m0 = n_models * grp / n_groups, m1 = n_models * (grp + 1) / n_groups, k = m1 - m0;
    double* Wg = W.colptr(m0);
    double* ws = wscale.memptr() + m0;
    double* bg = b.memptr() + m0;
    std::vector<double> best_loss(k, std::numeric_limits<double>::infinity()), sumloss(k), margin(k), g(k);
    std::vector<double> zz(k), uu(k), losses(k), dls(k);
    std::vector<int> no_improvement(k, 0);
    std::vector<char> running(k, 1);
    std::size_t n_running = k;
    Rng rng(derive_seed(ctx.seed, {kShuffleTag}));
    std::vector<std::size_t> order(n);
    for (std::size_t i = 0; i < n; ++i) order[i] = i;
    double t = 1.0;
    for (int epoch = 0; epoch < params_.max_iter && n_running > 0; ++epoch) {
      rng.shuffle(order);
      std::fill(sumloss.begin(), sumloss.end(), 0.0);
      column_dots(Wg, d, k, running.data(), Zt.colptr(order[0]), margin.data());  // unscaled margins
      for (std::size_t pos = 0; pos < n; ++pos) {
        const std::size_t idx = order[pos];
        const double* x = Zt.colptr(idx);
        const double* yy = Y.colptr(idx) + m0;
        const double eta = 1.0 / (alpha * (optimal_init + t - 1.0));
        const double decay = std::max(0.0, 1.0 - eta * alpha);
        // Loss and derivative for every class in one vectorised pass (a
        // stopped class's value is computed and ignored).
        for (arma::uword m = 0; m < k; ++m) {
          zz[m] = (margin[m] * ws[m] + bg[m]) * yy[m];
          uu[m] = -std::abs(zz[m]);
        }
        exp_nonpositive_inplace(uu.data(), k);
        log_loss_and_dloss_many(zz.data(), uu.data(), yy, losses.data(), dls.data(), k);
        for (arma::uword m = 0; m < k; ++m) {
          if (!running[m]) continue;
          const double loss = losses[m], dl = dls[m];
          sumloss[m] += loss;
          const double update = -eta * std::clamp(dl, -kMaxDloss, kMaxDloss);
          ws[m] *= decay;
          if (ws[m] < 1e-9) {  // renormalise as scikit-learn's WeightVector
            for (arma::uword j = 0; j < d; ++j) Wg[m * d + j] *= ws[m];
            ws[m] = 1.0;
          }
          g[m] = update / ws[m];
          bg[m] += update;  // intercept_decay = 1 for dense data
        }
        if (pos + 1 < n)
          update_then_dots(Wg, d, k, running.data(), x, g.data(), Zt.colptr(order[pos + 1]), margin.data());
        else
          rank1_update(Wg, d, k, running.data(), x, g.data());
        t += 1.0;
      }
      ++group_epochs[grp];
      for (arma::uword m = 0; m < k; ++m) {
        if (!running[m]) continue;
        if (sumloss[m] > best_loss[m] - params_.tol * static_cast<double>(n))
          ++no_improvement[m];
        else
          no_improvement[m] = 0;
        best_loss[m] = std::min(best_loss[m], sumloss[m]);
        if (no_improvement[m] >= params_.n_iter_no_change) {
          running[m] = 0;
          --n_running;
        }
      }
    }
  });
  epochs_run_ = *std::max_element(group_epochs.begin(), group_epochs.end());
  W.each_row() %= wscale.t();
  if (!W.is_finite() || !b.is_finite())
    throw TrainingError(fmt::format("{}: SGD diverged (non-finite weights)", name_));
  if (binary) {  // expose as two symmetric columns so the OvR normalisation gives [1 - p, p]
    W_ = arma::join_rows(-W, W);
    b_ = arma::join_rows(-b.t(), b.t());
  } else {
    W_ = std::move(W);
    b_ = b.t();
  }
  row_path_.build(scaler_.mean(), scaler_.scale(), {AffineLayer{W_, b_}});
}

arma::mat SgdClassifier::decision(const arma::mat& X) const {
  check_predict_input(name_, X, W_.n_rows);
  arma::mat M = scaler_.transform(X) * W_;
  M.each_row() += b_;
  return M;
}

arma::mat SgdClassifier::predict_proba(const arma::mat& X) const {
  const arma::mat M = decision(X);
  arma::mat P(X.n_rows, n_classes_);
  for (arma::uword i = 0; i < X.n_rows; ++i)
    ovr_normalise(M.colptr(0) + i, M.n_rows, M.n_cols, active_, n_classes_, P.colptr(0) + i, P.n_rows);
  return P;
}

void SgdClassifier::predict_proba_row(const double* x, std::size_t d, double* out) const {
  ovr_normalise(row_path_.forward(x, d), 1, row_path_.out_dim(), active_, n_classes_, out, 1);
}

void SgdClassifier::predict_proba_rows(const arma::mat& X, std::size_t first, std::size_t count, double* out) const {
  row_path_.forward_rows(X, first, count, [&](std::size_t r, const float* z) {
    ovr_normalise(z, 1, row_path_.out_dim(), active_, n_classes_, out + r * n_classes_, 1);
  });
}

}  // namespace tracer

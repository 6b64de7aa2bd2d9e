#include "core/encoder/randomized_svd.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <cmath>

#include <fmt/format.h>

#include "core/parallel.hpp"
#include "core/rng.hpp"

namespace tracer {

arma::mat dense_times_sparse(const arma::mat& D, const arma::sp_mat& S, std::size_t n_threads) {
  arma::mat out;
  dense_times_sparse(D, S, out, n_threads);
  return out;
}

void dense_times_sparse(const arma::mat& D, const arma::sp_mat& S, arma::mat& out, std::size_t n_threads) {
  if (D.n_cols != S.n_rows)
    throw InternalError(
        fmt::format("dense_times_sparse: {} x {} times {} x {}", D.n_rows, D.n_cols, S.n_rows, S.n_cols));
  if (&out == &D) throw InternalError("dense_times_sparse: output aliases the input");
  S.sync();  // make the CSC arrays current
  const arma::uword m = D.n_rows, b = S.n_cols;
  out.set_size(m, b);  // keeps the memory when the size is unchanged
  const arma::uword* row_indices = S.row_indices;
  const arma::uword* col_ptrs = S.col_ptrs;
  const double* values = S.values;
  // The work is memory-bound (one dense column read per nonzero), so a few
  // large contiguous chunks per thread are enough.
  const std::size_t threads = std::min<std::size_t>(resolve_threads(n_threads), std::max<arma::uword>(b, 1));
  const std::size_t chunks = 4 * threads;
  parallel_for(chunks, threads, [&](std::size_t c) {
    const arma::uword j0 = b * c / chunks, j1 = b * (c + 1) / chunks;
    for (arma::uword j = j0; j < j1; ++j) {
      double* o = out.colptr(j);
      const arma::uword q0 = col_ptrs[j], q1 = col_ptrs[j + 1];
      if (q0 == q1) {
        std::fill(o, o + m, 0.0);
        continue;
      }
      // The first term initialises the column (no separate zeroing pass).
      const double v0 = values[q0];
      const double* d0 = D.colptr(row_indices[q0]);
      for (arma::uword r = 0; r < m; ++r) o[r] = v0 * d0[r];
      for (arma::uword q = q0 + 1; q < q1; ++q) {
        const double v = values[q];
        const double* d = D.colptr(row_indices[q]);
        for (arma::uword r = 0; r < m; ++r) o[r] += v * d[r];
      }
    }
  });
}

void fix_svd_signs(arma::mat& U, arma::mat& V) {
  for (arma::uword j = 0; j < V.n_cols; ++j) {
    // index_max returns the first maximum, which makes ties deterministic.
    const arma::uword i = arma::abs(V.col(j)).eval().index_max();
    if (V(i, j) < 0.0) {
      V.col(j) *= -1.0;
      if (!U.is_empty()) U.col(j) *= -1.0;
    }
  }
}

TruncatedSvd randomized_svd(const arma::sp_mat& X, const RandomizedSvdOptions& options, std::uint64_t seed) {
  const arma::uword k = options.rank;
  const arma::uword max_rank = std::min(X.n_rows, X.n_cols);
  if (k == 0) throw InternalError("randomized_svd: rank must be >= 1");
  if (k > max_rank)
    throw InternalError(
        fmt::format("randomized_svd: rank {} exceeds min(rows, columns) = min({}, {})", k, X.n_rows, X.n_cols));

  // A (a x b, a <= b) and its transpose, both CSC. Every product below is
  // dense * sparse (contiguous dense columns added per nonzero), so dense
  // bases are kept transposed, l x a.
  const bool transposed = X.n_rows > X.n_cols;
  const arma::sp_mat Xt = X.t();
  const arma::sp_mat& A = transposed ? Xt : X;
  const arma::sp_mat& At = transposed ? X : Xt;
  const arma::uword a = A.n_rows;
  // More directions than a add nothing: the sketch already spans everything.
  const arma::uword l = std::min<arma::uword>(k + options.oversampling, a);

  const std::size_t threads = options.n_threads;
  // Work buffers, allocated once and overwritten in place: at Banking77 size
  // they hold 60-140 MB each, and a fresh allocation that large costs a page
  // fault per 4 KB every time.
  arma::mat Mt(l, a);  // the current basis, transposed; first Omega^T
  arma::mat Ct, Yt, Y, Q, R;
  Rng rng(seed);
  for (double& x : Mt) x = rng.normal();  // column i = the l draws for row i of A
  // Iteration 0 is the range finder, then the power iterations:
  // Q = orth(A A^T M), M <- Q.
  for (std::size_t it = 0; it <= options.power_iterations; ++it) {
    dense_times_sparse(Mt, A, Ct, threads);   // (A^T M)^T, l x b
    dense_times_sparse(Ct, At, Yt, threads);  // (A A^T M)^T, l x a
    Y = Yt.t();
    if (!arma::qr_econ(Q, R, Y))
      throw InternalError(fmt::format("randomized_svd: QR of the {} x {} sketch failed", a, l));
    Mt = Q.t();
  }
  Yt.reset();
  Y.reset();

  // Rayleigh-Ritz on span(Q): B = Q^T A, eigen-decomposition of B B^T.
  dense_times_sparse(Mt, A, Ct, threads);  // B, l x b
  Mt.reset();
  arma::mat G = Ct * Ct.t();  // l x l (syrk)
  Ct.reset();
  G = 0.5 * (G + G.t());  // exactly symmetric for the eigensolver
  arma::vec lambda;
  arma::mat W;
  if (!arma::eig_sym(lambda, W, G, "dc") && !arma::eig_sym(lambda, W, G, "std"))
    throw InternalError(fmt::format("randomized_svd: eigen-decomposition of the {} x {} sketch failed", l, l));
  // eig_sym sorts ascending; take the k largest, in descending order.
  arma::uvec top(k);
  for (arma::uword j = 0; j < k; ++j) top[j] = l - 1 - j;
  arma::vec s = arma::sqrt(arma::clamp(lambda.elem(top), 0.0, arma::datum::inf));
  arma::mat UA = Q * W.cols(top);  // a x k

  // V_A = A^T U_A / s, computed as (U_A^T A)^T with the sparse A.
  arma::mat VA = dense_times_sparse(UA.t(), A, threads).t();  // b x k
  const double tiny = 1e-7 * s[0];
  for (arma::uword j = 0; j < k; ++j) {
    if (s[j] > tiny && s[j] > 0.0) {
      VA.col(j) /= s[j];
    } else {  // unresolvable: see the header
      s[j] = 0.0;
      UA.col(j).zeros();
      VA.col(j).zeros();
    }
  }

  TruncatedSvd out;
  out.s = std::move(s);
  if (transposed) {  // X = A^T = V_A S U_A^T
    out.U = std::move(VA);
    out.V = std::move(UA);
  } else {
    out.U = std::move(UA);
    out.V = std::move(VA);
  }
  fix_svd_signs(out.U, out.V);
  return out;
}

}  // namespace tracer

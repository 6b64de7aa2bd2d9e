#pragma once
// Truncated SVD of a sparse matrix by randomised subspace iteration (Halko,
// Martinsson & Tropp 2011, "Finding structure with randomness", Alg. 4.3/4.4
// and 5.1), as behind scikit-learn's TruncatedSVD.
//
// Let A be X or X^T, whichever has fewer rows (a = min(n, p) rows, b
// columns), so that every dense basis is a x l with l = k + oversampling.
//
//   Omega : a x l Gaussian (tracer::Rng::normal, drawn in a fixed order)
//   Q     = orth(A A^T Omega)                             (range finder)
//   repeat q times:  Q = orth(A A^T Q)                    (power iterations)
//   B     = Q^T A (l x b);  B B^T = W diag(s^2) W^T       (Rayleigh-Ritz)
//   U_A   = Q W[:, :k],  V_A = A^T U_A diag(1/s)          (leading k triplets)
//
// orth() is a Householder QR (LAPACK geqrf/orgqr through Armadillo), applied
// after every product with the Gram operator A A^T. Starting from
// A A^T Omega rather than A Omega' (Omega' b x l) is the same sketch with
// half a power iteration more, and needs a*l draws instead of b*l.
//
// The small SVD is taken from the l x l eigenproblem of B B^T ("eigSVD",
// Feng et al. 2018, "Fast randomized PCA for sparse data"): it avoids a QR of
// the tall b x l matrix B^T, the dominant cost for a 20k-term vocabulary. Its
// singular values carry an absolute error of about eps * s_1^2 / s_j, far
// below 1e-8 relative for the components kept. A singular value below
// 1e-7 * s_1 cannot be resolved this way; it is reported as 0 and its
// singular vectors as zero vectors (such a direction carries no signal, and a
// zero component maps every text to 0 there instead of to noise).
//
// If l >= min(n, p), Q spans the whole column space of A and the result is
// exact up to rounding.
//
// Determinism: the same seed and input give the same bits on the same machine
// with the same BLAS and BLAS thread count (OpenBLAS's QR and syrk round
// differently with 1 and 2 threads; our own sparse products do not depend on
// n_threads). Signs are fixed so that the largest-magnitude entry of each v_j is
// positive (the first such entry on ties).
#include <armadillo>
#include <cstddef>
#include <cstdint>

namespace tracer {

struct RandomizedSvdOptions {
  std::size_t rank = 100;            ///< k, singular triplets kept
  std::size_t oversampling = 10;     ///< extra random directions (l = k + oversampling)
  std::size_t power_iterations = 2;  ///< q; each is two sparse products and one QR
  std::size_t n_threads = 0;         ///< for the sparse products (0 = all cores); results do not depend on it
};

struct TruncatedSvd {
  arma::mat U;  ///< n x k left singular vectors
  arma::vec s;  ///< k singular values, non-increasing
  arma::mat V;  ///< p x k right singular vectors (the "components", one per column)
};

/// Truncated SVD of the n x p matrix X. Throws InternalError if rank
/// is 0 or exceeds min(n, p) (the caller checks), or if LAPACK fails.
TruncatedSvd randomized_svd(const arma::sp_mat& X, const RandomizedSvdOptions& options, std::uint64_t seed);

/// D * S for a dense m x a matrix D and a sparse a x b matrix S (CSC): output
/// column j is the sum over the nonzeros S(i, j), in storage order, of
/// S(i, j) * D.col(i). Columns are split among n_threads threads (0 = all
/// cores); each column is computed by one thread, so the bits do not depend
/// on the thread count, nor a column on the other columns of S.
arma::mat dense_times_sparse(const arma::mat& D, const arma::sp_mat& S, std::size_t n_threads);
/// As above, into `out` (resized; its memory is reused when the size matches).
void dense_times_sparse(const arma::mat& D, const arma::sp_mat& S, arma::mat& out, std::size_t n_threads);

/// Flips each (u_j, v_j) pair so that the largest-|.| entry of v_j is positive.
/// U may be empty.
void fix_svd_signs(arma::mat& U, arma::mat& V);

}  // namespace tracer

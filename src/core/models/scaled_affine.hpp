#pragma once
// The float single-row path shared by every model that is "a standard scaler
// followed by affine layers": logistic regression (one layer), SGD (one layer,
// one-vs-rest margins) and the MLP (ReLU hidden layers, linear output).
//
// ScaledAffineStack owns the three steps each of those models used to write
// for itself:
//  1. folding the StandardScaler into the first layer,
//        ((x - mean) / scale) W + b  ==  x W' + b',
//  2. packing each layer's weights as float in 16-wide output panels
//     (64-byte aligned),
//  3. the row path: x (double) -> float scratch -> layer 0 -> ... -> logits,
//     with per-thread scratch buffers (no heap allocation after the first
//     call on a thread) and one SIMD kernel per ISA (AVX-512F, AVX2+FMA,
//     SSE2, portable), chosen once at run time from the CPU.
// The model then turns the logits into probabilities (softmax_row, or the
// OvR normalisation for SGD). The row path agrees with the double-precision
// batch path to float rounding (about 1e-6 absolute on probabilities).
//
// Arithmetic order (part of the results: the protocol computes every split's
// probabilities with this path). Every output is one sequential chain over
// the inputs, y_o = (...((0 + x_0 w_0o) + x_1 w_1o) + ...) + b_o, with a fused
// multiply-add per step on FMA CPUs (AVX-512, AVX2+FMA and the portable
// kernel, which uses std::fma: these three give the same bits) and a rounded
// multiply then add on SSE2-only CPUs (last bits may differ there). The order
// does not depend on the ISA's vector width or on how outputs are grouped,
// which is what lets the AVX-512 kernel (not runnable on every build machine)
// be checked against the portable one bit for bit.
#include <armadillo>
#include <cstddef>
#include <new>
#include <vector>

#include "core/errors.hpp"

namespace tracer {

/// The affine kernels. kPortable is scalar std::fma (the reference the FMA
/// kernels equal bit for bit; the production kernel off x86-64).
enum class AffineIsa { kPortable, kSse2, kAvx2, kAvx512 };

/// "portable", "sse2", "avx2" (AVX2 + FMA), "avx512" (AVX-512F).
const char* affine_isa_name(AffineIsa isa);
/// Whether this build and this CPU (and OS) can run the kernel.
bool affine_isa_supported(AffineIsa isa);
/// The kernel the row path uses: the widest supported one (chosen once).
AffineIsa affine_kernel_isa();
/// affine_isa_name(affine_kernel_isa()), for benchmark and manifest context.
const char* affine_kernel_name();
/// Makes every row path use `isa` from now on (InternalError if this CPU
/// cannot run it), so a benchmark can measure the AVX2 kernel on an AVX-512
/// CPU. The FMA kernels give the same bits, so results do not change. Call it
/// before any routing starts: it is not synchronised with running row paths.
void use_affine_isa(AffineIsa isa);

/// Minimal 64-byte-aligned allocator (cache-line aligned panels).
template <class T>
struct CacheAlignedAllocator {
  using value_type = T;
  static constexpr std::align_val_t kAlign{64};
  CacheAlignedAllocator() = default;
  template <class U>
  CacheAlignedAllocator(const CacheAlignedAllocator<U>&) {}
  T* allocate(std::size_t n) { return static_cast<T*>(::operator new(n * sizeof(T), kAlign)); }
  void deallocate(T* p, std::size_t) { ::operator delete(p, kAlign); }
  template <class U>
  bool operator==(const CacheAlignedAllocator<U>&) const {
    return true;
  }
};

/// y = act(x W + b) for one float row, W packed into 16-wide output panels.
class PackedAffine {
 public:
  static constexpr std::size_t kPanel = 16;
  /// Rows per call of apply_block.
  static constexpr std::size_t kBlockRows = 4;

  /// W: in x out (double), b: 1 x out (b.n_elem == W.n_cols).
  void pack(const arma::mat& W, const arma::rowvec& b);
  /// pack() from float data, for a product's right operand B (k inputs x n
  /// outputs) rather than a fitted layer (the MLP's training step packs one
  /// per product). pack_rows: B(i, o) = rows[i][o], each input's n outputs
  /// contiguous (a plain copy). pack_columns: B(i, o) = B[i + o * ld], each
  /// output's k inputs contiguous, ld >= k (a transposing copy). bias: n
  /// floats, or nullptr for zeros (apply adds acc + 0, which keeps acc).
  void pack_rows(std::size_t k, std::size_t n, const float* const* rows, const float* bias);
  void pack_columns(std::size_t k, std::size_t n, const float* B, std::size_t ld, const float* bias);
  /// x: in_dim() floats; y: room for padded_out() floats, entries >= out_dim()
  /// are padding (0 after relu). relu: apply max(0, .) to every output.
  /// Runs affine_kernel_isa(), or the given (supported) kernel.
  /// reverse_groups: visit the panel groups last to first (same outputs, to
  /// the bit; only the memory access order changes).
  void apply(const float* x, float* y, bool relu, bool reverse_groups = false) const;
  void apply(const float* x, float* y, bool relu, AffineIsa isa, bool reverse_groups = false) const;
  /// apply() on kBlockRows rows at once, each weight loaded once for all of
  /// them. xb: the rows interleaved, xb[i * kBlockRows + r] for i < in_dim();
  /// y: row r's padded_out() outputs at y + r * ldy (ldy >= padded_out()).
  /// Row r's outputs have exactly the bits apply() gives for that row alone.
  void apply_block(const float* xb, float* y, std::size_t ldy, bool relu, bool reverse_groups = false) const;
  void apply_block(const float* xb, float* y, std::size_t ldy, bool relu, AffineIsa isa,
                   bool reverse_groups = false) const;

  std::size_t in_dim() const { return in_; }
  std::size_t out_dim() const { return out_; }
  std::size_t padded_out() const { return n_panels_ * kPanel; }
  bool empty() const { return in_ == 0; }

 private:
  /// Sets the shape (k x n) and the bias (nullptr: zeros); leaves the panels'
  /// entries to the caller.
  void reshape(std::size_t k, std::size_t n, const float* bias);

  std::size_t in_ = 0, out_ = 0, n_panels_ = 0;
  std::vector<float, CacheAlignedAllocator<float>> panels_;  // panel p: in_ x kPanel, row-major
  std::vector<float, CacheAlignedAllocator<float>> bias_;    // padded_out()
};

/// The interleaved block PackedAffine::apply_block reads, from up to
/// kBlockRows rows of k floats: xb[i * kBlockRows + r] = row(r)[i] for i < k,
/// r < rows, and zeros for rows <= r < kBlockRows. row(r) returns a const
/// float* to row r's k values.
template <class Row>
void interleave_block(std::size_t k, std::size_t rows, Row&& row, float* xb) {
  constexpr std::size_t R = PackedAffine::kBlockRows;
  for (std::size_t r = 0; r < R; ++r) {
    if (r < rows) {
      const float* c = row(r);
      for (std::size_t i = 0; i < k; ++i) xb[i * R + r] = c[i];
    } else {
      for (std::size_t i = 0; i < k; ++i) xb[i * R + r] = 0.0f;
    }
  }
}

/// One affine layer in standardised (layer 0) or hidden-unit space:
/// W is in x out, b is 1 x out.
struct AffineLayer {
  arma::mat W;
  arma::rowvec b;
};

/// A StandardScaler folded into a stack of packed affine layers, with the
/// float single-row forward pass.
class ScaledAffineStack {
 public:
  /// Replaces the stack. mean, scale: 1 x in, the scaler in front of layer 0
  /// (scale entries > 0); layers[l].W: in_l x out_l with in_0 == mean.n_elem
  /// and in_{l+1} == out_l; layers[l].b: 1 x out_l. Every layer but the last
  /// applies ReLU. The layers are taken by value: the fold rescales layer 0.
  void build(const arma::rowvec& mean, const arma::rowvec& scale, std::vector<AffineLayer> layers);

  /// Forward pass of one row. x: d doubles, d == in_dim() (checked). Returns
  /// out_dim() logits in a per-thread scratch buffer, valid until the next
  /// forward() on this thread. Must not be called before build().
  const float* forward(const double* x, std::size_t d) const;
  /// The same with a given kernel (tests; isa must be supported).
  const float* forward(const double* x, std::size_t d, AffineIsa isa) const;

  /// Forward pass of a block of 1..kBlockRows rows read in place from a
  /// column-major batch: row r's feature j is X[j * ld + r] (X = the first
  /// row's address, ld = the batch's row count). Returns the logits of row r
  /// at result + r * out_stride(), in a per-thread scratch buffer valid until
  /// the next forward call on this thread. Row r's logits are exactly
  /// forward() of that row (test: ScaledAffine.BlockForwardIsTheRowForward).
  const float* forward_block(const double* X, std::size_t ld, std::size_t n_rows, std::size_t d) const;
  const float* forward_block(const double* X, std::size_t ld, std::size_t n_rows, std::size_t d, AffineIsa isa) const;
  /// Distance between rows in forward_block's result.
  std::size_t out_stride() const { return layers_.empty() ? 0 : layers_.back().padded_out(); }

  /// Rows [first, first + count) of X (n x d) through the block path:
  /// per_row(r, logits) for r = 0..count-1 in order, logits = row first + r's
  /// out_dim() logits, exactly forward() of that row (valid during the call;
  /// per_row must not run a forward pass on this thread: the logits live in
  /// the same per-thread scratch).
  /// X is converted kTileRows rows at a time (contiguous reads down each
  /// feature column), then run kBlockRows at a time.
  template <class PerRow>
  void forward_rows(const arma::mat& X, std::size_t first, std::size_t count, PerRow&& per_row) const {
    TRACER_CHECK(first + count <= X.n_rows, "ScaledAffineStack::forward_rows: rows out of range");
    constexpr std::size_t B = PackedAffine::kBlockRows;
    const std::size_t d = X.n_cols;
    for (std::size_t t0 = 0; t0 < count; t0 += kTileRows) {
      const std::size_t nt = count - t0 < kTileRows ? count - t0 : kTileRows;
      const std::size_t rest = count - t0 - nt;
      const float* tile =
          interleave_tile(X.memptr() + first + t0, X.n_rows, nt, d, rest < kTileRows ? rest : kTileRows);
      for (std::size_t b0 = 0; b0 < nt; b0 += B) {
        const float* z = forward_interleaved(tile + (b0 / B) * d * B, d);
        const std::size_t nb = nt - b0 < B ? nt - b0 : B;
        for (std::size_t r = 0; r < nb; ++r) per_row(t0 + b0 + r, z + r * out_stride());
      }
    }
  }

  /// Rows converted to float per step of forward_rows.
  static constexpr std::size_t kTileRows = 32;

  std::size_t in_dim() const { return layers_.empty() ? 0 : layers_.front().in_dim(); }
  std::size_t out_dim() const { return layers_.empty() ? 0 : layers_.back().out_dim(); }
  bool empty() const { return layers_.empty(); }

  /// ((x - mean) / scale) W + b == x W' + b': rescales W (in x out) in place and
  /// moves the mean into b (1 x out). mean, scale: 1 x in.
  static void fold_standardisation(const arma::rowvec& mean, const arma::rowvec& scale, arma::mat& W, arma::rowvec& b);

 private:
  /// Rows r < n_rows (<= kTileRows) of a column-major batch (feature j of
  /// row r at X[j * ld + r]) as float blocks in a per-thread scratch buffer:
  /// block b holds rows 4b..4b+3 interleaved, feature j of its row r at
  /// [b * d * kBlockRows + j * kBlockRows + r]; rows past n_rows are zeros.
  /// Prefetches the next_rows rows after them (the next tile).
  static const float* interleave_tile(const double* X, std::size_t ld, std::size_t n_rows, std::size_t d,
                                      std::size_t next_rows);
  /// One interleaved block (d * kBlockRows floats) through every layer.
  const float* forward_interleaved(const float* xb, std::size_t d) const;

  std::vector<PackedAffine> layers_;
};

/// Writes softmax(z[0..k)) to out[0..k) in double, via max-shift (log-sum-exp).
/// z: k floats, out: k doubles.
void softmax_row(const float* z, std::size_t k, double* out);

}  // namespace tracer

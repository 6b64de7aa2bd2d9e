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

  /// W: in x out (double), b: 1 x out (b.n_elem == W.n_cols).
  void pack(const arma::mat& W, const arma::rowvec& b);
  /// x: in_dim() floats; y: room for padded_out() floats, entries >= out_dim()
  /// are padding (0 after relu). relu: apply max(0, .) to every output.
  /// Runs affine_kernel_isa(), or the given (supported) kernel.
  /// reverse_groups: visit the panel groups last to first (same outputs, to
  /// the bit; only the memory access order changes).
  void apply(const float* x, float* y, bool relu, bool reverse_groups = false) const;
  void apply(const float* x, float* y, bool relu, AffineIsa isa, bool reverse_groups = false) const;

  std::size_t in_dim() const { return in_; }
  std::size_t out_dim() const { return out_; }
  std::size_t padded_out() const { return n_panels_ * kPanel; }
  bool empty() const { return in_ == 0; }

 private:
  std::size_t in_ = 0, out_ = 0, n_panels_ = 0;
  std::vector<float, CacheAlignedAllocator<float>> panels_;  // panel p: in_ x kPanel, row-major
  std::vector<float, CacheAlignedAllocator<float>> bias_;    // padded_out()
};

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

  std::size_t in_dim() const { return layers_.empty() ? 0 : layers_.front().in_dim(); }
  std::size_t out_dim() const { return layers_.empty() ? 0 : layers_.back().out_dim(); }
  bool empty() const { return layers_.empty(); }

  /// ((x - mean) / scale) W + b == x W' + b': rescales W (in x out) in place and
  /// moves the mean into b (1 x out). mean, scale: 1 x in.
  static void fold_standardisation(const arma::rowvec& mean, const arma::rowvec& scale, arma::mat& W, arma::rowvec& b);

 private:
  std::vector<PackedAffine> layers_;
};

/// Writes softmax(z[0..k)) to out[0..k) in double, via max-shift (log-sum-exp).
/// z: k floats, out: k doubles.
void softmax_row(const float* z, std::size_t k, double* out);

}  // namespace tracer

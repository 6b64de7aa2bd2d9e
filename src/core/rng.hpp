#pragma once
// Deterministic, platform-independent randomness.
//
// Every random draw in tracer-bench comes from one master seed. Streams for a
// (day, alpha, model, tree, ...) tuple are derived with derive_seed(), so the
// result of a unit of work never depends on which thread ran it or in which
// order. We implement the distributions ourselves (std:: distributions are
// implementation-defined) so that the same seed gives the same numbers with
// any standard library.
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <numbers>
#include <random>
#include <utility>
#include <vector>

namespace tracer {

/// SplitMix64 finaliser: a bijective mixer with good avalanche.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Derives an independent stream seed from the master seed and a path of tags,
/// e.g. derive_seed(master, {stream::kDay, day, stream::kModel, model_index}).
constexpr std::uint64_t derive_seed(std::uint64_t master, std::initializer_list<std::uint64_t> tags) noexcept {
  std::uint64_t h = splitmix64(master);
  for (std::uint64_t t : tags) h = splitmix64(h ^ splitmix64(t + 0x632BE59BD9B4E019ULL));
  return h;
}

/// Tags naming what a derived stream is for (first element of a tag path).
namespace stream {
inline constexpr std::uint64_t kDayShuffle = 1;
inline constexpr std::uint64_t kSplit = 2;
inline constexpr std::uint64_t kModel = 3;
inline constexpr std::uint64_t kTree = 4;
inline constexpr std::uint64_t kBaseline = 5;
inline constexpr std::uint64_t kEncoder = 6;
inline constexpr std::uint64_t kAcceptor = 7;
inline constexpr std::uint64_t kReplay = 8;
inline constexpr std::uint64_t kCalibration = 9;
inline constexpr std::uint64_t kFitCap = 10;
inline constexpr std::uint64_t kResplit = 11;
inline constexpr std::uint64_t kAudit = 12;       ///< production flywheel: the audit sample of each day's traffic
inline constexpr std::uint64_t kProduction = 13;  ///< production flywheel: train/val and cal/shadow splits
}  // namespace stream

/// A seeded generator with portable distributions.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : engine_(seed) {}

  std::uint64_t next_u64() { return engine_(); }

  /// Uniform double in [0, 1) with 53 random bits.
  double uniform() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }

  /// Uniform integer in [0, n), unbiased (rejection sampling). n must be > 0.
  std::uint64_t uniform_index(std::uint64_t n) {
    const std::uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    std::uint64_t v;
    do {
      v = engine_();
    } while (v >= limit);
    return v % n;
  }

  /// Standard normal via Box-Muller (no cached second value: simpler, reproducible).
  double normal() {
    double u1 = uniform();
    while (u1 <= 0.0) u1 = uniform();
    const double u2 = uniform();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }

  /// In-place Fisher-Yates shuffle.
  template <typename T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(uniform_index(i));
      std::swap(v[i - 1], v[j]);
    }
  }

  /// A random permutation of 0..n-1.
  std::vector<std::size_t> permutation(std::size_t n) {
    std::vector<std::size_t> p(n);
    for (std::size_t i = 0; i < n; ++i) p[i] = i;
    shuffle(p);
    return p;
  }

 private:
  std::mt19937_64 engine_;  // the engine itself is fully specified by the standard
};

}  // namespace tracer

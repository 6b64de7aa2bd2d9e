#include "core/certify.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <boost/math/special_functions/beta.hpp>
#include <cmath>
#include <fmt/format.h>
#include <limits>
#include <numeric>

namespace tracer {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The point-estimate rule tests nothing; its CP bound is reported at the
// reference code's level so the two can be read side by side.
constexpr double kDescriptiveDelta = 0.1;

void check_level(double delta, const char* fn) {
  if (!(delta > 0.0 && delta < 1.0)) throw InternalError(fmt::format("{}: delta must be in (0, 1), got {}", fn, delta));
}

void check_alpha(double alpha, const char* fn) {
  if (!(alpha > 0.0 && alpha <= 1.0))
    throw InternalError(fmt::format("{}: alpha must be in (0, 1], got {}", fn, alpha));
}

void check_counts(std::size_t k, std::size_t n, const char* fn) {
  if (k > n) throw InternalError(fmt::format("{}: k = {} exceeds n = {}", fn, k, n));
}

void check_agree(const arma::uvec& agree, const char* fn) {
  for (arma::uword i = 0; i < agree.n_elem; ++i)
    if (agree[i] > 1) throw InternalError(fmt::format("{}: agree flags must be 0 or 1, row {} is {}", fn, i, agree[i]));
}

void check_sample(const arma::vec& scores, const arma::uvec& agree, const char* fn) {
  if (scores.n_elem != agree.n_elem)
    throw InternalError(fmt::format("{}: {} scores but {} agree flags", fn, scores.n_elem, agree.n_elem));
  for (arma::uword i = 0; i < scores.n_elem; ++i)
    if (!std::isfinite(scores[i])) throw InternalError(fmt::format("{}: score of row {} is not finite", fn, i));
  check_agree(agree, fn);
}

// One candidate policy evaluated on the calibration sample.
struct Candidate {
  double threshold;
  std::size_t n_accepted;
  std::size_t n_agree;
};

// The calibration sample sorted by descending score, so that "score >= t" is
// a prefix and every candidate's counts are O(1) from prefix sums.
class SortedSample {
 public:
  SortedSample(const arma::vec& scores, const arma::uvec& agree) {
    const std::size_t n = scores.n_elem;
    std::vector<std::size_t> order(n);
    std::iota(order.begin(), order.end(), std::size_t{0});
    // Stable so the result never depends on the sort implementation; order
    // inside a tie group does not matter anyway (ties are accepted together).
    std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return scores[a] > scores[b]; });
    score_.resize(n);
    prefix_agree_.assign(n + 1, 0);
    for (std::size_t i = 0; i < n; ++i) {
      score_[i] = scores[order[i]];
      prefix_agree_[i + 1] = prefix_agree_[i] + agree[order[i]];
    }
    // accepted_[i] = rows with score >= score_[i] = end of i's tie group.
    accepted_.resize(n);
    for (std::size_t i = n; i-- > 0;)
      accepted_[i] = (i + 1 < n && score_[i + 1] == score_[i]) ? accepted_[i + 1] : i + 1;
  }

  std::size_t size() const { return score_.size(); }

  /// The policy whose threshold is the j-th highest score (1-based j).
  Candidate at_rank(std::size_t j) const {
    const std::size_t n_acc = accepted_[j - 1];
    return {score_[j - 1], n_acc, prefix_agree_[n_acc]};
  }

  /// The policy "score >= t" for an arbitrary t.
  Candidate at_threshold(double t) const {
    const auto end = std::partition_point(score_.begin(), score_.end(), [t](double s) { return s >= t; });
    const auto n_acc = static_cast<std::size_t>(end - score_.begin());
    return {t, n_acc, prefix_agree_[n_acc]};
  }

 private:
  std::vector<double> score_;
  std::vector<std::size_t> prefix_agree_;
  std::vector<std::size_t> accepted_;
};

// Accepted counts of the coverage grid: ceil(l n / G) for l = 1..G, or every
// count 1..n when G is 0 or >= n. A function of n and G only, never of the
// rows: the validity argument in calibrate_fixed_sequence needs that.
std::vector<std::size_t> grid_counts(std::size_t n, std::size_t grid_size) {
  std::vector<std::size_t> counts;
  if (grid_size == 0 || grid_size >= n) {
    counts.resize(n);
    std::iota(counts.begin(), counts.end(), std::size_t{1});
  } else {
    for (std::size_t l = 1; l <= grid_size; ++l) counts.push_back((l * n + grid_size - 1) / grid_size);
  }
  return counts;
}

// Candidates of the coverage grid, strict to loose, keeping counts >= min_rows.
// A tie group spanning several grid counts yields one candidate.
std::vector<Candidate> grid_candidates(const SortedSample& s, std::size_t grid_size, std::size_t min_rows) {
  std::vector<Candidate> out;
  for (std::size_t j : grid_counts(s.size(), grid_size)) {
    if (j < min_rows) continue;
    const Candidate c = s.at_rank(j);
    if (!out.empty() && out.back().threshold == c.threshold) continue;
    out.push_back(c);
  }
  return out;
}

CalibrationResult make_found(const Candidate& c, std::size_t n, double bound_level) {
  CalibrationResult r;
  r.found = true;
  r.threshold = c.threshold;
  r.n_accepted = c.n_accepted;
  r.n_agree = c.n_agree;
  r.coverage = static_cast<double>(c.n_accepted) / static_cast<double>(n);
  r.ta_point = static_cast<double>(c.n_agree) / static_cast<double>(c.n_accepted);
  r.ta_lower_bound = clopper_pearson_lower(c.n_agree, c.n_accepted, bound_level);
  r.bound_level = bound_level;
  return r;
}

// Not found: handle nothing (threshold +inf), so a caller that ignores `found`
// still sends all traffic to the teacher.
CalibrationResult make_refused(std::string reason) {
  CalibrationResult r;
  r.threshold = kInf;
  r.reason_if_not_found = std::move(reason);
  return r;
}

std::string describe(const Candidate& c, std::size_t n, double level) {
  return fmt::format(
      "threshold {:.6g}: {} of {} accepted rows agree (coverage {:.4f}, TA {:.4f}, "
      "CP lower {:.4f} at level {:.4g})",
      c.threshold, c.n_agree, c.n_accepted, static_cast<double>(c.n_accepted) / static_cast<double>(n),
      static_cast<double>(c.n_agree) / static_cast<double>(c.n_accepted),
      clopper_pearson_lower(c.n_agree, c.n_accepted, level), level);
}

// Fixed-sequence walk: reject while the exact test rejects, stop at the first
// failure, deploy the last rejection. A candidate with fewer than min_accepted
// rows counts as a failure (that rule depends on the count only, so the test
// stays valid; see calibrate_fixed_sequence).
CalibrationResult walk_fixed_sequence(const std::vector<Candidate>& seq, std::size_t n, double alpha, double delta,
                                      std::size_t min_accepted, const char* fn) {
  if (seq.empty())
    return make_refused(
        fmt::format("{}: no candidate threshold accepts enough rows to certify TA >= {} at delta = {} "
                    "(need at least {} accepted, all agreeing; calibration has {} rows)",
                    fn, alpha, delta, std::max(min_accepted, min_rows_to_certify(alpha, delta)), n));
  const Candidate* last = nullptr;
  for (const Candidate& c : seq) {
    if (c.n_accepted < min_accepted || !binomial_certifies(c.n_agree, c.n_accepted, alpha, delta)) break;
    last = &c;
  }
  if (last == nullptr) {
    const Candidate& first = seq.front();
    if (first.n_accepted < min_accepted)
      return make_refused(
          fmt::format("{}: the strictest threshold {:.6g} accepts {} rows, fewer than min_accepted = {}", fn,
                      first.threshold, first.n_accepted, min_accepted));
    return make_refused(fmt::format("{}: TA >= {} not certified at delta = {}; strictest candidate {}", fn, alpha,
                                    delta, describe(first, n, delta)));
  }
  return make_found(*last, n, delta);
}

}  // namespace

// --- exact binomial inference ------------------------------------------------

double clopper_pearson_lower(std::size_t k, std::size_t n, double delta) {
  check_level(delta, "clopper_pearson_lower");
  if (n == 0) return 0.0;  // no trials, no information (whatever k is)
  check_counts(k, n, "clopper_pearson_lower");
  if (k == 0) return 0.0;
  // Beta(n, 1) has cdf x^n, so its delta-quantile is closed form; ibeta_inv
  // would need b = n - k + 1 = 1 anyway, the closed form avoids the iteration.
  if (k == n) return std::pow(delta, 1.0 / static_cast<double>(n));
  return boost::math::ibeta_inv(static_cast<double>(k), static_cast<double>(n - k + 1), delta);
}

double clopper_pearson_upper(std::size_t k, std::size_t n, double delta) {
  check_level(delta, "clopper_pearson_upper");
  if (n == 0) return 1.0;
  check_counts(k, n, "clopper_pearson_upper");
  if (k == n) return 1.0;
  // 1 - delta^(1/n) loses digits when delta^(1/n) is near 1; -expm1 keeps them.
  if (k == 0) return -std::expm1(std::log(delta) / static_cast<double>(n));
  // The (1 - delta)-quantile of Beta(k+1, n-k), taken from the upper tail
  // (ibetac_inv) so that a small delta is not rounded away in 1 - delta.
  return boost::math::ibetac_inv(static_cast<double>(k + 1), static_cast<double>(n - k), delta);
}

double binomial_tail_p_value(std::size_t k, std::size_t n, double alpha) {
  if (!(alpha >= 0.0 && alpha <= 1.0))
    throw InternalError(fmt::format("binomial_tail_p_value: alpha must be in [0, 1], got {}", alpha));
  if (k == 0) return 1.0;
  if (k > n) return 0.0;
  // P[Bin(n, p) >= k] = I_p(k, n - k + 1) (e.g. Johnson, Kemp and Kotz,
  // Univariate Discrete Distributions, 3rd ed., eq. 3.34). Boost's ibeta is
  // accurate in relative terms for small results, where summing pmfs in
  // floating point would cancel or underflow.
  return boost::math::ibeta(static_cast<double>(k), static_cast<double>(n - k + 1), alpha);
}

bool binomial_certifies(std::size_t k, std::size_t n, double alpha, double level) {
  check_level(level, "binomial_certifies");
  if (n == 0) return false;
  check_counts(k, n, "binomial_certifies");
  return binomial_tail_p_value(k, n, alpha) <= level;
}

std::size_t min_rows_to_certify(double alpha, double level, std::size_t disagreements) {
  check_alpha(alpha, "min_rows_to_certify");
  check_level(level, "min_rows_to_certify");
  if (alpha >= 1.0) return std::numeric_limits<std::size_t>::max();
  const std::size_t d = disagreements;
  // P[Bin(n, alpha) >= n - d] (at most d failures) falls strictly as n grows,
  // so bracket by doubling and bisect; judging each n with the same p-value
  // the tests use keeps this count and the tests from ever disagreeing.
  auto passes = [&](std::size_t n) { return binomial_tail_p_value(n - d, n, alpha) <= level; };
  std::size_t lo = d;  // n = d allows d failures out of d: never certifies
  std::size_t hi = std::max<std::size_t>(2 * d, 1);
  while (!passes(hi)) {
    lo = hi;
    hi *= 2;
  }
  while (hi - lo > 1) {
    const std::size_t mid = lo + (hi - lo) / 2;
    (passes(mid) ? hi : lo) = mid;
  }
  return hi;
}

// --- threshold calibration -----------------------------------------------------

CalibrationResult calibrate_point_estimate(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                           std::size_t min_accepted) {
  constexpr const char* fn = "calibrate_point_estimate";
  check_sample(scores, agree, fn);
  check_alpha(alpha, fn);
  const std::size_t n = scores.n_elem;
  if (n == 0) return make_refused(fmt::format("{}: empty calibration sample", fn));
  const std::size_t min_rows = std::max<std::size_t>(min_accepted, 1);
  const SortedSample s(scores, agree);
  // Every unique score, strict to loose; the last qualifying one is the lowest
  // threshold, i.e. the largest coverage (qualifying thresholds need not be
  // contiguous, and the paper's rule takes the loosest regardless).
  const Candidate* best = nullptr;
  const std::vector<Candidate> all = grid_candidates(s, 0, min_rows);
  for (const Candidate& c : all)
    if (static_cast<double>(c.n_agree) / static_cast<double>(c.n_accepted) >= alpha) best = &c;
  if (best == nullptr)
    return make_refused(fmt::format("{}: no threshold accepting at least {} of {} rows has empirical TA >= {}", fn,
                                    min_rows, n, alpha));
  return make_found(*best, n, kDescriptiveDelta);
}

// Why this controls P(TA(t_hat) < alpha) <= delta.
//
// (1) One fixed threshold t. Acceptance depends on the score only and rows are
// i.i.d., so given which rows are accepted (in particular given N_t), their
// agree flags are i.i.d. Bernoulli(TA(t)), where TA(t) = P(agree | S >= t) is
// the *conditional* agreement among handled rows. Hence K_t | N_t ~
// Bin(N_t, TA(t)) and p_t = P[Bin(N_t, alpha) >= K_t] is a valid p-value for
// H0_t: TA(t) < alpha conditionally on every N_t, so also unconditionally.
// The subtlety: TA is a ratio and the test conditions on its denominator. That
// is harmless for a t fixed in advance (and so is "N_t < min_accepted => do
// not reject", a function of N_t alone), but not for a t read off the same
// rows: conditioning on "the threshold is the j-th highest score" also
// conditions on the accepted scores. Step (3) handles that case.
//
// (2) Fixed-sequence testing (Maurer, Hothorn and Lehmacher 1995; Westfall and
// Krishen, J. Stat. Plan. Inference 99, 2001; used for risk control in LTT,
// Angelopoulos et al. 2021, section 4). Test H0_1, H0_2, ... in an order fixed
// in advance, each at level delta, and stop at the first non-rejection. Let
// l0 be the first true null. Any false rejection needs H0_l0 rejected, because
// the walk cannot get past l0 otherwise, so P(any false rejection) <=
// P(reject H0_l0) <= delta: the family-wise error is delta with no
// multiplicity correction, however many steps. Deploying the loosest rejected
// threshold t_hat fails (TA(t_hat) < alpha) only through a false rejection.
// Strict-to-loose is the order in which nulls become more likely, which is
// what makes the walk powerful (LTT, section 4.2).
//
// (3) Here the thresholds are calibration scores: level l is the j_l-th
// highest score S_(j_l), with counts j_1 < j_2 < ... fixed by (n, G,
// min_accepted, alpha, delta) alone. Assume p(s) = P(agree | S = s) is
// non-decreasing (the acceptor is trained to rank agreement) and S has no
// ties. Then TA(t) = E[p(S) | S >= t] is continuous and non-decreasing; let
// t0 = inf{t : TA(t) >= alpha} (if TA >= alpha everywhere nothing can fail), so
// TA(t0) = alpha, p(s) <= p(t0) <= alpha for s < t0, and TA(t) < alpha implies
// t < t0. With M = #{i : S_i >= t0}, level l is a true null iff j_l > M, so
// the first true null l* = min{l : j_l > M} is a function of M alone. Given M,
// the M rows above t0 are i.i.d. from the law of (S, agree) given S >= t0,
// i.e. they agree i.i.d. with probability TA(t0) = alpha, and the other
// j_l* - M accepted rows lie below t0 and agree independently with
// probabilities p(S_i) <= alpha. So K at level l* is stochastically below
// Bin(j_l*, alpha) and, the p-value being decreasing in K, P(reject l* | M)
// <= delta. Averaging over M: P(TA(t_hat) < alpha) <= delta. The same holds
// if, when the walk reaches the level that accepts all n rows, accept-all
// (Global, threshold -infinity) is deployed instead of the lowest score: that
// level is then null iff TA(-inf) < alpha, and whether M < n (as above) or
// M = n (all n rows above t0, agreeing i.i.d. with probability alpha), the
// test at the first null level rejects with probability <= delta. So Global
// can be the last step of the L2D sequence without spending delta twice. Without
// monotonicity this step fails (l* would depend on more than M); use
// calibrate_fixed_sequence_on_grid with thresholds fixed in advance instead.
//
// Where the walk starts, and why every unique score rather than a coarser
// grid. The level is free of the number of steps, but power is not: the walk
// ends at its first non-rejection. The fragile step is the first. At the
// smallest count that can certify at all (min_rows_to_certify(alpha, delta):
// 22 rows for alpha 0.9) only a perfect run passes, and one disagreement among
// the top rows ends the walk before it starts. So the walk begins where one
// disagreement can still certify (38 rows for alpha 0.9, 77 for 0.95; all n
// rows if n is smaller). That choice depends on (alpha, delta, n) only, so the
// order stays fixed in advance. On simulations of
// calibration draws (s ~ U(0,1); P(agree | s) = 0.7 + 0.3 s at alpha 0.9,
// optimum coverage 0.667; P(agree | s) = 1 - (1 - s)^2 / 2 at alpha 0.95,
// optimum 0.548; n = 1000, delta = 0.1, 1000 draws) this start raised the mean
// certified coverage with every unique score from 0.433 to 0.498 and from
// 0.423 to 0.447. With it, coverage grids of G = 50, 100 or 200 levels were
// within 1.3 points of every unique score in either direction (also at
// n = 300 and 3000), while G <= 20 lost up to 6 points by resolution.
// Violation rates were 3-7.5%, all under delta. A coarser grid buys nothing, so
// the default is every unique score, the paper's sweep; grid_size > 0 is
// there to bound the number of tests.
CalibrationResult calibrate_fixed_sequence(const arma::vec& scores, const arma::uvec& agree, double alpha, double delta,
                                           std::size_t min_accepted, std::size_t grid_size) {
  constexpr const char* fn = "calibrate_fixed_sequence";
  check_sample(scores, agree, fn);
  check_alpha(alpha, fn);
  check_level(delta, fn);
  const std::size_t n = scores.n_elem;
  if (n == 0) return make_refused(fmt::format("{}: empty calibration sample", fn));
  if (alpha >= 1.0) return make_refused(fmt::format("{}: alpha = 1 cannot be certified from a finite sample", fn));
  const SortedSample s(scores, agree);
  const std::size_t start = std::max({min_accepted, std::size_t{1}, min_rows_to_certify(alpha, delta),
                                      std::min(n, min_rows_to_certify(alpha, delta, 1))});
  return walk_fixed_sequence(grid_candidates(s, grid_size, start), n, alpha, delta, min_accepted, fn);
}

namespace {

// The candidates of a fixed threshold list on the calibration sample, strict
// to loose (sorted descending, duplicates dropped). Validates like the public
// calibrators; returns a refusal reason in `reason` when there is nothing to
// test.
std::vector<Candidate> fixed_grid_candidates(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                             double delta, const std::vector<double>& thresholds, const char* fn,
                                             std::string& reason) {
  check_sample(scores, agree, fn);
  check_alpha(alpha, fn);
  check_level(delta, fn);
  for (double t : thresholds)
    if (std::isnan(t)) throw InternalError(fmt::format("{}: a grid threshold is NaN", fn));
  if (scores.n_elem == 0)
    reason = fmt::format("{}: empty calibration sample", fn);
  else if (thresholds.empty())
    reason = fmt::format("{}: empty threshold grid", fn);
  else if (alpha >= 1.0)
    reason = fmt::format("{}: alpha = 1 cannot be certified from a finite sample", fn);
  if (!reason.empty()) return {};
  std::vector<double> grid = thresholds;
  std::sort(grid.begin(), grid.end(), std::greater<>());
  grid.erase(std::unique(grid.begin(), grid.end()), grid.end());
  const SortedSample s(scores, agree);
  std::vector<Candidate> seq;
  seq.reserve(grid.size());
  for (double t : grid) seq.push_back(s.at_threshold(t));
  return seq;
}

}  // namespace

CalibrationResult calibrate_fixed_sequence_on_grid(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                                   double delta, std::size_t min_accepted,
                                                   const std::vector<double>& thresholds) {
  return calibrate_multistart_on_grid(scores, agree, alpha, delta, min_accepted, thresholds, 1);
}

// Why several starts keep the level. Walk j (j = 1..k) is an ordinary
// fixed-sequence procedure on the sub-sequence that begins at its start; the
// order and the starts are fixed before the rows are seen, so walk j makes a
// false rejection with probability <= delta / k (step (2) below, with no
// monotonicity needed because the thresholds are fixed, step (1)). A deployed
// threshold with TA < alpha needs a false rejection by some walk, so
// P(TA(t_hat) < alpha) <= sum_j delta / k = delta. Walks may overlap (an early
// walk can pass a later start); that changes nothing in the bound.
CalibrationResult calibrate_multistart_on_grid(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                               double delta, std::size_t min_accepted,
                                               const std::vector<double>& thresholds, std::size_t starts) {
  constexpr const char* fn = "calibrate_multistart_on_grid";
  if (starts == 0) throw InternalError(fmt::format("{}: starts must be >= 1", fn));
  std::string reason;
  const std::vector<Candidate> seq = fixed_grid_candidates(scores, agree, alpha, delta, thresholds, fn, reason);
  if (!reason.empty()) return make_refused(reason);
  const std::size_t n = scores.n_elem;
  const std::size_t k = std::min(starts, seq.size());
  // The level is fixed by the requested number of starts, not by how many the
  // grid could hold, so it never depends on the data.
  const double level = delta / static_cast<double>(starts);
  // A threshold that accepts no row is a failure to reject like any other
  // (TA is undefined there); min_accepted >= 1 makes the walk stop on it.
  const std::size_t min_rows = std::max<std::size_t>(min_accepted, 1);
  const Candidate* best = nullptr;
  std::size_t best_index = 0;
  for (std::size_t j = 0; j < k; ++j) {
    const std::size_t start = j * seq.size() / k;
    for (std::size_t i = start; i < seq.size(); ++i) {
      const Candidate& c = seq[i];
      if (c.n_accepted < min_rows || !binomial_certifies(c.n_agree, c.n_accepted, alpha, level)) break;
      if (best == nullptr || i > best_index) {
        best = &c;
        best_index = i;
      }
    }
  }
  if (best == nullptr) {
    const Candidate& first = seq.front();
    if (first.n_accepted < min_rows)
      return make_refused(
          fmt::format("{}: the strictest threshold {:.6g} accepts {} rows, fewer than min_accepted = {}", fn,
                      first.threshold, first.n_accepted, min_rows));
    return make_refused(fmt::format("{}: TA >= {} not certified at level {:.4g} ({} start(s)); strictest {}", fn, alpha,
                                    level, starts, describe(first, n, level)));
  }
  return make_found(*best, n, level);
}

CalibrationResult calibrate_bonferroni_on_grid(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                               double delta, std::size_t min_accepted,
                                               const std::vector<double>& thresholds) {
  constexpr const char* fn = "calibrate_bonferroni_on_grid";
  std::string reason;
  const std::vector<Candidate> seq = fixed_grid_candidates(scores, agree, alpha, delta, thresholds, fn, reason);
  if (!reason.empty()) return make_refused(reason);
  const std::size_t n = scores.n_elem;
  // m counts the thresholds as given (after dropping duplicates, which the
  // grid's construction fixes before the rows are seen).
  const double level = delta / static_cast<double>(seq.size());
  const std::size_t min_rows = std::max<std::size_t>(min_accepted, 1);
  const Candidate* best = nullptr;
  for (const Candidate& c : seq)
    if (c.n_accepted >= min_rows && binomial_certifies(c.n_agree, c.n_accepted, alpha, level)) best = &c;
  if (best == nullptr)
    return make_refused(fmt::format("{}: none of {} grid thresholds certifies TA >= {} at delta / m = {:.4g}", fn,
                                    seq.size(), alpha, level));
  return make_found(*best, n, level);
}

ThresholdGrid coverage_quantile_grid(const arma::vec& reference_scores, std::size_t levels,
                                     double min_reference_coverage) {
  constexpr const char* fn = "coverage_quantile_grid";
  if (levels == 0) throw InternalError(fmt::format("{}: levels must be >= 1", fn));
  for (arma::uword i = 0; i < reference_scores.n_elem; ++i)
    if (!std::isfinite(reference_scores[i]))
      throw InternalError(fmt::format("{}: reference score {} is not finite", fn, i));
  ThresholdGrid grid;
  const std::size_t m = reference_scores.n_elem;
  if (m == 0) {  // no reference: the only fixed choice left is accept-all
    grid.thresholds.push_back(-kInf);
    grid.reference_coverage.push_back(1.0);
    return grid;
  }
  const arma::vec sorted = arma::sort(reference_scores, "descend");
  for (std::size_t l = 1; l <= levels; ++l) {
    const double t = l == levels ? -kInf : sorted[(l * m + levels - 1) / levels - 1];
    // Coverage of the reference at t (ties accepted together).
    const auto accepted = static_cast<double>(arma::accu(sorted >= t));
    const double cov = accepted / static_cast<double>(m);
    if (cov < min_reference_coverage && l != levels) continue;
    if (!grid.thresholds.empty() && grid.thresholds.back() == t) continue;
    grid.thresholds.push_back(t);
    grid.reference_coverage.push_back(cov);
  }
  return grid;
}

double certifiable_start_coverage(double alpha, double level, std::size_t n, double floor) {
  if (n == 0) return 1.0;
  const std::size_t rows = std::min(n, min_rows_to_certify(alpha, level, 1));
  return std::min(1.0, std::max(floor, static_cast<double>(rows) / static_cast<double>(n)));
}

// Bonferroni (union bound): with m hypotheses each tested at delta / m,
// P(any false rejection) <= sum_l P(false rejection at l) <= m (delta / m) =
// delta, whatever the dependence between tests, so the loosest passing
// threshold may be deployed even if stricter ones failed. This is the
// construction of Geifman and El-Yaniv's SGR ("Selective Classification for
// Deep Neural Networks", NeurIPS 2017), which spends delta / ceil(log2 n) over
// a binary search, and LTT's simplest FWER procedure. Each per-level bound
// uses step (3) of the fixed-sequence proof for one level, so it needs the same
// monotone acceptor for this data-derived grid. m counts the grid levels with
// at least min_accepted rows, a function of (n, G, min_accepted) only; it does
// not shrink when ties merge levels, which keeps it fixed in advance (and
// conservative).
CalibrationResult calibrate_bonferroni(const arma::vec& scores, const arma::uvec& agree, double alpha, double delta,
                                       std::size_t min_accepted, std::size_t grid_size) {
  constexpr const char* fn = "calibrate_bonferroni";
  check_sample(scores, agree, fn);
  check_alpha(alpha, fn);
  check_level(delta, fn);
  if (grid_size == 0) throw InternalError(fmt::format("{}: grid_size must be >= 1", fn));
  const std::size_t n = scores.n_elem;
  if (n == 0) return make_refused(fmt::format("{}: empty calibration sample", fn));
  if (alpha >= 1.0) return make_refused(fmt::format("{}: alpha = 1 cannot be certified from a finite sample", fn));
  const std::size_t min_rows = std::max<std::size_t>(min_accepted, 1);
  std::size_t m = 0;
  for (std::size_t j : grid_counts(n, grid_size))
    if (j >= min_rows) ++m;
  if (m == 0) return make_refused(fmt::format("{}: no grid level accepts at least {} of {} rows", fn, min_rows, n));
  const double level = delta / static_cast<double>(m);
  const SortedSample s(scores, agree);
  const std::vector<Candidate> seq = grid_candidates(s, grid_size, min_rows);
  const Candidate* best = nullptr;
  for (const Candidate& c : seq)
    if (binomial_certifies(c.n_agree, c.n_accepted, alpha, level)) best = &c;
  if (best == nullptr)
    return make_refused(
        fmt::format("{}: none of {} grid thresholds certifies TA >= {} at delta / m = {:.4g}; loosest {}", fn, m, alpha,
                    level, describe(seq.back(), n, level)));
  return make_found(*best, n, level);
}

CalibrationResult certify_global(const arma::uvec& agree, double alpha, double delta) {
  constexpr const char* fn = "certify_global";
  check_agree(agree, fn);
  check_alpha(alpha, fn);
  check_level(delta, fn);
  const std::size_t n = agree.n_elem;
  if (n == 0) return make_refused(fmt::format("{}: empty calibration sample", fn));
  const auto k = static_cast<std::size_t>(arma::accu(agree));
  const Candidate all{-kInf, n, k};
  if (!binomial_certifies(k, n, alpha, delta))
    return make_refused(fmt::format("{}: TA >= {} not certified at delta = {}; accept-all {}", fn, alpha, delta,
                                    describe(all, n, delta)));
  return make_found(all, n, delta);
}

}  // namespace tracer

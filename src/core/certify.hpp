#pragma once
// Statistics core of the `certified` gate: exact binomial bounds and threshold
// calibration with a finite-sample guarantee on teacher agreement (TA).
//
// Setting. A calibration sample of n rows (score_i, agree_i), drawn i.i.d.
// from the deployment distribution and never used to train the surrogate or
// the acceptor. A policy with threshold t handles a row iff score >= t;
// TA(t) = P(agree | score >= t) is the population teacher agreement among
// handled rows, coverage(t) = P(score >= t).
//
// The paper's rule (calibrate_point_estimate) picks the lowest threshold whose
// *empirical* TA reaches alpha. Because it maximises over many thresholds on
// the same rows, it lands past the true crossing about half the time and the
// deployed TA falls below alpha (the paper's own CLINC150 gap, 0.952 on cal
// versus 0.930 on test). The certified rules below instead guarantee
//     P( TA(t_hat) >= alpha ) >= 1 - delta
// over the draw of the calibration sample, by casting threshold choice as
// multiple testing (Learn then Test: Angelopoulos, Bates, Candes, Jordan, Lei,
// "Learn then Test: Calibrating Predictive Algorithms to Achieve Risk
// Control", arXiv:2110.01052, 2021).
//
// What the guarantee is about: TA(t_hat) is the *population* agreement of the
// deployed policy. A finite test set's empirical TA scatters around it by about
// sqrt(alpha (1 - alpha) / n_handled), so a certified policy can still show an
// empirical test TA a little under alpha. It also assumes calibration and test
// rows are exchangeable (no drift between days), and delta is spent once per
// claim: choosing among families, alphas or days on the same rows spends it
// again (see certify_global).
//
// Which sequence is tested matters for validity. The gate modes of the
// replay (protocol/settings.hpp) test thresholds fixed before the calibration
// rows are seen (coverage_quantile_grid of the validation split's scores) with
// calibrate_multistart_on_grid (fixed sequence, one or several starts) or
// calibrate_bonferroni_on_grid: valid for any acceptor. calibrate_fixed_sequence
// and calibrate_bonferroni read their thresholds off the calibration rows and
// need a monotone acceptor (kept as the `certified-datawalk` comparison).
//
// Pure math: no IO. Inputs are validated; a bad input (alpha, delta out of
// range, mismatched sizes, NaN scores) is a broken precondition of the
// caller, which validated the config: it throws InternalError with the reason.
#include <armadillo>
#include <cstddef>
#include <string>
#include <vector>

namespace tracer {

/// Default risk level: the reference code's Clopper-Pearson level (cp_alpha =
/// 0.1, tracer-llm 0.3.3 section 4.1), so certified results read alongside it.
inline constexpr double kDefaultCertifyDelta = 0.1;

/// Default fixed-sequence grid: 0 = every unique calibration score, the
/// paper's own candidate set (certify.cpp explains why no coarser grid).
inline constexpr std::size_t kDefaultFixedSequenceGrid = 0;

/// Default number of coverage levels for Bonferroni (each tested at delta/20).
inline constexpr std::size_t kDefaultBonferroniGrid = 20;

// --- exact binomial inference ------------------------------------------------

/// One-sided (1 - delta) Clopper-Pearson lower confidence bound for a binomial
/// proportion from k successes in n trials (Clopper and Pearson, Biometrika
/// 26(4), 1934): the p with P[Bin(n, p) >= k] = delta. 0 when k == 0 or
/// n == 0; delta^(1/n) when k == n; otherwise the delta-quantile of
/// Beta(k, n - k + 1). Matches tracer-llm's _cp_lower (section 4.1).
double clopper_pearson_lower(std::size_t k, std::size_t n, double delta);

/// One-sided (1 - delta) Clopper-Pearson upper bound: the p with
/// P[Bin(n, p) <= k] = delta. 1 when k == n or n == 0; 1 - delta^(1/n) when
/// k == 0; otherwise the (1 - delta)-quantile of Beta(k + 1, n - k).
double clopper_pearson_upper(std::size_t k, std::size_t n, double delta);

/// P[Bin(n, alpha) >= k]: the exact p-value of k agreements in n accepted rows
/// against H0: TA < alpha (small values are evidence that TA >= alpha).
/// Computed as the regularised incomplete beta I_alpha(k, n - k + 1), which
/// Boost evaluates to full relative precision even for tiny tails, instead of
/// summing pmfs. 1 when k == 0, 0 when k > n.
double binomial_tail_p_value(std::size_t k, std::size_t n, double alpha);

/// The single decision rule every certified function uses:
/// binomial_tail_p_value(k, n, alpha) <= level. Because P[Bin(n, p) >= k] is
/// increasing in p and the Clopper-Pearson lower bound L solves
/// P[Bin(n, L) >= k] = level, this is the same as
/// clopper_pearson_lower(k, n, level) >= alpha up to rounding at the boundary;
/// the p-value form is used because it needs no root finding.
bool binomial_certifies(std::size_t k, std::size_t n, double alpha, double level);

/// Smallest n for which n - disagreements agreements out of n certify alpha at
/// `level`. With disagreements = 0 this is the smallest n with alpha^n <=
/// level, e.g. 22 for alpha 0.90 and level 0.1 (the spec's "minimum all-correct
/// n"): no threshold that accepts fewer rows can ever be certified. With 1 it
/// is 38 for alpha 0.90 and 77 for alpha 0.95. For alpha >= 1 no finite sample
/// certifies and the result is std::numeric_limits<std::size_t>::max().
std::size_t min_rows_to_certify(double alpha, double level, std::size_t disagreements = 0);

// --- threshold calibration -----------------------------------------------------

/// Outcome of a threshold calibration. The policy handles a row iff
/// score >= threshold. When found is false, threshold is +infinity (the policy
/// handles nothing, all traffic goes to the teacher), the counts are 0 and
/// reason_if_not_found says why.
struct CalibrationResult {
  bool found = false;
  double threshold = 0.0;      ///< -infinity for accept-all (Global)
  std::size_t n_accepted = 0;  ///< calibration rows with score >= threshold
  std::size_t n_agree = 0;     ///< of those, rows where surrogate == teacher
  double coverage = 0.0;       ///< n_accepted / n on the calibration sample
  double ta_point = 0.0;       ///< n_agree / n_accepted
  /// Clopper-Pearson lower bound of the accepted rows at the level the method
  /// tested (delta; delta/m for Bonferroni; 0.1 for the point estimate, where
  /// it is descriptive only). For the certified methods it is >= alpha.
  double ta_lower_bound = 0.0;
  double bound_level = 0.0;  ///< the level of ta_lower_bound
  std::string reason_if_not_found;
};

/// The paper's rule (section "Method"; tracer-llm v0.1.x, section 4.5 of the
/// spec): over all unique calibration scores, the lowest threshold (largest
/// coverage) whose empirical TA >= alpha and which accepts >= min_accepted
/// rows. No guarantee: kept as the baseline the certified rules are compared
/// with. ta_lower_bound is the descriptive CP bound at delta = 0.1.
CalibrationResult calibrate_point_estimate(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                           std::size_t min_accepted);

/// Learn-then-Test fixed-sequence calibration on a coverage grid.
///
/// Candidates are the thresholds that accept the top ceil(l n / G) calibration
/// rows, l = 1..G (G = grid_size; G = 0 means every unique score), ordered
/// strict to loose. The walk starts at the first level accepting at least
/// max(min_accepted, min_rows_to_certify(alpha, delta),
/// min(n, min_rows_to_certify(alpha, delta, 1))) rows, i.e. where one
/// disagreement can still certify (certify.cpp says why). Each H0_t:
/// TA(t) < alpha is tested at level delta with the exact binomial p-value; the
/// walk continues while it rejects and the loosest rejected threshold is
/// deployed. min_accepted is a floor on calibration rows accepted, not a
/// coverage share (the parity gate's 5% floor stays with the gate).
///
/// Guarantee: P(TA(t_hat) < alpha) <= delta when the acceptor is monotone
/// (P(agree | score = s) non-decreasing in s) and scores have no ties; see
/// certify.cpp for the proof. For a guarantee with no monotonicity assumption
/// pass a grid fixed in advance to calibrate_fixed_sequence_on_grid.
CalibrationResult calibrate_fixed_sequence(const arma::vec& scores, const arma::uvec& agree, double alpha, double delta,
                                           std::size_t min_accepted, std::size_t grid_size = kDefaultFixedSequenceGrid);

/// Fixed-sequence testing on thresholds chosen *before* looking at the
/// calibration rows (e.g. score quantiles from another split, or a fixed grid
/// on [0, 1]). They are walked strict to loose (sorted descending, duplicates
/// dropped); a threshold accepting fewer than min_accepted rows counts as a
/// failure to reject and ends the walk, so the strictest threshold should
/// accept enough rows. Guarantee P(TA(t_hat) < alpha) <= delta with no
/// assumption beyond i.i.d. rows (LTT, Theorem 1 with fixed-sequence FWER).
CalibrationResult calibrate_fixed_sequence_on_grid(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                                   double delta, std::size_t min_accepted,
                                                   const std::vector<double>& thresholds);

/// Bonferroni calibration: the same coverage grid as calibrate_fixed_sequence
/// (G = grid_size >= 1 levels; levels accepting fewer than min_accepted rows
/// dropped), every remaining threshold tested at delta / m (m = levels
/// tested), and the loosest passing one deployed, whether or not the stricter
/// ones passed. Valid by the union bound, with the same monotonicity
/// assumption as calibrate_fixed_sequence for the data-derived grid; usually
/// less coverage than fixed-sequence because each test pays for all m.
CalibrationResult calibrate_bonferroni(const arma::vec& scores, const arma::uvec& agree, double alpha, double delta,
                                       std::size_t min_accepted, std::size_t grid_size = kDefaultBonferroniGrid);

// --- thresholds fixed before the calibration rows are seen -------------------

/// A hypothesis sequence for the gate, fixed before any calibration row is
/// looked at: thresholds strict to loose, each with the coverage it has on the
/// reference sample it was read from.
struct ThresholdGrid {
  std::vector<double> thresholds;          ///< strict to loose; the last may be -infinity (accept all)
  std::vector<double> reference_coverage;  ///< share of the reference sample each accepts
};

/// The coverage-quantile grid of a reference sample (in the replay: the
/// acceptor's scores on the validation split, which trains the acceptor and
/// never calibrates it). Level l = 1..G accepts the top ceil(l m / G) of the m
/// reference scores; level G is accept-all (-infinity), the Global family.
/// Levels whose reference coverage is below min_reference_coverage are
/// dropped (the walk would start where it cannot certify), ties merge levels.
/// Everything here is a function of the reference scores, G and the floor
/// only, so a test on the calibration rows needs no monotonicity assumption.
ThresholdGrid coverage_quantile_grid(const arma::vec& reference_scores, std::size_t levels,
                                     double min_reference_coverage);

/// The reference coverage from which a walk at `level` can certify alpha with
/// one disagreement among n calibration rows: min_rows_to_certify(alpha,
/// level, 1) / n, at least `floor` (and at most 1). A function of (alpha,
/// level, n, floor) only.
double certifiable_start_coverage(double alpha, double level, std::size_t n, double floor);

/// Multi-start fixed-sequence testing on a fixed grid: `starts` walks begin at
/// evenly spaced levels of the grid (the first at level 0), each walks strict
/// to loose at level delta / starts and stops at its first non-rejection, and
/// the loosest threshold any walk rejected is deployed. Each walk controls its
/// family-wise error at delta / starts, so by the union bound P(TA(t_hat) <
/// alpha) <= delta with no assumption beyond i.i.d. rows. starts = 1 is
/// calibrate_fixed_sequence_on_grid. A later start lets the gate step over a
/// local dip in agreement among the strictest thresholds that would end a
/// single walk at its first step. ta_lower_bound is at delta / starts.
CalibrationResult calibrate_multistart_on_grid(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                               double delta, std::size_t min_accepted,
                                               const std::vector<double>& thresholds, std::size_t starts);

/// Bonferroni on a fixed grid: every threshold tested at delta / m (m = grid
/// size), the loosest passing one deployed. Valid with no assumption beyond
/// i.i.d. rows; each test pays for all m.
CalibrationResult calibrate_bonferroni_on_grid(const arma::vec& scores, const arma::uvec& agree, double alpha,
                                               double delta, std::size_t min_accepted,
                                               const std::vector<double>& thresholds);

/// The Global family (one surrogate, no gate, handles everything): certified
/// iff binomial_certifies(k, n, alpha, delta), i.e. the exact p-value
/// P[Bin(n, alpha) >= k] <= delta, equivalently clopper_pearson_lower(k, n,
/// delta) >= alpha (the reference's 0.2.0+ Global gate). threshold is
/// -infinity, coverage 1.
///
/// Spending delta: if Global and L2D compete on the same calibration rows and
/// the gate deploys whichever certifies with more coverage, each tested at
/// delta, the chance of deploying a failing policy can reach 2 delta. With one
/// surrogate for both, test Global as the last (loosest) step of the L2D
/// sequence instead; otherwise give each family delta / 2.
CalibrationResult certify_global(const arma::uvec& agree, double alpha, double delta);

}  // namespace tracer

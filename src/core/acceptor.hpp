#pragma once
// The acceptor predicts, per input, whether the surrogate will agree with the
// teacher (paper, "Acceptor"). Its score is compared with the calibrated
// threshold: accept iff score >= threshold.
//
// Batch scoring (score) and single-row scoring (score_row) are the same code:
// score loops over score_row, so the rule the gate checks on a split is, to
// the bit, the rule the router serves one query at a time.
#include <armadillo>
#include <array>
#include <cstdint>
#include <string>

namespace tracer {

inline constexpr std::size_t kAcceptorFeatures = 4;

/// The acceptor's inverse L2 strength: scikit-learn's LogisticRegression(C=1.0)
/// of the reference (tracer-llm 0.3.3, section 3.2).
inline constexpr double kAcceptorC = 1.0;

/// The four acceptor features of one probability row p[0..K): top-1
/// probability, top-2 probability, their margin, entropy / ln K. Non-finite or
/// negative probabilities count as 0 (defensive: our models never emit them).
std::array<double, kAcceptorFeatures> acceptor_features_row(const double* p, std::size_t K, std::size_t stride = 1);

/// n x 4 matrix of acceptor_features_row for every row of probs.
arma::mat acceptor_features(const arma::mat& probs);

class Acceptor {
 public:
  /// Fits P(agree | features(probs)) by binary L2 logistic regression (C = 1) on
  /// standardised features. If every row agrees or every row disagrees there is
  /// nothing to learn; the acceptor then scores by the top-1 probability (as the
  /// reference does) and says so in score_name().
  void fit(const arma::mat& probs, const arma::uvec& agree);

  /// Score of one probability row (K entries, `stride` apart), in [0, 1].
  double score_row(const double* p, std::size_t K, std::size_t stride = 1) const;

  /// Scores of every row of probs (n x K).
  arma::vec score(const arma::mat& probs) const;

  /// "predicted_teacher_match" or "max_prob".
  std::string score_name() const { return learned_ ? "predicted_teacher_match" : "max_prob"; }

 private:
  bool learned_ = false;
  std::array<double, kAcceptorFeatures> mean_{}, scale_{}, weight_{};  // logit = sum w (f - mean) / scale + bias
  double bias_ = 0.0;
};

}  // namespace tracer

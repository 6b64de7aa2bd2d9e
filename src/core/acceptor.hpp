#pragma once
// The acceptor predicts, per input, whether the surrogate will agree with the
// teacher (paper, "Acceptor"). Its score is compared with the calibrated
// threshold: accept iff score >= threshold.
#include <armadillo>
#include <memory>
#include <string>

#include "core/models/logistic_regression.hpp"

namespace tracer {

/// n x 4 features of a probability matrix, in this column order:
/// top-1 probability, top-2 probability, their margin, entropy / ln K.
/// Non-finite probabilities are treated as 0 (defensive: our models never emit
/// them, but a plugged-in one might).
arma::mat acceptor_features(const arma::mat& probs);

class Acceptor {
 public:
  /// Fits P(agree | features(probs)) by logistic regression (C = 1). If every
  /// row agrees or every row disagrees there is nothing to learn; the acceptor
  /// then scores by the top-1 probability (as the reference does) and says so
  /// in score_name().
  void fit(const arma::mat& probs, const arma::uvec& agree, std::uint64_t seed);

  /// Scores in [0, 1]; higher = more likely to agree.
  arma::vec score(const arma::mat& probs) const;

  /// "predicted_teacher_match" or "max_prob".
  std::string score_name() const { return model_ ? "predicted_teacher_match" : "max_prob"; }

 private:
  std::shared_ptr<LogisticRegression> model_;  // null => max-prob fallback
};

}  // namespace tracer

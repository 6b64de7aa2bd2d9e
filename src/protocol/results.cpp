#include "protocol/results.hpp"

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"

namespace tracer {

bool predictions_recorded(const DayOutcome& o) {
  if (o.deployed) return true;
  return !o.surrogate.empty() && o.test_decision.score.n_elem > 0 && arma::any(o.test_decision.score != 0.0);
}

const DayOutcome* find_outcome(const RunResult& run, std::size_t day, GateMode mode, double alpha) {
  for (const auto& o : run.replay.outcomes)
    if (o.day == day && o.mode == mode && o.alpha == alpha) return &o;
  return nullptr;
}

const BaselineOutcome* find_baseline(const RunResult& run, double alpha) {
  const BaselineOutcome* found = nullptr;
  for (const auto& bo : run.replay.baseline)
    if (bo.alpha == alpha) found = &bo;
  return found;
}

double shown_artifact_alpha(const ProtocolSettings& p) {
  TRACER_CHECK(!p.alphas.empty(), "the experiment has no alphas");
  double shown = *std::max_element(p.alphas.begin(), p.alphas.end());
  for (double a : p.alphas)
    if (std::abs(a - 0.95) < 1e-9) shown = a;
  return shown;
}

}  // namespace tracer

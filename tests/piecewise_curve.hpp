#pragma once
// A known agreement curve for gate simulations: scores ~ U(0, 1) and
// P(agree | s) piecewise constant, so the true TA of "s >= t" is known in
// closed form. Shared by test_certify and test_gate.
#include <algorithm>
#include <vector>

namespace tracer::testing {

/// P(agree | s) = p for s >= from (pieces ordered by descending `from`).
struct Piece {
  double from, p;
};

inline double piece_p(const std::vector<Piece>& pieces, double s) {
  for (const Piece& q : pieces)
    if (s >= q.from) return q.p;
  return pieces.back().p;
}

/// TA(t): the integral of p over [t, 1], divided by 1 - t.
inline double piece_ta(const std::vector<Piece>& pieces, double t) {
  t = std::clamp(t, 0.0, 1.0);
  double mass = 0.0, upper = 1.0;
  for (const Piece& q : pieces) {
    const double lo = std::max(q.from, t);
    if (lo < upper) mass += (upper - lo) * q.p;
    upper = std::min(upper, q.from);
    if (upper <= t) break;
  }
  return mass / (1.0 - t);
}

}  // namespace tracer::testing

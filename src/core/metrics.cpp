#include "core/metrics.hpp"
#include "core/errors.hpp"

#include <map>

namespace tracer {

double accuracy(const arma::uvec& a, const arma::uvec& b) {
  if (a.n_elem != b.n_elem) throw InternalError("accuracy: length mismatch");
  if (a.n_elem == 0) return 0.0;
  return static_cast<double>(arma::accu(a == b)) / static_cast<double>(a.n_elem);
}

double macro_f1(const arma::uvec& y_true, const arma::uvec& y_pred) {
  if (y_true.n_elem != y_pred.n_elem) throw InternalError("macro_f1: length mismatch");
  struct Counts {
    double tp = 0, fp = 0, fn = 0;
  };
  std::map<arma::uword, Counts> per_label;  // ordered: deterministic summation
  for (arma::uword i = 0; i < y_true.n_elem; ++i) {
    if (y_true[i] == y_pred[i]) {
      per_label[y_true[i]].tp += 1;
    } else {
      per_label[y_true[i]].fn += 1;
      per_label[y_pred[i]].fp += 1;
    }
  }
  if (per_label.empty()) return 0.0;
  double sum = 0.0;
  for (const auto& [label, c] : per_label) {
    const double denom = 2 * c.tp + c.fp + c.fn;
    sum += denom > 0 ? 2 * c.tp / denom : 0.0;
  }
  return sum / static_cast<double>(per_label.size());
}

arma::uvec argmax_rows(const arma::mat& P) {
  arma::uvec out(P.n_rows);
  for (arma::uword i = 0; i < P.n_rows; ++i) {
    arma::uword best = 0;
    for (arma::uword k = 1; k < P.n_cols; ++k)
      if (P(i, k) > P(i, best)) best = k;
    out[i] = best;
  }
  return out;
}

}  // namespace tracer

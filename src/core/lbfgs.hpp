#pragma once
// Limited-memory BFGS with a backtracking (Armijo) line search, for smooth
// convex objectives such as SoftmaxLoss. The objective is any type with
//   double evaluate_with_gradient(const arma::mat& w, arma::mat& grad) const;
#include <armadillo>
#include <cmath>
#include <deque>
#include <limits>

namespace tracer {

struct LbfgsOptions {
  int max_iterations = 1000;
  int memory = 10;
  double gradient_tolerance = 1e-6;  ///< stop when max |g| <= this
  double relative_decrease = 1e-12;  ///< stop when (f_old - f) / max(|f|, 1) <= this
};

struct LbfgsReport {
  int iterations = 0;
  int evaluations = 0;  ///< loss + gradient evaluations: iterations + 1 + rejected line-search steps
  double final_loss = 0.0;
  double final_gradient_max = 0.0;
  bool converged = false;
};

template <typename Objective>
LbfgsReport minimize_lbfgs(const Objective& f, arma::mat& w, const LbfgsOptions& opt = {}) {
  LbfgsReport report;
  arma::mat g, g_new, w_new;
  double fx = f.evaluate_with_gradient(w, g);
  report.evaluations = 1;
  std::deque<arma::mat> s_hist, y_hist;
  std::deque<double> rho_hist;
  for (int it = 0; it < opt.max_iterations; ++it) {
    report.iterations = it;
    const double gmax = arma::abs(g).max();
    if (gmax <= opt.gradient_tolerance) {
      report.converged = true;
      break;
    }
    // Two-loop recursion: direction = -H g.
    arma::mat q = g;
    std::vector<double> a(s_hist.size());
    for (std::size_t j = s_hist.size(); j-- > 0;) {
      a[j] = rho_hist[j] * arma::accu(s_hist[j] % q);
      q -= a[j] * y_hist[j];
    }
    if (!s_hist.empty()) {
      const double gamma = arma::accu(s_hist.back() % y_hist.back()) / arma::accu(y_hist.back() % y_hist.back());
      q *= gamma;
    } else {
      q /= std::max(1.0, arma::norm(g, "fro"));  // a cautious first step
    }
    for (std::size_t j = 0; j < s_hist.size(); ++j) {
      const double b = rho_hist[j] * arma::accu(y_hist[j] % q);
      q += (a[j] - b) * s_hist[j];
    }
    arma::mat dir = -q;
    double slope = arma::accu(dir % g);
    if (!(slope < 0.0)) {  // not a descent direction: reset memory, use steepest descent
      s_hist.clear();
      y_hist.clear();
      rho_hist.clear();
      dir = -g / std::max(1.0, arma::norm(g, "fro"));
      slope = arma::accu(dir % g);
    }
    double step = 1.0, f_new = 0.0;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls) {
      w_new = w + step * dir;
      f_new = f.evaluate_with_gradient(w_new, g_new);
      ++report.evaluations;
      if (std::isfinite(f_new) && f_new <= fx + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    if (!accepted) break;  // no progress possible at machine precision
    arma::mat s = w_new - w, y = g_new - g;
    const double sy = arma::accu(s % y);
    if (sy > 1e-12) {
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(y));
      rho_hist.push_back(1.0 / sy);
      if (static_cast<int>(s_hist.size()) > opt.memory) {
        s_hist.pop_front();
        y_hist.pop_front();
        rho_hist.pop_front();
      }
    }
    const double decrease = fx - f_new;
    w = std::move(w_new);
    g = g_new;
    fx = f_new;
    report.iterations = it + 1;
    if (decrease / std::max(std::abs(fx), 1.0) <= opt.relative_decrease) {
      report.converged = true;
      break;
    }
  }
  report.final_loss = fx;
  report.final_gradient_max = g.is_empty() ? 0.0 : arma::abs(g).max();
  return report;
}

}  // namespace tracer

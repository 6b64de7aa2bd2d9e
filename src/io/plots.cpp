#include "io/plots.hpp"

#include <fmt/format.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <sstream>

#include "io/format.hpp"
#include "io/names.hpp"
#include "protocol/results.hpp"

namespace tracer {

namespace fs = std::filesystem;

namespace {

/// Single-quoted gnuplot string ('' is a literal quote; no escapes inside).
std::string gp_str(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'')
      out += "''";
    else if (c == '\n' || c == '\r')
      out += ' ';
    else
      out += c;
  }
  return out + "'";
}

/// Double-quoted string for a gnuplot data file (no escapes exist there, so
/// a double quote becomes a single one).
std::string dat_str(const std::string& s) {
  std::string out = "\"";
  for (char c : s) out += c == '"' ? '\'' : (c == '\n' || c == '\r' || c == '\t') ? ' ' : c;
  return out + "\"";
}

/// Locale-free number for a data file; "NaN" marks an undefined point
/// (gnuplot skips it).
std::string dnum(double x) { return std::isfinite(x) ? fmt::format("{:.6g}", x) : std::string("NaN"); }

std::string xtics_for(const std::vector<double>& alphas) {
  std::string t = "set xtics (";
  for (std::size_t i = 0; i < alphas.size(); ++i) t += (i ? ", " : "") + gp_str(num(alphas[i])) + " " + num(alphas[i]);
  return t + ")\n";
}

struct Plot {
  std::string stem, title, dat, body;
  int w = 900, h = 600;
};

Plot alpha_plot(const ExperimentResults& r, const RunResult& run, GateMode mode) {
  const ProtocolSettings& p = r.info.protocol;
  std::vector<double> alphas = p.alphas;
  std::sort(alphas.begin(), alphas.end());
  Plot pl;
  pl.stem = "coverage_vs_alpha__" + run_token(r.info, run) + "__" + file_token(gate_mode_name(mode));
  pl.title = "Test coverage and teacher agreement vs alpha";
  pl.h = 760;
  std::ostringstream dat;
  dat << "# " << run_title(run, mode) << ", day " << p.days
      << ", test split; coverage in %, TA = teacher agreement on handled inputs (NaN: nothing handled)\n"
      << "# alpha tracer_coverage_pct tracer_ta baseline_coverage_pct baseline_ta tracer_family\n";
  double lo = alphas.front();
  for (double a : alphas) {
    const DayOutcome* o = find_outcome(run, p.days, mode, a);
    const BaselineOutcome* b = find_baseline(run, a);
    const double t_cov = o ? 100.0 * o->test.coverage : NAN;
    const double t_ta = o && o->test.handled ? o->test.ta : NAN;
    const double b_cov = b ? (b->found ? 100.0 * b->test.coverage : 0.0) : NAN;
    const double b_ta = b && b->found && b->test.handled ? b->test.ta : NAN;
    if (std::isfinite(t_ta)) lo = std::min(lo, t_ta);
    if (std::isfinite(b_ta)) lo = std::min(lo, b_ta);
    dat << dnum(a) << " " << dnum(t_cov) << " " << dnum(t_ta) << " " << dnum(b_cov) << " " << dnum(b_ta) << " "
        << dat_str(o ? (o->deployed ? family_name(o->family) : std::string("refused")) : std::string("-")) << "\n";
  }
  pl.dat = dat.str();
  const double x0 = alphas.front() - 0.025, x1 = alphas.back() + 0.025;
  const double y0 = std::floor((lo - 0.02) * 20.0) / 20.0;  // a 0.05 step below every value shown
  const std::string d = gp_str(pl.stem + ".dat");
  std::ostringstream b;
  b << "set multiplot layout 2,1 title "
    << gp_str(fmt::format("{}: day {} of the replay, test split", run_title(run, mode), p.days)) << "\n"
    << "set lmargin 12\n"  // the same left margin in both panels keeps their alpha axes aligned
    << fmt::format("set xrange [{}:{}]\n", dnum(x0), dnum(x1)) << xtics_for(alphas)
    << "set xlabel 'alpha (target teacher agreement)'\n"
    << "set ylabel 'coverage (% of test inputs handled)'\n"
    << "set yrange [0:105]\n"
    << "set key bottom left box opaque\n"
    << "plot " << d << " using 1:2 with linespoints lw 2 pt 7 ps 1.2 lc rgb '#1f77b4' title 'TRACER', \\\n"
    << "     " << d << " using 1:2:6 with labels offset 0,-1.3 tc rgb '#1f77b4' notitle, \\\n"
    << "     " << d
    << " using 1:4 with linespoints lw 2 dt 2 pt 5 ps 1.1 lc rgb '#d62728' title 'baseline (max-probability "
       "threshold)'\n"
    << "set ylabel 'teacher agreement on handled inputs'\n"
    << fmt::format("set yrange [{}:1.0]\n", dnum(y0)) << "set key bottom right box opaque\n"
    << "plot " << d << " using 1:3 with linespoints lw 2 pt 7 ps 1.2 lc rgb '#1f77b4' title 'TRACER', \\\n"
    << "     " << d << " using 1:5 with linespoints lw 2 dt 2 pt 5 ps 1.1 lc rgb '#d62728' title 'baseline', \\\n"
    << "     x with lines lw 1 dt 3 lc rgb '#555555' title 'target: TA = alpha'\n"
    << "unset multiplot\n";
  pl.body = b.str();
  return pl;
}

Plot flywheel_plot(const ExperimentResults& r, const RunResult& run, GateMode mode) {
  const ProtocolSettings& p = r.info.protocol;
  std::vector<double> alphas = p.alphas;
  std::sort(alphas.begin(), alphas.end());
  Plot pl;
  pl.stem = "flywheel__" + run_token(r.info, run) + "__" + file_token(gate_mode_name(mode));
  pl.title = "Flywheel: test coverage per day";
  std::ostringstream dat;
  dat << "# " << run_title(run, mode) << ", test coverage in % per day (0: the gate refused)\n# day traces";
  for (double a : alphas) dat << " alpha_" << num(a);
  dat << "\n";
  for (std::size_t day = 1; day <= p.days; ++day) {
    dat << day << " " << (day - 1 < run.replay.day_sizes.size() ? run.replay.day_sizes[day - 1] : 0);
    for (double a : alphas) {
      const DayOutcome* o = find_outcome(run, day, mode, a);
      dat << " " << dnum(o ? 100.0 * o->test.coverage : NAN);
    }
    dat << "\n";
  }
  pl.dat = dat.str();
  const std::string d = gp_str(pl.stem + ".dat");
  std::ostringstream b;
  b << "set title " << gp_str(fmt::format("Flywheel: {}, test coverage after each day's refit", run_title(run, mode)))
    << "\n"
    << fmt::format("set xrange [0.8:{}]\n", dnum(static_cast<double>(p.days) + 0.2)) << "set xtics 1\n"
    << "set xlabel 'day (cumulative traces)'\n"
    << "set ylabel 'coverage (% of test inputs handled)'\n"
    << "set yrange [0:105]\n"
    << "set key bottom right box opaque\n"
    << "plot ";
  // A qualitative palette: neighbouring alphas must be told apart at a glance.
  const char* colors[] = {"#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"};
  for (std::size_t i = 0; i < alphas.size(); ++i) {
    const std::string color = colors[i % 6];
    b << (i ? ", \\\n     " : "") << d << " using 1:" << i + 3 << (i == 0 ? ":xtic(sprintf('%d (%d)', $1, $2))" : "")
      << " with linespoints lw 2 pt " << 5 + 2 * (i % 6) << " lc rgb '" << color << "' title "
      << gp_str("alpha " + num(alphas[i]));
  }
  b << "\n";
  pl.body = b.str();
  return pl;
}

Plot label_plot(const LabelRatePlot& lr, const std::string& title) {
  Plot pl;
  pl.stem = "label_handled__" + lr.run_token + "__" + file_token(lr.mode);
  pl.title = fmt::format("Handled rate per teacher label (alpha {}, day {})", num(lr.alpha), lr.day);
  const std::size_t k = lr.rates.size();
  pl.w = std::max(900, static_cast<int>(14 * k) + 200);
  pl.h = 650;
  std::ostringstream dat;
  dat << "# " << title << ", alpha " << num(lr.alpha) << ", day " << lr.day
      << ": share of each teacher label's test inputs the surrogate handles, weakest first\n"
      << "# rank label handled_pct\n";
  for (std::size_t i = 0; i < k; ++i)
    dat << i + 1 << " " << dat_str(lr.rates[i].first) << " " << dnum(100.0 * lr.rates[i].second) << "\n";
  pl.dat = dat.str();
  const std::string d = gp_str(pl.stem + ".dat");
  std::ostringstream b;
  b << "set title "
    << gp_str(fmt::format("{}: handled rate per teacher label, alpha {}, day {} (test split)", title, num(lr.alpha),
                          lr.day))
    << "\n"
    << "set style fill solid 0.85 border lc rgb '#2b5d8a'\n"
    << "set boxwidth 0.8\n"
    << fmt::format("set xrange [0:{}]\n", k + 1) << "set xtics rotate by 90 right nomirror font ',8'\n"
    << "set ylabel 'handled rate (% of the label''s test inputs)'\n"
    << "set yrange [0:105]\n"
    << "set key top left box opaque\n"  // weakest labels (lowest bars) are on the left"
    << "plot " << d << " using 1:3:xtic(2) with boxes lc rgb '#4a90c8' title 'handled rate', \\\n"
    << "     " << dnum(100.0 * lr.coverage) << " with lines lw 2 dt 2 lc rgb '#d62728' title "
    << gp_str(fmt::format("overall test coverage {:.1f}%", 100.0 * lr.coverage)) << "\n";
  pl.body = b.str();
  return pl;
}

/// Draws one plot through the sink; its Markdown: the image, or why not (a
/// gnuplot error is also printed as a warning).
std::string render_plot(PlotSink& sink, const Plot& p) {
  std::ostringstream md;
  const RenderResult res = sink.render(p.stem, p.dat, p.body, p.w, p.h);
  if (!res.error.empty()) {
    std::cerr << "tracer-bench: warning: " << res.error << "\n";
    md << "> **Warning:** " << md_cell(res.error.substr(0, res.error.find('\n'))) << "\n\n";
  }
  if (res.svg)
    md << "![" << p.title << "](plots/" << p.stem << ".svg)\n\n";
  else
    md << p.title << ": not drawn (data: `plots/" << p.stem << ".dat`, script: `plots/" << p.stem << ".gp`).\n\n";
  return md.str();
}

}  // namespace

std::string plots_markdown(const ExperimentResults& r, const std::vector<LabelRatePlot>& label_rates, PlotSink& sink) {
  const GnuplotStatus& g = sink.gnuplot();
  std::ostringstream md;
  md << "## Plots\n\n";
  if (!g.available) {
    std::cerr << "tracer-bench: warning: no plots drawn: gnuplot " << g.version
              << "; the report is complete as text, and plots/ holds the data and scripts to draw them later\n";
    md << "> **Warning:** no plots were drawn: gnuplot " << md_cell(g.version)
       << ". The report above is complete as text; `plots/` holds each figure's data (`.dat`) and gnuplot script "
          "(`.gp`): run `gnuplot <name>.gp` in that folder to draw them.\n\n";
  } else {
    md << "Drawn by " << md_cell(g.version) << " from the primary replay. Each figure's data (`.dat`) and script "
       << "(`.gp`) are beside it in `plots/` (redraw: `gnuplot <name>.gp` in that folder); a PNG twin is there "
          "when gnuplot has pngcairo.\n\n";
  }
  for (std::size_t ri : r.primary_runs) {
    const RunResult& run = r.runs[ri];
    for (GateMode mode : r.info.protocol.gate.modes) {
      std::vector<Plot> plots{alpha_plot(r, run, mode), flywheel_plot(r, run, mode)};
      const std::string token = run_token(r.info, run);
      for (const auto& lr : label_rates)
        if (lr.run_token == token && lr.mode == gate_mode_name(mode))
          plots.push_back(label_plot(lr, run_title(run, mode)));
      md << "### " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / " << run.pool_size
         << " traces / gate `" << gate_mode_name(mode) << "`\n\n";
      for (const Plot& p : plots) md << render_plot(sink, p);
    }
  }
  return md.str();
}

/// Coverage and test TA against alpha, one line per (encoder, teacher, pool)
/// of the primary replays: the picture of an encoder or teacher sweep.
std::string comparison_plot_markdown(const ExperimentResults& r, PlotSink& sink) {
  const ProtocolSettings& p = r.info.protocol;
  std::vector<const RunResult*> runs;
  for (std::size_t ri : r.primary_runs) runs.push_back(&r.runs[ri]);
  if (runs.size() < 2) return "";
  const GateMode mode = p.gate.modes.front();
  std::ostringstream dat;
  dat << "alpha";
  for (const RunResult* run : runs) {
    std::string title = run->encoder + "/" + run->teacher + "/" + std::to_string(run->pool_size);
    dat << " \"cov:" << title << "\" \"ta:" << title << "\"";
  }
  dat << "\n";
  for (double alpha : p.alphas) {
    dat << num(alpha);
    for (const RunResult* run : runs)
      if (const DayOutcome* o = find_outcome(*run, p.days, mode, alpha))
        dat << " " << num(100 * o->test.coverage) << " " << (o->test.handled ? num(o->test.ta) : std::string("NaN"));
    dat << "\n";
  }
  const std::size_t n = runs.size();
  const std::string body = fmt::format(
      "set multiplot layout 2,1\n"
      "set key outside right top\n"
      "set xlabel 'alpha (target teacher agreement)'\n"
      "set ylabel 'test coverage (%)'\nset yrange [0:105]\nset grid\n"
      "plot for [i=0:{0}] 'comparison.dat' using 1:(column(2+2*i)) with linespoints lw 2 title "
      "substr(columnhead(2+2*i),5,100)\n"
      "set ylabel 'test TA (handled)'\nset yrange [*:*]\n"
      "plot for [i=0:{0}] 'comparison.dat' using 1:(column(3+2*i)) with linespoints lw 2 title "
      "substr(columnhead(3+2*i),4,100), x with lines dt 2 lc 'black' title 'TA = alpha'\n"
      "unset multiplot\n",
      n - 1);
  const RenderResult rendered = sink.render("comparison", dat.str(), body, 1000, 700);
  std::ostringstream md;
  md << "### Comparison plot\n\n";
  if (rendered.svg)
    md << "![coverage and TA against alpha per encoder / teacher / pool](plots/comparison.svg)\n\n";
  else
    md << "**Warning:** gnuplot is not available or failed, so the comparison plot was not rendered; its data and "
          "script are in `plots/comparison.dat` and `plots/comparison.gp`.\n\n";
  return md.str();
}

/// Per (encoder, teacher, pool, mode, alpha) of an experiment with production
/// arms: mean test coverage and mean cumulative teacher calls per day, one
/// line per labelling arm.
std::string production_plots_markdown(const ExperimentResults& r, PlotSink& sink) {
  if (r.production.empty()) return "";
  const ProtocolSettings& p = r.info.protocol;
  std::ostringstream md;
  md << "### Production flywheel: coverage and teacher calls per day\n\n";
  const char* colors[] = {"#000000", "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02"};
  for (const ProductionGroup& g : r.production)
    for (GateMode mode : p.gate.modes)
      for (double alpha : p.alphas) {
        Plot pl;
        pl.stem = "production__" + file_token(g.encoder) + "__" + file_token(g.teacher) + "__" +
                  std::to_string(g.pool_size) + "__" + file_token(gate_mode_name(mode)) + "__alpha" + num(alpha);
        pl.title = fmt::format("Production flywheel: {} / {}, gate {}, alpha {}", g.encoder, g.teacher,
                               gate_mode_name(mode), num(alpha));
        pl.w = 1200;
        pl.h = 500;
        std::ostringstream dat;
        dat << "# mean over the seeds per day: for each arm, test coverage in % then cumulative teacher calls\n# day";
        for (const ArmSummary& a : g.arms)
          dat << " cov_" << labels_mode_name(a.labels)
              << (a.labels == LabelsMode::kDeferred ? "_" + num(a.audit_rate) : "") << " calls_"
              << labels_mode_name(a.labels) << (a.labels == LabelsMode::kDeferred ? "_" + num(a.audit_rate) : "");
        dat << "\n";
        for (std::size_t day = 1; day <= p.days; ++day) {
          dat << day;
          for (const ArmSummary& a : g.arms) {
            double cov = NAN, calls = NAN;
            for (std::size_t i = 0; i < a.rows.size(); ++i)
              if (a.rows[i].mode == mode && a.rows[i].alpha == alpha && a.rows[i].day == day) {
                cov = 100.0 * a.rows[i].coverage.mean;
                calls = a.bills[i].cumulative_calls;
              }
            dat << " " << dnum(cov) << " " << dnum(calls);
          }
          dat << "\n";
        }
        pl.dat = dat.str();
        const std::string d = gp_str(pl.stem + ".dat");
        std::ostringstream b;
        b << "set multiplot layout 1,2 title " << gp_str(pl.title) << "\n"
          << fmt::format("set xrange [0.8:{}]\n", dnum(static_cast<double>(p.days) + 0.2)) << "set xtics 1\n"
          << "set xlabel 'day'\nset key bottom right box opaque\n";
        for (int panel = 0; panel < 2; ++panel) {
          b << (panel == 0
                    ? "set ylabel 'mean test coverage (%)'\nset yrange [0:105]\n"
                    : "set ylabel 'cumulative teacher calls (mean)'\nset yrange [0:*]\nset key top left box opaque\n")
            << "plot ";
          for (std::size_t i = 0; i < g.arms.size(); ++i) {
            const ArmSummary& a = g.arms[i];
            const std::string name =
                a.labels == LabelsMode::kDeferred ? "deferred, audit " + pct(a.audit_rate) : labels_mode_name(a.labels);
            b << (i ? ", \\\n     " : "") << d << " using 1:" << 2 + 2 * i + panel << " with linespoints lw 2 pt "
              << 5 + 2 * (i % 6) << " lc rgb '" << colors[i % 7] << "' title " << gp_str(name);
          }
          b << "\n";
        }
        b << "unset multiplot\n";
        pl.body = b.str();
        md << render_plot(sink, pl);
      }
  return md.str();
}

}  // namespace tracer

#include "io/report.hpp"
#include "core/errors.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include <armadillo>
#include <boost/version.hpp>
#include <map>
#include <optional>
#include <sstream>

#include "io/artifacts_writer.hpp"
#include "io/atomic_file.hpp"
#include "io/plots.hpp"
#include "protocol/cost.hpp"
#include "protocol/seed_summary.hpp"

namespace tracer {

std::string num(double x) { return fmt::format("{}", x); }

std::string md_cell(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '|': out += "\\|"; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "<br>"; break;
      case '\r': break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '`': out += "\\`"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {

namespace fs = std::filesystem;

std::string csv_field(const std::string& s) {
  if (s.find_first_of(",\"\n\r") == std::string::npos) return s;
  std::string q = "\"";
  for (char c : s) q += c == '"' ? std::string("\"\"") : std::string(1, c);
  return q + "\"";
}

class Csv {
 public:
  explicit Csv(std::vector<std::string> header) : n_(header.size()) { row(header); }
  void row(const std::vector<std::string>& fields) {
    if (fields.size() != n_) throw InternalError("csv row width mismatch");
    for (std::size_t i = 0; i < fields.size(); ++i) text_ += (i ? "," : "") + csv_field(fields[i]);
    text_ += "\n";
  }
  const std::string& text() const { return text_; }

 private:
  std::size_t n_;
  std::string text_;
};

std::string pct(double x) { return fmt::format("{:.1f}%", 100.0 * x); }
std::string ta3(double x) { return fmt::format("{:.3f}", x); }
std::string usd(double x) { return fmt::format("${:.2f}", x); }
std::string usd0(double x) { return fmt::format("${:.0f}", x); }
std::string b(bool v) { return v ? "true" : "false"; }

/// Paper numbers (Rida 2026, section 4) to print beside ours; nullopt = not reported.
struct PaperRow {
  double alpha;
  std::string method;
  std::optional<double> coverage, ta, gt, base_cov, base_ta;
};

std::vector<PaperRow> paper_rows(const std::string& dataset) {
  if (dataset == "banking77")
    return {{0.80, "Global", 1.0, std::nullopt, 0.804, std::nullopt, std::nullopt},
            {0.85, "Global", 1.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
            {0.90, "L2D", 0.961, 0.912, std::nullopt, 0.998, std::nullopt},
            {0.95, "L2D", 0.832, 0.959, 0.816, 0.878, 0.951}};
  if (dataset == "clinc150")
    return {{0.80, "Global", 1.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
            {0.85, "Global", 1.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
            {0.90, "Global", 1.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
            {0.95, "Global", 1.0, 0.930, 0.924, std::nullopt, 0.942}};
  if (dataset == "mnli")
    return {{0.85, "none (gate refuses)", 0.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
            {0.90, "none (gate refuses)", 0.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt},
            {0.95, "none (gate refuses)", 0.0, std::nullopt, std::nullopt, std::nullopt, std::nullopt}};
  return {};
}

std::string opt_pct(const std::optional<double>& v) { return v ? pct(*v) : "—"; }
std::string opt_ta(const std::optional<double>& v) { return v ? ta3(*v) : "—"; }

const PaperRow* paper_for(const std::vector<PaperRow>& rows, double alpha) {
  for (const auto& r : rows)
    if (std::abs(r.alpha - alpha) < 1e-9) return &r;
  return nullptr;
}

std::string test_ta_cell(const DayOutcome& o) { return o.test.handled ? ta3(o.test.ta) : "—"; }

/// Seed summaries per (encoder, teacher), in run order.
struct SummaryGroup {
  std::string encoder, teacher;
  std::size_t pool_size = 0;
  std::vector<SeedSummary> rows;
};

std::vector<SummaryGroup> seed_summaries(const ExperimentResult& r) {
  std::vector<SummaryGroup> groups;
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    std::vector<const ReplayResult*> replays;
    for (const auto& other : r.runs)
      if (other.encoder == run.encoder && other.teacher == run.teacher && other.pool_size == run.pool_size)
        replays.push_back(&other.replay);
    groups.push_back({run.encoder, run.teacher, run.pool_size, summarize_seeds(replays, r.config.protocol.gate.delta)});
  }
  return groups;
}

std::string interval(const MeanInterval& m, bool percent) {
  if (m.n == 0) return "—";
  auto f = [&](double x) { return percent ? fmt::format("{:.1f}", 100 * x) : fmt::format("{:.3f}", x); };
  return fmt::format("{} [{}, {}]", f(m.mean), f(m.lo), f(m.hi));
}

void write_summary_csv(const ExperimentResult& r, const fs::path& dir) {
  Csv csv({"encoder", "teacher", "pool_size", "gate_mode", "alpha", "day", "replays", "deployed", "coverage_mean", "coverage_lo",
           "coverage_hi", "test_ta_n", "test_ta_mean", "test_ta_lo", "test_ta_hi", "gt_accuracy_mean",
           "gt_accuracy_lo", "gt_accuracy_hi", "cal_test_gap_mean", "cal_test_gap_lo", "cal_test_gap_hi",
           "violations", "violation_rate", "violation_rate_upper95", "p_value_rate_above_delta"});
  for (const auto& g : seed_summaries(r))
    for (const auto& s : g.rows)
      csv.row({g.encoder, g.teacher, std::to_string(g.pool_size), gate_mode_name(s.mode), num(s.alpha), std::to_string(s.day),
               std::to_string(s.replays), std::to_string(s.deployed), num(s.coverage.mean), num(s.coverage.lo),
               num(s.coverage.hi), std::to_string(s.test_ta.n), num(s.test_ta.mean), num(s.test_ta.lo),
               num(s.test_ta.hi), num(s.gt_accuracy.mean), num(s.gt_accuracy.lo), num(s.gt_accuracy.hi),
               num(s.cal_test_gap.mean), num(s.cal_test_gap.lo), num(s.cal_test_gap.hi),
               std::to_string(s.violations), num(s.violation_rate), num(s.violation_rate_upper),
               num(s.p_rate_above_delta)});
  write_file_atomic(dir / "seed_summary.csv", csv.text());
}

std::string promise_section(const ExperimentResult& r) {
  const ProtocolSettings& p = r.config.protocol;
  std::ostringstream md;
  md << "## Does the gate keep its promise?\n\n";
  md << r.config.n_seeds << " independent replays (each with its own day shuffle, splits and model seeds). "
     << "Per gate mode and alpha at day " << p.days
     << ": mean [95% interval of the mean] of coverage, test TA (over replays that handled anything) and "
        "ground-truth accuracy; the calibration-minus-test TA gap; and the **violation rate**, the share of "
        "replays whose deployed policy fell below alpha on the test set. A refusal deploys nothing, handles "
        "nothing and so cannot violate.\n\n";
  const bool certified =
      std::find(p.gate.modes.begin(), p.gate.modes.end(), GateMode::kCertified) != p.gate.modes.end();
  const bool bonferroni =
      std::find(p.gate.modes.begin(), p.gate.modes.end(), GateMode::kBonferroni) != p.gate.modes.end();
  if (certified || bonferroni)
    md << "`certified` promises P(TA >= alpha) >= 1 - delta = " << num(1 - p.gate.delta)
       << " per deployment (Learn-then-Test fixed-sequence testing with exact binomial p-values: Angelopoulos, "
          "Bates, Candès, Jordan and Lei 2021, arXiv:2110.01052; see `src/core/certify.hpp`). The rate itself is "
          "an estimate from "
       << r.config.n_seeds
       << " replays, so we judge it with an exact binomial test: the `p(rate <= delta)` column is "
          "P[Bin(replays, delta) >= violations]; the promise is contradicted only if it is below 0.05. The "
          "guarantee is on the population TA: a finite test set adds its own sampling noise, so a few "
          "violations by a hair are expected even when the promise holds.\n\n";
  for (const auto& g : seed_summaries(r)) {
    md << "### " << md_cell(g.encoder) << " / " << md_cell(g.teacher) << " / " << g.pool_size << " traces\n\n";
    md << "| alpha | gate | deployed | coverage % | test TA | GT acc % | cal − test TA | violations | violation "
          "rate (95% upper) | p(rate <= delta) |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (double alpha : p.alphas)
      for (GateMode mode : p.gate.modes)
        for (const auto& s : g.rows) {
          if (s.day != p.days || s.mode != mode || s.alpha != alpha) continue;
          md << "| " << num(alpha) << " | " << gate_mode_name(mode) << " | " << s.deployed << "/" << s.replays
             << " | " << interval(s.coverage, true) << " | " << interval(s.test_ta, false) << " | "
             << interval(s.gt_accuracy, true) << " | " << interval(s.cal_test_gap, false) << " | "
             << s.violations << " | " << pct(s.violation_rate) << " (" << pct(s.violation_rate_upper) << ") | "
             << (mode != GateMode::kPaper ? fmt::format("{:.3f}", s.p_rate_above_delta) : std::string("—"))
             << " |\n";
        }
    auto mean_coverage = [&](GateMode mode, double alpha) {
      for (const auto& s : g.rows)
        if (s.day == p.days && s.alpha == alpha && s.mode == mode) return s.coverage.mean;
      return 0.0;
    };
    auto compare = [&](GateMode a, GateMode b, const std::string& what) {
      md << "\n" << what << " (mean coverage points, " << gate_mode_name(a) << " − " << gate_mode_name(b) << ", day "
         << p.days << "): ";
      for (std::size_t i = 0; i < p.alphas.size(); ++i)
        md << (i ? "; " : "") << "alpha " << num(p.alphas[i]) << ": "
           << fmt::format("{:+.1f}", 100 * (mean_coverage(a, p.alphas[i]) - mean_coverage(b, p.alphas[i])));
      md << ".\n";
    };
    const bool paper = std::find(p.gate.modes.begin(), p.gate.modes.end(), GateMode::kPaper) != p.gate.modes.end();
    if (certified && paper) compare(GateMode::kPaper, GateMode::kCertified, "What certification costs");
    if (certified && bonferroni)
      compare(GateMode::kCertified, GateMode::kBonferroni,
              "Fixed-sequence testing against the simpler valid alternative, Bonferroni over a 20-level grid");
    md << "\n";
  }
  return md.str();
}

void write_csvs(const ExperimentResult& r, const fs::path& dir) {
  Csv sweep({"encoder", "teacher", "pool_size", "gate_mode", "seed_index", "alpha", "day", "surrogate", "family", "deployed",
             "test_n", "test_handled", "test_agree", "coverage", "teacher_agreement", "gt_correct", "gt_accuracy",
             "baseline_found", "baseline_threshold", "baseline_handled", "baseline_agree", "baseline_coverage",
             "baseline_teacher_agreement", "baseline_gt_accuracy"});
  Csv fly({"encoder", "teacher", "pool_size", "gate_mode", "seed_index", "seed", "day", "alpha", "n_traces", "n_train", "n_val",
           "n_cal", "n_shadow", "surrogate", "acceptor_score", "family", "deployed", "threshold", "cal_handled",
           "cal_agree", "cal_coverage", "cal_teacher_agreement", "cal_ta_lower_bound", "shadow_handled",
           "shadow_agree", "shadow_coverage", "shadow_teacher_agreement", "test_n", "test_handled", "test_agree",
           "test_coverage", "test_teacher_agreement", "test_gt_correct", "test_gt_accuracy", "gate_note"});
  Csv cand({"encoder", "teacher", "pool_size", "seed_index", "day", "candidate", "trained", "error", "val_macro_f1",
            "val_accuracy", "selected"});
  Csv cost({"encoder", "teacher", "pool_size", "gate_mode", "seed_index", "method", "alpha", "day", "coverage",
            "teacher_calls_per_day", "usd_per_day_without_routing", "usd_per_day_with_routing", "usd_saved_per_year"});
  const CostModel& cm = r.config.cost;
  const std::size_t last_day = r.config.protocol.days;
  for (const auto& run : r.runs) {
    const std::string si = std::to_string(run.seed_index);
    const std::string pool = std::to_string(run.pool_size);
    for (const auto& c : run.replay.candidates)
      cand.row({run.encoder, run.teacher, pool, si, std::to_string(c.day), c.name, b(c.trained), c.error,
                num(c.val_macro_f1), num(c.val_accuracy), b(c.selected)});
    for (const auto& o : run.replay.outcomes) {
      const std::string mode = gate_mode_name(o.mode);
      fly.row({run.encoder, run.teacher, pool, mode, si, std::to_string(run.seed), std::to_string(o.day), num(o.alpha),
               std::to_string(o.n_traces), std::to_string(o.n_train), std::to_string(o.n_val),
               std::to_string(o.n_cal), std::to_string(o.n_shadow), o.surrogate, o.acceptor_score,
               family_name(o.family), b(o.deployed), num(o.threshold), std::to_string(o.cal.handled),
               std::to_string(o.cal.agree), num(o.cal.coverage), num(o.cal.ta), num(o.cal_ta_lower),
               std::to_string(o.shadow.handled), std::to_string(o.shadow.agree), num(o.shadow.coverage),
               num(o.shadow.ta), std::to_string(o.test.n), std::to_string(o.test.handled),
               std::to_string(o.test.agree), num(o.test.coverage), num(o.test.ta), std::to_string(o.test_gt_correct),
               num(o.test_gt_accuracy), o.gate_note});
      const CostProjection p = project_cost(cm, o.test.coverage);
      cost.row({run.encoder, run.teacher, pool, mode, si, "tracer", num(o.alpha), std::to_string(o.day),
                num(o.test.coverage), num(p.teacher_calls_per_day), num(p.usd_per_day_without_routing),
                num(p.usd_per_day_with_routing), num(p.usd_saved_per_year)});
      if (o.day != last_day) continue;
      const BaselineOutcome* base = nullptr;
      for (const auto& bo : run.replay.baseline)
        if (bo.alpha == o.alpha) base = &bo;
      sweep.row({run.encoder, run.teacher, pool, mode, si, num(o.alpha), std::to_string(o.day), o.surrogate,
                 family_name(o.family), b(o.deployed), std::to_string(o.test.n), std::to_string(o.test.handled),
                 std::to_string(o.test.agree), num(o.test.coverage), num(o.test.ta),
                 std::to_string(o.test_gt_correct), num(o.test_gt_accuracy), b(base && base->found),
                 num(base ? base->threshold : 0.0), std::to_string(base ? base->test.handled : 0),
                 std::to_string(base ? base->test.agree : 0), num(base ? base->test.coverage : 0.0),
                 num(base ? base->test.ta : 0.0), num(base ? base->test_gt_accuracy : 0.0)});
    }
    for (const auto& bo : run.replay.baseline) {
      const CostProjection p = project_cost(cm, bo.test.coverage);
      cost.row({run.encoder, run.teacher, pool, "paper", si, "baseline", num(bo.alpha), std::to_string(last_day),
                num(bo.test.coverage), num(p.teacher_calls_per_day), num(p.usd_per_day_without_routing),
                num(p.usd_per_day_with_routing), num(p.usd_saved_per_year)});
    }
  }
  write_file_atomic(dir / "alpha_sweep.csv", sweep.text());
  write_file_atomic(dir / "flywheel.csv", fly.text());
  write_file_atomic(dir / "candidates.csv", cand.text());
  write_file_atomic(dir / "cost.csv", cost.text());
}

std::string markdown(const ExperimentResult& r) {
  const ExperimentConfig& c = r.config;
  const ProtocolSettings& p = c.protocol;
  std::ostringstream md;
  md << "# TRACER replay: " << c.name << "\n\n";
  if (!c.description.empty()) md << c.description << "\n\n";
  md << "Generated by `tracer-bench` from `" << c.config_file.filename().generic_string()
     << "`. Every number below is measured on the held-out **test** split unless a column says otherwise. "
        "CSV files beside this report hold every figure at full precision; `manifest.json` holds the resolved "
        "configuration, input checksums and versions.\n\n";

  md << "## Setup\n\n";
  md << "| | |\n|---|---|\n";
  std::vector<std::size_t> pools;
  for (const auto& run : r.runs)
    if (std::find(pools.begin(), pools.end(), run.pool_size) == pools.end()) pools.push_back(run.pool_size);
  md << "| traces replayed | ";
  for (std::size_t i = 0; i < pools.size(); ++i) md << (i ? ", " : "") << pools[i];
  md << " (test: " << r.runs.front().test->ids.size() << " rows for the first teacher) |\n";
  md << "| labels | " << r.labels.size() << " canonical |\n";
  md << "| days | " << p.days << " (cumulative traces of the first replay: ";
  for (std::size_t i = 0; i < r.runs.front().replay.day_sizes.size(); ++i)
    md << (i ? ", " : "") << r.runs.front().replay.day_sizes[i];
  md << ") |\n";
  md << "| alphas (target teacher agreement) | ";
  for (std::size_t i = 0; i < p.alphas.size(); ++i) md << (i ? ", " : "") << num(p.alphas[i]);
  md << " |\n";
  md << "| split of each day's traces | train " << num(p.split.train) << " / val " << num(p.split.val) << " / cal "
     << num(p.split.cal) << " / shadow " << num(p.split.shadow)
     << " (stratified by teacher label; the shadow split is used only by the parity gate) |\n";
  md << "| surrogate zoo | ";
  for (std::size_t i = 0; i < p.candidates.size(); ++i) md << (i ? ", " : "") << "`" << p.candidates[i].name << "`";
  md << (c.zoo_trees ? " (trees on)" : "") << "; selected per day by validation macro-F1 against the teacher |\n";
  md << "| gate | ";
  for (std::size_t i = 0; i < p.gate.modes.size(); ++i) md << (i ? ", " : "") << gate_mode_name(p.gate.modes[i]);
  md << "; coverage floor " << pct(p.gate.min_coverage);
  if (std::any_of(p.gate.modes.begin(), p.gate.modes.end(), [](GateMode m) { return m != GateMode::kPaper; }))
    md << "; certified delta " << num(p.gate.delta);
  md << " |\n";
  md << "| baseline | `" << p.baseline_model.name << "` on all traces but a " << pct(p.baseline_holdout)
     << " held-out part, on which the max-probability threshold is swept |\n";
  md << "| seed | " << c.seed << (c.n_seeds > 1 ? fmt::format(" ({} replays with derived seeds)", c.n_seeds) : "")
     << " |\n\n";

  md << "### Teachers\n\n| teacher | column | rows (traces / test) | accuracy vs ground truth (traces / test) | "
        "labels outside the set |\n|---|---|---|---|---|\n";
  for (const auto& t : r.teachers) {
    std::size_t oos = 0;
    for (const auto& [k, v] : t.out_of_set) oos += v;
    md << "| " << md_cell(t.spec.name) << " | `" << md_cell(t.spec.column) << "` | " << t.train_rows << " / "
       << t.test_rows
       << (t.spec.test_fraction > 0 ? fmt::format(" (labelled rows re-split {:.0f}/{:.0f}, seeded)",
                                                 100 * (1 - t.spec.test_fraction), 100 * t.spec.test_fraction)
                                    : std::string())
       << " | " << pct(t.train_accuracy) << " / "
       << pct(t.test_accuracy) << " | " << oos << " |\n";
  }
  md << "\n";
  for (const auto& t : r.teachers)
    if (t.spec.column == "label")
      md << "Teacher `" << t.spec.name
         << "` **is the ground truth** (as in the paper's MNLI setting and the reference's notebooks): teacher "
            "agreement and ground-truth accuracy coincide for it.\n\n";
  md << "### Encoders\n\n| encoder | dimension |\n|---|---|\n";
  for (const auto& e : c.encoders) md << "| " << md_cell(e.name) << " | " << r.embedding_dims.at(e.name) << " |\n";
  md << "\n**Here vs the paper.** The paper's teacher is Claude Sonnet 4.6 (Banking77 accuracy 81.0% on test) and "
        "its encoder BGE-large-en-v1.5 (1024-d); neither is available offline. The teachers and encoders used "
        "here are listed above, so the paper's columns below are a reference point, not a like-for-like target.\n\n";

  const auto paper = paper_rows(c.paper_reference);
  const std::size_t last = p.days;
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    for (GateMode mode : p.gate.modes) {
      md << "## Alpha sweep: " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / " << run.pool_size
         << " traces / gate `"
         << gate_mode_name(mode) << "` (day " << last << ")\n\n";
      md << "| alpha | family | surrogate | coverage | TA (test) | GT acc | baseline coverage | baseline TA | "
            "baseline GT acc |";
      if (!paper.empty()) md << " paper family | paper coverage | paper TA | paper GT acc | paper baseline cov | paper baseline TA |";
      md << "\n|---|---|---|---|---|---|---|---|---|";
      if (!paper.empty()) md << "---|---|---|---|---|---|";
      md << "\n";
      for (const auto& o : run.replay.outcomes) {
        if (o.day != last || o.mode != mode) continue;
        const BaselineOutcome* base = nullptr;
        for (const auto& bo : run.replay.baseline)
          if (bo.alpha == o.alpha) base = &bo;
        md << "| " << num(o.alpha) << " | " << (o.deployed ? family_name(o.family) : "none (teacher)") << " | `"
           << o.surrogate << "` | " << pct(o.test.coverage) << " | " << test_ta_cell(o) << " | "
           << pct(o.test_gt_accuracy) << " | ";
        if (base && base->found)
          md << pct(base->test.coverage) << " | " << (base->test.handled ? ta3(base->test.ta) : "—") << " | "
             << pct(base->test_gt_accuracy) << " |";
        else
          md << "0.0% | — | " << pct(run.replay.teacher_test_accuracy) << " |";
        if (!paper.empty()) {
          const PaperRow* pr = paper_for(paper, o.alpha);
          if (pr)
            md << " " << pr->method << " | " << opt_pct(pr->coverage) << " | " << opt_ta(pr->ta) << " | "
               << opt_pct(pr->gt) << " | " << opt_pct(pr->base_cov) << " | " << opt_ta(pr->base_ta) << " |";
          else
            md << " — | — | — | — | — | — |";
        }
        md << "\n";
      }
      md << "\nTA = teacher agreement on the inputs the surrogate handles; GT acc = end-to-end ground-truth "
            "accuracy (surrogate on handled inputs, teacher label on deferred ones). Teacher alone: "
         << pct(run.replay.teacher_test_accuracy) << " GT accuracy on test. \"—\" = nothing handled / not reported.\n\n";

      md << "### Flywheel: coverage / TA (test) per day\n\n| day | traces | surrogate |";
      for (double a : p.alphas) md << " alpha " << num(a) << " |";
      md << "\n|---|---|---|";
      for (std::size_t i = 0; i < p.alphas.size(); ++i) md << "---|";
      md << "\n";
      for (std::size_t day = 1; day <= p.days; ++day) {
        std::string surrogate;
        std::size_t traces = 0;
        std::string cells;
        for (const auto& o : run.replay.outcomes) {
          if (o.day != day || o.mode != mode) continue;
          surrogate = o.surrogate;
          traces = o.n_traces;
          cells += " " + (o.deployed ? fmt::format("{} {} / {}", family_name(o.family), pct(o.test.coverage),
                                                   test_ta_cell(o))
                                     : std::string("refused (0%)")) +
                   " |";
        }
        md << "| " << day << " | " << traces << " | `" << surrogate << "` |" << cells << "\n";
      }
      md << "\n";
    }
  }

  std::size_t primary_runs = 0;
  for (const auto& run : r.runs) primary_runs += run.seed_index == 0;
  if (primary_runs > 1) {
    md << "## Comparison across encoders, teachers and pool sizes (day " << last << ", gate `"
       << gate_mode_name(p.gate.modes.front()) << "`)\n\n";
    md << "Each row is one replay of the same protocol; only the embedding file, the teacher column or the "
          "number of traces changes. TA is agreement with *that row's* teacher; GT acc is end-to-end accuracy "
          "against the ground truth (teacher on deferred inputs).\n\n";
    md << "| encoder | teacher | teacher GT acc (test) | traces | alpha | family | coverage | TA (test) | GT acc | "
          "baseline coverage | baseline TA |\n|---|---|---|---|---|---|---|---|---|---|---|\n";
    for (double alpha : p.alphas)
      for (const auto& run : r.runs) {
        if (run.seed_index != 0) continue;
        for (const auto& o : run.replay.outcomes) {
          if (o.day != last || o.mode != p.gate.modes.front() || o.alpha != alpha) continue;
          const BaselineOutcome* base = nullptr;
          for (const auto& bo : run.replay.baseline)
            if (bo.alpha == o.alpha) base = &bo;
          md << "| " << md_cell(run.encoder) << " | " << md_cell(run.teacher) << " | "
             << pct(run.replay.teacher_test_accuracy) << " | " << run.pool_size << " | " << num(alpha) << " | "
             << (o.deployed ? family_name(o.family) : "none") << " | " << pct(o.test.coverage) << " | "
             << test_ta_cell(o) << " | " << pct(o.test_gt_accuracy) << " | "
             << (base && base->found ? pct(base->test.coverage) : "0.0%") << " | "
             << (base && base->test.handled ? ta3(base->test.ta) : "—") << " |\n";
        }
      }
    md << "\n";
  }

  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    md << "## Candidates per refit: " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / "
       << run.pool_size << " traces\n\n";
    md << "| day | candidate | val macro-F1 | val accuracy | selected |\n|---|---|---|---|---|\n";
    for (const auto& cr : run.replay.candidates) {
      md << "| " << cr.day << " | `" << cr.name << "` | ";
      if (cr.trained)
        md << fmt::format("{:.4f}", cr.val_macro_f1) << " | " << fmt::format("{:.4f}", cr.val_accuracy) << " | "
           << (cr.selected ? "**yes**" : "") << " |\n";
      else
        md << "failed: " << md_cell(cr.error) << " | | |\n";
    }
    md << "\n";
  }

  md << "## Cost projection\n\n";
  const CostProjection unit = project_cost(c.cost, 0.0);
  md << "Teacher calls cost " << usd(unit.usd_per_call * 1000) << " per 1,000 (" << num(c.cost.input_tokens_per_call)
     << " input tokens at $" << num(c.cost.usd_per_million_input) << "/M, " << num(c.cost.output_tokens_per_call)
     << " output tokens at $" << num(c.cost.usd_per_million_output) << "/M); " << num(c.cost.queries_per_day)
     << " queries/day cost " << usd(unit.usd_per_day_without_routing) << "/day without routing ("
     << usd0(unit.usd_per_day_without_routing * c.cost.days_per_year) << "/year). Projections use day-" << last
     << " test coverage.\n\n";
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    md << "### " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / " << run.pool_size
       << " traces\n\n";
    md << "| method | gate | alpha | coverage | teacher calls/day | $/day with routing | saved/year |\n"
          "|---|---|---|---|---|---|---|\n";
    for (const auto& o : run.replay.outcomes) {
      if (o.day != last) continue;
      const CostProjection pr = project_cost(c.cost, o.test.coverage);
      md << "| TRACER | " << gate_mode_name(o.mode) << " | " << num(o.alpha) << " | " << pct(o.test.coverage) << " | "
         << fmt::format("{:.0f}", pr.teacher_calls_per_day) << " | " << usd(pr.usd_per_day_with_routing) << " | "
         << usd0(pr.usd_saved_per_year) << " |\n";
    }
    for (const auto& bo : run.replay.baseline) {
      const CostProjection pr = project_cost(c.cost, bo.test.coverage);
      md << "| baseline | — | " << num(bo.alpha) << " | " << pct(bo.test.coverage) << " | "
         << fmt::format("{:.0f}", pr.teacher_calls_per_day) << " | " << usd(pr.usd_per_day_with_routing) << " | "
         << usd0(pr.usd_saved_per_year) << " |\n";
    }
    md << "\n";
  }

  md << "## Gate decisions\n\n| encoder / teacher / traces | gate | day | alpha | decision |\n|---|---|---|---|---|\n";
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    for (const auto& o : run.replay.outcomes)
      md << "| " << md_cell(fmt::format("{} / {} / {}", run.encoder, run.teacher, run.pool_size)) << " | "
         << gate_mode_name(o.mode) << " | " << o.day
         << " | " << num(o.alpha) << " | " << md_cell(o.gate_note) << " |\n";
  }
  md << "\n";
  return md.str();
}

nlohmann::ordered_json manifest(const ExperimentResult& r, const BuildInfo& build) {
  nlohmann::ordered_json m;
  m["tool"] = "tracer-bench";
  m["tool_version"] = build.version;
  m["git_describe"] = build.git_describe;
  m["git_revision"] = build.git_revision;
  m["git_dirty"] = build.dirty;
  m["experiment"] = r.config.name;
  m["seed"] = r.config.seed;
  nlohmann::ordered_json seeds = nlohmann::ordered_json::array();
  for (const auto& run : r.runs)
    seeds.push_back({{"encoder", run.encoder}, {"teacher", run.teacher}, {"seed_index", run.seed_index}, {"seed", run.seed}});
  m["replays"] = seeds;
  m["resolved_config_toml"] = config_to_toml(r.config);
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  for (const auto& in : r.inputs) inputs.push_back({{"role", in.role}, {"path", in.path}, {"sha256", in.sha256}});
  m["inputs"] = inputs;
  nlohmann::ordered_json teachers = nlohmann::ordered_json::array();
  for (const auto& t : r.teachers)
    teachers.push_back({{"name", t.spec.name}, {"column", t.spec.column}, {"train_accuracy", t.train_accuracy},
                        {"test_accuracy", t.test_accuracy}, {"n_classes", t.n_classes},
                        {"out_of_set_labels", t.out_of_set}});
  m["teachers"] = teachers;
  m["libraries"] = {{"armadillo", arma::arma_version::as_string()},
                    {"fmt", FMT_VERSION},
                    {"boost", BOOST_LIB_VERSION},
                    {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                                  NLOHMANN_JSON_VERSION_PATCH)},
                    {"compiler", __VERSION__}};
  m["result_files"] = {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv", "report.md", "artifacts/",
                       "plots/"};
  if (r.config.n_seeds > 1) m["result_files"].push_back("seed_summary.csv");
  return m;
}

/// Coverage and test TA against alpha, one line per (encoder, teacher, pool)
/// of the primary replays: the picture of an encoder or teacher sweep.
std::string comparison_plot(const ExperimentResult& r, const fs::path& dir) {
  const ProtocolSettings& p = r.config.protocol;
  std::vector<const RunResult*> runs;
  for (const auto& run : r.runs)
    if (run.seed_index == 0) runs.push_back(&run);
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
      for (const auto& o : run->replay.outcomes)
        if (o.day == p.days && o.mode == mode && o.alpha == alpha)
          dat << " " << num(100 * o.test.coverage) << " " << (o.test.handled ? num(o.test.ta) : std::string("NaN"));
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
  const RenderResult rendered = render_plot(dir / "plots", "comparison", dat.str(), body, 1000, 700, find_gnuplot());
  std::ostringstream md;
  md << "### Comparison plot\n\n";
  if (rendered.svg)
    md << "![coverage and TA against alpha per encoder / teacher / pool](plots/comparison.svg)\n\n";
  else
    md << "**Warning:** gnuplot is not available or failed, so the comparison plot was not rendered; its data and "
          "script are in `plots/comparison.dat` and `plots/comparison.gp`.\n\n";
  return md.str();
}

}  // namespace

void write_results(const ExperimentResult& r, const BuildInfo& build) {
  const fs::path dir = r.config.output_dir;
  fs::create_directories(dir);
  write_csvs(r, dir);
  std::string report = markdown(r);
  if (r.config.n_seeds > 1) {
    write_summary_csv(r, dir);
    report += promise_section(r);
  }
  // Artifacts and plots are regenerated whole: stale files of an earlier run
  // with other settings must not linger beside the new ones.
  fs::remove_all(dir / "artifacts");
  fs::remove_all(dir / "plots");
  report += write_artifacts(r, dir);
  report += comparison_plot(r, dir);
  write_file_atomic(dir / "report.md", report);
  write_file_atomic(dir / "manifest.json", manifest(r, build).dump(2) + "\n");
  nlohmann::ordered_json t;
  t["seconds_total"] = r.seconds_total;
  nlohmann::ordered_json fits = nlohmann::ordered_json::array();
  for (const auto& run : r.runs) {
    t["replay_seconds"].push_back({{"encoder", run.encoder}, {"teacher", run.teacher},
                                   {"seed_index", run.seed_index}, {"seconds", run.replay.seconds_total}});
    for (const auto& c : run.replay.candidates)
      fits.push_back({{"encoder", run.encoder}, {"teacher", run.teacher}, {"seed_index", run.seed_index},
                      {"day", c.day}, {"candidate", c.name}, {"fit_seconds", c.fit_seconds}});
  }
  t["candidate_fits"] = fits;
  write_file_atomic(dir / "timings.json", t.dump(2) + "\n");
  // Fit times per refit as a table too; like timings.json it is kept out of
  // the files compared across runs (wall time is not reproducible).
  Csv fit_csv({"encoder", "teacher", "pool_size", "seed_index", "day", "candidate", "trained", "val_macro_f1",
               "val_accuracy", "selected", "fit_seconds"});
  for (const auto& run : r.runs)
    for (const auto& c : run.replay.candidates)
      fit_csv.row({run.encoder, run.teacher, std::to_string(run.pool_size), std::to_string(run.seed_index),
                   std::to_string(c.day), c.name, b(c.trained), num(c.val_macro_f1), num(c.val_accuracy),
                   b(c.selected), fmt::format("{:.3f}", c.fit_seconds)});
  write_file_atomic(dir / "candidate_timings.csv", fit_csv.text());
}

}  // namespace tracer

#include "io/report_markdown.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>
#include <sstream>

#include "io/format.hpp"
#include "protocol/paper_reference.hpp"

namespace tracer {

namespace {

std::string opt_pct(const std::optional<double>& v) { return v ? pct(*v) : "—"; }
std::string opt_ta(const std::optional<double>& v) { return v ? ta3(*v) : "—"; }

std::string test_ta_cell(const DayOutcome& o) { return o.test.handled ? ta3(o.test.ta) : "—"; }

std::string interval(const MeanInterval& m, bool percent) {
  if (m.n == 0) return "—";
  auto f = [&](double x) { return percent ? fmt::format("{:.1f}", 100 * x) : fmt::format("{:.3f}", x); };
  return fmt::format("{} [{}, {}]", f(m.mean), f(m.lo), f(m.hi));
}

}  // namespace

std::string guarantee_markdown(double delta, std::size_t days) {
  return fmt::format(
      "**What a certified gate promises.** For each day's decision, the probability that the deployed policy's "
      "*population* teacher agreement (its TA on the whole stream of traffic it will serve, not on a finite test "
      "set) is below alpha is at most delta = {0}; `certified-flywheel` promises the same for all {1} days at once "
      "(delta / {1} per day). The probability is over the draw of the calibration rows; a refusal (everything to the "
      "teacher) never violates. It holds if the calibration rows (the cal and shadow splits, pooled) and the "
      "traffic are i.i.d. draws from one distribution, and for any surrogate and acceptor: the tested thresholds "
      "are fixed before the calibration rows are seen (quantiles of the acceptor's scores on the validation split), "
      "so no assumption on how agreement varies with the score is needed (Learn then Test with fixed-sequence, "
      "multi-start or Bonferroni family-wise control and exact binomial p-values: Angelopoulos, Bates, Candès, "
      "Jordan and Lei 2021, arXiv:2110.01052; `src/core/certify.hpp`). `certified-datawalk`, the earlier walk over "
      "the calibration rows' own scores, is valid only if agreement rises with the score; it is kept to show "
      "what that assumption costs. Drift between days, or traffic unlike the traces, is outside the promise.\n\n",
      num(delta), days);
}

std::string promise_markdown(const ExperimentResults& r) {
  const ProtocolSettings& p = r.info.protocol;
  std::ostringstream md;
  md << "## Does the gate keep its promise?\n\n";
  if (std::any_of(p.gate.modes.begin(), p.gate.modes.end(), is_certified))
    md << guarantee_markdown(p.gate.delta, p.days);
  if (p.resplit_per_seed)
    md << r.info.n_seeds
       << " **independent** replays: every seed pools all labelled rows and draws its own traces/test split "
          "(stratified by ground truth), day shuffle, splits and model seeds, so the replays share nothing but "
          "the population and violation counts over seeds are binomial.\n\n";
  else
    md << r.info.n_seeds
       << " seeded replays of the **published split**: each has its own day shuffle, splits and model seeds, but "
          "all replay the same trace pool and are scored on the same test set, so they are not independent and "
          "the verdict below is descriptive (see the i.i.d. re-split studies for a test of the promise).\n\n";
  md << "**Verdict rule** (fixed before the numbers). Per (mode, alpha, day), over the seeds: the *plain* "
        "violation rate counts deployed policies whose test TA < alpha; the *clear* violation rate those whose "
        "test TA's exact 95% upper bound (Clopper-Pearson, two-sided) < alpha, which implies a real violation "
        "with at most 2.5% error. The promise of a mode that promises delta' per decision is **contradicted** if, "
        "on some day, the clear rate's exact one-sided 95% lower bound exceeds delta' + "
     << num(kClearMargin) << ", or the plain rate's exceeds delta' + " << num(kPlainMargin)
     << " (test-set noise alone puts a policy whose TA is exactly alpha under alpha about half the time); for "
        "`certified-flywheel` the same rule applies to the share of seeds with a violation on any day, against "
        "delta. *Unstable* counts (seed, day) transitions where test coverage drops by more than "
     << fmt::format("{:.0f}", 100 * kStabilityDrop) << " points from one day to the next.\n\n";
  for (const auto& g : r.seed_summaries) {
    md << "### " << md_cell(g.encoder) << " / " << md_cell(g.teacher) << " / " << g.pool_size << " traces\n\n";
    md << "| alpha | gate | mean coverage % (all days) | day-" << p.days
       << " coverage % | worst day: violation rate (95% lower) | worst day: clear rate (95% lower) | any day: "
          "violation / clear | unstable transitions | promise |\n|---|---|---|---|---|---|---|---|---|\n";
    for (double alpha : p.alphas)
      for (GateMode mode : p.gate.modes) {
        const GateVerdict* v = nullptr;
        for (const auto& x : g.verdicts)
          if (x.mode == mode && x.alpha == alpha) v = &x;
        if (v == nullptr) continue;
        const SeedSummary* last = nullptr;
        const SeedSummary* worst = nullptr;
        const SeedSummary* worst_clear = nullptr;
        for (const auto& s : g.rows) {
          if (s.mode != mode || s.alpha != alpha) continue;
          if (s.day == p.days) last = &s;
          if (!worst || s.violation.lower95 > worst->violation.lower95) worst = &s;
          if (!worst_clear || s.clear_violation.lower95 > worst_clear->clear_violation.lower95) worst_clear = &s;
        }
        auto rate = [](const RateBounds& b) { return fmt::format("{} ({})", pct(b.rate), pct(b.lower95)); };
        md << "| " << num(alpha) << " | " << gate_mode_name(mode) << " | "
           << fmt::format("{:.1f}", 100 * v->mean_coverage) << " | " << (last ? interval(last->coverage, true) : "—")
           << " | " << (worst ? rate(worst->violation) + fmt::format(" day {}", worst->day) : "—") << " | "
           << (worst_clear ? rate(worst_clear->clear_violation) + fmt::format(" day {}", worst_clear->day) : "—")
           << " | " << v->any_day_violation.events << " / " << v->any_day_clear.events << " of " << v->replays << " | "
           << v->unstable_transitions.events << " of " << v->unstable_transitions.trials << " ("
           << pct(v->unstable_transitions.rate) << ") | "
           << (v->promised_delta <= 0
                   ? std::string("none (paper gate)")
                   : fmt::format("{} (delta {} per {})", v->contradicted ? "**contradicted**" : "kept",
                                 num(v->promised_delta), mode == GateMode::kCertifiedFlywheel ? "flywheel" : "day"))
           << " |\n";
      }
    md << "\nDay " << p.days
       << " in detail: mean [95% interval of the mean] of coverage, test TA (over replays that handled anything), "
          "ground-truth accuracy and the calibration-minus-test TA gap.\n\n";
    md << "| alpha | gate | deployed | coverage % | test TA | GT acc % | cal − test TA | violations (clear) |\n"
          "|---|---|---|---|---|---|---|---|\n";
    for (double alpha : p.alphas)
      for (GateMode mode : p.gate.modes)
        for (const auto& s : g.rows) {
          if (s.day != p.days || s.mode != mode || s.alpha != alpha) continue;
          md << "| " << num(alpha) << " | " << gate_mode_name(mode) << " | " << s.deployed << "/" << s.replays << " | "
             << interval(s.coverage, true) << " | " << interval(s.test_ta, false) << " | "
             << interval(s.gt_accuracy, true) << " | " << interval(s.cal_test_gap, false) << " | " << s.violation.events
             << " (" << s.clear_violation.events << ") |\n";
        }
    auto mean_coverage = [&](GateMode mode, double alpha) {
      for (const auto& v : g.verdicts)
        if (v.alpha == alpha && v.mode == mode) return v.mean_coverage;
      return 0.0;
    };
    auto has = [&](GateMode m) { return std::find(p.gate.modes.begin(), p.gate.modes.end(), m) != p.gate.modes.end(); };
    auto compare = [&](GateMode a, GateMode b, const std::string& what) {
      if (!has(a) || !has(b)) return;
      md << "\n"
         << what << " (mean coverage points over all days, " << gate_mode_name(a) << " − " << gate_mode_name(b)
         << "): ";
      for (std::size_t i = 0; i < p.alphas.size(); ++i)
        md << (i ? "; " : "") << "alpha " << num(p.alphas[i]) << ": "
           << fmt::format("{:+.1f}", 100 * (mean_coverage(a, p.alphas[i]) - mean_coverage(b, p.alphas[i])));
      md << ".\n";
    };
    compare(GateMode::kPaper, GateMode::kCertified, "What certification costs");
    compare(GateMode::kCertified, GateMode::kBonferroni, "The default certified gate against Bonferroni");
    compare(GateMode::kCertified, GateMode::kCertifiedFine, "Four starts against one walk on the same grid");
    compare(GateMode::kCertified, GateMode::kCertifiedFlywheel, "What a guarantee over the whole flywheel costs");
    compare(GateMode::kCertified, GateMode::kDataWalk, "The default against the earlier data-derived walk");
    md << "\n";
  }
  return md.str();
}

std::string report_markdown(const ExperimentResults& r) {
  const ExperimentInfo& c = r.info;
  const ProtocolSettings& p = c.protocol;
  std::ostringstream md;
  md << "# TRACER replay: " << c.name << "\n\n";
  if (!c.description.empty()) md << c.description << "\n\n";
  md << "Generated by `tracer-bench` from `" << c.config_file_name
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
  md << "| labels | " << c.labels.size() << " canonical |\n";
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
  if (c.n_seeds == 1 && std::any_of(p.gate.modes.begin(), p.gate.modes.end(), is_certified))
    md << guarantee_markdown(p.gate.delta, p.days);

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
       << " | " << pct(t.train_accuracy) << " / " << pct(t.test_accuracy) << " | " << oos << " |\n";
  }
  md << "\n";
  for (const auto& t : r.teachers)
    if (t.spec.column == "label")
      md << "Teacher `" << t.spec.name
         << "` **is the ground truth** (as in the paper's MNLI setting and the reference's notebooks): teacher "
            "agreement and ground-truth accuracy coincide for it.\n\n";
  md << "### Encoders\n\n| encoder | dimension |\n|---|---|\n";
  for (const auto& e : c.encoders) md << "| " << md_cell(e.name) << " | " << e.dimension << " |\n";
  md << "\n**Here vs the paper.** The paper's teacher is Claude Sonnet 4.6 (Banking77 accuracy 81.0% on test) and "
        "its encoder BGE-large-en-v1.5 (1024-d); neither is available offline. The teachers and encoders used "
        "here are listed above, so the paper's columns below are a reference point, not a like-for-like target.\n\n";

  const auto& paper = paper_rows(c.paper_reference);
  const std::size_t last = p.days;
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    for (GateMode mode : p.gate.modes) {
      md << "## Alpha sweep: " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / " << run.pool_size
         << " traces / gate `" << gate_mode_name(mode) << "` (day " << last << ")\n\n";
      md << "| alpha | family | surrogate | coverage | TA (test) | GT acc | baseline coverage | baseline TA | "
            "baseline GT acc |";
      if (!paper.empty())
        md << " paper family | paper coverage | paper TA | paper GT acc | paper baseline cov | paper baseline TA |";
      md << "\n|---|---|---|---|---|---|---|---|---|";
      if (!paper.empty()) md << "---|---|---|---|---|---|";
      md << "\n";
      for (const auto& o : run.replay.outcomes) {
        if (o.day != last || o.mode != mode) continue;
        const BaselineOutcome* base = find_baseline(run, o.alpha);
        md << "| " << num(o.alpha) << " | " << (o.deployed ? family_name(o.family) : "none (teacher)") << " | `"
           << o.surrogate << "` | " << pct(o.test.coverage) << " | " << test_ta_cell(o) << " | "
           << pct(o.test_gt_accuracy) << " | ";
        if (base && base->found)
          md << pct(base->test.coverage) << " | " << (base->test.handled ? ta3(base->test.ta) : "—") << " | "
             << pct(base->test_gt_accuracy) << " |";
        else
          md << "0.0% | — | " << pct(run.replay.teacher_test_accuracy) << " |";
        if (!paper.empty()) {
          const PaperRow* pr = paper_row_for(paper, o.alpha);
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
         << pct(run.replay.teacher_test_accuracy)
         << " GT accuracy on test. \"—\" = nothing handled / not reported.\n\n";

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
          cells += " " +
                   (o.deployed ? fmt::format("{} {} / {}", family_name(o.family), pct(o.test.coverage), test_ta_cell(o))
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
          const BaselineOutcome* base = find_baseline(run, o.alpha);
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
    md << "## Candidates per refit: " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / " << run.pool_size
       << " traces\n\n";
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
  const CostProjection& unit = r.unit_cost;
  md << "Teacher calls cost " << usd(unit.usd_per_call * 1000) << " per 1,000 (" << num(c.cost.input_tokens_per_call)
     << " input tokens at $" << num(c.cost.usd_per_million_input) << "/M, " << num(c.cost.output_tokens_per_call)
     << " output tokens at $" << num(c.cost.usd_per_million_output) << "/M); " << num(c.cost.queries_per_day)
     << " queries/day cost " << usd(unit.usd_per_day_without_routing) << "/day without routing ("
     << usd0(unit.usd_per_day_without_routing * c.cost.days_per_year) << "/year). Projections use day-" << last
     << " test coverage.\n\n";
  for (std::size_t ri : r.primary_runs) {
    const RunResult& run = r.runs[ri];
    md << "### " << md_cell(run.encoder) << " / " << md_cell(run.teacher) << " / " << run.pool_size << " traces\n\n";
    md << "| method | gate | alpha | coverage | teacher calls/day | $/day with routing | saved/year |\n"
          "|---|---|---|---|---|---|---|\n";
    for (const CostRow& row : r.costs) {
      if (row.run != ri || (!row.baseline && row.day != last)) continue;
      const CostProjection& pr = row.projection;
      md << "| " << (row.baseline ? "baseline | —" : "TRACER | " + gate_mode_name(row.mode)) << " | " << num(row.alpha)
         << " | " << pct(row.coverage) << " | " << fmt::format("{:.0f}", pr.teacher_calls_per_day) << " | "
         << usd(pr.usd_per_day_with_routing) << " | " << usd0(pr.usd_saved_per_year) << " |\n";
    }
    md << "\n";
  }

  md << "## Gate decisions\n\n| encoder / teacher / traces | gate | day | alpha | decision |\n|---|---|---|---|---|\n";
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    for (const auto& o : run.replay.outcomes)
      md << "| " << md_cell(fmt::format("{} / {} / {}", run.encoder, run.teacher, run.pool_size)) << " | "
         << gate_mode_name(o.mode) << " | " << o.day << " | " << num(o.alpha) << " | " << md_cell(o.gate_note)
         << " |\n";
  }
  md << "\n";
  return md.str();
}

}  // namespace tracer

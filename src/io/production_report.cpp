#include "io/production_report.hpp"

#include <fmt/format.h>

#include <sstream>

#include "io/format.hpp"
#include "protocol/seed_summary.hpp"

namespace tracer {
namespace {

std::string arm_name(const ArmSummary& a) {
  if (a.labels == LabelsMode::kDeferred) return fmt::format("deferred, audit {}", pct(a.audit_rate));
  return labels_mode_name(a.labels);
}

const SeedSummary* row_of(const ArmSummary& a, GateMode mode, double alpha, std::size_t day, const BillSummary** bill) {
  for (std::size_t i = 0; i < a.rows.size(); ++i)
    if (a.rows[i].mode == mode && a.rows[i].alpha == alpha && a.rows[i].day == day) {
      if (bill) *bill = &a.bills[i];
      return &a.rows[i];
    }
  return nullptr;
}

}  // namespace

std::string production_markdown(const ExperimentResults& r) {
  if (r.production.empty()) return "";
  const ProtocolSettings& p = r.info.protocol;
  std::ostringstream md;
  md << "## The production flywheel: only deferred traffic is labelled\n\n"
     << "The paper's protocol (`all`) labels every input of every day. In production the inputs a live policy "
        "answers never reach the teacher. Each production arm replays that: day 1 is fully labelled and gated as "
        "in the paper; from day 2 each day's batch is routed by the policy the same (gate, alpha) deployed the day "
        "before, and only what it defers reaches the teacher, plus, for `deferred`, a uniform audit sample of "
        "*all* the day's traffic (handled or not). The audited rows are the day's calibration and gate set "
        "(cal and shadow in halves; the certified modes pool them) and train from the next day on; deferred rows "
        "that were not audited train at once. Only the day's fresh audit sample calibrates: the training set "
        "depends on earlier days' thresholds and so on earlier audit rows, and only fresh rows are independent of "
        "the model they calibrate. So under i.i.d. traffic the certified gate's promise "
        "P(TA >= alpha) >= 1 - delta per day holds for the population TA of what it deploys, at any audit rate "
        "(a small audit sample costs coverage, not validity). `deferred-no-audit` is the naive deployment: only "
        "deferred inputs are labelled and the gate calibrates on a split of those traces, which over-represent "
        "the inputs the surrogate found hard; it has no such promise, and its rates are here to show what that "
        "costs. Teacher calls per day = deferred + audited inputs (each once); `all` calls the teacher on every "
        "input, as routing nothing would. No importance weights are used anywhere. Violations and the verdict "
        "follow the rule of the section above; test figures are on the held-out test split. Design: "
        "docs/production_flywheel.md; every number: production_flywheel.csv (per seed), production_summary.csv, "
        "production_cost.csv.\n\n";
  for (const ProductionGroup& g : r.production) {
    md << "### " << md_cell(g.encoder) << " / " << md_cell(g.teacher) << " / " << g.pool_size << " traces, "
       << (g.arms.empty() || g.arms[0].rows.empty() ? 0 : g.arms[0].rows[0].replays) << " seeds\n\n";
    // Coverage and teacher calls per day.
    md << "Mean test coverage % by day (teacher calls that day, mean):\n\n| arm | gate | alpha |";
    for (std::size_t d = 1; d <= p.days; ++d) md << " day " << d << " |";
    md << "\n|---|---|---|";
    for (std::size_t d = 1; d <= p.days; ++d) md << "---|";
    md << "\n";
    for (double alpha : p.alphas)
      for (GateMode mode : p.gate.modes)
        for (const ArmSummary& a : g.arms) {
          md << "| " << arm_name(a) << " | " << gate_mode_name(mode) << " | " << num(alpha) << " |";
          for (std::size_t d = 1; d <= p.days; ++d) {
            const BillSummary* b = nullptr;
            const SeedSummary* s = row_of(a, mode, alpha, d, &b);
            md << " " << (s ? fmt::format("{:.1f} ({:.0f})", 100 * s->coverage.mean, b->teacher_calls) : "—") << " |";
          }
          md << "\n";
        }
    // Verdict and cost per arm.
    md << "\nOver all days, and the bill: teacher calls over the " << p.days
       << " days (share saved against labelling everything), and the annual projection at the day-" << p.days
       << " policy (deferred + audited share of the cost model's traffic):\n\n"
       << "| arm | gate | alpha | day-" << p.days
       << " TA (mean) | worst day: violation rate (95% lower) | worst day: clear rate (95% lower) | promise | "
          "replay calls (saved) | replay USD | USD / year |\n|---|---|---|---|---|---|---|---|---|---|\n";
    for (double alpha : p.alphas)
      for (GateMode mode : p.gate.modes)
        for (const ArmSummary& a : g.arms) {
          const GateVerdict* v = nullptr;
          const ArmCost* c = nullptr;
          for (std::size_t i = 0; i < a.verdicts.size(); ++i)
            if (a.verdicts[i].mode == mode && a.verdicts[i].alpha == alpha) {
              v = &a.verdicts[i];
              c = &a.costs[i];
            }
          if (v == nullptr) continue;
          const SeedSummary* last = row_of(a, mode, alpha, p.days, nullptr);
          const SeedSummary* worst = nullptr;
          const SeedSummary* worst_clear = nullptr;
          for (const auto& s : a.rows) {
            if (s.mode != mode || s.alpha != alpha) continue;
            if (!worst || s.violation.lower95 > worst->violation.lower95) worst = &s;
            if (!worst_clear || s.clear_violation.lower95 > worst_clear->clear_violation.lower95) worst_clear = &s;
          }
          auto rate = [](const SeedSummary* s, const RateBounds& b) {
            return fmt::format("{} ({}) day {}", pct(b.rate), pct(b.lower95), s->day);
          };
          const double saved = c->replay_traffic > 0 ? 1.0 - c->replay_calls / c->replay_traffic : 0.0;
          std::string promise;
          if (v->promised_delta <= 0)
            promise = a.labels == LabelsMode::kDeferredNoAudit ? "none (no audit)" : "none (paper gate)";
          else if (a.labels == LabelsMode::kDeferredNoAudit)
            promise = fmt::format("void without audit ({} by the rule)",
                                  v->contradicted ? "**contradicted**" : "not contradicted");
          else
            promise = fmt::format("{} (delta {} per {})", v->contradicted ? "**contradicted**" : "kept",
                                  num(v->promised_delta), mode == GateMode::kCertifiedFlywheel ? "flywheel" : "day");
          md << "| " << arm_name(a) << " | " << gate_mode_name(mode) << " | " << num(alpha) << " | "
             << (last && last->test_ta.n ? ta3(last->test_ta.mean) : "—") << " | "
             << (worst ? rate(worst, worst->violation) : "—") << " | "
             << (worst_clear ? rate(worst_clear, worst_clear->clear_violation) : "—") << " | " << promise << " | "
             << fmt::format("{:.0f} ({})", c->replay_calls, pct(saved)) << " | " << usd(c->replay_usd) << " | "
             << usd0(c->usd_per_year) << " |\n";
        }
    md << "\n";
  }
  return md.str();
}

}  // namespace tracer

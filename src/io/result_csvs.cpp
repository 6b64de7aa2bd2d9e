#include "io/result_csvs.hpp"

#include <fmt/format.h>

#include "io/csv_table.hpp"
#include "io/format.hpp"
#include "io/seed_summary_columns.hpp"
#include "protocol/results.hpp"

namespace tracer {
namespace {

std::string str(std::size_t v) { return std::to_string(v); }

/// TA of a split, empty where it handled nothing (TA is undefined there, not 0).
std::string ta_cell(const SplitStats& s) { return s.handled > 0 ? num(s.ta) : ""; }

/// Empty where nothing was deployed: the gate's figures describe a policy.
template <class R>
std::string if_deployed(const R& r, std::string cell) {
  return r.o->deployed ? cell : "";
}

/// Pooled cal + shadow figures exist only for certified modes that deployed.
template <class R>
std::string if_pooled(const R& r, std::string cell) {
  return r.o->deployed && is_certified(r.o->mode) ? cell : "";
}

/// encoder, teacher, pool_size (the columns that name a run, first in every
/// per-run table), then `rest`. R has a `run` pointer.
template <class R>
CsvLayout<R> with_run_columns(std::initializer_list<CsvColumn<R>> rest) {
  CsvLayout<R> layout = {
      {"encoder", [](const R& r) { return r.run->encoder; }},
      {"teacher", [](const R& r) { return r.run->teacher; }},
      {"pool_size", [](const R& r) { return str(r.run->pool_size); }},
  };
  layout.insert(layout.end(), rest);
  return layout;
}

// ---- alpha_sweep.csv: one row per day-final outcome ------------------------
struct SweepRow {
  const RunResult* run;
  const DayOutcome* o;
  const BaselineOutcome* base;  ///< nullptr when the baseline has no row for this alpha
};

const CsvLayout<SweepRow>& sweep_layout() {
  using R = SweepRow;
  static const CsvLayout<R> layout = with_run_columns<R>({
      {"gate_mode", [](const R& r) { return gate_mode_name(r.o->mode); }},
      {"seed_index", [](const R& r) { return str(r.run->seed_index); }},
      {"alpha", [](const R& r) { return num(r.o->alpha); }},
      {"day", [](const R& r) { return str(r.o->day); }},
      {"surrogate", [](const R& r) { return r.o->surrogate; }},
      {"family", [](const R& r) { return family_name(r.o->family); }},
      {"deployed", [](const R& r) { return yes_no(r.o->deployed); }},
      {"test_n", [](const R& r) { return str(r.o->test.n); }},
      {"test_handled", [](const R& r) { return str(r.o->test.handled); }},
      {"test_agree", [](const R& r) { return str(r.o->test.agree); }},
      {"coverage", [](const R& r) { return num(r.o->test.coverage); }},
      {"teacher_agreement", [](const R& r) { return ta_cell(r.o->test); }},
      {"gt_correct", [](const R& r) { return str(r.o->test_gt_correct); }},
      {"gt_accuracy", [](const R& r) { return num(r.o->test_gt_accuracy); }},
      {"baseline_found", [](const R& r) { return yes_no(r.base && r.base->found); }},
      {"baseline_threshold", [](const R& r) { return r.base && r.base->found ? num(r.base->threshold) : ""; }},
      {"baseline_handled", [](const R& r) { return str(r.base ? r.base->test.handled : 0); }},
      {"baseline_agree", [](const R& r) { return str(r.base ? r.base->test.agree : 0); }},
      {"baseline_coverage", [](const R& r) { return num(r.base ? r.base->test.coverage : 0.0); }},
      {"baseline_teacher_agreement", [](const R& r) { return r.base ? ta_cell(r.base->test) : ""; }},
      {"baseline_gt_accuracy", [](const R& r) { return num(r.base ? r.base->test_gt_accuracy : 0.0); }},
  });
  return layout;
}

// ---- flywheel.csv: every outcome --------------------------------------------
struct FlyRow {
  const RunResult* run;
  const DayOutcome* o;
};

const CsvLayout<FlyRow>& flywheel_layout() {
  using R = FlyRow;
  static const CsvLayout<R> layout = with_run_columns<R>({
      {"gate_mode", [](const R& r) { return gate_mode_name(r.o->mode); }},
      {"seed_index", [](const R& r) { return str(r.run->seed_index); }},
      {"seed", [](const R& r) { return std::to_string(r.run->seed); }},
      {"day", [](const R& r) { return str(r.o->day); }},
      {"alpha", [](const R& r) { return num(r.o->alpha); }},
      {"n_traces", [](const R& r) { return str(r.o->n_traces); }},
      {"n_train", [](const R& r) { return str(r.o->n_train); }},
      {"n_val", [](const R& r) { return str(r.o->n_val); }},
      {"n_cal", [](const R& r) { return str(r.o->n_cal); }},
      {"n_shadow", [](const R& r) { return str(r.o->n_shadow); }},
      {"surrogate", [](const R& r) { return r.o->surrogate; }},
      {"acceptor_score", [](const R& r) { return r.o->acceptor_score; }},
      {"family", [](const R& r) { return family_name(r.o->family); }},
      {"deployed", [](const R& r) { return yes_no(r.o->deployed); }},
      {"threshold", [](const R& r) { return r.o->family == Family::kL2D ? num(r.o->threshold) : ""; }},
      {"cal_handled", [](const R& r) { return if_deployed(r, str(r.o->cal.handled)); }},
      {"cal_agree", [](const R& r) { return if_deployed(r, str(r.o->cal.agree)); }},
      {"cal_coverage", [](const R& r) { return if_deployed(r, num(r.o->cal.coverage)); }},
      {"cal_teacher_agreement", [](const R& r) { return if_deployed(r, ta_cell(r.o->cal)); }},
      {"pooled_n", [](const R& r) { return if_pooled(r, str(r.o->pooled.n)); }},
      {"pooled_handled", [](const R& r) { return if_pooled(r, str(r.o->pooled.handled)); }},
      {"pooled_agree", [](const R& r) { return if_pooled(r, str(r.o->pooled.agree)); }},
      {"pooled_coverage", [](const R& r) { return if_pooled(r, num(r.o->pooled.coverage)); }},
      {"pooled_teacher_agreement", [](const R& r) { return if_pooled(r, ta_cell(r.o->pooled)); }},
      {"ta_lower_bound", [](const R& r) { return if_deployed(r, num(r.o->cal_ta_lower)); }},
      {"ta_lower_bound_level", [](const R& r) { return if_deployed(r, num(r.o->bound_level)); }},
      {"shadow_handled", [](const R& r) { return if_deployed(r, str(r.o->shadow.handled)); }},
      {"shadow_agree", [](const R& r) { return if_deployed(r, str(r.o->shadow.agree)); }},
      {"shadow_coverage", [](const R& r) { return if_deployed(r, num(r.o->shadow.coverage)); }},
      {"shadow_teacher_agreement", [](const R& r) { return if_deployed(r, ta_cell(r.o->shadow)); }},
      {"test_n", [](const R& r) { return str(r.o->test.n); }},
      {"test_handled", [](const R& r) { return str(r.o->test.handled); }},
      {"test_agree", [](const R& r) { return str(r.o->test.agree); }},
      {"test_coverage", [](const R& r) { return num(r.o->test.coverage); }},
      {"test_teacher_agreement", [](const R& r) { return ta_cell(r.o->test); }},
      {"test_gt_correct", [](const R& r) { return str(r.o->test_gt_correct); }},
      {"test_gt_accuracy", [](const R& r) { return num(r.o->test_gt_accuracy); }},
      {"gate_note", [](const R& r) { return r.o->gate_note; }},
  });
  return layout;
}

// ---- candidates.csv / candidate_timings.csv --------------------------------
struct CandidateRow {
  const RunResult* run;
  const CandidateRecord* c;
};

CsvLayout<CandidateRow> candidate_layout(bool with_timing) {
  using R = CandidateRow;
  CsvLayout<R> layout = with_run_columns<R>({
      {"seed_index", [](const R& r) { return str(r.run->seed_index); }},
      {"day", [](const R& r) { return str(r.c->day); }},
      {"candidate", [](const R& r) { return r.c->name; }},
      {"trained", [](const R& r) { return yes_no(r.c->trained); }},
  });
  if (!with_timing) layout.push_back({"error", [](const R& r) { return r.c->error; }});
  layout.push_back({"val_macro_f1", [](const R& r) { return num(r.c->val_macro_f1); }});
  layout.push_back({"val_accuracy", [](const R& r) { return num(r.c->val_accuracy); }});
  layout.push_back({"selected", [](const R& r) { return yes_no(r.c->selected); }});
  if (with_timing)
    layout.push_back({"fit_seconds", [](const R& r) { return fmt::format("{:.3f}", r.c->fit_seconds); }});
  return layout;
}

std::vector<CandidateRow> candidate_rows(const ExperimentResults& r) {
  std::vector<CandidateRow> rows;
  for (const auto& run : r.runs)
    for (const auto& c : run.replay.candidates) rows.push_back({&run, &c});
  return rows;
}

// ---- cost.csv ---------------------------------------------------------------
struct CostCsvRow {
  const RunResult* run;
  const CostRow* c;
};

const CsvLayout<CostCsvRow>& cost_layout() {
  using R = CostCsvRow;
  static const CsvLayout<R> layout = with_run_columns<R>({
      {"gate_mode", [](const R& r) { return gate_mode_name(r.c->mode); }},
      {"seed_index", [](const R& r) { return str(r.run->seed_index); }},
      {"method", [](const R& r) { return std::string(r.c->baseline ? "baseline" : "tracer"); }},
      {"alpha", [](const R& r) { return num(r.c->alpha); }},
      {"day", [](const R& r) { return str(r.c->day); }},
      {"coverage", [](const R& r) { return num(r.c->coverage); }},
      {"teacher_calls_per_day", [](const R& r) { return num(r.c->projection.teacher_calls_per_day); }},
      {"usd_per_day_without_routing", [](const R& r) { return num(r.c->projection.usd_per_day_without_routing); }},
      {"usd_per_day_with_routing", [](const R& r) { return num(r.c->projection.usd_per_day_with_routing); }},
      {"usd_saved_per_year", [](const R& r) { return num(r.c->projection.usd_saved_per_year); }},
  });
  return layout;
}

// ---- seed_summary.csv -------------------------------------------------------
struct SummaryRow {
  const SummaryGroup* g;
  const SeedSummary* s;
};

CsvLayout<SummaryRow> make_summary_layout() {
  using R = SummaryRow;
  CsvLayout<R> layout = {
      {"encoder", [](const R& r) { return r.g->encoder; }},
      {"teacher", [](const R& r) { return r.g->teacher; }},
      {"pool_size", [](const R& r) { return str(r.g->pool_size); }},
      {"gate_mode", [](const R& r) { return gate_mode_name(r.s->mode); }},
      {"alpha", [](const R& r) { return num(r.s->alpha); }},
      {"day", [](const R& r) { return str(r.s->day); }},
  };
  append_seed_summary_columns(layout, [](const R& r) -> const SeedSummary& { return *r.s; });
  return layout;
}

const CsvLayout<SummaryRow>& summary_layout() {
  static const CsvLayout<SummaryRow> layout = make_summary_layout();
  return layout;
}

// ---- gate_verdict.csv: one row per (group, mode, alpha) --------------------
struct VerdictRow {
  const SummaryGroup* g;
  const GateVerdict* v;
};

const CsvLayout<VerdictRow>& verdict_layout() {
  using R = VerdictRow;
  static const CsvLayout<R> layout = {
      {"encoder", [](const R& r) { return r.g->encoder; }},
      {"teacher", [](const R& r) { return r.g->teacher; }},
      {"pool_size", [](const R& r) { return str(r.g->pool_size); }},
      {"gate_mode", [](const R& r) { return gate_mode_name(r.v->mode); }},
      {"alpha", [](const R& r) { return num(r.v->alpha); }},
      {"seeds", [](const R& r) { return str(r.v->replays); }},
      {"mean_coverage", [](const R& r) { return num(r.v->mean_coverage); }},
      {"any_day_violations", [](const R& r) { return str(r.v->any_day_violation.events); }},
      {"any_day_violation_rate", [](const R& r) { return num(r.v->any_day_violation.rate); }},
      {"any_day_violation_rate_lower95", [](const R& r) { return num(r.v->any_day_violation.lower95); }},
      {"any_day_clear_violations", [](const R& r) { return str(r.v->any_day_clear.events); }},
      {"any_day_clear_violation_rate", [](const R& r) { return num(r.v->any_day_clear.rate); }},
      {"any_day_clear_violation_rate_lower95", [](const R& r) { return num(r.v->any_day_clear.lower95); }},
      {"transitions", [](const R& r) { return str(r.v->unstable_transitions.trials); }},
      {"unstable_transitions", [](const R& r) { return str(r.v->unstable_transitions.events); }},
      {"unstable_share", [](const R& r) { return num(r.v->unstable_transitions.rate); }},
      {"promised_delta", [](const R& r) { return r.v->promised_delta > 0 ? num(r.v->promised_delta) : ""; }},
      {"promise_scope",
       [](const R& r) {
         return r.v->promised_delta <= 0                    ? std::string()
                : r.v->mode == GateMode::kCertifiedFlywheel ? "flywheel"
                                                            : "day";
       }},
      {"promise_contradicted", [](const R& r) { return r.v->promised_delta > 0 ? yes_no(r.v->contradicted) : ""; }},
  };
  return layout;
}

}  // namespace

void add_result_csvs(const ExperimentResults& r, ResultFiles& files) {
  const std::size_t last_day = r.info.protocol.days;
  std::vector<SweepRow> sweep;
  std::vector<FlyRow> fly;
  for (const auto& run : r.runs)
    for (const auto& o : run.replay.outcomes) {
      fly.push_back({&run, &o});
      if (o.day == last_day) sweep.push_back({&run, &o, find_baseline(run, o.alpha)});
    }
  std::vector<CostCsvRow> cost;
  for (const auto& c : r.costs) cost.push_back({&r.runs.at(c.run), &c});
  files["alpha_sweep.csv"] = render_csv(sweep_layout(), sweep);
  files["flywheel.csv"] = render_csv(flywheel_layout(), fly);
  files["candidates.csv"] = render_csv(candidate_layout(false), candidate_rows(r));
  files["cost.csv"] = render_csv(cost_layout(), cost);
  if (r.info.n_seeds > 1) {
    std::vector<SummaryRow> rows;
    for (const auto& g : r.seed_summaries)
      for (const auto& s : g.rows) rows.push_back({&g, &s});
    files["seed_summary.csv"] = render_csv(summary_layout(), rows);
    std::vector<VerdictRow> verdicts;
    for (const auto& g : r.seed_summaries)
      for (const auto& v : g.verdicts) verdicts.push_back({&g, &v});
    files["gate_verdict.csv"] = render_csv(verdict_layout(), verdicts);
  }
}

std::string candidate_timings_csv(const ExperimentResults& r) {
  return render_csv(candidate_layout(true), candidate_rows(r));
}

}  // namespace tracer

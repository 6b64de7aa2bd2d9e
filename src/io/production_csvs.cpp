#include "io/production_csvs.hpp"

#include "io/csv_table.hpp"
#include "io/format.hpp"
#include "io/seed_summary_columns.hpp"

namespace tracer {
namespace {

std::string str(std::size_t v) { return std::to_string(v); }
std::string ta_cell(const SplitStats& s) { return s.handled > 0 ? num(s.ta) : ""; }
/// The audit rate names a "deferred" arm only.
std::string audit_cell(LabelsMode m, double rate) { return m == LabelsMode::kDeferred ? num(rate) : ""; }

// ---- production_flywheel.csv -------------------------------------------------
struct ProductionFlyRow {
  const RunResult* run;
  LabelsMode labels;
  double audit_rate;
  const DayOutcome* o;
  const DayBill* b;
};

const CsvLayout<ProductionFlyRow>& fly_layout() {
  using R = ProductionFlyRow;
  static const CsvLayout<R> layout = {
      {"encoder", [](const R& r) { return r.run->encoder; }},
      {"teacher", [](const R& r) { return r.run->teacher; }},
      {"pool_size", [](const R& r) { return str(r.run->pool_size); }},
      {"seed_index", [](const R& r) { return str(r.run->seed_index); }},
      {"labels", [](const R& r) { return labels_mode_name(r.labels); }},
      {"audit_rate", [](const R& r) { return audit_cell(r.labels, r.audit_rate); }},
      {"gate_mode", [](const R& r) { return gate_mode_name(r.o->mode); }},
      {"alpha", [](const R& r) { return num(r.o->alpha); }},
      {"day", [](const R& r) { return str(r.o->day); }},
      {"batch", [](const R& r) { return str(r.b->batch); }},
      // What the previous day's policy did to today's traffic (production
      // arms only: the paper's protocol does not route its own traces).
      {"routed_handled",
       [](const R& r) { return r.labels == LabelsMode::kAll ? std::string() : str(r.b->routed_handled); }},
      {"routed_agree",
       [](const R& r) { return r.labels == LabelsMode::kAll ? std::string() : str(r.b->routed_agree); }},
      {"deferred", [](const R& r) { return str(r.b->deferred); }},
      {"audited", [](const R& r) { return str(r.b->audited); }},
      {"teacher_calls", [](const R& r) { return str(r.b->teacher_calls); }},
      {"cumulative_teacher_calls", [](const R& r) { return str(r.b->cumulative_calls); }},
      {"training_traces", [](const R& r) { return str(r.b->training_traces); }},
      {"n_train", [](const R& r) { return str(r.o->n_train); }},
      {"n_val", [](const R& r) { return str(r.o->n_val); }},
      {"n_cal", [](const R& r) { return str(r.o->n_cal); }},
      {"n_shadow", [](const R& r) { return str(r.o->n_shadow); }},
      {"family", [](const R& r) { return family_name(r.o->family); }},
      {"deployed", [](const R& r) { return yes_no(r.o->deployed); }},
      {"threshold", [](const R& r) { return r.o->family == Family::kL2D ? num(r.o->threshold) : ""; }},
      {"ta_lower_bound", [](const R& r) { return r.o->deployed ? num(r.o->cal_ta_lower) : ""; }},
      {"test_n", [](const R& r) { return str(r.o->test.n); }},
      {"test_handled", [](const R& r) { return str(r.o->test.handled); }},
      {"test_agree", [](const R& r) { return str(r.o->test.agree); }},
      {"test_coverage", [](const R& r) { return num(r.o->test.coverage); }},
      {"test_teacher_agreement", [](const R& r) { return ta_cell(r.o->test); }},
      {"test_gt_accuracy", [](const R& r) { return num(r.o->test_gt_accuracy); }},
      {"gate_note", [](const R& r) { return r.o->gate_note; }},
  };
  return layout;
}

// ---- production_summary.csv ---------------------------------------------------
struct ArmSummaryRow {
  const ProductionGroup* g;
  const ArmSummary* a;
  const SeedSummary* s;
  const BillSummary* b;
};

template <class R>
CsvLayout<R> arm_columns(std::initializer_list<CsvColumn<R>> rest) {
  CsvLayout<R> layout = {
      {"encoder", [](const R& r) { return r.g->encoder; }},
      {"teacher", [](const R& r) { return r.g->teacher; }},
      {"pool_size", [](const R& r) { return str(r.g->pool_size); }},
      {"labels", [](const R& r) { return labels_mode_name(r.a->labels); }},
      {"audit_rate", [](const R& r) { return audit_cell(r.a->labels, r.a->audit_rate); }},
  };
  layout.insert(layout.end(), rest);
  return layout;
}

CsvLayout<ArmSummaryRow> make_summary_layout() {
  using R = ArmSummaryRow;
  CsvLayout<R> layout = arm_columns<R>({
      {"gate_mode", [](const R& r) { return gate_mode_name(r.s->mode); }},
      {"alpha", [](const R& r) { return num(r.s->alpha); }},
      {"day", [](const R& r) { return str(r.s->day); }},
  });
  append_seed_summary_columns(layout, [](const R& r) -> const SeedSummary& { return *r.s; });
  const CsvLayout<R> bills = {
      {"batch_mean", [](const R& r) { return num(r.b->batch); }},
      {"routed_coverage_mean",
       [](const R& r) { return r.a->labels == LabelsMode::kAll ? std::string() : num(r.b->routed_coverage); }},
      {"routed_ta_n",
       [](const R& r) { return r.a->labels == LabelsMode::kAll ? std::string() : str(r.b->routed_ta.n); }},
      {"routed_ta_mean", [](const R& r) { return r.b->routed_ta.n ? num(r.b->routed_ta.mean) : ""; }},
      {"deferred_mean", [](const R& r) { return num(r.b->deferred); }},
      {"audited_mean", [](const R& r) { return num(r.b->audited); }},
      {"teacher_calls_mean", [](const R& r) { return num(r.b->teacher_calls); }},
      {"cumulative_teacher_calls_mean", [](const R& r) { return num(r.b->cumulative_calls); }},
      {"cumulative_usd_mean", [](const R& r) { return num(r.b->cumulative_usd); }},
      {"calibration_rows_mean", [](const R& r) { return num(r.b->calibration_rows); }},
      {"training_traces_mean", [](const R& r) { return num(r.b->training_traces); }},
  };
  layout.insert(layout.end(), bills.begin(), bills.end());
  return layout;
}

const CsvLayout<ArmSummaryRow>& summary_layout() {
  static const CsvLayout<ArmSummaryRow> layout = make_summary_layout();
  return layout;
}

// ---- production_cost.csv --------------------------------------------------------
struct ArmCostCsvRow {
  const ProductionGroup* g;
  const ArmSummary* a;
  const GateVerdict* v;
  const ArmCost* c;
};

const CsvLayout<ArmCostCsvRow>& cost_layout() {
  using R = ArmCostCsvRow;
  static const CsvLayout<R> layout = arm_columns<R>({
      {"gate_mode", [](const R& r) { return gate_mode_name(r.v->mode); }},
      {"alpha", [](const R& r) { return num(r.v->alpha); }},
      {"seeds", [](const R& r) { return str(r.v->replays); }},
      {"mean_coverage_all_days", [](const R& r) { return num(r.v->mean_coverage); }},
      {"any_day_violation_rate", [](const R& r) { return num(r.v->any_day_violation.rate); }},
      {"any_day_clear_violation_rate", [](const R& r) { return num(r.v->any_day_clear.rate); }},
      {"promised_delta", [](const R& r) { return r.v->promised_delta > 0 ? num(r.v->promised_delta) : ""; }},
      {"promise_contradicted", [](const R& r) { return r.v->promised_delta > 0 ? yes_no(r.v->contradicted) : ""; }},
      {"replay_traffic", [](const R& r) { return num(r.c->replay_traffic); }},
      {"replay_teacher_calls_mean", [](const R& r) { return num(r.c->replay_calls); }},
      {"replay_calls_saved_share",
       [](const R& r) { return num(r.c->replay_traffic > 0 ? 1.0 - r.c->replay_calls / r.c->replay_traffic : 0.0); }},
      {"replay_usd_mean", [](const R& r) { return num(r.c->replay_usd); }},
      {"last_day_coverage_mean", [](const R& r) { return num(r.c->last_day_coverage); }},
      {"annual_call_share", [](const R& r) { return num(r.c->call_share); }},
      {"usd_per_year", [](const R& r) { return num(r.c->usd_per_year); }},
      {"usd_per_year_without_routing", [](const R& r) { return num(r.c->usd_per_year_without_routing); }},
      {"usd_saved_per_year", [](const R& r) { return num(r.c->usd_per_year_without_routing - r.c->usd_per_year); }},
  });
  return layout;
}

}  // namespace

void add_production_csvs(const ExperimentResults& r, ResultFiles& files) {
  if (r.production.empty()) return;
  std::vector<ProductionFlyRow> fly;
  for (std::size_t ri = 0; ri < r.runs.size(); ++ri) {
    const RunResult& run = r.runs[ri];
    for (std::size_t oi = 0; oi < run.replay.outcomes.size(); ++oi)
      fly.push_back({&run, LabelsMode::kAll, 0.0, &run.replay.outcomes[oi], &r.paper_bills.at(ri).at(oi)});
    for (const ProductionArm& arm : run.replay.arms)
      for (std::size_t oi = 0; oi < arm.outcomes.size(); ++oi)
        fly.push_back({&run, arm.labels, arm.audit_rate, &arm.outcomes[oi], &arm.bills[oi]});
  }
  std::vector<ArmSummaryRow> rows;
  std::vector<ArmCostCsvRow> costs;
  for (const ProductionGroup& g : r.production)
    for (const ArmSummary& a : g.arms) {
      for (std::size_t i = 0; i < a.rows.size(); ++i) rows.push_back({&g, &a, &a.rows[i], &a.bills[i]});
      for (std::size_t i = 0; i < a.verdicts.size(); ++i) costs.push_back({&g, &a, &a.verdicts[i], &a.costs[i]});
    }
  files["production_flywheel.csv"] = render_csv(fly_layout(), fly);
  files["production_summary.csv"] = render_csv(summary_layout(), rows);
  files["production_cost.csv"] = render_csv(cost_layout(), costs);
}

}  // namespace tracer

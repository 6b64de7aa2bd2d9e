#include "protocol/analysis.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "core/errors.hpp"
#include "protocol/production_summary.hpp"

namespace tracer {

namespace {

std::vector<SummaryGroup> summarise_groups(const ExperimentResults& r) {
  std::vector<SummaryGroup> groups;
  for (const auto& run : r.runs) {
    if (run.seed_index != 0) continue;
    std::vector<const ReplayResult*> replays;
    for (const auto& other : r.runs)
      if (other.encoder == run.encoder && other.teacher == run.teacher && other.pool_size == run.pool_size)
        replays.push_back(&other.replay);
    const ProtocolSettings& p = r.info.protocol;
    SummaryGroup g{run.encoder, run.teacher, run.pool_size, summarize_seeds(replays, p.gate, p.days), {}};
    g.verdicts = gate_verdicts(replays, g.rows, p.gate, p.days);
    groups.push_back(std::move(g));
  }
  return groups;
}

void check_test_view(const RunResult& run) {
  if (!run.test) throw InternalError(fmt::format("analysis: run {} / {} has no test view", run.encoder, run.teacher));
  const TestView& t = *run.test;
  if (t.texts.size() != t.X.n_rows || t.teacher.n_elem != t.X.n_rows || (!t.ids.empty() && t.ids.size() != t.X.n_rows))
    throw InternalError(
        fmt::format("analysis: run {} / {} has {} test embedding rows but {} teacher labels, {} texts and {} ids",
                    run.encoder, run.teacher, t.X.n_rows, t.teacher.n_elem, t.texts.size(), t.ids.size()));
}

}  // namespace

void analyse_experiment(ExperimentResults& r) {
  const ProtocolSettings& p = r.info.protocol;
  r.primary_runs.clear();
  for (std::size_t i = 0; i < r.runs.size(); ++i)
    if (r.runs[i].seed_index == 0) r.primary_runs.push_back(i);

  r.seed_summaries.clear();
  if (r.info.n_seeds > 1) r.seed_summaries = summarise_groups(r);

  r.paper_bills.clear();
  r.production.clear();
  if (p.labels.size() > 1) {
    for (const auto& run : r.runs) r.paper_bills.push_back(paper_protocol_bills(run.replay));
    r.production = summarise_production(r);
  }

  r.unit_cost = project_cost(r.info.cost, 0.0);
  r.costs.clear();
  for (std::size_t ri = 0; ri < r.runs.size(); ++ri) {
    const ReplayResult& rep = r.runs[ri].replay;
    for (std::size_t oi = 0; oi < rep.outcomes.size(); ++oi) {
      const DayOutcome& o = rep.outcomes[oi];
      r.costs.push_back(
          {ri, false, oi, o.mode, o.alpha, o.day, o.test.coverage, project_cost(r.info.cost, o.test.coverage)});
    }
    for (std::size_t bi = 0; bi < rep.baseline.size(); ++bi) {
      const BaselineOutcome& bo = rep.baseline[bi];
      r.costs.push_back({ri, true, bi, GateMode::kPaper, bo.alpha, p.days, bo.test.coverage,
                         project_cost(r.info.cost, bo.test.coverage)});
    }
  }

  // Artifacts describe the primary replays only.
  r.artifacts.clear();
  for (std::size_t ri : r.primary_runs) {
    const RunResult& run = r.runs[ri];
    check_test_view(run);
    const TestView& t = *run.test;
    for (std::size_t oi = 0; oi < run.replay.outcomes.size(); ++oi) {
      const DayOutcome& o = run.replay.outcomes[oi];
      if (!p.artifact_modes.empty() &&
          std::find(p.artifact_modes.begin(), p.artifact_modes.end(), o.mode) == p.artifact_modes.end())
        continue;
      const DayOutcome* prev = o.day > 1 ? find_outcome(run, o.day - 1, o.mode, o.alpha) : nullptr;
      const ArtifactInput in{t.X,
                             t.teacher,
                             t.label_names,
                             t.texts,
                             o.test_decision,
                             predictions_recorded(o),
                             prev ? &prev->test_decision : nullptr};
      r.artifacts.push_back({ri, oi, compute_artifacts(in)});
    }
  }
}

}  // namespace tracer

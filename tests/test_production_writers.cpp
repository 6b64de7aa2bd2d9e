// Golden-file test of the production-flywheel writers (production_*.csv and
// the report section), in process, from a hand-made result object with one
// "deferred" and one "deferred-no-audit" arm over two seeds. Regenerate with
// TRACER_UPDATE_GOLDEN=1 after an intended change.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "hand_results.hpp"
#include "io/atomic_file.hpp"
#include "io/plots.hpp"
#include "io/production_csvs.hpp"
#include "io/production_report.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

ExperimentResults production_results() {
  const testing_hand::Data d;
  ExperimentResults r = d.experiment();
  r.info.n_seeds = 2;
  r.info.cost = {800.0, 15.0, 3.0, 15.0, 10000.0, 365.0};
  r.info.protocol.labels = {LabelsMode::kAll, LabelsMode::kDeferred, LabelsMode::kDeferredNoAudit};
  r.info.protocol.audit_rates = {0.05};
  RunResult& run0 = r.runs.at(0);
  for (const auto& [labels, rate] :
       {std::pair{LabelsMode::kDeferred, 0.05}, std::pair{LabelsMode::kDeferredNoAudit, 0.0}}) {
    ProductionArm arm;
    arm.labels = labels;
    arm.audit_rate = rate;
    for (const DayOutcome& o : run0.replay.outcomes) {
      DayOutcome p = o;
      p.test_decision = RoutingDecision{};
      DayBill b;
      b.batch = 100;
      if (o.day > 1) {
        b.routed_handled = labels == LabelsMode::kDeferred ? 60 : 55;
        b.routed_agree = b.routed_handled - 3;
        b.audited = labels == LabelsMode::kDeferred ? 5 : 0;
      }
      b.deferred = b.batch - b.routed_handled;
      b.teacher_calls = b.deferred + (b.audited ? 3 : 0);  // two audited rows were deferred anyway
      b.calibration_rows = o.day > 1 ? b.audited : 30;
      b.training_traces = 100 + (o.day > 1 ? b.deferred - 2 : 0);
      b.cumulative_calls = o.day == 1 ? b.teacher_calls : 100 + b.teacher_calls;
      arm.outcomes.push_back(p);
      arm.bills.push_back(b);
    }
    run0.replay.arms.push_back(arm);
  }
  RunResult run1 = run0;
  run1.seed_index = 1;
  run1.seed = 43;
  for (ProductionArm& arm : run1.replay.arms)
    for (auto& o : arm.outcomes) {
      o.test.handled = o.test.handled ? o.test.handled - 1 : 0;
      o.test.coverage = static_cast<double>(o.test.handled) / 12.0;
    }
  r.runs.push_back(run1);
  analyse_experiment(r);
  return r;
}

ResultFiles render_production(const ExperimentResults& r) {
  ResultFiles files;
  add_production_csvs(r, files);
  files["report_section.md"] = production_markdown(r);
  PlotSink sink(files, GnuplotStatus{false, "gnuplot", "disabled in this test"});
  files["plots_section.md"] = production_plots_markdown(r, sink);
  return files;
}

TEST(ProductionWriters, EveryFileMatchesTheGoldenCopy) {
  const ResultFiles files = render_production(production_results());
  ASSERT_EQ(files.size(), 5u + 2u * 2u);  // 3 CSVs, 2 sections, .dat + .gp per (mode, alpha)
  const fs::path golden = fs::path(TRACER_TEST_DATA_DIR) / "golden_production";
  if (std::getenv("TRACER_UPDATE_GOLDEN")) {
    fs::remove_all(golden);
    for (const auto& [rel, content] : files) write_file_atomic(golden / rel, content);
  }
  for (const auto& [rel, content] : files)
    EXPECT_EQ(content, read_file(golden / rel)) << rel << " differs from tests/data/golden_production";
  std::size_t on_disk = 0;
  for (const auto& e : fs::recursive_directory_iterator(golden)) on_disk += e.is_regular_file();
  EXPECT_EQ(on_disk, files.size()) << "the golden copy has files that are no longer written";
}

TEST(ProductionWriters, NothingWithoutProductionArms) {
  const testing_hand::Data d;
  ExperimentResults r = d.experiment();
  analyse_experiment(r);
  const ResultFiles files = render_production(r);
  EXPECT_TRUE(files.at("report_section.md").empty());
  EXPECT_TRUE(files.at("plots_section.md").empty());
  EXPECT_EQ(files.size(), 2u);
}

TEST(ProductionWriters, TheAllArmRowsBillEveryInput) {
  const ResultFiles files = render_production(production_results());
  const std::string& fly = files.at("production_flywheel.csv");
  // The paper protocol's rows: batch 100 on day 1 (day_sizes 100, 200), all labelled.
  EXPECT_NE(fly.find("enc,teach,200,0,all,,paper,0.9,1,100,,,100,0,100,100,"), std::string::npos) << fly;
  EXPECT_NE(fly.find("enc,teach,200,0,all,,paper,0.9,2,100,,,100,0,100,200,"), std::string::npos) << fly;
}

}  // namespace
}  // namespace tracer

// Golden-file tests for every file a run writes, in process, from the result
// object alone (no binary, no BLAS): report.md, every CSV, the artifacts JSON,
// the plot data and scripts, timings and the manifest (minus the library
// versions, which differ between machines). Regenerate the golden copy after
// an intended change with TRACER_UPDATE_GOLDEN=1.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <set>

#include "hand_results.hpp"
#include "io/atomic_file.hpp"
#include "io/csv_table.hpp"
#include "io/format.hpp"
#include "io/manifest.hpp"
#include "io/results_folder.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

/// Two seeds of the hand-made replay, with candidates, a teacher summary,
/// inputs and a resolved config, so every file and section appears.
ExperimentResults full_results() {
  const testing_hand::Data d;
  ExperimentResults r = d.experiment();
  r.info.description = "A hand-made result with | pipes and\nnewlines.";
  r.info.config_file_name = "hand.toml";
  r.info.seed = 42;
  r.info.n_seeds = 2;
  r.info.paper_reference = "banking77";
  r.info.encoders = {{"enc", 2}};
  r.info.cost = {800.0, 15.0, 3.0, 15.0, 10000.0, 365.0};
  r.info.resolved_config_toml = "[experiment]\nname = \"hand\"\n";
  r.info.inputs = {{"train_table", "train.csv", std::string(64, 'a')}, {"labels", "labels.txt", std::string(64, 'b')}};
  r.teachers = {{{"teach", "label", "all", 0.0}, 200, 12, 200, 12, 1.0, 1.0, {}, 2}};
  RunResult& run0 = r.runs.at(0);
  run0.replay.teacher_test_accuracy = 1.0;
  for (std::size_t day = 1; day <= 2; ++day)
    for (const char* name : {"logreg_c1", "logreg_c10"}) {
      CandidateRecord c;
      c.day = day;
      c.name = name;
      c.trained = std::string(name) == "logreg_c1" || day == 2;
      c.error = c.trained ? "" : "logreg_c10: only one class, \"x\"";
      c.val_macro_f1 = c.trained ? 0.8 + 0.01 * static_cast<double>(day) : 0.0;
      c.val_accuracy = c.trained ? 0.85 : 0.0;
      c.selected = std::string(name) == "logreg_c1";
      c.fit_seconds = 0.125;
      run0.replay.candidates.push_back(c);
    }
  RunResult run1 = run0;
  run1.seed_index = 1;
  run1.seed = 43;
  for (auto& o : run1.replay.outcomes) {
    o.test.handled = o.test.handled ? o.test.handled - 1 : 0;
    o.test.coverage = static_cast<double>(o.test.handled) / 12.0;
  }
  r.runs.push_back(run1);
  r.seconds_total = 1.5;
  analyse_experiment(r);
  return r;
}

ResultFiles render(const ExperimentResults& r) {
  ResultFiles files;
  PlotSink sink(files, GnuplotStatus{false, "gnuplot", "disabled in this test"});
  render_results(r, BuildInfo{"9.9.9", "v9.9.9-0-gabc", "abc123", false}, sink);
  // The library versions and the compiler differ between machines.
  nlohmann::ordered_json m = nlohmann::ordered_json::parse(files.at("manifest.json"));
  m.erase("libraries");
  files["manifest.json"] = m.dump(2) + "\n";
  return files;
}

TEST(ResultWriters, EveryFileMatchesTheGoldenCopy) {
  const ResultFiles files = render(full_results());
  const fs::path golden = fs::path(TRACER_TEST_DATA_DIR) / "golden_writers";
  if (std::getenv("TRACER_UPDATE_GOLDEN")) {
    fs::remove_all(golden);
    for (const auto& [rel, content] : files) write_file_atomic(golden / rel, content);
  }
  std::set<std::string> on_disk;
  for (const auto& e : fs::recursive_directory_iterator(golden))
    if (e.is_regular_file()) on_disk.insert(fs::relative(e.path(), golden).generic_string());
  std::set<std::string> written;
  for (const auto& [rel, content] : files) {
    written.insert(rel);
    if (!on_disk.count(rel)) {
      ADD_FAILURE() << rel << " is written but has no golden copy";
      continue;
    }
    EXPECT_EQ(content, read_file(golden / rel)) << rel << " differs from tests/data/golden_writers";
  }
  for (const auto& rel : on_disk) EXPECT_TRUE(written.count(rel)) << rel << " is in the golden copy but not written";
  for (const char* f : {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv", "seed_summary.csv",
                        "report.md", "manifest.json", "timings.json", "candidate_timings.csv", "artifacts/index.json"})
    EXPECT_TRUE(written.count(f)) << f;
}

TEST(ResultWriters, SameObjectSameBytes) { EXPECT_EQ(render(full_results()), render(full_results())); }

TEST(ResultWriters, CsvLayoutsQuoteThroughLibcsv) {
  struct Row {
    std::string a;
  };
  const CsvLayout<Row> layout = {{"a", [](const Row& r) { return r.a; }},
                                 {"len", [](const Row& r) { return std::to_string(r.a.size()); }}};
  const std::vector<Row> rows = {{"plain"}, {"com,ma"}, {"quo\"te"}, {"new\nline"}};
  EXPECT_EQ(render_csv(layout, rows), "a,len\nplain,5\n\"com,ma\",6\n\"quo\"\"te\",6\n\"new\nline\",8\n");
}

TEST(ResultWriters, FormattingIsLocaleFreeAndRoundTrips) {
  EXPECT_EQ(num(0.1), "0.1");
  EXPECT_EQ(std::stod(num(1.0 / 3.0)), 1.0 / 3.0);
  EXPECT_EQ(pct(0.8432), "84.3%");
  EXPECT_EQ(md_cell("a|b\nc<d>`"), "a\\|b<br>c&lt;d&gt;\\`");
  EXPECT_EQ(md_preview("héllo", 2), "hé...");
}

TEST(ResultWriters, ManifestCarriesVersionDirtyFlagAndSchema) {
  const ResultFiles files = render(full_results());
  const auto m = nlohmann::json::parse(files.at("manifest.json"));
  EXPECT_EQ(m["schema_version"], kManifestSchemaVersion);
  EXPECT_EQ(m["tool_version"], "9.9.9");
  EXPECT_EQ(m["git_describe"], "v9.9.9-0-gabc");
  EXPECT_EQ(m["git_dirty"], false);
  EXPECT_EQ(m["inputs"].size(), 2u);
}

}  // namespace
}  // namespace tracer

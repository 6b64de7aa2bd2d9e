// End-to-end tests of the tracer-bench executable: bad inputs get their own
// clear error and exit code 2; a tiny experiment writes the documented files,
// byte-identical across runs and thread counts, and matching the golden copy.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "core/rng.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"
#include "io/trace_table.hpp"
#include "tiny_experiment.hpp"

#include <nlohmann/json.hpp>

namespace tracer {
namespace {

namespace fs = std::filesystem;
using testing_tiny::Outcome;
using testing_tiny::run;
using testing_tiny::same_up_to_rounding;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tracer_cli_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    testing_tiny::write_tiny_data(dir_);
    write_config(valid_config());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string valid_config() const { return testing_tiny::tiny_config(); }
  void write_config(const std::string& text) { std::ofstream(dir_ / "exp.toml") << text; }
  std::string cfg() const { return (dir_ / "exp.toml").string(); }

  fs::path dir_;
};

TEST_F(CliTest, TinyExperimentWritesEveryResultFileDeterministically) {
  const Outcome a = run(cfg() + " --quiet --threads 1");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  for (const char* f :
       {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv", "report.md", "manifest.json", "timings.json"})
    EXPECT_TRUE(fs::exists(dir_ / "out" / f)) << f;
  const std::string sweep = read_file(dir_ / "out" / "alpha_sweep.csv");
  const std::string report = read_file(dir_ / "out" / "report.md");
  const Outcome b = run(cfg() + " --quiet --threads 2 --output " + (dir_ / "out2").string());
  ASSERT_EQ(b.exit_code, 0) << b.output;
  for (const char* f : {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv", "report.md"})
    EXPECT_EQ(read_file(dir_ / "out" / f), read_file(dir_ / "out2" / f)) << f << " differs between runs";
  // A label with a pipe must not break the Markdown tables.
  EXPECT_EQ(report.find("alpha|one"), std::string::npos);
  // The golden copy (regenerate with TRACER_UPDATE_GOLDEN=1 after an intended change).
  const fs::path golden = fs::path(TRACER_TEST_DATA_DIR) / "golden_tiny";
  if (std::getenv("TRACER_UPDATE_GOLDEN")) {
    fs::create_directories(golden);
    for (const char* f : {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv"})
      fs::copy_file(dir_ / "out" / f, golden / f, fs::copy_options::overwrite_existing);
  }
  for (const char* f : {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv"})
    EXPECT_TRUE(same_up_to_rounding(read_file(dir_ / "out" / f), read_file(golden / f)))
        << f << " differs from tests/data/golden_tiny";
}

TEST_F(CliTest, UnknownTomlKeyIsAnError) {
  std::string text = valid_config();
  text.replace(text.find("days = 3"), 8, "days = 3\nday = 4");
  write_config(text);
  const Outcome o = run(cfg());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("unknown key"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("[protocol] day"), std::string::npos) << o.output;
}

TEST_F(CliTest, TruncatedNpyIsAnError) {
  std::string bytes = read_file(dir_ / "e_test.npy");
  bytes.resize(bytes.size() - 10);
  write_file_atomic(dir_ / "e_test.npy", bytes);
  const Outcome o = run(cfg());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("e_test.npy"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("truncated"), std::string::npos) << o.output;
}

TEST_F(CliTest, WrongDtypeNpyIsAnError) {
  std::string bytes = read_file(dir_ / "e_test.npy");
  bytes.replace(bytes.find("<f4"), 3, "<i4");
  write_file_atomic(dir_ / "e_test.npy", bytes);
  const Outcome o = run(cfg());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("<i4"), std::string::npos) << o.output;
}

TEST_F(CliTest, RowCountMismatchIsAnError) {
  arma::mat X(89, 6, arma::fill::zeros);
  write_npy(dir_ / "e_test.npy", X);
  const Outcome o = run(cfg());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("89 rows"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find("90"), std::string::npos) << o.output;
}

TEST_F(CliTest, CsvWithAMissingColumnIsAnError) {
  std::string text = valid_config();
  text.replace(text.find("column = \"teacher_x\""), 20, "column = \"teacher_y\"");
  write_config(text);
  const Outcome o = run(cfg());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("teacher_y"), std::string::npos) << o.output;
}

TEST_F(CliTest, MissingConfigFileIsAnError) {
  const Outcome o = run((dir_ / "nope.toml").string());
  EXPECT_EQ(o.exit_code, 2);
  EXPECT_NE(o.output.find("nope.toml"), std::string::npos) << o.output;
}

}  // namespace
}  // namespace tracer

namespace tracer {
namespace {

/// The CSV trace tables of the tiny experiment as the reference's JSONL.
void csv_to_jsonl(const fs::path& csv, const fs::path& jsonl) {
  const TraceTable t = read_trace_table(csv, "teacher_x");
  std::ofstream out(jsonl);
  for (std::size_t i = 0; i < t.ids.size(); ++i) {
    nlohmann::ordered_json j = {{"id", t.ids[i]}, {"input", t.texts[i]}, {"ground_truth", t.truth[i]}};
    j["teacher_x"] = t.teacher[i].empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(t.teacher[i]);
    out << j.dump() << "\n";
  }
}

TEST_F(CliTest, JsonlTracesGiveByteIdenticalResults) {
  const Outcome csv = run(cfg() + " --quiet --threads 1");
  ASSERT_EQ(csv.exit_code, 0) << csv.output;
  csv_to_jsonl(dir_ / "train.csv", dir_ / "train.jsonl");
  csv_to_jsonl(dir_ / "test.csv", dir_ / "test.jsonl");
  std::string text = valid_config();
  text.replace(text.find("train = \"train.csv\""), 19, "format = \"jsonl\"\ntrain = \"train.jsonl\"");
  text.replace(text.find("test = \"test.csv\""), 17, "test = \"test.jsonl\"");
  text.replace(text.find("output_dir = \"out\""), 18, "output_dir = \"out_jsonl\"");
  write_config(text);
  const Outcome jsonl = run(cfg() + " --quiet --threads 1");
  ASSERT_EQ(jsonl.exit_code, 0) << jsonl.output;
  std::size_t compared = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir_ / "out")) {
    if (!e.is_regular_file()) continue;
    const std::string rel = fs::relative(e.path(), dir_ / "out").generic_string();
    if (rel == "manifest.json" || rel == "timings.json" || rel == "candidate_timings.csv") continue;
    EXPECT_EQ(read_file(e.path()), read_file(dir_ / "out_jsonl" / rel)) << rel;
    ++compared;
  }
  EXPECT_GT(compared, 10u);
}

}  // namespace
}  // namespace tracer

// Work units: any sharding merges to the bytes of a plain run, a run killed
// with SIGKILL resumes and recomputes only what was unfinished, and merge
// refuses foreign, truncated, missing and other-version units, each with its
// own message and exit code 2.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <regex>
#include <thread>

#include "app/build_info.hpp"
#include "app/experiment_commands.hpp"
#include "app/experiment_runner.hpp"
#include "io/atomic_file.hpp"
#include "io/unit_file.hpp"
#include "tiny_experiment.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;
using testing_tiny::run;

// Files that hold wall times or the output path: never compared.
bool volatile_file(const std::string& rel) {
  return rel == "timings.json" || rel == "candidate_timings.csv" || rel == "manifest.json";
}

std::map<std::string, std::string> read_tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) {
      const std::string rel = fs::relative(e.path(), dir).generic_string();
      if (!volatile_file(rel)) files[rel] = read_file(e.path());
    }
  return files;
}

std::size_t unit_files(const fs::path& work) {
  std::size_t n = 0;
  if (!fs::exists(work)) return 0;
  for (const auto& e : fs::directory_iterator(work)) n += e.path().extension() == ".unit";
  return n;
}

class UnitsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tracer_units_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    testing_tiny::write_tiny_data(dir_);
    write_config(testing_tiny::tiny_config(4));  // 2 teachers x 4 seeds = 8 units
  }
  void TearDown() override { fs::remove_all(dir_); }
  void write_config(const std::string& text) { std::ofstream(dir_ / "exp.toml") << text; }
  std::string exp() const { return (dir_ / "exp.toml").string(); }
  ExperimentConfig config(const std::string& out) const {
    ExperimentConfig c = load_config(dir_ / "exp.toml");
    c.output_dir = dir_ / out;
    c.protocol.threads = 1;
    return c;
  }
  fs::path dir_;
  CommandOptions quiet_{true, false};
};

TEST_F(UnitsTest, EveryShardingMergesToThePlainRunsBytes) {
  ASSERT_EQ(run_experiment_command(config("plain"), quiet_), 0);
  const auto plain = read_tree(dir_ / "plain");
  ASSERT_TRUE(plain.count("seed_summary.csv"));
  for (std::size_t shards : {1u, 2u, 4u, 7u}) {
    const fs::path work = dir_ / ("work" + std::to_string(shards));
    for (std::size_t i = 0; i < shards; ++i) {
      UnitSelection sel;
      sel.shard = i;
      sel.shards = shards;
      ASSERT_EQ(run_units_command(config("unused"), sel, work, quiet_), 0);
    }
    EXPECT_EQ(unit_files(work), 8u);
    const std::string out = "merged" + std::to_string(shards);
    ASSERT_EQ(merge_command(config(out), work, quiet_), 0);
    EXPECT_EQ(read_tree(dir_ / out), plain) << shards << " shards";
  }
}

TEST_F(UnitsTest, PlanListsEveryUnitWithAStableId) {
  const auto o = run("plan " + exp() + " --format json");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const auto j = nlohmann::json::parse(o.output);
  ASSERT_EQ(j.size(), 8u);
  EXPECT_EQ(j[0]["id"], "enc=e/teacher=gt/pool=all/seed=0");
  EXPECT_EQ(j[7]["id"], "enc=e/teacher=noisy/pool=all/seed=3");
  const auto tsv = run("plan " + exp());
  EXPECT_EQ(std::count(tsv.output.begin(), tsv.output.end(), '\n'), 9) << tsv.output;
}

TEST_F(UnitsTest, KilledRunsResumeAndRecomputeOnlyWhatWasUnfinished) {
  ASSERT_EQ(run_experiment_command(config("plain"), quiet_), 0);
  const fs::path work = dir_ / "work";
  // Kill at several points: after 1, 2 and 4 finished units (of 8).
  for (std::size_t stop_after : {1u, 2u, 4u}) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      const std::string w = work.string(), e = exp();
      ::execl(TRACER_BENCH_EXE, TRACER_BENCH_EXE, "run", e.c_str(), "--work", w.c_str(), "--threads", "1", "--quiet",
              static_cast<char*>(nullptr));
      ::_exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
    while (unit_files(work) < stop_after && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_LT(unit_files(work), 8u) << "the run finished before it could be killed";
    // Whatever the kill interrupted, every unit file present is complete.
    for (const auto& e : fs::directory_iterator(work))
      if (e.path().extension() == ".unit") {
        EXPECT_NO_THROW(decode_unit(read_file(e.path()), e.path().string()));
      }
  }
  const std::size_t present = unit_files(work);
  const auto o = run("run " + exp() + " --work " + work.string() + " --threads 1");
  ASSERT_EQ(o.exit_code, 0) << o.output;
  const std::regex counts(R"(8 selected, (\d+) computed, (\d+) already done)");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(o.output, m, counts)) << o.output;
  EXPECT_EQ(std::stoul(m[2]), present) << o.output;
  EXPECT_EQ(std::stoul(m[1]), 8u - present) << o.output;
  ASSERT_EQ(merge_command(config("merged"), work, quiet_), 0);
  EXPECT_EQ(read_tree(dir_ / "merged"), read_tree(dir_ / "plain"));
}

class MergeErrors : public UnitsTest {
 protected:
  void SetUp() override {
    UnitsTest::SetUp();
    work_ = dir_ / "work";
    ASSERT_EQ(run_units_command(config("unused"), UnitSelection{}, work_, quiet_), 0);
  }
  testing_tiny::Outcome merge() { return run("merge " + exp() + " --work " + work_.string() + " --quiet"); }
  fs::path unit(std::size_t i) const {
    const Experiment e(config("unused"), {});
    return work_ / e.units().at(i).file_name();
  }
  fs::path work_;
};

TEST_F(MergeErrors, MissingUnitIsNamed) {
  fs::remove(unit(5));
  const auto o = merge();
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("lacks 1 of 8 units: 5 (enc=e/teacher=noisy/pool=all/seed=1)"), std::string::npos)
      << o.output;
}

TEST_F(MergeErrors, TruncatedUnitIsNamed) {
  std::string bytes = read_file(unit(2));
  bytes.resize(bytes.size() / 2);
  write_file_atomic(unit(2), bytes);
  const auto o = merge();
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("truncated or corrupt"), std::string::npos) << o.output;
  EXPECT_NE(o.output.find(unit(2).filename().string()), std::string::npos) << o.output;
}

TEST_F(MergeErrors, UnitFromAnotherConfigIsRefused) {
  std::string text = testing_tiny::tiny_config(4);
  text.replace(text.find("seed = 3"), 8, "seed = 4");
  write_config(text);
  const auto o = merge();
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("made from another config"), std::string::npos) << o.output;
  // A run into the same work folder refuses to overwrite them, too.
  const auto r = run("run " + exp() + " --work " + work_.string() + " --quiet");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_NE(r.output.find("belongs to another experiment"), std::string::npos) << r.output;
}

TEST_F(MergeErrors, UnitFromAnotherToolVersionIsRefused) {
  DecodedUnit u = decode_unit(read_file(unit(3)), "unit 3");
  u.identity.tool_version = "0.0.1";
  write_unit_file(unit(3), encode_unit(u.identity, build_info(), u.run));
  const auto o = merge();
  EXPECT_EQ(o.exit_code, 2) << o.output;
  EXPECT_NE(o.output.find("made by tracer-bench 0.0.1"), std::string::npos) << o.output;
}

TEST_F(MergeErrors, VerifyFindsAChangedUnit) {
  const std::string args = "verify " + exp() + " --work " + work_.string() + " --sample 8 --sample-seed abc --quiet";
  const auto same = run(args);
  EXPECT_EQ(same.exit_code, 0) << same.output;
  EXPECT_NE(same.output.find("8 identical, 0 differ"), std::string::npos) << same.output;
  DecodedUnit u = decode_unit(read_file(unit(4)), "unit 4");
  u.run.replay.outcomes.at(0).test.handled += 1;
  write_unit_file(unit(4), encode_unit(u.identity, build_info(), u.run));
  const auto changed = run(args);
  EXPECT_EQ(changed.exit_code, 1) << changed.output;
  EXPECT_NE(changed.output.find("DIFFERS"), std::string::npos) << changed.output;
}

TEST(UnitSelection, ParsesShardsAndLists) {
  const UnitSelection s = parse_shard("2/7");
  EXPECT_EQ(s.shard, 2u);
  EXPECT_EQ(s.shards, 7u);
  EXPECT_THROW(parse_shard("7/7"), ConfigError);
  EXPECT_THROW(parse_shard("1"), ConfigError);
  EXPECT_THROW(parse_shard("a/3"), ConfigError);
  EXPECT_EQ(parse_unit_list("0,3,5-7"), (std::vector<std::size_t>{0, 3, 5, 6, 7}));
  EXPECT_THROW(parse_unit_list("3-1"), ConfigError);
  EXPECT_THROW(parse_unit_list("x"), ConfigError);
}

}  // namespace
}  // namespace tracer

namespace tracer {
namespace {

// Production arms travel through unit files whole: outcomes and bills decode
// to what was encoded, and a unit without arms carries no "arms" key (so the
// committed units of earlier studies keep their bytes).
TEST(UnitFile, ProductionArmsRoundTrip) {
  RunResult run;
  run.encoder = "e";
  run.teacher = "t";
  run.seed_index = 1;
  DayOutcome o;
  o.day = 2;
  o.mode = GateMode::kCertified;
  o.alpha = 0.9;
  o.deployed = true;
  o.threshold = 0.625;
  o.test = {100, 40, 38, 0.4, 0.95};
  run.replay.outcomes.push_back(o);
  const std::string plain = encode_unit({}, BuildInfo{}, run);
  EXPECT_FALSE(decode_unit(plain, "plain").run.replay.arms.size());
  EXPECT_EQ(nlohmann::json::from_cbor(plain).at("replay").count("arms"), 0u);

  ProductionArm arm;
  arm.labels = LabelsMode::kDeferred;
  arm.audit_rate = 0.05;
  arm.outcomes.push_back(o);
  arm.bills.push_back({2000, 900, 850, 1100, 100, 1150, 3151, 100, 2950});
  run.replay.arms.push_back(arm);
  const RunResult back = decode_unit(encode_unit({}, BuildInfo{}, run), "arms").run;
  ASSERT_EQ(back.replay.arms.size(), 1u);
  const ProductionArm& a = back.replay.arms[0];
  EXPECT_EQ(a.labels, LabelsMode::kDeferred);
  EXPECT_EQ(a.audit_rate, 0.05);
  ASSERT_EQ(a.outcomes.size(), 1u);
  EXPECT_EQ(a.outcomes[0].threshold, 0.625);
  EXPECT_EQ(a.outcomes[0].test.agree, 38u);
  ASSERT_EQ(a.bills.size(), 1u);
  const DayBill& b = a.bills[0];
  EXPECT_EQ(std::vector<std::size_t>({b.batch, b.routed_handled, b.routed_agree, b.deferred, b.audited, b.teacher_calls,
                                      b.cumulative_calls, b.calibration_rows, b.training_traces}),
            std::vector<std::size_t>({2000, 900, 850, 1100, 100, 1150, 3151, 100, 2950}));
}

}  // namespace
}  // namespace tracer

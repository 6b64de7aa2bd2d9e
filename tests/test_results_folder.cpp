// A results folder is written as one unit: a kill at any moment of the write
// leaves either the previous folder or the new one, complete, and never a mix
// or a partial folder; leftovers are cleaned by the next write; a folder that
// tracer-bench did not make is never replaced.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <thread>

#include "hand_results.hpp"
#include "io/atomic_file.hpp"
#include "io/results_folder.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

std::map<std::string, std::string> read_tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).generic_string()] = read_file(e.path());
  return files;
}

ExperimentResults named(const std::string& name) {
  ExperimentResults r = testing_hand::Data().experiment();
  r.info.name = name;
  return r;
}

class ResultsFolder : public ::testing::Test {
 protected:
  void SetUp() override {
    ::setenv("TRACER_GNUPLOT", "", 1);  // text only: fast and machine-independent
    root_ = fs::temp_directory_path() / ("tracer_folder_" + std::to_string(::getpid()) + "_" +
                                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_);
  }
  void TearDown() override {
    fs::remove_all(root_);
    ::unsetenv("TRACER_GNUPLOT");
  }
  fs::path root_;
  BuildInfo build_{"9.9.9", "x", "y", false};
};

TEST_F(ResultsFolder, ReplacesAPreviousFolderWhole) {
  const fs::path out = root_ / "out";
  write_results_folder(out, named("old"), build_);
  std::ofstream(out / "stale.csv") << "from an older run\n";
  write_results_folder(out, named("new"), build_);
  const auto files = read_tree(out);
  EXPECT_FALSE(files.count("stale.csv")) << "a file the new run does not write must not linger";
  EXPECT_NE(files.at("report.md").find("TRACER replay: new"), std::string::npos);
  for (const auto& e : fs::directory_iterator(root_)) EXPECT_EQ(e.path().filename(), "out");
}

TEST_F(ResultsFolder, RefusesToReplaceAFolderItDidNotMake) {
  const fs::path out = root_ / "mine";
  fs::create_directories(out);
  std::ofstream(out / "thesis.tex") << "precious\n";
  EXPECT_THROW(write_results_folder(out, named("x"), build_), ConfigError);
  EXPECT_EQ(read_file(out / "thesis.tex"), "precious\n");
}

TEST_F(ResultsFolder, AKillDuringTheWriteLeavesThePreviousResults) {
  const fs::path out = root_ / "out";
  write_results_folder(out, named("old"), build_);
  const auto old_files = read_tree(out);
  std::size_t killed_mid_write = 0;
  for (int attempt = 0; attempt < 30; ++attempt) {
    const pid_t pid = ::fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      for (;;) write_results_folder(out, named("old"), build_);  // until killed
    }
    std::this_thread::sleep_for(std::chrono::microseconds(300 * (attempt + 1)));
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    // Whatever moment the kill hit, the folder is complete and identical.
    ASSERT_TRUE(fs::exists(out / "manifest.json"));
    EXPECT_EQ(read_tree(out), old_files) << "attempt " << attempt;
    for (const auto& e : fs::directory_iterator(root_))
      killed_mid_write += e.path().filename().string().rfind(".out.tmp-", 0) == 0;
  }
  // A write after the kills cleans the leftovers and replaces the folder.
  write_results_folder(out, named("new"), build_);
  for (const auto& e : fs::directory_iterator(root_)) EXPECT_EQ(e.path().filename(), "out");
  EXPECT_NE(read_file(out / "report.md").find("TRACER replay: new"), std::string::npos);
  RecordProperty("kills_that_left_a_temporary_folder", static_cast<int>(killed_mid_write));
  EXPECT_GT(killed_mid_write, 0u) << "no kill landed during a write: the test did not test anything";
}

}  // namespace
}  // namespace tracer

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

namespace tracer {
namespace {

namespace fs = std::filesystem;

struct Outcome {
  int exit_code;
  std::string output;  // stdout + stderr
};

/// Equal up to floating-point noise: the text around numbers must match
/// exactly, integers exactly, decimals to 1e-6 relative (a BLAS kernel on
/// another CPU may sum in another order; counts must never drift).
::testing::AssertionResult same_up_to_rounding(const std::string& a, const std::string& b) {
  static const std::regex number(R"(-?\d+(\.\d+)?([eE][-+]?\d+)?)");
  auto split = [](const std::string& s, std::string& skeleton, std::vector<std::string>& nums) {
    std::size_t last = 0;
    for (auto it = std::sregex_iterator(s.begin(), s.end(), number); it != std::sregex_iterator(); ++it) {
      skeleton += s.substr(last, it->position() - last) + "#";
      nums.push_back(it->str());
      last = it->position() + it->length();
    }
    skeleton += s.substr(last);
  };
  std::string sa, sb;
  std::vector<std::string> na, nb;
  split(a, sa, na);
  split(b, sb, nb);
  if (sa != sb || na.size() != nb.size()) return ::testing::AssertionFailure() << "text differs";
  for (std::size_t i = 0; i < na.size(); ++i) {
    if (na[i] == nb[i]) continue;
    const bool integer = na[i].find_first_of(".eE") == std::string::npos && nb[i].find_first_of(".eE") == std::string::npos;
    const double x = std::stod(na[i]), y = std::stod(nb[i]);
    if (integer || std::abs(x - y) > 1e-6 * std::max({std::abs(x), std::abs(y), 1e-3}))
      return ::testing::AssertionFailure() << "number " << i << ": " << na[i] << " vs " << nb[i];
  }
  return ::testing::AssertionSuccess();
}

Outcome run(const std::string& args) {
  const std::string cmd = std::string(TRACER_BENCH_EXE) + " " + args + " 2>&1";
  FILE* pipe = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf{};
  while (pipe && fgets(buf.data(), buf.size(), pipe)) out += buf.data();
  const int status = pipe ? pclose(pipe) : -1;
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("tracer_cli_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    // A small 3-class problem: 300 traces, 90 test rows, 6-d embeddings.
    Rng rng(5);
    const char* labels[] = {"alpha|one", "beta", "gamma"};
    std::ofstream(dir_ / "labels.txt") << "alpha|one\nbeta\ngamma\n";
    auto table = [&](const std::string& name, std::size_t n, arma::mat& X) {
      std::ofstream f(dir_ / name);
      f << "\"id\",\"text\",\"label\",\"teacher_x\"\n";
      X.set_size(n, 6);
      for (std::size_t i = 0; i < n; ++i) {
        const std::size_t c = i % 3;
        for (std::size_t j = 0; j < 6; ++j) X(i, j) = (j == c ? 2.0 : 0.0) + 0.8 * rng.normal();
        const std::size_t teacher = rng.uniform() < 0.9 ? c : (c + 1) % 3;
        f << "\"" << name << "-" << i << "\",\"text " << i << ", with \"\"quotes\"\"\",\"" << labels[c] << "\",\""
          << labels[teacher] << "\"\n";
      }
    };
    arma::mat Xtr, Xte;
    table("train.csv", 300, Xtr);
    table("test.csv", 90, Xte);
    write_npy(dir_ / "e_train.npy", Xtr);
    write_npy(dir_ / "e_test.npy", Xte);
    write_config(valid_config());
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string valid_config() const {
    return R"([experiment]
name = "tiny"
seed = 3
output_dir = "out"
[data]
train = "train.csv"
test = "test.csv"
labels = "labels.txt"
[[encoders]]
name = "e"
train = "e_train.npy"
test = "e_test.npy"
[[teachers]]
name = "gt"
column = "label"
[[teachers]]
name = "noisy"
column = "teacher_x"
[protocol]
days = 3
alphas = [0.8, 0.9]
split = { train = 0.55, val = 0.15, cal = 0.15, shadow = 0.15 }
[gate]
modes = ["paper", "certified"]
[zoo]
candidates = ["logreg_c1", "logreg_c10"]
[cost]
input_tokens = 800
output_tokens = 15
usd_per_million_input = 3.0
usd_per_million_output = 15.0
queries_per_day = 10000
)";
  }
  void write_config(const std::string& text) { std::ofstream(dir_ / "exp.toml") << text; }
  std::string cfg() const { return (dir_ / "exp.toml").string(); }

  fs::path dir_;
};

TEST_F(CliTest, TinyExperimentWritesEveryResultFileDeterministically) {
  const Outcome a = run(cfg() + " --quiet --threads 1");
  ASSERT_EQ(a.exit_code, 0) << a.output;
  for (const char* f : {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv", "report.md",
                        "manifest.json", "timings.json"})
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

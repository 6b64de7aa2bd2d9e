#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "io/config.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tracer_config_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    for (const char* f : {"train.csv", "test.csv", "labels.txt", "e_train.npy", "e_test.npy"})
      std::ofstream(dir_ / f) << "x\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string valid() const {
    return R"([experiment]
name = "toy"
seed = 1
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
[protocol]
days = 5
alphas = [0.8, 0.9]
split = { train = 0.55, val = 0.15, cal = 0.15, shadow = 0.15 }
[gate]
modes = ["paper", "certified"]
[zoo]
candidates = ["logreg_c1"]
[cost]
input_tokens = 800
output_tokens = 15
usd_per_million_input = 3.0
usd_per_million_output = 15.0
queries_per_day = 10000
)";
  }

  fs::path write(const std::string& text) {
    const fs::path p = dir_ / "exp.toml";
    std::ofstream(p) << text;
    return p;
  }

  std::string error_of(const std::string& text) {
    try {
      load_config(write(text));
    } catch (const ConfigError& e) {
      return e.what();
    }
    return "";
  }

  static std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return s.replace(pos, from.size(), to);
  }

  fs::path dir_;
};

TEST_F(ConfigTest, ValidConfigLoadsWithResolvedPaths) {
  const ExperimentConfig c = load_config(write(valid()));
  EXPECT_EQ(c.name, "toy");
  EXPECT_EQ(c.protocol.days, 5u);
  EXPECT_EQ(c.protocol.alphas.size(), 2u);
  EXPECT_EQ(c.protocol.gate.modes.size(), 2u);
  EXPECT_EQ(c.train_table, (dir_ / "train.csv").lexically_normal());
  EXPECT_EQ(c.encoders.at(0).name, "e");
  EXPECT_NE(config_to_toml(c).find("alphas"), std::string::npos);
}

TEST_F(ConfigTest, UnknownKeyNamesTheKey) {
  const std::string err = error_of(replace(valid(), "days = 5", "days = 5\naplhas = [0.9]"));
  EXPECT_NE(err.find("protocol.aplhas"), std::string::npos) << err;
  EXPECT_NE(err.find("unknown key"), std::string::npos) << err;
}

TEST_F(ConfigTest, UnknownTopLevelTableIsAnError) {
  const std::string err = error_of(valid() + "[extra]\nx = 1\n");
  EXPECT_NE(err.find("'extra'"), std::string::npos) << err;
}

TEST_F(ConfigTest, OutOfRangeValueSaysWhatWasExpected) {
  const std::string err = error_of(replace(valid(), "alphas = [0.8, 0.9]", "alphas = [0.8, 1.5]"));
  EXPECT_NE(err.find("protocol.alphas"), std::string::npos) << err;
  EXPECT_NE(err.find("expected values in [0.5, 0.9999]"), std::string::npos) << err;
}

TEST_F(ConfigTest, SplitMustSumToOne) {
  const std::string err = error_of(replace(valid(), "shadow = 0.15", "shadow = 0.25"));
  EXPECT_NE(err.find("sum to"), std::string::npos) << err;
}

TEST_F(ConfigTest, MissingFileNamesKeyAndPath) {
  const std::string err = error_of(replace(valid(), "test = \"e_test.npy\"", "test = \"nope.npy\""));
  EXPECT_NE(err.find("encoders[0].test"), std::string::npos) << err;
  EXPECT_NE(err.find("nope.npy"), std::string::npos) << err;
}

TEST_F(ConfigTest, UnknownSurrogateAndBadParameterAreErrors) {
  EXPECT_NE(error_of(replace(valid(), "[\"logreg_c1\"]", "[\"logreg_c3\"]")).find("unknown surrogate 'logreg_c3'"),
            std::string::npos);
  const std::string err = error_of(valid() + "[zoo.params.logreg_c1]\nC = -1.0\n");
  EXPECT_NE(err.find("C must be > 0"), std::string::npos) << err;
}

TEST_F(ConfigTest, UnknownGateModeIsAnError) {
  const std::string err = error_of(replace(valid(), "\"certified\"]", "\"strict\"]"));
  EXPECT_NE(err.find("'strict'"), std::string::npos) << err;
}

TEST_F(ConfigTest, SyntaxErrorGivesLine) {
  const std::string err = error_of("[experiment\nname=1\n");
  EXPECT_NE(err.find("exp.toml:1"), std::string::npos) << err;
}

TEST_F(ConfigTest, MissingRequiredKey) {
  const std::string err = error_of(replace(valid(), "seed = 1\n", ""));
  EXPECT_NE(err.find("experiment.seed"), std::string::npos) << err;
  EXPECT_NE(err.find("required"), std::string::npos) << err;
}

}  // namespace
}  // namespace tracer

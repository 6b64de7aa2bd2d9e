#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "io/config.hpp"
#include "io/config_schema.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

std::string read_text(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("tracer_config_" + std::to_string(::getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    for (const char* f :
         {"train.csv", "test.csv", "labels.txt", "e_train.npy", "e_test.npy", "g_train.npy", "g_test.npy"})
      std::ofstream(dir_ / f) << "x\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  static std::string valid() {
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
    return "(no error)";
  }

  static std::string replace(std::string s, const std::string& from, const std::string& to) {
    const auto pos = s.find(from);
    EXPECT_NE(pos, std::string::npos) << from;
    return pos == std::string::npos ? s : s.replace(pos, from.size(), to);
  }

  /// 1-based line of the first occurrence of `what` in `text`.
  static std::size_t line_of(const std::string& text, const std::string& what) {
    const auto pos = text.find(what);
    EXPECT_NE(pos, std::string::npos) << what;
    return 1 +
           static_cast<std::size_t>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
  }

  /// The error for `text` names the file and line, the key and the expectation.
  void expect_error(const std::string& text, std::size_t line, const std::string& key, const std::string& expectation) {
    const std::string err = error_of(text);
    const std::string at = fmt_at(line);
    EXPECT_EQ(err.rfind(at, 0), 0u) << "expected it to start with '" << at << "': " << err;
    EXPECT_NE(err.find(key), std::string::npos) << "key " << key << ": " << err;
    EXPECT_NE(err.find(expectation), std::string::npos) << "expectation " << expectation << ": " << err;
  }

  std::string fmt_at(std::size_t line) const {
    return (dir_ / "exp.toml").string() + ":" + std::to_string(line) + ": ";
  }

  fs::path dir_;
};

TEST_F(ConfigTest, ValidConfigLoadsWithResolvedPathsAndDefaults) {
  const ExperimentConfig c = load_config(write(valid()));
  EXPECT_EQ(c.name, "toy");
  EXPECT_EQ(c.protocol.days, 5u);
  EXPECT_EQ(c.protocol.alphas.size(), 2u);
  EXPECT_EQ(c.protocol.gate.modes, (std::vector<GateMode>{GateMode::kPaper, GateMode::kCertified}));
  EXPECT_EQ(c.train_table, (dir_ / "train.csv").lexically_normal());
  EXPECT_EQ(c.output_dir, (dir_ / "../results/toy").lexically_normal());
  EXPECT_EQ(c.encoders.at(0).name, "e");
  EXPECT_EQ(c.trace_format, "csv");
  EXPECT_EQ(c.paper_reference, "none");
  EXPECT_EQ(c.cost.days_per_year, 365.0);
  EXPECT_EQ(c.protocol.baseline_model.name, "logreg_c1");
  EXPECT_NE(config_to_toml(c).find("alphas"), std::string::npos);
}

// ---- one test per kind of error: file, line, [section] key, expectation -----

TEST_F(ConfigTest, UnknownKeyListsTheKnownKeys) {
  const std::string text = replace(valid(), "days = 5", "days = 5\naplhas = [0.9]");
  expect_error(text, line_of(text, "aplhas"), "[protocol] aplhas: unknown key",
               "known keys in [protocol]: days, alphas, pool_sizes, baseline_holdout, max_fit_labels, "
               "resplit_per_seed, labels, audit_rates, split");
}

TEST_F(ConfigTest, LabelsRegimesAndAuditRatesAreCheckedTogether) {
  const std::string base = valid();
  auto with = [&](const std::string& lines) { return replace(base, "days = 5\n", "days = 5\n" + lines); };
  // "all" first: the paper's protocol is every production arm's reference.
  const std::string no_all = with("labels = [\"deferred\", \"all\"]\naudit_rates = [0.05]\n");
  expect_error(no_all, line_of(no_all, "labels = ["), "labels", "starting with \"all\"");
  const std::string no_rates = with("labels = [\"all\", \"deferred\"]\n");
  EXPECT_NE(error_of(no_rates).find("audit_rates"), std::string::npos) << error_of(no_rates);
  EXPECT_NE(error_of(no_rates).find("is missing"), std::string::npos) << error_of(no_rates);
  const std::string stray = with("labels = [\"all\", \"deferred-no-audit\"]\naudit_rates = [0.05]\n");
  expect_error(stray, line_of(stray, "audit_rates ="), "audit_rates", "only the \"deferred\" arms audit");
  const std::string bad_rate = with("labels = [\"all\", \"deferred\"]\naudit_rates = [0.0]\n");
  expect_error(bad_rate, line_of(bad_rate, "audit_rates ="), "audit_rates", "0.001");
  const std::string bad_name = with("labels = [\"all\", \"audited\"]\n");
  expect_error(bad_name, line_of(bad_name, "labels = ["), "labels", "deferred-no-audit");
  const ExperimentConfig ok = load_config(write(with("labels = [\"all\", \"deferred\"]\naudit_rates = [0.02, 0.1]\n")));
  EXPECT_EQ(ok.protocol.labels, (std::vector<LabelsMode>{LabelsMode::kAll, LabelsMode::kDeferred}));
  EXPECT_EQ(ok.protocol.audit_rates, (std::vector<double>{0.02, 0.1}));
}

TEST_F(ConfigTest, UnknownTopLevelTableIsAnError) {
  const std::string text = valid() + "[extra]\nx = 1\n";
  expect_error(text, line_of(text, "[extra]"), "[extra]: unknown table", "known tables: experiment, data,");
}

TEST_F(ConfigTest, WrongTypeNamesValueAndExpectedType) {
  const std::string text = replace(valid(), "days = 5", "days = \"five\"");
  expect_error(text, line_of(text, "days"), "[protocol] days: got \"five\"", "expected an integer in [1, 365]");
  const std::string t2 = replace(valid(), "[\"paper\", \"certified\"]", "\"paper\"");
  expect_error(t2, line_of(t2, "modes"), "[gate] modes: got \"paper\"",
               "expected a non-empty array of distinct strings, each one of \"paper\", \"certified\"");
}

TEST_F(ConfigTest, NonIntegerForAnIntegerKey) {
  const std::string text = replace(valid(), "days = 5", "days = 5.0");
  expect_error(text, line_of(text, "days"), "[protocol] days: got 5.0, not an integer",
               "expected an integer in [1, 365]");
  const std::string t2 = replace(valid(), "days = 5", "days = 5\npool_sizes = [\n  2000,\n  2500.5,\n]");
  expect_error(t2, line_of(t2, "2500.5"), "[protocol] pool_sizes: got 2500.5, not an integer",
               "integers in [10, 1000000000]");
}

TEST_F(ConfigTest, OutOfRangeValueSaysWhatWasExpected) {
  const std::string text = replace(valid(), "alphas = [0.8, 0.9]", "alphas = [0.8, 1.5]");
  expect_error(text, line_of(text, "alphas"), "[protocol] alphas: got 1.5",
               "expected a non-empty array of distinct numbers in [0.5, 0.9999]");
  const std::string t2 = replace(valid(), "seed = 1", "seed = -3");
  expect_error(t2, line_of(t2, "seed"), "[experiment] seed: got -3", "expected an integer in [0, 2^63 - 1]");
}

TEST_F(ConfigTest, MissingRequiredKeyPointsAtItsTable) {
  const std::string text = replace(valid(), "seed = 1\n", "");
  expect_error(text, 1, "[experiment] seed: missing", "expected an integer in [0, 2^63 - 1]");
  expect_error(replace(valid(), "queries_per_day = 10000\n", ""), line_of(valid(), "[cost]"),
               "[cost] queries_per_day: missing", "expected a number in [0, 1000000000000]");
}

TEST_F(ConfigTest, MissingSectionIsNamed) {
  const std::string text = replace(valid(), "[[teachers]]\nname = \"gt\"\ncolumn = \"label\"\n", "");
  const std::string err = error_of(text);
  EXPECT_EQ(err.rfind((dir_ / "exp.toml").string() + ": [teachers]: missing", 0), 0u) << err;
  EXPECT_NE(err.find("[teachers]: missing; expected a non-empty array of tables, written [[teachers]]"),
            std::string::npos)
      << err;
}

TEST_F(ConfigTest, MissingDataFileNamesKeyAndPath) {
  const std::string text = replace(valid(), "test = \"e_test.npy\"", "test = \"nope.npy\"");
  expect_error(text, line_of(text, "nope.npy"), "[encoders[0]] test: file '", "nope.npy' does not exist");
}

TEST_F(ConfigTest, MissingConfigFileIsAConfigError) {
  try {
    load_config(dir_ / "absent.toml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_NE(std::string(e.what()).find("absent.toml' does not exist"), std::string::npos) << e.what();
  }
}

TEST_F(ConfigTest, SyntaxErrorGivesLine) {
  const std::string err = error_of("[experiment]\nname = \"x\"\n[data\n");
  EXPECT_NE(err.find("exp.toml:3:"), std::string::npos) << err;
  EXPECT_NE(err.find("TOML syntax error"), std::string::npos) << err;
}

TEST_F(ConfigTest, BadStringChoice) {
  const std::string text = replace(valid(), "seed = 1", "seed = 1\npaper_reference = \"imagenet\"");
  expect_error(text, line_of(text, "paper_reference"), "[experiment] paper_reference: got \"imagenet\"",
               "expected one of \"banking77\", \"clinc150\", \"mnli\", \"none\"");
  const std::string t2 = replace(valid(), "name = \"toy\"", "name = \"a b\"");
  expect_error(t2, 2, "[experiment] name: got \"a b\"", "no slashes or spaces");
}

TEST_F(ConfigTest, UnknownGateModeIsAnError) {
  const std::string text = replace(valid(), "\"certified\"]", "\"strict\"]");
  expect_error(text, line_of(text, "modes"), "[gate] modes: got \"strict\"",
               "each entry one of \"paper\", \"certified\", \"certified-fine\", \"certified-coarse\", "
               "\"certified-bonferroni\", \"certified-flywheel\", \"certified-datawalk\"");
}

TEST_F(ConfigTest, AlphasMustIncrease) {
  const std::string text = replace(valid(), "alphas = [0.8, 0.9]", "alphas = [0.9, 0.8]");
  expect_error(text, line_of(text, "alphas"), "[protocol] alphas: got [0.9, 0.8]", "in increasing order");
}

TEST_F(ConfigTest, SplitMustSumToOne) {
  const std::string text = replace(valid(), "shadow = 0.15", "shadow = 0.25");
  expect_error(text, line_of(text, "split"), "[protocol] split: train + val + cal + shadow = 1.1",
               "expected fractions that sum to 1");
}

TEST_F(ConfigTest, UnknownSurrogateAndBadParameterAreErrors) {
  const std::string text = replace(valid(), "[\"logreg_c1\"]", "[\"logreg_c3\"]");
  expect_error(text, line_of(text, "logreg_c3"), "[zoo] candidates: got \"logreg_c3\"",
               "each entry one of \"logreg_c1\"");
  const std::string t2 = valid() + "[zoo.params.logreg_c1]\nC = -1.0\n";
  expect_error(t2, line_of(t2, "[zoo.params.logreg_c1]"), "[zoo] params.logreg_c1", "C must be > 0");
  const std::string t3 = valid() + "[zoo.params.mlp_1h]\nhidden = 8\n";
  expect_error(t3, line_of(t3, "[zoo.params.mlp_1h]"), "[zoo] params.mlp_1h: not a listed candidate",
               "expected one of the candidates: logreg_c1");
}

TEST_F(ConfigTest, TreesWithExplicitCandidates) {
  const std::string text = replace(valid(), "[zoo]\n", "[zoo]\ntrees = true\n");
  expect_error(text, line_of(text, "trees"), "[zoo] trees: got true together with an explicit candidates list",
               "add dt, rf, et to candidates");
}

TEST_F(ConfigTest, TestFractionNeedsLabelledRows) {
  const std::string text = replace(valid(), "column = \"label\"", "column = \"label\"\ntest_fraction = 0.2");
  expect_error(text, line_of(text, "test_fraction"), "[teachers[0]] test_fraction: got 0.2",
               "expected 0 unless rows = \"labelled\"");
}

TEST_F(ConfigTest, EncoderFileCountsMustMatch) {
  const std::string text = replace(valid(), "test = \"e_test.npy\"", "test = [\"e_test.npy\", \"g_test.npy\"]");
  expect_error(text, line_of(text, "g_test.npy"), "[encoders[0]] test: names 2 file(s)",
               "expected as many files as train (1)");
}

// ---- duplicates in lists: each list has its own message ---------------------

TEST_F(ConfigTest, DuplicateAlphas) {
  const std::string text = replace(valid(), "alphas = [0.8, 0.9]", "alphas = [0.8, 0.9, 0.9]");
  expect_error(text, line_of(text, "alphas"), "[protocol] alphas: 0.9 is listed twice (entries 2 and 3)",
               "expected each value once");
}

TEST_F(ConfigTest, DuplicatePoolSizes) {
  const std::string text = replace(valid(), "days = 5", "days = 5\npool_sizes = [\n  100,\n  200,\n  100,\n]");
  expect_error(text, line_of(text, "  100,\n]"), "[protocol] pool_sizes: 100 is listed twice (entries 1 and 3)",
               "expected each value once");
}

TEST_F(ConfigTest, DuplicateGateModes) {
  const std::string text = replace(valid(), "[\"paper\", \"certified\"]", "[\"paper\", \"paper\"]");
  expect_error(text, line_of(text, "modes"), "[gate] modes: \"paper\" is listed twice", "expected each value once");
}

TEST_F(ConfigTest, DuplicateZooCandidates) {
  const std::string text = replace(valid(), "[\"logreg_c1\"]", "[\"logreg_c1\", \"logreg_c10\", \"logreg_c1\"]");
  expect_error(text, line_of(text, "candidates"), "[zoo] candidates: \"logreg_c1\" is listed twice (entries 1 and 3)",
               "expected each value once");
}

TEST_F(ConfigTest, DuplicateEncoderNames) {
  const std::string text =
      replace(valid(), "[[teachers]]",
              "[[encoders]]\nname = \"e\"\ntrain = \"g_train.npy\"\ntest = \"g_test.npy\"\n[[teachers]]");
  const std::size_t second = line_of(text, "name = \"e\"\ntrain = \"g_train");
  expect_error(text, second,
               "[encoders[1]] name: \"e\" is already the name of encoders[0] (" + (dir_ / "exp.toml").string() + ":9)",
               "expected a distinct name for each [[encoders]] entry");
}

TEST_F(ConfigTest, DuplicateTeacherNames) {
  const std::string text = valid() + "[[teachers]]\nname = \"gt\"\ncolumn = \"teacher_x\"\n";
  const std::size_t second = line_of(text, "name = \"gt\"\ncolumn = \"teacher_x\"");
  expect_error(text, second, "[teachers[1]] name: \"gt\" is already the name of teachers[0]",
               "expected a distinct name for each [[teachers]] entry");
}

// ---- [data] format ----------------------------------------------------------

TEST_F(ConfigTest, DataFormatAcceptsCsvAndJsonl) {
  EXPECT_EQ(load_config(write(replace(valid(), "[data]\n", "[data]\nformat = \"csv\"\n"))).trace_format, "csv");
  const ExperimentConfig c = load_config(write(replace(valid(), "[data]\n", "[data]\nformat = \"jsonl\"\n")));
  EXPECT_EQ(c.trace_format, "jsonl");
  EXPECT_NE(config_to_toml(c).find("format = 'jsonl'"), std::string::npos) << config_to_toml(c);
  // The default is not written, so manifests of csv experiments are unchanged.
  EXPECT_EQ(config_to_toml(load_config(write(valid()))).find("format"), std::string::npos);
}

TEST_F(ConfigTest, DataFormatRejectsOthers) {
  const std::string text = replace(valid(), "[data]\n", "[data]\nformat = \"parquet\"\n");
  expect_error(text, line_of(text, "format"), "[data] format: got \"parquet\"", "expected one of \"csv\", \"jsonl\"");
  const std::string t2 = replace(valid(), "[data]\n", "[data]\nformat = 1\n");
  expect_error(t2, line_of(t2, "format"), "[data] format: got 1", "expected one of \"csv\", \"jsonl\"");
}

// ---- parse_config_text, round trip -------------------------------------------

TEST_F(ConfigTest, ParsesFromMemoryRelativeToTheNamedFile) {
  const ExperimentConfig c = parse_config_text(valid(), dir_ / "not_written.toml");
  EXPECT_EQ(c.labels_file, (dir_ / "labels.txt").lexically_normal());
  EXPECT_EQ(c.config_file, dir_ / "not_written.toml");
  // File checks on by default: a config elsewhere does not find the data.
  EXPECT_THROW(parse_config_text(valid(), dir_ / "sub" / "x.toml"), ConfigError);
  EXPECT_NO_THROW(parse_config_text(valid(), dir_ / "sub" / "x.toml", FileChecks::kSkip));
}

void expect_same(const ExperimentConfig& a, const ExperimentConfig& b) {
  EXPECT_EQ(a.base_dir, b.base_dir);
  EXPECT_EQ(a.name, b.name);
  EXPECT_EQ(a.description, b.description);
  EXPECT_EQ(a.output_dir, b.output_dir);
  EXPECT_EQ(a.seed, b.seed);
  EXPECT_EQ(a.n_seeds, b.n_seeds);
  EXPECT_EQ(a.paper_reference, b.paper_reference);
  EXPECT_EQ(a.train_table, b.train_table);
  EXPECT_EQ(a.test_table, b.test_table);
  EXPECT_EQ(a.labels_file, b.labels_file);
  EXPECT_EQ(a.trace_format, b.trace_format);
  ASSERT_EQ(a.encoders.size(), b.encoders.size());
  for (std::size_t i = 0; i < a.encoders.size(); ++i) {
    EXPECT_EQ(a.encoders[i].name, b.encoders[i].name);
    EXPECT_EQ(a.encoders[i].train, b.encoders[i].train);
    EXPECT_EQ(a.encoders[i].test, b.encoders[i].test);
  }
  ASSERT_EQ(a.teachers.size(), b.teachers.size());
  for (std::size_t i = 0; i < a.teachers.size(); ++i) {
    EXPECT_EQ(a.teachers[i].name, b.teachers[i].name);
    EXPECT_EQ(a.teachers[i].column, b.teachers[i].column);
    EXPECT_EQ(a.teachers[i].rows, b.teachers[i].rows);
    EXPECT_EQ(a.teachers[i].test_fraction, b.teachers[i].test_fraction);
  }
  EXPECT_EQ(a.pool_sizes, b.pool_sizes);
  const ProtocolSettings &p = a.protocol, &q = b.protocol;
  EXPECT_EQ(p.days, q.days);
  EXPECT_EQ(p.alphas, q.alphas);
  EXPECT_EQ(p.split.train, q.split.train);
  EXPECT_EQ(p.split.val, q.split.val);
  EXPECT_EQ(p.split.cal, q.split.cal);
  EXPECT_EQ(p.split.shadow, q.split.shadow);
  EXPECT_EQ(p.gate.modes, q.gate.modes);
  EXPECT_EQ(p.gate.min_coverage, q.gate.min_coverage);
  EXPECT_EQ(p.gate.min_accepted, q.gate.min_accepted);
  EXPECT_EQ(p.gate.delta, q.gate.delta);
  ASSERT_EQ(p.candidates.size(), q.candidates.size());
  for (std::size_t i = 0; i < p.candidates.size(); ++i) {
    EXPECT_EQ(p.candidates[i].name, q.candidates[i].name);
    EXPECT_EQ(p.candidates[i].params, q.candidates[i].params);
  }
  EXPECT_EQ(p.baseline_model.name, q.baseline_model.name);
  EXPECT_EQ(p.baseline_model.params, q.baseline_model.params);
  EXPECT_EQ(p.baseline_holdout, q.baseline_holdout);
  EXPECT_EQ(p.threads, q.threads);
  EXPECT_EQ(a.cost.input_tokens_per_call, b.cost.input_tokens_per_call);
  EXPECT_EQ(a.cost.output_tokens_per_call, b.cost.output_tokens_per_call);
  EXPECT_EQ(a.cost.usd_per_million_input, b.cost.usd_per_million_input);
  EXPECT_EQ(a.cost.usd_per_million_output, b.cost.usd_per_million_output);
  EXPECT_EQ(a.cost.queries_per_day, b.cost.queries_per_day);
  EXPECT_EQ(a.cost.days_per_year, b.cost.days_per_year);
}

TEST_F(ConfigTest, RoundTripThroughTheDumpGivesAnEqualConfig) {
  std::string text = replace(valid(), "seed = 1",
                             "seed = 9223372036854775807\nseeds = 3\nthreads = 2\n"
                             "description = \"d\"\noutput_dir = \"out/x\"\npaper_reference = \"mnli\"");
  text = replace(text, "[data]\n", "[data]\nformat = \"jsonl\"\n");
  text = replace(text, "test = \"e_test.npy\"",
                 "test = \"e_test.npy\"\n[[encoders]]\nname = \"two\"\n"
                 "train = [\"e_train.npy\", \"g_train.npy\"]\ntest = [\"e_test.npy\", \"g_test.npy\"]");
  text = replace(text, "column = \"label\"", "column = \"label\"\nrows = \"labelled\"\ntest_fraction = 0.25");
  text = replace(text, "days = 5", "days = 7\npool_sizes = [100, 2000]\nbaseline_holdout = 0.3");
  text = replace(text, "modes = [\"paper\", \"certified\"]",
                 "modes = [\"certified-bonferroni\", \"paper\"]\nmin_coverage = 0.1\nmin_accepted = 3\ndelta = 0.05");
  text = replace(text, "candidates = [\"logreg_c1\"]",
                 "candidates = [\"mlp_1h\", \"logreg_c10\"]\nbaseline = \"logreg_c10\"");
  text += "days_per_year = 360\n[zoo.params.logreg_c10]\nC = 2.5\n";
  const ExperimentConfig a = load_config(write(text));
  EXPECT_EQ(a.protocol.baseline_model.params.at("C"), 2.5);
  const std::string dumped = config_to_toml(a);
  const ExperimentConfig b = parse_config_text(dumped, a.config_file);
  expect_same(a, b);
  EXPECT_EQ(config_to_toml(b), dumped);
  // Defaults round-trip too.
  const ExperimentConfig c = load_config(write(valid()));
  expect_same(c, parse_config_text(config_to_toml(c), c.config_file));
}

// ---- any text gives a config or a ConfigError ----------------------------------

TEST_F(ConfigTest, OddInputsGiveConfigErrorsOnly) {
  const std::vector<std::string> inputs = {
      "",
      "\x01\x02",
      "seed = 1",
      "experiment = 3",
      "[experiment]\nname = \"x\"\nseed = 99999999999999999999999\n",
      "[[experiment]]\nname = \"x\"\n",
      "[experiment]\nname = \"x\"\nseed = 1\n[data]\ntrain = 1\n",
      "encoders = []",
      "[protocol]\nsplit = 3\n",
      "protocol = [1, 2]",
      "[experiment]\nname = \"\"\nseed = 1\n",
      "[experiment]\nname = \"x\\u0000y\"\nseed = 1\n",
      replace(valid(), "train = \"train.csv\"", "train = \"\""),
      replace(valid(), "train = \"train.csv\"", "train = \"" + std::string(5000, 'a') + "\""),
      replace(valid(), "alphas = [0.8, 0.9]", "alphas = [nan]"),
      replace(valid(), "alphas = [0.8, 0.9]", "alphas = [[0.8]]"),
      replace(valid(), "alphas = [0.8, 0.9]", "alphas = []"),
      replace(valid(), "[zoo]\n", "[zoo]\nparams = 3\n"),
      valid() + "[zoo.params.logreg_c1]\nC = \"x\"\n",
      valid() + "[zoo.params]\nlogreg_c1 = 2\n",
      replace(valid(), "days = 5", "days = 1979-05-27"),
  };
  for (const auto& text : inputs) {
    try {
      parse_config_text(text, dir_ / "odd.toml");
      ADD_FAILURE() << "accepted:\n" << text;
    } catch (const ConfigError&) {
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a ConfigError (" << e.what() << ") for:\n" << text;
    }
  }
  EXPECT_THROW(parse_config_text(valid(), ""), ConfigError);
}

TEST_F(ConfigTest, RandomMutationsGiveAConfigOrAConfigError) {
  std::mt19937 rng(20260422);
  const std::string base = valid() + "[zoo.params.logreg_c1]\nC = 0.5\n";
  const std::string alphabet = "[]{}=\"',.#\n 0123456789-+.eEnaifx_";
  int errors = 0;
  for (int iter = 0; iter < 3000; ++iter) {
    std::string text = base;
    const int edits = 1 + static_cast<int>(rng() % 4);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t pos = rng() % text.size();
      switch (rng() % 3) {
        case 0:
          text.erase(pos, 1 + rng() % 8);
          break;
        case 1:
          text.insert(pos, 1, alphabet[rng() % alphabet.size()]);
          break;
        default:
          text[pos] = alphabet[rng() % alphabet.size()];
          break;
      }
    }
    try {
      parse_config_text(text, dir_ / "fuzz.toml", FileChecks::kSkip);
    } catch (const ConfigError&) {
      ++errors;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not a ConfigError (" << e.what() << ") for:\n" << text;
      return;
    }
  }
  EXPECT_GT(errors, 100);
}

// ---- one source of truth ------------------------------------------------------

TEST(ConfigDefaults, TableDefaultsEqualTheStructDefaults) {
  // The structs keep default member initialisers (tests build ProtocolSettings
  // directly); for every key the table gives a default, the struct must agree.
  ExperimentConfig c;
  c.encoders.resize(1);
  c.teachers.resize(1);
  int compared = 0;
  for (const auto& k : config_schema::keys()) {
    if (std::holds_alternative<std::monostate>(k.def)) continue;
    EXPECT_TRUE(k.get(c, 0) == k.def) << "[" << k.section << "] " << k.name << ": table default "
                                      << config_schema::default_text(k) << " differs from the struct's";
    ++compared;
  }
  EXPECT_GE(compared, 15);
}

TEST(ConfigDefaults, EveryKeyIsDocumentedAndBelongsToASection) {
  for (const auto& k : config_schema::keys()) {
    EXPECT_FALSE(k.doc.empty()) << k.name;
    EXPECT_TRUE(k.set && k.get) << k.name;
    bool found = false;
    for (const auto& s : config_schema::sections()) found = found || s.name == k.section;
    EXPECT_TRUE(found) << k.section;
  }
}

// ---- the reference document ------------------------------------------------------

TEST(ConfigReference, DocsConfigMdIsUpToDate) {
  const fs::path doc = fs::path(TRACER_SOURCE_DIR) / "docs" / "config.md";
  const std::string generated = config_reference_markdown();
  if (const char* w = std::getenv("TRACER_WRITE_CONFIG_DOC"); w && std::string(w) == "1") {
    std::ofstream(doc, std::ios::binary) << generated;
    std::cout << "wrote " << doc << "\n";
  }
  EXPECT_TRUE(read_text(doc) == generated)
      << doc << " is stale: it differs from config_reference_markdown(). Regenerate it with\n"
      << "  TRACER_WRITE_CONFIG_DOC=1 build/test_config --gtest_filter=ConfigReference.*\n"
      << "and commit the result.";
  for (const auto& k : config_schema::keys())
    EXPECT_NE(generated.find("| `" + k.name + "` |"), std::string::npos) << k.name;
}

// ---- every committed experiment ----------------------------------------------------

TEST(CommittedExperiments, LoadAndDumpAsTheirManifestsRecord) {
  const fs::path root(TRACER_SOURCE_DIR);
  int n = 0;
  for (const auto& entry : fs::directory_iterator(root / "experiments")) {
    if (entry.path().extension() != ".toml") continue;
    ++n;
    SCOPED_TRACE(entry.path().string());
    // Without file checks: the prepared data is not part of the repository.
    ExperimentConfig c;
    ASSERT_NO_THROW(c = load_config(entry.path(), FileChecks::kSkip));
    // With the data prepared (a checkout that ran data_scripts/), every file it names exists.
    if (fs::is_directory(root / "prepared")) {
      EXPECT_NO_THROW(load_config(entry.path()));
    }
    expect_same(c, parse_config_text(config_to_toml(c), c.config_file, FileChecks::kSkip));
    // The resolved dump is byte-identical to what the committed results recorded.
    const fs::path manifest = root / "results" / c.name / "manifest.json";
    if (!fs::exists(manifest)) continue;
    const auto m = nlohmann::json::parse(read_text(manifest));
    EXPECT_EQ(config_to_toml(c), m.at("resolved_config_toml").get<std::string>());
  }
  EXPECT_GE(n, 7);
}

}  // namespace
}  // namespace tracer

// The artifact files and report section: JSON against the documented schema
// (docs/artifacts_schema.md), Markdown tables that survive labels and texts
// with pipes and newlines, deterministic bytes, and plots with and without
// gnuplot.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <unistd.h>

#include "core/errors.hpp"
#include "io/artifacts_writer.hpp"
#include "io/atomic_file.hpp"
#include "io/format.hpp"
#include "io/names.hpp"
#include "io/plots.hpp"
#include "hand_results.hpp"
#include "protocol/analysis.hpp"
#include "protocol/results.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;  // keeps the file's key order, which the schema fixes

using testing_hand::Data;

/// The artifact files, plots and the report's artifact + plot sections of `r`,
/// written into `dir` as a results folder would hold them.
std::string write_artifacts(const ExperimentResults& r, const fs::path& dir) {
  ResultFiles files;
  fs::create_directories(dir / "plots");
  PlotSink sink(files, find_gnuplot(), dir / "plots");
  const ArtifactOutputs out = artifact_outputs(r, files);
  const std::string md = out.markdown + plots_markdown(r, out.label_rates, sink);
  for (const auto& [rel, content] : files) write_file_atomic(dir / rel, content);
  return md;
}

// ---- the documented key table ------------------------------------------------

struct DocKey {
  std::string path;
  std::vector<std::string> types;
};

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t"), e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

std::vector<DocKey> documented_keys() {
  std::ifstream in(std::string(TRACER_SOURCE_DIR) + "/docs/artifacts_schema.md");
  EXPECT_TRUE(in) << "docs/artifacts_schema.md not found";
  std::vector<DocKey> keys;
  std::string line;
  bool in_keys = false;
  while (std::getline(in, line)) {
    if (line.rfind("## ", 0) == 0) in_keys = line == "## Keys";
    if (!in_keys || line.rfind("| `", 0) != 0) continue;
    std::vector<std::string> cells;
    std::stringstream ss(line.substr(1));
    for (std::string c; std::getline(ss, c, '|');) cells.push_back(trim(c));
    EXPECT_GE(cells.size(), 2u) << line;
    DocKey k;
    k.path = cells[0].substr(1, cells[0].size() - 2);  // strip backticks
    std::string t = cells[1];
    for (std::size_t p; (p = t.find(" or ")) != std::string::npos; t = t.substr(p + 4))
      k.types.push_back(t.substr(0, p));
    k.types.push_back(t);
    keys.push_back(k);
  }
  return keys;
}

bool has_type(const json& v, const std::string& t) {
  if (t == "string") return v.is_string();
  if (t == "integer") return v.is_number_integer();
  if (t == "number") return v.is_number();
  if (t == "boolean") return v.is_boolean();
  if (t == "array") return v.is_array();
  if (t == "object") return v.is_object();
  if (t == "null") return v.is_null();
  ADD_FAILURE() << "unknown documented type '" << t << "'";
  return false;
}

/// Every value at `path` ("a.b[].c"); `missing` is set when an object on the
/// way lacks the key.
void collect(const json& j, const std::vector<std::string>& parts, std::size_t i, std::vector<const json*>& out,
             bool& missing) {
  if (i == parts.size()) {
    out.push_back(&j);
    return;
  }
  std::string key = parts[i];
  const bool each = key.size() > 2 && key.substr(key.size() - 2) == "[]";
  if (each) key.resize(key.size() - 2);
  if (!j.is_object() || !j.contains(key)) {
    missing = true;
    return;
  }
  const json& v = j.at(key);
  if (!each) return collect(v, parts, i + 1, out, missing);
  if (!v.is_array()) {
    missing = true;
    return;
  }
  for (const json& e : v) collect(e, parts, i + 1, out, missing);
}

std::vector<std::string> split_path(const std::string& p) {
  std::vector<std::string> parts;
  std::stringstream ss(p);
  for (std::string s; std::getline(ss, s, '.');) parts.push_back(s);
  return parts;
}

/// Object keys in document order, per parent path ("" = top level).
void key_lists(const json& j, const std::string& prefix,
               std::map<std::string, std::vector<std::vector<std::string>>>& out) {
  if (j.is_object()) {
    std::vector<std::string> keys;
    for (auto it = j.begin(); it != j.end(); ++it) keys.push_back(it.key());
    out[prefix].push_back(keys);
    for (auto it = j.begin(); it != j.end(); ++it)
      key_lists(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
  } else if (j.is_array()) {
    for (const json& e : j) key_lists(e, prefix + "[]", out);
  }
}

/// `exercised`: every documented path must be reached (the test data has no
/// empty arrays); else only keys that are present are type-checked.
void check_against_schema(const std::string& text, bool exercised = true) {
  const json j = json::parse(text);  // throws (fails the test) on malformed JSON
  const std::vector<DocKey> keys = documented_keys();
  ASSERT_GT(keys.size(), 50u);
  std::map<std::string, std::vector<std::string>> doc_children;
  for (const DocKey& k : keys) {
    const auto dot = k.path.rfind('.');
    doc_children[dot == std::string::npos ? "" : k.path.substr(0, dot)].push_back(
        dot == std::string::npos ? k.path : k.path.substr(dot + 1));
    std::vector<const json*> values;
    bool missing = false;
    collect(j, split_path(k.path), 0, values, missing);
    EXPECT_FALSE(missing) << "documented key missing somewhere: " << k.path;
    if (exercised) {
      EXPECT_FALSE(values.empty()) << "the test data does not exercise " << k.path;
    }
    for (const json* v : values) {
      bool ok = false;
      for (const auto& t : k.types) ok = ok || has_type(*v, t);
      EXPECT_TRUE(ok) << k.path << " is " << v->type_name() << ", documented as " << ::testing::PrintToString(k.types);
    }
  }
  // Each object has exactly the documented keys, in the documented order.
  std::map<std::string, std::vector<std::vector<std::string>>> actual;
  key_lists(j, "", actual);
  for (const auto& [parent, lists] : actual) {
    ASSERT_TRUE(doc_children.count(parent)) << "undocumented object at '" << parent << "'";
    for (const auto& l : lists) EXPECT_EQ(l, doc_children.at(parent)) << "keys of '" << parent << "'";
  }
  EXPECT_EQ(j.at("schema_version").get<int>(), kArtifactsSchemaVersion);
}

TEST(ArtifactsWriter, JsonHasEveryDocumentedKeyWithItsType) {
  const Data d;
  const ArtifactSet s = d.set2();
  check_against_schema(artifacts_to_json(s, d.ctx(d.day2)).dump(2));
}

TEST(ArtifactsWriter, JsonValuesMatchTheComputation) {
  const Data d;
  const json j = json::parse(artifacts_to_json(d.set2(), d.ctx(d.day2)).dump());
  EXPECT_EQ(j["slices"]["labels"][0]["name"], "alpha|one");
  EXPECT_EQ(j["boundary_pairs"]["pairs"][0]["handled"]["row"], 2);
  EXPECT_EQ(j["boundary_pairs"]["pairs"][0]["deferred"]["id"], "id4");
  EXPECT_EQ(j["temporal_deltas"]["previous_day"], 1);
  EXPECT_EQ(j["temporal_deltas"]["deltas"][0]["teacher_label"], "alpha|one");
  EXPECT_EQ(j["disagreements"]["groups"][0]["surrogate_label"], "beta\ntwo");
  EXPECT_EQ(j["collapse"]["collapsed"], false);
  EXPECT_EQ(j["examples"]["cards"][0]["text"], d.texts[0]);  // full text, unescaped
}

TEST(ArtifactsWriter, DayOneSaysNoPreviousRefit) {
  const Data d;
  const ArtifactSet s =
      compute_artifacts(ArtifactInput{d.X, d.teacher, d.names, d.texts, d.day1.test_decision, true, nullptr});
  const json j = json::parse(artifacts_to_json(s, d.ctx(d.day1)).dump());
  EXPECT_TRUE(j["temporal_deltas"]["previous_day"].is_null());
  EXPECT_EQ(j["temporal_deltas"]["note"], "no previous refit (day 1)");
  EXPECT_TRUE(j["temporal_deltas"]["deltas"].empty());
  EXPECT_NE(artifacts_markdown(s, d.ctx(d.day1), "").find("no previous refit"), std::string::npos);
}

// ---- Markdown tables ------------------------------------------------------------

/// Cells of a table row: '|' separators not escaped by an odd run of backslashes.
std::size_t cells(const std::string& row) {
  std::size_t pipes = 0;
  for (std::size_t i = 0; i < row.size(); ++i) {
    if (row[i] != '|') continue;
    std::size_t bs = 0;
    for (std::size_t k = i; k > 0 && row[k - 1] == '\\'; --k) ++bs;
    pipes += bs % 2 == 0;
  }
  return pipes - 1;
}

struct Table {
  std::size_t width = 0, rows = 0;
  bool ragged = false;
};

std::vector<Table> tables(const std::string& md) {
  std::vector<std::string> lines;
  std::stringstream ss(md);
  for (std::string l; std::getline(ss, l);) lines.push_back(l);
  std::vector<Table> out;
  for (std::size_t i = 0; i + 1 < lines.size(); ++i) {
    if (lines[i].rfind("|", 0) != 0 || lines[i + 1].rfind("|---", 0) != 0) continue;
    Table t;
    t.width = cells(lines[i]);
    t.ragged = cells(lines[i + 1]) != t.width;
    std::size_t j = i + 2;
    for (; j < lines.size() && lines[j].rfind("|", 0) == 0; ++j) {
      ++t.rows;
      t.ragged = t.ragged || cells(lines[j]) != t.width;
    }
    out.push_back(t);
    i = j;
  }
  return out;
}

TEST(ArtifactsWriter, MarkdownTablesSurvivePipesAndNewlines) {
  const Data d;
  const std::string md = artifacts_markdown(d.set2(), d.ctx(d.day2), "artifacts/x.json");
  const std::vector<Table> ts = tables(md);
  // slices (2 labels), lengths (3 bins), cards (alpha handled + deferred, beta handled),
  // pairs (alpha), deltas (1 drop, 1 gain), disagreement groups (2).
  const std::vector<std::size_t> expected{2, 3, 3, 1, 2, 2};
  ASSERT_EQ(ts.size(), expected.size()) << md;
  for (std::size_t i = 0; i < ts.size(); ++i) {
    EXPECT_EQ(ts[i].rows, expected[i]) << "table " << i << "\n" << md;
    EXPECT_FALSE(ts[i].ragged) << "table " << i << "\n" << md;
  }
  EXPECT_NE(md.find("alpha\\|one"), std::string::npos);
  EXPECT_NE(md.find("beta<br>two"), std::string::npos);
  EXPECT_EQ(md.find("<b>"), std::string::npos);  // HTML in texts is escaped
}

TEST(ArtifactsWriter, FileTokens) {
  EXPECT_EQ(file_token("bge/large v1.5"), "bge_large_v1.5");
  EXPECT_EQ(artifact_stem("enc__gpt_4", "paper", 3, 0.95), "enc__gpt_4__paper__day3__alpha0.95");
  const Data d;
  ExperimentResults r = d.experiment();
  r.runs[0].teacher = "gpt 4";
  EXPECT_EQ(run_token(r.info, r.runs[0]), "enc__gpt_4");
  r.info.pool_sizes_swept = true;
  EXPECT_EQ(run_token(r.info, r.runs[0]), "enc__gpt_4__pool200");
}

// ---- the whole writer ----------------------------------------------------------

std::map<std::string, std::string> read_tree(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.is_regular_file()) files[fs::relative(e.path(), dir).generic_string()] = read_file(e.path());
  return files;
}

fs::path scratch(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("tracer_art_" + std::to_string(::getpid()) + "_" + name);
  fs::remove_all(p);
  return p;
}

TEST(ArtifactsWriter, WritesEveryFileDeterministically) {
  const Data d;
  const ExperimentResults r = d.experiment();
  const fs::path a = scratch("a"), b = scratch("b");
  const std::string md_a = write_artifacts(r, a), md_b = write_artifacts(r, b);
  EXPECT_EQ(md_a, md_b);
  const auto fa = read_tree(a), fb = read_tree(b);
  EXPECT_EQ(fa, fb) << "same input must give the same bytes (JSON, .dat, .gp, SVG, PNG)";
  for (const char* f :
       {"artifacts/enc__teach__paper__day1__alpha0.9.json", "artifacts/enc__teach__paper__day1__alpha0.95.json",
        "artifacts/enc__teach__paper__day2__alpha0.9.json", "artifacts/enc__teach__paper__day2__alpha0.95.json",
        "artifacts/index.json", "plots/coverage_vs_alpha__enc__teach__paper.gp",
        "plots/coverage_vs_alpha__enc__teach__paper.dat", "plots/flywheel__enc__teach__paper.gp",
        "plots/label_handled__enc__teach__paper.dat"})
    EXPECT_TRUE(fa.count(f)) << f;
  for (const auto& [name, text] : fa)
    if (name.rfind("artifacts/enc", 0) == 0)
      check_against_schema(text, name.find("day2__alpha0.95") != std::string::npos);
  // The refused day-1 policy at alpha 0.9 has no recorded predictions.
  const json refused = json::parse(fa.at("artifacts/enc__teach__paper__day1__alpha0.9.json"));
  EXPECT_FALSE(refused["disagreements"]["available"].get<bool>());
  EXPECT_NE(refused["collapse"]["diagnosis"].get<std::string>().find("shadow TA 0.8000 < alpha 0.9"),
            std::string::npos);
  // The report shows alpha 0.95, day 2, and links the plots when gnuplot runs.
  EXPECT_NE(md_a.find("day 2, alpha 0.95"), std::string::npos);
  if (find_gnuplot().available) {
    EXPECT_TRUE(fa.count("plots/coverage_vs_alpha__enc__teach__paper.svg"));
    EXPECT_NE(md_a.find("](plots/label_handled__enc__teach__paper.svg)"), std::string::npos);
    for (const auto& [name, text] : fa) EXPECT_EQ(name.find(".render-"), std::string::npos) << name;
  }
  fs::remove_all(a);
  fs::remove_all(b);
}

TEST(ArtifactsWriter, WithoutGnuplotTheReportSaysSo) {
  const Data d;
  const ExperimentResults r = d.experiment();
  const fs::path dir = scratch("nognuplot");
  ::setenv("TRACER_GNUPLOT", "/nonexistent/gnuplot", 1);
  const std::string md = write_artifacts(r, dir);
  ::unsetenv("TRACER_GNUPLOT");
  EXPECT_NE(md.find("**Warning:** no plots were drawn"), std::string::npos);
  EXPECT_NE(md.find("## Interpretability artifacts"), std::string::npos);  // the text report is complete
  const auto files = read_tree(dir);
  EXPECT_TRUE(files.count("plots/flywheel__enc__teach__paper.gp"));
  for (const auto& [name, text] : files) EXPECT_EQ(name.find(".svg"), std::string::npos) << name;
  fs::remove_all(dir);
}

TEST(ArtifactsWriter, MissingHeldOutDataIsAClearError) {
  const Data d;
  ExperimentResults r = d.experiment();
  r.runs[0].test = nullptr;
  try {
    analyse_experiment(r);
    FAIL() << "expected an error";
  } catch (const InternalError& e) {
    EXPECT_NE(std::string(e.what()).find("run enc / teach has no test view"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tracer

#include "io/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <sstream>

namespace tracer {
namespace {

namespace fs = std::filesystem;

/// Reads one TOML table, remembering which keys were consumed so that the
/// unknown ones can be reported (a misspelt key must not silently fall back).
class TableReader {
 public:
  TableReader(const toml::table* table, std::string path, const fs::path& file)
      : table_(table), path_(std::move(path)), file_(file) {}

  bool has(const std::string& key) const { return table_ && table_->contains(key); }

  std::string where(const std::string& key) const {
    return fmt::format("{}: key '{}{}'", file_.string(), path_.empty() ? "" : path_ + ".", key);
  }

  [[noreturn]] void fail(const std::string& key, const std::string& what) const {
    throw ConfigError(fmt::format("{}: {}", where(key), what));
  }

  const toml::node* node(const std::string& key) {
    used_.insert(key);
    return table_ ? table_->get(key) : nullptr;
  }

  std::string str(const std::string& key, std::optional<std::string> fallback = std::nullopt) {
    const toml::node* n = node(key);
    if (!n) {
      if (fallback) return *fallback;
      fail(key, "is required (a string)");
    }
    if (auto v = n->value<std::string>()) return *v;
    fail(key, "must be a string");
  }

  double number(const std::string& key, std::optional<double> fallback, double lo, double hi) {
    const toml::node* n = node(key);
    double v;
    if (!n) {
      if (!fallback) fail(key, fmt::format("is required (a number in [{}, {}])", lo, hi));
      v = *fallback;
    } else if (auto d = n->value<double>()) {  // integers convert too
      v = *d;
    } else {
      fail(key, fmt::format("must be a number in [{}, {}]", lo, hi));
    }
    if (!(v >= lo && v <= hi)) fail(key, fmt::format("is {}, expected a value in [{}, {}]", v, lo, hi));
    return v;
  }

  std::int64_t integer(const std::string& key, std::optional<std::int64_t> fallback, std::int64_t lo,
                       std::int64_t hi) {
    const toml::node* n = node(key);
    std::int64_t v;
    if (!n) {
      if (!fallback) fail(key, fmt::format("is required (an integer in [{}, {}])", lo, hi));
      v = *fallback;
    } else if (n->is_integer()) {
      v = *n->value<std::int64_t>();
    } else {
      fail(key, fmt::format("must be an integer in [{}, {}]", lo, hi));
    }
    if (v < lo || v > hi) fail(key, fmt::format("is {}, expected an integer in [{}, {}]", v, lo, hi));
    return v;
  }

  bool boolean(const std::string& key, bool fallback) {
    const toml::node* n = node(key);
    if (!n) return fallback;
    if (auto b = n->value<bool>()) return *b;
    fail(key, "must be true or false");
  }

  std::vector<std::string> strings(const std::string& key, std::optional<std::vector<std::string>> fallback) {
    const toml::node* n = node(key);
    if (!n) {
      if (fallback) return *fallback;
      fail(key, "is required (an array of strings)");
    }
    const toml::array* arr = n->as_array();
    if (!arr) fail(key, "must be an array of strings");
    std::vector<std::string> out;
    for (const auto& el : *arr) {
      auto v = el.value<std::string>();
      if (!v) fail(key, "must contain only strings");
      out.push_back(*v);
    }
    return out;
  }

  std::vector<double> numbers(const std::string& key, std::optional<std::vector<double>> fallback, double lo,
                              double hi) {
    const toml::node* n = node(key);
    if (!n) {
      if (fallback) return *fallback;
      fail(key, "is required (an array of numbers)");
    }
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty()) fail(key, "must be a non-empty array of numbers");
    std::vector<double> out;
    for (const auto& el : *arr) {
      auto v = el.value<double>();
      if (!v) fail(key, "must contain only numbers");
      if (!(*v >= lo && *v <= hi)) fail(key, fmt::format("contains {}, expected values in [{}, {}]", *v, lo, hi));
      out.push_back(*v);
    }
    return out;
  }

  TableReader sub(const std::string& key) {
    const toml::node* n = node(key);
    if (n && !n->is_table()) fail(key, "must be a table");
    return TableReader(n ? n->as_table() : nullptr, path_.empty() ? key : path_ + "." + key, file_);
  }

  /// Throws for the first key present in the table that nobody read.
  void reject_unknown() const {
    if (!table_) return;
    for (const auto& [k, v] : *table_) {
      const std::string key(k.str());
      if (!used_.count(key)) {
        std::vector<std::string> known(used_.begin(), used_.end());
        throw ConfigError(fmt::format("{}: unknown key (known keys here: {})", where(key), fmt::join(known, ", ")));
      }
    }
  }

  const toml::table* table() const { return table_; }
  const std::string& path() const { return path_; }

 private:
  const toml::table* table_;
  std::string path_;
  fs::path file_;
  std::set<std::string> used_;
};

fs::path resolve(const fs::path& base, const std::string& p) {
  fs::path path(p);
  return (path.is_absolute() ? path : base / path).lexically_normal();
}

void require_file(const TableReader& r, const std::string& key, const fs::path& p) {
  if (!fs::is_regular_file(p))
    r.fail(key, fmt::format("file '{}' does not exist{}", p.string(),
                            p.string().find("prepared") != std::string::npos
                                ? " (run data_scripts/prepare_data.py and `tracer-bench embed` first; see README)"
                                : ""));
}

GateMode parse_mode(const TableReader& r, const std::string& s) {
  if (s == "paper") return GateMode::kPaper;
  if (s == "certified") return GateMode::kCertified;
  if (s == "certified-bonferroni") return GateMode::kBonferroni;
  r.fail("modes", fmt::format("has '{}', expected \"paper\", \"certified\" or \"certified-bonferroni\"", s));
}

ModelParams read_params(TableReader& r, const std::string& model) {
  ModelParams params;
  if (!r.table()) return params;
  for (const auto& [k, v] : *r.table()) {
    const std::string key(k.str());
    auto d = v.value<double>();
    if (!d) r.fail(key, fmt::format("parameter of '{}' must be a number", model));
    params[key] = *d;
    r.node(key);
  }
  return params;
}

}  // namespace

ExperimentConfig load_config(const fs::path& toml_file) {
  ExperimentConfig cfg;
  cfg.config_file = toml_file;
  if (!fs::is_regular_file(toml_file))
    throw ConfigError(fmt::format("config file '{}' does not exist", toml_file.string()));
  toml::table root;
  try {
    root = toml::parse_file(toml_file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << toml_file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": TOML syntax error: " << e.description();
    throw ConfigError(msg.str());
  }
  const fs::path base = fs::absolute(toml_file).parent_path().lexically_normal();
  cfg.base_dir = base;
  TableReader top(&root, "", toml_file);

  TableReader exp = top.sub("experiment");
  cfg.name = exp.str("name");
  if (cfg.name.empty() || cfg.name.find_first_of("/\\ ") != std::string::npos)
    exp.fail("name", "must be a non-empty name without slashes or spaces");
  cfg.description = exp.str("description", "");
  cfg.output_dir = resolve(base, exp.str("output_dir", "../results/" + cfg.name));
  cfg.seed = static_cast<std::uint64_t>(exp.integer("seed", std::nullopt, 0, INT64_MAX));
  cfg.n_seeds = static_cast<std::size_t>(exp.integer("seeds", 1, 1, 1000));
  cfg.protocol.threads = static_cast<std::size_t>(exp.integer("threads", 0, 0, 256));
  cfg.paper_reference = exp.str("paper_reference", "none");
  if (cfg.paper_reference != "banking77" && cfg.paper_reference != "clinc150" &&
      cfg.paper_reference != "mnli" && cfg.paper_reference != "none")
    exp.fail("paper_reference", fmt::format("is '{}', expected banking77, clinc150, mnli or none", cfg.paper_reference));
  exp.reject_unknown();

  TableReader data = top.sub("data");
  cfg.train_table = resolve(base, data.str("train"));
  require_file(data, "train", cfg.train_table);
  cfg.test_table = resolve(base, data.str("test"));
  require_file(data, "test", cfg.test_table);
  cfg.labels_file = resolve(base, data.str("labels"));
  require_file(data, "labels", cfg.labels_file);
  data.reject_unknown();

  auto read_array_of_tables = [&](const std::string& key, auto&& each) {
    const toml::node* n = top.node(key);
    if (!n) top.fail(key, "is required (an array of tables, [[" + key + "]])");
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty() || !arr->is_array_of_tables())
      top.fail(key, "must be a non-empty array of tables, written [[" + key + "]]");
    std::size_t i = 0;
    for (const auto& el : *arr) {
      TableReader r(el.as_table(), fmt::format("{}[{}]", key, i++), toml_file);
      each(r);
      r.reject_unknown();
    }
  };
  std::set<std::string> names;
  read_array_of_tables("encoders", [&](TableReader& r) {
    EncoderSpec e;
    e.name = r.str("name");
    if (!names.insert("enc:" + e.name).second) r.fail("name", "duplicate encoder name '" + e.name + "'");
    for (const char* side : {"train", "test"}) {
      // A string, or an array of strings whose files are concatenated column-wise.
      const toml::node* n = r.table() ? r.table()->get(side) : nullptr;
      std::vector<std::string> files =
          n && n->is_array() ? r.strings(side, std::nullopt) : std::vector<std::string>{r.str(side)};
      if (files.empty()) r.fail(side, "must name at least one .npy file");
      auto& out = std::string(side) == "train" ? e.train : e.test;
      for (const auto& f : files) {
        out.push_back(resolve(base, f));
        require_file(r, side, out.back());
      }
    }
    if (e.train.size() != e.test.size())
      r.fail("test", fmt::format("names {} files but train names {}", e.test.size(), e.train.size()));
    cfg.encoders.push_back(e);
  });
  read_array_of_tables("teachers", [&](TableReader& r) {
    TeacherSpec t;
    t.name = r.str("name");
    if (!names.insert("teacher:" + t.name).second) r.fail("name", "duplicate teacher name '" + t.name + "'");
    t.column = r.str("column");
    t.rows = r.str("rows", "all");
    if (t.rows != "all" && t.rows != "labelled")
      r.fail("rows", fmt::format("is '{}', expected \"all\" or \"labelled\"", t.rows));
    t.test_fraction = r.number("test_fraction", 0.0, 0.0, 0.9);
    if (t.test_fraction > 0.0 && t.rows != "labelled")
      r.fail("test_fraction", "only applies with rows = \"labelled\"");
    cfg.teachers.push_back(t);
  });

  TableReader proto = top.sub("protocol");
  ProtocolSettings& p = cfg.protocol;
  p.days = static_cast<std::size_t>(proto.integer("days", std::nullopt, 1, 365));
  p.alphas = proto.numbers("alphas", std::nullopt, 0.5, 0.9999);
  if (!std::is_sorted(p.alphas.begin(), p.alphas.end()) ||
      std::adjacent_find(p.alphas.begin(), p.alphas.end()) != p.alphas.end())
    proto.fail("alphas", "must be strictly increasing");
  p.baseline_holdout = proto.number("baseline_holdout", 0.2, 0.05, 0.5);
  if (proto.has("pool_sizes")) {
    for (double v : proto.numbers("pool_sizes", std::nullopt, 10, 1e9)) {
      if (v != std::floor(v)) proto.fail("pool_sizes", fmt::format("contains {}, expected whole numbers", v));
      cfg.pool_sizes.push_back(static_cast<std::size_t>(v));
    }
    if (!std::is_sorted(cfg.pool_sizes.begin(), cfg.pool_sizes.end()))
      proto.fail("pool_sizes", "must be increasing");
  }
  {
    TableReader split = proto.sub("split");
    p.split.train = split.number("train", std::nullopt, 0.05, 0.95);
    p.split.val = split.number("val", std::nullopt, 0.01, 0.9);
    p.split.cal = split.number("cal", std::nullopt, 0.01, 0.9);
    p.split.shadow = split.number("shadow", std::nullopt, 0.01, 0.9);
    const double sum = p.split.train + p.split.val + p.split.cal + p.split.shadow;
    if (std::abs(sum - 1.0) > 1e-9)
      proto.fail("split", fmt::format("fractions sum to {}, expected 1", sum));
    split.reject_unknown();
  }
  proto.reject_unknown();

  TableReader gate = top.sub("gate");
  p.gate.modes.clear();
  for (const auto& m : gate.strings("modes", std::vector<std::string>{"paper"})) {
    const GateMode mode = parse_mode(gate, m);
    if (std::find(p.gate.modes.begin(), p.gate.modes.end(), mode) != p.gate.modes.end())
      gate.fail("modes", "lists '" + m + "' twice");
    p.gate.modes.push_back(mode);
  }
  if (p.gate.modes.empty()) gate.fail("modes", "must name at least one mode");
  p.gate.min_coverage = gate.number("min_coverage", 0.05, 0.0, 1.0);
  p.gate.min_accepted = static_cast<std::size_t>(gate.integer("min_accepted", 1, 1, 1000000));
  p.gate.delta = gate.number("delta", 0.1, 1e-6, 0.5);
  gate.reject_unknown();

  TableReader zoo = top.sub("zoo");
  cfg.zoo_trees = zoo.boolean("trees", false);
  const std::vector<std::string> names_default = default_zoo(cfg.zoo_trees);
  std::vector<std::string> cand = zoo.strings("candidates", names_default);
  if (cand.empty()) zoo.fail("candidates", "must name at least one candidate");
  if (zoo.has("candidates") && zoo.has("trees") && cfg.zoo_trees)
    zoo.fail("trees", "cannot be combined with an explicit candidates list (add dt, rf, et to the list instead)");
  TableReader params = zoo.sub("params");
  p.candidates.clear();
  const std::vector<std::string> known = known_surrogates();
  for (const auto& c : cand) {
    if (std::find(known.begin(), known.end(), c) == known.end())
      zoo.fail("candidates", fmt::format("has unknown surrogate '{}' (known: {})", c, fmt::join(known, ", ")));
    TableReader pr = params.sub(c);
    p.candidates.push_back({c, read_params(pr, c)});
  }
  params.reject_unknown();
  const std::string baseline = zoo.str("baseline", "logreg_c1");
  if (std::find(known.begin(), known.end(), baseline) == known.end())
    zoo.fail("baseline", fmt::format("is unknown surrogate '{}'", baseline));
  p.baseline_model = {baseline, {}};
  for (const auto& c : p.candidates)
    if (c.name == baseline) p.baseline_model.params = c.params;
  // Build each candidate once now so bad hyper-parameters fail here, at the
  // boundary, not in the middle of a replay.
  for (const auto& c : p.candidates) {
    try {
      (void)make_surrogate(c);
    } catch (const ParameterError& e) {  // anything else is a bug and propagates
      zoo.fail("params." + c.name, e.what());
    }
  }
  zoo.reject_unknown();

  TableReader cost = top.sub("cost");
  cfg.cost.input_tokens_per_call = cost.number("input_tokens", std::nullopt, 0, 1e7);
  cfg.cost.output_tokens_per_call = cost.number("output_tokens", std::nullopt, 0, 1e7);
  cfg.cost.usd_per_million_input = cost.number("usd_per_million_input", std::nullopt, 0, 1e6);
  cfg.cost.usd_per_million_output = cost.number("usd_per_million_output", std::nullopt, 0, 1e6);
  cfg.cost.queries_per_day = cost.number("queries_per_day", std::nullopt, 0, 1e12);
  cfg.cost.days_per_year = cost.number("days_per_year", 365, 1, 366);
  cost.reject_unknown();

  top.reject_unknown();
  return cfg;
}

std::string config_to_toml(const ExperimentConfig& c) {
  // Paths are written relative to the config file, so the text is the same on
  // every machine and checkout.
  auto rel = [&](const fs::path& p) { return p.lexically_relative(c.base_dir).generic_string(); };
  toml::table t;
  t.insert("experiment", toml::table{{"name", c.name},
                                     {"description", c.description},
                                     {"output_dir", rel(c.output_dir)},
                                     {"seed", static_cast<std::int64_t>(c.seed)},
                                     {"seeds", static_cast<std::int64_t>(c.n_seeds)},
                                     {"threads", static_cast<std::int64_t>(c.protocol.threads)},
                                     {"paper_reference", c.paper_reference}});
  t.insert("data", toml::table{{"train", rel(c.train_table)},
                               {"test", rel(c.test_table)},
                               {"labels", rel(c.labels_file)}});
  toml::array enc, tea;
  for (const auto& e : c.encoders)
  {
    toml::array tr, te;
    for (const auto& f : e.train) tr.push_back(rel(f));
    for (const auto& f : e.test) te.push_back(rel(f));
    enc.push_back(toml::table{{"name", e.name}, {"train", tr}, {"test", te}});
  }
  for (const auto& te : c.teachers)
    tea.push_back(toml::table{{"name", te.name}, {"column", te.column}, {"rows", te.rows},
                              {"test_fraction", te.test_fraction}});
  t.insert("encoders", enc);
  t.insert("teachers", tea);
  const ProtocolSettings& p = c.protocol;
  toml::array alphas;
  for (double a : p.alphas) alphas.push_back(a);
  toml::array pools;
  for (std::size_t v : c.pool_sizes) pools.push_back(static_cast<std::int64_t>(v));
  t.insert("protocol", toml::table{{"days", static_cast<std::int64_t>(p.days)},
                                   {"pool_sizes", pools},
                                   {"alphas", alphas},
                                   {"baseline_holdout", p.baseline_holdout},
                                   {"split", toml::table{{"train", p.split.train},
                                                         {"val", p.split.val},
                                                         {"cal", p.split.cal},
                                                         {"shadow", p.split.shadow}}}});
  toml::array modes;
  for (GateMode m : p.gate.modes) modes.push_back(gate_mode_name(m));
  t.insert("gate", toml::table{{"modes", modes},
                               {"min_coverage", p.gate.min_coverage},
                               {"min_accepted", static_cast<std::int64_t>(p.gate.min_accepted)},
                               {"delta", p.gate.delta}});
  toml::array cands;
  toml::table params;
  for (const auto& cs : p.candidates) {
    cands.push_back(cs.name);
    if (!cs.params.empty()) {
      toml::table pt;
      for (const auto& [k, v] : cs.params) pt.insert(k, v);
      params.insert(cs.name, pt);
    }
  }
  t.insert("zoo", toml::table{{"candidates", cands}, {"baseline", p.baseline_model.name}, {"params", params}});
  t.insert("cost", toml::table{{"input_tokens", c.cost.input_tokens_per_call},
                               {"output_tokens", c.cost.output_tokens_per_call},
                               {"usd_per_million_input", c.cost.usd_per_million_input},
                               {"usd_per_million_output", c.cost.usd_per_million_output},
                               {"queries_per_day", c.cost.queries_per_day},
                               {"days_per_year", c.cost.days_per_year}});
  std::ostringstream os;
  os << t;
  return os.str();
}

}  // namespace tracer

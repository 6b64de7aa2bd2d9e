#include "io/config.hpp"

#include <fmt/format.h>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <system_error>

#include "io/config_schema.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;
using config_schema::Key;
using config_schema::ParamTables;
using config_schema::SectionInfo;
using config_schema::Type;
using config_schema::Value;

/// A float as TOML writes it (5.0, not 5).
std::string float_text(double d) {
  std::string s = fmt::format("{}", d);
  if (s.find_first_of(".eEn") == std::string::npos) s += ".0";
  return s;
}

/// A value as an error message shows it (strings quoted and shortened).
std::string shown(const toml::node& n) {
  if (const auto* s = n.as_string()) {
    std::string v = s->get();
    if (v.size() > 60) v = v.substr(0, 57) + "...";
    return "\"" + v + "\"";
  }
  if (const auto* i = n.as_integer()) return std::to_string(i->get());
  if (const auto* f = n.as_floating_point()) return float_text(f->get());
  if (const auto* b = n.as_boolean()) return b->get() ? "true" : "false";
  if (n.is_array()) return "an array";
  if (n.is_table()) return "a table";
  return "a date/time";
}

/// "a.b" -> {"a", "b"}
std::vector<std::string> split_dots(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t dot; (dot = s.find('.', start)) != std::string::npos; start = dot + 1)
    out.push_back(s.substr(start, dot - start));
  out.push_back(s.substr(start));
  return out;
}

fs::path resolve(const fs::path& base, const std::string& p) {
  const fs::path path(p);
  return (path.is_absolute() ? path : base / path).lexically_normal();
}

/// Reads one config text into an ExperimentConfig, driven by the key table.
class Loader {
 public:
  Loader(const fs::path& file, const fs::path& base, FileChecks checks) : file_(file), base_(base), checks_(checks) {}

  /// "<file>:<line>" of a node, or "<file>" without one.
  std::string at(const toml::node* n) const {
    if (n && n->source().begin.line > 0) return fmt::format("{}:{}", file_.string(), n->source().begin.line);
    return file_.string();
  }

  [[noreturn]] void fail(const toml::node* n, const std::string& section, const std::string& key,
                         const std::string& what) const {
    throw ConfigError(fmt::format("{}: [{}]{}{}: {}", at(n), section, key.empty() ? "" : " ", key, what));
  }

  ExperimentConfig load(const toml::table& root) {
    ExperimentConfig cfg;
    cfg.config_file = file_;
    cfg.base_dir = base_;
    for (const SectionInfo& s : config_schema::sections()) read_section(root, s, cfg);
    reject_unknown_top(root);
    cross_checks(root, cfg);
    return cfg;
  }

 private:
  /// The table of a (possibly nested) section, nullptr when absent.
  const toml::node* find(const toml::table& root, const std::string& section) const {
    const toml::node* n = &root;
    std::string path;
    for (const auto& part : split_dots(section)) {
      if (!n->is_table()) fail(n, path, "", fmt::format("got {}; expected a table", shown(*n)));
      n = n->as_table()->get(part);
      path += (path.empty() ? "" : ".") + part;
      if (!n) return nullptr;
    }
    return n;
  }

  void read_section(const toml::table& root, const SectionInfo& s, ExperimentConfig& cfg) {
    const toml::node* n = find(root, s.name);
    if (!s.array_of_tables) {
      if (n && !n->is_table()) fail(n, s.name, "", fmt::format("got {}; expected a table", shown(*n)));
      read_keys(n ? n->as_table() : nullptr, s, s.name, 0, cfg);
      return;
    }
    const std::string expect = fmt::format("expected a non-empty array of tables, written [[{}]]", s.name);
    if (!n) fail(nullptr, s.name, "", "missing; " + expect);
    const toml::array* arr = n->as_array();
    if (!arr || arr->empty() || !arr->is_array_of_tables())
      fail(n, s.name, "", fmt::format("got {}; {}", arr && arr->empty() ? "an empty array" : shown(*n), expect));
    s.resize(cfg, arr->size());
    seen_.clear();
    for (std::size_t i = 0; i < arr->size(); ++i)
      read_keys(arr->get(i)->as_table(), s, fmt::format("{}[{}]", s.name, i), i, cfg);
  }

  void read_keys(const toml::table* t, const SectionInfo& s, const std::string& label, std::size_t index,
                 ExperimentConfig& cfg) {
    std::vector<std::string> known;
    for (const Key& k : config_schema::keys()) {
      if (k.section != s.name) continue;
      known.push_back(k.name);
      const toml::node* n = t ? t->get(k.name) : nullptr;
      nodes_[label + "." + k.name] = n;
      Value v;
      if (n) {
        v = read_value(k, *n, label);
      } else if (k.compute_default) {
        v = k.compute_default(cfg);
        if (k.type == Type::kPath) v = resolve(base_, std::get<std::string>(v));
      } else if (!k.required()) {
        v = k.def;
      } else {
        fail(t, label, k.name,
             fmt::format("missing{}; expected {}", t ? "" : fmt::format(" (no [{}] table)", s.name),
                         config_schema::expected(k)));
      }
      if (k.unique && s.array_of_tables) check_distinct_entries(k, n, label, index, v);
      if (k.check && n && !k.check(v))
        fail(n, label, k.name,
             fmt::format("got {}; expected {}, {}", shown_value(*n), config_schema::expected(k), k.check_doc));
      k.set(cfg, index, std::move(v));
    }
    // Child sections ([protocol.split]) are known keys of their parent.
    for (const SectionInfo& child : config_schema::sections())
      if (child.name.rfind(s.name + ".", 0) == 0 && child.name.find('.', s.name.size() + 1) == std::string::npos)
        known.push_back(child.name.substr(s.name.size() + 1));
    if (!t) return;
    for (const auto& [key, node] : *t) {
      const std::string name(key.str());
      if (std::find(known.begin(), known.end(), name) == known.end())
        fail(&node, label, name, fmt::format("unknown key; known keys in [{}]: {}", s.name, fmt::join(known, ", ")));
    }
  }

  std::string shown_value(const toml::node& n) const {
    if (const toml::array* a = n.as_array()) {
      std::vector<std::string> items;
      for (const auto& el : *a) items.push_back(shown(el));
      return fmt::format("[{}]", fmt::join(items, ", "));
    }
    return shown(n);
  }

  /// An array-of-tables key marked unique (encoder / teacher names).
  void check_distinct_entries(const Key& k, const toml::node* n, const std::string& label, std::size_t index,
                              const Value& v) {
    const std::string& name = std::get<std::string>(v);
    auto& seen = seen_[k.name];
    const auto it = seen.find(name);
    if (it != seen.end())
      fail(n, label, k.name,
           fmt::format("\"{}\" is already the {} of {}[{}] ({}); expected a distinct {} for each [[{}]] entry", name,
                       k.name, k.section, it->second.first, it->second.second, k.name, k.section));
    seen.emplace(name, std::make_pair(index, at(n)));
  }

  void require_file(const Key& k, const toml::node& n, const std::string& label, const fs::path& p) const {
    if (checks_ == FileChecks::kSkip) return;
    std::error_code ec;
    if (fs::is_regular_file(p, ec)) return;
    fail(&n, label, k.name,
         fmt::format("file '{}' does not exist; expected {}{}", p.string(), config_schema::expected(k),
                     p.string().find("prepared") != std::string::npos
                         ? " (run data_scripts/prepare_data.py and `tracer-bench embed` first; see README)"
                         : ""));
  }

  [[noreturn]] void bad(const Key& k, const toml::node& n, const std::string& label) const {
    fail(&n, label, k.name, fmt::format("got {}; expected {}", shown(n), config_schema::expected(k)));
  }

  double number(const Key& k, const toml::node& n, const std::string& label, const toml::node& el) const {
    double v;
    if (const auto* i = el.as_integer())
      v = static_cast<double>(i->get());
    else if (const auto* f = el.as_floating_point())
      v = f->get();
    else
      bad(k, n, label);
    if (!(v >= k.lo && v <= k.hi))
      fail(&el, label, k.name, fmt::format("got {}; expected {}", shown(el), config_schema::expected(k)));
    return v;
  }

  std::int64_t integer(const Key& k, const toml::node& n, const std::string& label, const toml::node& el) const {
    const auto* i = el.as_integer();
    if (!i) {
      if (el.is_floating_point())
        fail(&el, label, k.name,
             fmt::format("got {}, not an integer; expected {}", shown(el), config_schema::expected(k)));
      bad(k, n, label);
    }
    const std::int64_t v = i->get();
    const double d = static_cast<double>(v);
    if (d < k.lo || d > k.hi)
      fail(&el, label, k.name, fmt::format("got {}; expected {}", v, config_schema::expected(k)));
    return v;
  }

  std::string string(const Key& k, const toml::node& n, const std::string& label, const toml::node& el) const {
    const auto* s = el.as_string();
    if (!s) bad(k, n, label);
    const std::string& v = s->get();
    if (k.non_empty && v.empty())
      fail(&el, label, k.name, "got an empty string; expected " + config_schema::expected(k));
    if (!k.choices.empty() && std::find(k.choices.begin(), k.choices.end(), v) == k.choices.end())
      fail(&el, label, k.name,
           fmt::format("got {}; expected {}", shown(el),
                       k.type == Type::kStrings
                           ? "each entry one of " + fmt::format("\"{}\"", fmt::join(k.choices, "\", \""))
                           : config_schema::expected(k)));
    return v;
  }

  /// The elements of an array key, with the type, range and duplicate checks.
  template <class T, class Read>
  std::vector<T> list(const Key& k, const toml::node& n, const std::string& label, Read&& read_one) const {
    const toml::array* a = n.as_array();
    if (!a) bad(k, n, label);
    if (k.non_empty && a->empty())
      fail(&n, label, k.name, "got an empty array; expected " + config_schema::expected(k));
    std::vector<T> out;
    for (const auto& el : *a) {
      T v = read_one(el);
      if (k.unique) {
        const auto dup = std::find(out.begin(), out.end(), v);
        if (dup != out.end())
          fail(&el, label, k.name,
               fmt::format("{} is listed twice (entries {} and {}); expected each value once", shown(el),
                           dup - out.begin() + 1, out.size() + 1));
      }
      out.push_back(std::move(v));
    }
    return out;
  }

  Value read_value(const Key& k, const toml::node& n, const std::string& label) const {
    switch (k.type) {
      case Type::kString:
        return string(k, n, label, n);
      case Type::kBool:
        if (const auto* b = n.as_boolean()) return b->get();
        bad(k, n, label);
      case Type::kInteger:
        return integer(k, n, label, n);
      case Type::kNumber:
        return number(k, n, label, n);
      case Type::kPath:
      case Type::kFile: {
        const auto* s = n.as_string();
        if (!s || s->get().empty()) bad(k, n, label);
        const fs::path p = resolve(base_, s->get());
        if (k.type == Type::kFile) require_file(k, n, label, p);
        return p;
      }
      case Type::kFiles: {
        std::vector<fs::path> out;
        auto one = [&](const toml::node& el) {
          const auto* s = el.as_string();
          if (!s || s->get().empty()) bad(k, n, label);
          out.push_back(resolve(base_, s->get()));
          require_file(k, el, label, out.back());
        };
        if (const toml::array* a = n.as_array()) {
          if (a->empty()) fail(&n, label, k.name, "got an empty array; expected " + config_schema::expected(k));
          for (const auto& el : *a) one(el);
        } else {
          one(n);
        }
        return out;
      }
      case Type::kStrings:
        return list<std::string>(k, n, label, [&](const toml::node& el) { return string(k, n, label, el); });
      case Type::kIntegers:
        return list<std::int64_t>(k, n, label, [&](const toml::node& el) { return integer(k, n, label, el); });
      case Type::kNumbers:
        return list<double>(k, n, label, [&](const toml::node& el) { return number(k, n, label, el); });
      case Type::kModelParams: {
        const toml::table* t = n.as_table();
        if (!t) bad(k, n, label);
        ParamTables out;
        for (const auto& [model, sub] : *t) {
          const std::string key = k.name + "." + std::string(model.str());
          const toml::table* st = sub.as_table();
          if (!st) fail(&sub, label, key, fmt::format("got {}; expected a table of numbers", shown(sub)));
          ModelParams params;
          for (const auto& [pname, pv] : *st) {
            double d;
            if (const auto* i = pv.as_integer())
              d = static_cast<double>(i->get());
            else if (const auto* f = pv.as_floating_point())
              d = f->get();
            else
              fail(&pv, label, key + "." + std::string(pname.str()),
                   fmt::format("got {}; expected a number (a parameter of '{}')", shown(pv), model.str()));
            params[std::string(pname.str())] = d;
          }
          out[std::string(model.str())] = params;
        }
        return out;
      }
    }
    throw InternalError("config: unhandled key type");
  }

  void reject_unknown_top(const toml::table& root) const {
    std::vector<std::string> known;
    for (const SectionInfo& s : config_schema::sections())
      if (s.name.find('.') == std::string::npos) known.push_back(s.name);
    for (const auto& [key, node] : root) {
      const std::string name(key.str());
      if (std::find(known.begin(), known.end(), name) == known.end())
        throw ConfigError(fmt::format("{}: [{}]: unknown {}; known tables: {}", at(&node), name,
                                      node.is_table() ? "table" : "top-level key", fmt::join(known, ", ")));
    }
  }

  const toml::node* node_of(const std::string& label_key) const {
    const auto it = nodes_.find(label_key);
    return it == nodes_.end() ? nullptr : it->second;
  }

  /// Rules that tie keys together (documented in SectionInfo::rules).
  void cross_checks(const toml::table& root, const ExperimentConfig& cfg) const {
    for (std::size_t i = 0; i < cfg.encoders.size(); ++i) {
      const EncoderSpec& e = cfg.encoders[i];
      if (e.train.size() != e.test.size())
        fail(node_of(fmt::format("encoders[{}].test", i)), fmt::format("encoders[{}]", i), "test",
             fmt::format("names {} file(s); expected as many files as train ({})", e.test.size(), e.train.size()));
    }
    for (std::size_t i = 0; i < cfg.teachers.size(); ++i) {
      const TeacherSpec& t = cfg.teachers[i];
      if (t.test_fraction > 0.0 && t.rows != "labelled")
        fail(node_of(fmt::format("teachers[{}].test_fraction", i)), fmt::format("teachers[{}]", i), "test_fraction",
             fmt::format("got {}; expected 0 unless rows = \"labelled\" (it re-splits the labelled rows)",
                         float_text(t.test_fraction)));
    }
    for (GateMode m : cfg.protocol.artifact_modes)
      if (std::find(cfg.protocol.gate.modes.begin(), cfg.protocol.gate.modes.end(), m) == cfg.protocol.gate.modes.end())
        fail(node_of("gate.artifact_modes"), "gate", "artifact_modes",
             fmt::format("lists '{}', which is not in modes; expected a subset of [gate] modes", gate_mode_name(m)));
    const auto& labels = cfg.protocol.labels;
    const bool deferred = std::find(labels.begin(), labels.end(), LabelsMode::kDeferred) != labels.end();
    if (deferred && cfg.protocol.audit_rates.empty())
      fail(node_of("protocol.labels"), "protocol", "audit_rates",
           "is missing; expected the audit rates of the \"deferred\" arms, e.g. audit_rates = [0.05]");
    if (!deferred && !cfg.protocol.audit_rates.empty())
      fail(node_of("protocol.audit_rates"), "protocol", "audit_rates",
           "is given but labels has no \"deferred\"; expected no audit_rates (only the \"deferred\" arms audit)");
    const SplitFractions& sp = cfg.protocol.split;
    const double sum = sp.train + sp.val + sp.cal + sp.shadow;
    if (std::abs(sum - 1.0) > 1e-9)
      fail(find(root, "protocol.split"), "protocol", "split",
           fmt::format("train + val + cal + shadow = {}; expected fractions that sum to 1", sum));

    const toml::node* trees = node_of("zoo.trees");
    const toml::node* cands = node_of("zoo.candidates");
    if (trees && cands && cfg.zoo_trees)
      fail(trees, "zoo", "trees",
           "got true together with an explicit candidates list; expected no trees key (add dt, rf, et to candidates "
           "instead)");
    if (const toml::node* params = node_of("zoo.params"); params && params->is_table()) {
      std::vector<std::string> names;
      for (const auto& c : cfg.protocol.candidates) names.push_back(c.name);
      for (const auto& [model, sub] : *params->as_table())
        if (std::find(names.begin(), names.end(), model.str()) == names.end())
          fail(&sub, "zoo", "params." + std::string(model.str()),
               fmt::format("not a listed candidate; expected one of the candidates: {}", fmt::join(names, ", ")));
    }
    // Build each candidate once so bad hyper-parameters fail here, at the
    // boundary, not in the middle of a replay.
    for (const auto& c : cfg.protocol.candidates) {
      try {
        (void)make_surrogate(c);
      } catch (const ParameterError& e) {  // anything else is a bug and propagates
        const toml::node* where = params_node(c.name);
        fail(where ? where : cands, "zoo", where ? "params." + c.name : "candidates", e.what());
      }
    }
  }

  const toml::node* params_node(const std::string& candidate) const {
    const toml::node* params = node_of("zoo.params");
    return params && params->is_table() ? params->as_table()->get(candidate) : nullptr;
  }

  fs::path file_;
  fs::path base_;
  FileChecks checks_;
  std::map<std::string, const toml::node*> nodes_;  ///< "section.key" -> its node (nullptr: absent)
  /// Array-of-tables unique keys: key -> value -> (entry index, "file:line").
  std::map<std::string, std::map<std::string, std::pair<std::size_t, std::string>>> seen_;
};

// Inserts one value under `key`, with TOML types as before the table
// existed (integers stay integers, paths become relative strings).
struct Insert {
  toml::table& out;
  const std::string& key;
  const fs::path& base;
  std::string rel(const fs::path& p) const { return p.lexically_relative(base).generic_string(); }
  void operator()(std::monostate) const {}
  void operator()(bool b) const { out.insert(key, b); }
  void operator()(std::int64_t i) const { out.insert(key, i); }
  void operator()(double d) const { out.insert(key, d); }
  void operator()(const std::string& s) const { out.insert(key, s); }
  void operator()(const fs::path& p) const { out.insert(key, rel(p)); }
  template <class T>
  void operator()(const std::vector<T>& a) const {
    toml::array arr;
    for (const auto& x : a) {
      if constexpr (std::is_same_v<T, fs::path>)
        arr.push_back(rel(x));
      else
        arr.push_back(x);
    }
    out.insert(key, std::move(arr));
  }
  void operator()(const ParamTables& t) const {
    toml::table tab;
    for (const auto& [model, params] : t) {
      toml::table pt;
      for (const auto& [name, v] : params) pt.insert(name, v);
      tab.insert(model, std::move(pt));
    }
    out.insert(key, std::move(tab));
  }
};

}  // namespace

ExperimentConfig parse_config_text(std::string_view toml_text, const fs::path& file, FileChecks checks) {
  std::error_code ec;
  const fs::path abs = fs::absolute(file, ec);
  if (ec || file.empty())
    throw ConfigError(
        fmt::format("config file name '{}' cannot be resolved: {}", file.string(), ec ? ec.message() : "empty name"));
  toml::table root;
  try {
    root = toml::parse(toml_text, file.string());
  } catch (const toml::parse_error& e) {
    std::ostringstream msg;
    msg << file.string() << ":" << e.source().begin.line << ":" << e.source().begin.column
        << ": TOML syntax error: " << e.description();
    throw ConfigError(msg.str());
  }
  Loader loader(file, abs.parent_path().lexically_normal(), checks);
  return loader.load(root);
}

ExperimentConfig load_config(const fs::path& toml_file, FileChecks checks) {
  std::error_code ec;
  if (!fs::is_regular_file(toml_file, ec))
    throw ConfigError(fmt::format("config file '{}' does not exist; expected a TOML file", toml_file.string()));
  std::ifstream in(toml_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  if (!in && !in.eof()) throw ConfigError(fmt::format("config file '{}' cannot be read", toml_file.string()));
  return parse_config_text(text.str(), toml_file, checks);
}

std::string config_to_toml(const ExperimentConfig& c) {
  // Paths are written relative to the config file, so the text is the same on
  // every machine and checkout.
  auto fill = [&](toml::table& out, const std::string& section, std::size_t index) {
    for (const Key& k : config_schema::keys()) {
      if (k.section != section || k.dump == config_schema::Dump::kNever) continue;
      const Value v = k.get(c, index);
      if (k.dump == config_schema::Dump::kUnlessDefault && v == k.def) continue;
      std::visit(Insert{out, k.name, c.base_dir}, v);
    }
  };
  toml::table root;
  for (const SectionInfo& s : config_schema::sections()) {
    if (s.array_of_tables) {
      toml::array arr;
      for (std::size_t i = 0; i < s.count(c); ++i) {
        toml::table t;
        fill(t, s.name, i);
        arr.push_back(std::move(t));
      }
      root.insert(s.name, std::move(arr));
      continue;
    }
    toml::table* parent = &root;
    const std::vector<std::string> parts = split_dots(s.name);
    for (std::size_t i = 0; i + 1 < parts.size(); ++i) parent = parent->get_as<toml::table>(parts[i]);
    toml::table t;
    fill(t, s.name, 0);
    parent->insert(parts.back(), std::move(t));
  }
  std::ostringstream os;
  os << root;
  return os.str();
}

}  // namespace tracer

#include "io/config_schema.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace tracer::config_schema {
namespace {

namespace fs = std::filesystem;

template <class T>
const T& as(const Value& v) {
  return std::get<T>(v);
}
std::size_t size_of(const Value& v) { return static_cast<std::size_t>(as<std::int64_t>(v)); }
Value int_value(std::size_t n) { return static_cast<std::int64_t>(n); }

bool no_slash_or_space(const Value& v) { return as<std::string>(v).find_first_of("/\\ ") == std::string::npos; }

bool increasing_numbers(const Value& v) {
  const auto& a = as<std::vector<double>>(v);
  return std::adjacent_find(a.begin(), a.end(), [](double x, double y) { return !(x < y); }) == a.end();
}

bool increasing_integers(const Value& v) {
  const auto& a = as<std::vector<std::int64_t>>(v);
  return std::adjacent_find(a.begin(), a.end(), [](std::int64_t x, std::int64_t y) { return x >= y; }) == a.end();
}

GateMode gate_mode_of(const std::string& s) {
  for (const GateModeInfo& g : gate_mode_table())
    if (s == g.name) return g.mode;
  throw InternalError("gate mode '" + s + "' passed the loader's choices but is not in the gate table");
}

std::vector<std::string> gate_mode_names() {
  std::vector<std::string> names;
  for (const GateModeInfo& g : gate_mode_table()) names.push_back(g.name);
  return names;
}

LabelsMode labels_mode_of(const std::string& s) {
  for (LabelsMode m : {LabelsMode::kAll, LabelsMode::kDeferred, LabelsMode::kDeferredNoAudit})
    if (s == labels_mode_name(m)) return m;
  throw InternalError("labels mode '" + s + "' passed the loader's choices but is not a labels mode");
}

std::string gate_modes_doc() {
  std::string doc = "Gates to run (a promise P(TA >= alpha) >= 1 - delta is per day unless said): ";
  for (const GateModeInfo& g : gate_mode_table()) doc += std::string(g.name) + " (" + g.doc + "); ";
  doc.resize(doc.size() - 2);
  return doc + ".";
}

constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

std::vector<Key> build_keys() {
  const std::vector<std::string> surrogates = known_surrogates();
  std::vector<Key> k;
  // clang-format off
  // ---- [experiment] ---------------------------------------------------------
  k.push_back({.section = "experiment", .name = "name", .type = Type::kString, .non_empty = true,
               .check = no_slash_or_space, .check_doc = "no slashes or spaces",
               .doc = "Experiment name; names the results folder and appears in every report.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.name = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.name; }});
  k.push_back({.section = "experiment", .name = "description", .type = Type::kString, .def = std::string(),
               .doc = "One line printed under the report's title.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.description = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.description; }});
  k.push_back({.section = "experiment", .name = "output_dir", .type = Type::kPath,
               .compute_default = [](const ExperimentConfig& c) -> Value { return "../results/" + c.name; },
               .default_doc = "\"../results/<name>\"",
               .doc = "Folder the results are written to (`--output` overrides it).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.output_dir = as<fs::path>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.output_dir; }});
  k.push_back({.section = "experiment", .name = "seed", .type = Type::kInteger, .lo = 0,
               .hi = static_cast<double>(kInt64Max),
               .doc = "Master seed: day shuffles, splits, pool subsamples and model seeds derive from it.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.seed = static_cast<std::uint64_t>(as<std::int64_t>(v)); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return static_cast<std::int64_t>(c.seed); }});
  k.push_back({.section = "experiment", .name = "seeds", .type = Type::kInteger, .def = std::int64_t{1},
               .lo = 1, .hi = 1000,
               .doc = "Independent replays (seed, seed+1, ... derived); more than one adds the promise section.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.n_seeds = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.n_seeds); }});
  k.push_back({.section = "experiment", .name = "threads", .type = Type::kInteger, .def = std::int64_t{0},
               .lo = 0, .hi = 256,
               .doc = "Worker threads, 0 = all hardware threads (`--threads` overrides it); results do not depend on it.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.threads = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.threads); }});
  k.push_back({.section = "experiment", .name = "paper_reference", .type = Type::kString, .def = std::string("none"),
               .choices = {"banking77", "clinc150", "mnli", "none"},
               .doc = "Which table of the paper the report prints beside ours.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.paper_reference = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.paper_reference; }});
  // ---- [data] ---------------------------------------------------------------
  k.push_back({.section = "data", .name = "train", .type = Type::kFile,
               .doc = "Trace table the replay learns from (docs/data_format.md).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.train_table = as<fs::path>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.train_table; }});
  k.push_back({.section = "data", .name = "test", .type = Type::kFile,
               .doc = "Held-out test table, same layout as train.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.test_table = as<fs::path>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.test_table; }});
  k.push_back({.section = "data", .name = "labels", .type = Type::kFile,
               .doc = "The canonical label set, one label a line.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.labels_file = as<fs::path>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.labels_file; }});
  k.push_back({.section = "data", .name = "format", .type = Type::kString, .def = std::string("csv"),
               .choices = {"csv", "jsonl"},
               .doc = "How train and test are stored (ExperimentConfig::trace_format); only csv is read so far.",
               .dump = Dump::kUnlessDefault,
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.trace_format = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.trace_format; }});
  // ---- [[encoders]] ---------------------------------------------------------
  k.push_back({.section = "encoders", .name = "name", .type = Type::kString, .unique = true, .non_empty = true,
               .doc = "Encoder name, used in run names and reports; distinct across [[encoders]].",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) { c.encoders.at(i).name = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.encoders.at(i).name; }});
  k.push_back({.section = "encoders", .name = "train", .type = Type::kFiles, .non_empty = true,
               .doc = "Embeddings (.npy) row-aligned with the train table; several files are concatenated column-wise.",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) {
                 c.encoders.at(i).train = as<std::vector<fs::path>>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.encoders.at(i).train; }});
  k.push_back({.section = "encoders", .name = "test", .type = Type::kFiles, .non_empty = true,
               .doc = "Embeddings (.npy) row-aligned with the test table, as many files as train.",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) {
                 c.encoders.at(i).test = as<std::vector<fs::path>>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.encoders.at(i).test; }});
  // ---- [[teachers]] ---------------------------------------------------------
  k.push_back({.section = "teachers", .name = "name", .type = Type::kString, .unique = true, .non_empty = true,
               .doc = "Teacher name, used in run names and reports; distinct across [[teachers]].",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) { c.teachers.at(i).name = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.teachers.at(i).name; }});
  k.push_back({.section = "teachers", .name = "column", .type = Type::kString, .non_empty = true,
               .doc = "Column of the trace tables holding this teacher's labels (\"label\" = ground truth).",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) { c.teachers.at(i).column = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.teachers.at(i).column; }});
  k.push_back({.section = "teachers", .name = "rows", .type = Type::kString, .def = std::string("all"),
               .choices = {"all", "labelled"},
               .doc = "\"all\": every row must carry a label; \"labelled\": only rows with a label take part.",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) { c.teachers.at(i).rows = as<std::string>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.teachers.at(i).rows; }});
  k.push_back({.section = "teachers", .name = "test_fraction", .type = Type::kNumber, .def = 0.0, .lo = 0.0, .hi = 0.9,
               .doc = "With rows = \"labelled\": pool the labelled rows of both tables and re-split this share as test (seeded, stratified).",
               .set = [](ExperimentConfig& c, std::size_t i, Value&& v) { c.teachers.at(i).test_fraction = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t i) -> Value { return c.teachers.at(i).test_fraction; }});
  // ---- [protocol] -----------------------------------------------------------
  k.push_back({.section = "protocol", .name = "days", .type = Type::kInteger, .lo = 1, .hi = 365,
               .doc = "Days the trace pool is replayed over (cumulative traces per day).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.days = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.days); }});
  k.push_back({.section = "protocol", .name = "alphas", .type = Type::kNumbers, .lo = 0.5, .hi = 0.9999,
               .unique = true, .non_empty = true, .check = increasing_numbers, .check_doc = "in increasing order",
               .doc = "Target teacher agreements (TA) to calibrate for, increasing.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.alphas = as<std::vector<double>>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.alphas; }});
  k.push_back({.section = "protocol", .name = "pool_sizes", .type = Type::kIntegers, .def = std::vector<std::int64_t>{},
               .lo = 10, .hi = 1e9, .unique = true, .check = increasing_integers, .check_doc = "in increasing order",
               .doc = "Trace-pool sizes to replay (seeded subsamples stratified by teacher label), increasing; [] = the whole pool.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.pool_sizes.clear();
                 for (std::int64_t n : as<std::vector<std::int64_t>>(v)) c.pool_sizes.push_back(static_cast<std::size_t>(n)); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value {
                 std::vector<std::int64_t> out;
                 for (std::size_t n : c.pool_sizes) out.push_back(static_cast<std::int64_t>(n));
                 return out; }});
  k.push_back({.section = "protocol", .name = "baseline_holdout", .type = Type::kNumber, .def = 0.2, .lo = 0.05, .hi = 0.5,
               .doc = "Share of all traces held out to sweep the baseline's threshold.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.baseline_holdout = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.baseline_holdout; }});
  k.push_back({.section = "protocol", .name = "max_fit_labels", .type = Type::kInteger, .def = std::int64_t{0},
               .lo = 0, .hi = 100000000,
               .doc = "0 (the paper): no cap. > 0: before each day's split, once the traces exceed it, keep at most floor(max_fit_labels / K) per class (K = classes present), tracer-llm 0.3.3's _subsample (its default 8000).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.max_fit_labels = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.max_fit_labels); }});
  k.push_back({.section = "protocol", .name = "resplit_per_seed", .type = Type::kBool, .def = false,
               .doc = "true: every seed pools all labelled rows of both tables and draws its own traces/test split, stratified by ground truth (test share: the teacher's test_fraction, else the tables' own share), so seeded replays are independent; false: the published split (or one seeded re-split for a teacher with test_fraction).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.resplit_per_seed = as<bool>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.resplit_per_seed; }});
  k.push_back({.section = "protocol", .name = "labels", .type = Type::kStrings, .def = std::vector<std::string>{"all"},
               .choices = {"all", "deferred", "deferred-no-audit"}, .unique = true, .non_empty = true,
               .check = [](const Value& v) { const auto l = as<std::vector<std::string>>(v); return !l.empty() && l.front() == "all"; },
               .check_doc = "starting with \"all\" (the paper's protocol, the reference of every production arm)",
               .doc = "Which traffic the teacher labels. all: every input of every day (the paper). deferred: production; from day 2 only the inputs the previous day's policy deferred, plus an audit sample of all traffic (audit_rates) that calibrates the day's gate and trains from the next day; one arm per audit rate. deferred-no-audit: the naive production flywheel; only deferred inputs, the gate calibrated on a split of those biased traces. Production arms are written to production_*.csv (docs/production_flywheel.md).",
               .dump = Dump::kUnlessDefault,
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.protocol.labels.clear();
                 for (const auto& m : as<std::vector<std::string>>(v)) c.protocol.labels.push_back(labels_mode_of(m)); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value {
                 std::vector<std::string> out;
                 for (LabelsMode m : c.protocol.labels) out.push_back(labels_mode_name(m));
                 return out; }});
  k.push_back({.section = "protocol", .name = "audit_rates", .type = Type::kNumbers, .def = std::vector<double>{},
               .lo = 0.001, .hi = 1.0, .unique = true, .check = increasing_numbers, .check_doc = "in increasing order",
               .doc = "labels \"deferred\": the shares of all traffic sent to the teacher as the audit sample, one production arm each, increasing; required with \"deferred\" and only with it.",
               .dump = Dump::kUnlessDefault,
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.audit_rates = as<std::vector<double>>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.audit_rates; }});
  // ---- [protocol.split] -----------------------------------------------------
  k.push_back({.section = "protocol.split", .name = "train", .type = Type::kNumber, .lo = 0.05, .hi = 0.95,
               .doc = "Share of each day's traces that fits the surrogate candidates.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.split.train = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.split.train; }});
  k.push_back({.section = "protocol.split", .name = "val", .type = Type::kNumber, .lo = 0.01, .hi = 0.9,
               .doc = "Share that selects the candidate (macro-F1) and trains the acceptor.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.split.val = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.split.val; }});
  k.push_back({.section = "protocol.split", .name = "cal", .type = Type::kNumber, .lo = 0.01, .hi = 0.9,
               .doc = "Share that calibrates the threshold and decides Global eligibility.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.split.cal = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.split.cal; }});
  k.push_back({.section = "protocol.split", .name = "shadow", .type = Type::kNumber, .lo = 0.01, .hi = 0.9,
               .doc = "Share for the parity gate only, never used for training or calibration.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.split.shadow = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.split.shadow; }});
  // ---- [gate] ---------------------------------------------------------------
  k.push_back({.section = "gate", .name = "modes", .type = Type::kStrings, .def = std::vector<std::string>{"paper"},
               .choices = gate_mode_names(), .unique = true, .non_empty = true,
               .doc = gate_modes_doc(),
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.protocol.gate.modes.clear();
                 for (const auto& m : as<std::vector<std::string>>(v)) c.protocol.gate.modes.push_back(gate_mode_of(m)); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value {
                 std::vector<std::string> out;
                 for (GateMode m : c.protocol.gate.modes) out.push_back(gate_mode_name(m));
                 return out; }});
  k.push_back({.section = "gate", .name = "min_coverage", .type = Type::kNumber, .def = 0.05, .lo = 0.0, .hi = 1.0,
               .doc = "Promotion floor on shadow coverage.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.gate.min_coverage = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.gate.min_coverage; }});
  k.push_back({.section = "gate", .name = "min_accepted", .type = Type::kInteger, .def = std::int64_t{1},
               .lo = 1, .hi = 1000000,
               .doc = "A threshold must accept at least this many calibration rows.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.gate.min_accepted = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.gate.min_accepted); }});
  k.push_back({.section = "gate", .name = "delta", .type = Type::kNumber, .def = 0.1, .lo = 1e-6, .hi = 0.5,
               .doc = "Certified gates: allowed failure probability.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.gate.delta = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.gate.delta; }});
  k.push_back({.section = "gate", .name = "artifact_modes", .type = Type::kStrings, .def = std::vector<std::string>{},
               .choices = gate_mode_names(), .unique = true,
               .doc = "Gate modes whose outcomes get interpretability artifacts (artifacts/, primary replays); empty = every mode in modes.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.protocol.artifact_modes.clear();
                 for (const auto& m : as<std::vector<std::string>>(v)) c.protocol.artifact_modes.push_back(gate_mode_of(m)); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value {
                 std::vector<std::string> out;
                 for (GateMode m : c.protocol.artifact_modes) out.push_back(gate_mode_name(m));
                 return out; }});
  k.push_back({.section = "gate", .name = "grid_levels", .type = Type::kInteger, .def = std::int64_t{100},
               .lo = 2, .hi = 100000,
               .doc = "Levels of the fine threshold grid (certified, certified-fine, certified-flywheel): level l accepts the top l/G of the validation split's acceptor scores.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.gate.grid_levels = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.gate.grid_levels); }});
  k.push_back({.section = "gate", .name = "coarse_grid_levels", .type = Type::kInteger, .def = std::int64_t{20},
               .lo = 2, .hi = 100000,
               .doc = "Levels of the coarse grid (certified-coarse, certified-bonferroni).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.gate.coarse_grid_levels = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.gate.coarse_grid_levels); }});
  k.push_back({.section = "gate", .name = "multistart_starts", .type = Type::kInteger, .def = std::int64_t{4},
               .lo = 1, .hi = 100,
               .doc = "Walks of certified and certified-flywheel, each tested at delta / starts (1: a single fixed-sequence walk, certified-fine).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.protocol.gate.multistart_starts = size_of(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return int_value(c.protocol.gate.multistart_starts); }});
  // ---- [zoo] ----------------------------------------------------------------
  k.push_back({.section = "zoo", .name = "trees", .type = Type::kBool, .def = false,
               .doc = "Add dt, rf, et to the default candidates (resolved into candidates, so not written back).",
               .dump = Dump::kNever,
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.zoo_trees = as<bool>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.zoo_trees; }});
  k.push_back({.section = "zoo", .name = "candidates", .type = Type::kStrings,
               .compute_default = [](const ExperimentConfig& c) -> Value { return default_zoo(c.zoo_trees); },
               .default_doc = fmt::format("the lean zoo: [{}]; with trees: [{}]",
                                          fmt::join(default_zoo(false), ", "), fmt::join(default_zoo(true), ", ")),
               .choices = surrogates, .unique = true, .non_empty = true,
               .doc = "Surrogate candidates, in evaluation order (docs/surrogate_zoo.md).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.protocol.candidates.clear();
                 for (const auto& n : as<std::vector<std::string>>(v)) c.protocol.candidates.push_back({n, {}}); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value {
                 std::vector<std::string> out;
                 for (const auto& cs : c.protocol.candidates) out.push_back(cs.name);
                 return out; }});
  k.push_back({.section = "zoo", .name = "params", .type = Type::kModelParams, .def = ParamTables{},
               .default_doc = "no overrides",
               .doc = "Hyper-parameter overrides per candidate, e.g. [zoo.params.logreg_c1] C = 0.5 (docs/surrogate_zoo.md).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 const auto& tables = as<ParamTables>(v);
                 for (auto& cs : c.protocol.candidates) {
                   const auto it = tables.find(cs.name);
                   cs.params = it == tables.end() ? ModelParams{} : it->second;
                 } },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value {
                 ParamTables out;
                 for (const auto& cs : c.protocol.candidates)
                   if (!cs.params.empty()) out[cs.name] = cs.params;
                 return out; }});
  k.push_back({.section = "zoo", .name = "baseline", .type = Type::kString, .def = std::string("logreg_c1"),
               .choices = surrogates,
               .doc = "The always-on baseline surrogate (takes its candidate's params when it is also a candidate).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) {
                 c.protocol.baseline_model = {as<std::string>(v), {}};
                 for (const auto& cs : c.protocol.candidates)
                   if (cs.name == c.protocol.baseline_model.name) c.protocol.baseline_model.params = cs.params; },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.protocol.baseline_model.name; }});
  // ---- [cost] ---------------------------------------------------------------
  k.push_back({.section = "cost", .name = "input_tokens", .type = Type::kNumber, .lo = 0, .hi = 1e7,
               .doc = "Prompt tokens per teacher call.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.cost.input_tokens_per_call = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.cost.input_tokens_per_call; }});
  k.push_back({.section = "cost", .name = "output_tokens", .type = Type::kNumber, .lo = 0, .hi = 1e7,
               .doc = "Completion tokens per teacher call.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.cost.output_tokens_per_call = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.cost.output_tokens_per_call; }});
  k.push_back({.section = "cost", .name = "usd_per_million_input", .type = Type::kNumber, .lo = 0, .hi = 1e6,
               .doc = "Teacher price per million prompt tokens (USD).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.cost.usd_per_million_input = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.cost.usd_per_million_input; }});
  k.push_back({.section = "cost", .name = "usd_per_million_output", .type = Type::kNumber, .lo = 0, .hi = 1e6,
               .doc = "Teacher price per million completion tokens (USD).",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.cost.usd_per_million_output = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.cost.usd_per_million_output; }});
  k.push_back({.section = "cost", .name = "queries_per_day", .type = Type::kNumber, .lo = 0, .hi = 1e12,
               .doc = "Traffic the projection assumes.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.cost.queries_per_day = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.cost.queries_per_day; }});
  k.push_back({.section = "cost", .name = "days_per_year", .type = Type::kNumber, .def = 365.0, .lo = 1, .hi = 366,
               .doc = "Days per year for the yearly saving.",
               .set = [](ExperimentConfig& c, std::size_t, Value&& v) { c.cost.days_per_year = as<double>(v); },
               .get = [](const ExperimentConfig& c, std::size_t) -> Value { return c.cost.days_per_year; }});
  // clang-format on
  return k;
}

}  // namespace

const std::vector<SectionInfo>& sections() {
  static const std::vector<SectionInfo> s = {
      {.name = "experiment", .doc = "What the experiment is called, where it writes and how it is seeded."},
      {.name = "data",
       .doc = "The trace tables and label set (docs/data_format.md), produced by data_scripts/prepare_data.py."},
      {.name = "encoders",
       .array_of_tables = true,
       .doc = "One [[encoders]] table per embedding set; every encoder is replayed with every teacher.",
       .rules = {"`test` names as many files as `train`."},
       .count = [](const ExperimentConfig& c) { return c.encoders.size(); },
       .resize = [](ExperimentConfig& c, std::size_t n) { c.encoders.resize(n); }},
      {.name = "teachers",
       .array_of_tables = true,
       .doc = "One [[teachers]] table per teacher: a label column of the trace tables.",
       .rules = {"`test_fraction` > 0 needs `rows = \"labelled\"`."},
       .count = [](const ExperimentConfig& c) { return c.teachers.size(); },
       .resize = [](ExperimentConfig& c, std::size_t n) { c.teachers.resize(n); }},
      {.name = "protocol", .doc = "The replay: days, targets, trace pools."},
      {.name = "protocol.split",
       .doc = "How each day's traces are split; may be written inline in [protocol] as "
              "`split = { train = 0.55, val = 0.15, cal = 0.15, shadow = 0.15 }`.",
       .rules = {"The four fractions sum to 1 (within 1e-9)."}},
      {.name = "gate", .doc = "How the threshold is calibrated and the promotion decided."},
      {.name = "zoo",
       .doc = "The surrogate candidates and the baseline.",
       .rules = {"`trees = true` cannot be combined with an explicit `candidates` list (add dt, rf, et to the list).",
                 "Every [zoo.params.<name>] table names a listed candidate; its keys and values must be accepted "
                 "by that surrogate (checked by building it once at load time)."}},
      {.name = "cost", .doc = "The cost projection (paper, \"Cost projection\")."},
  };
  return s;
}

const std::vector<Key>& keys() {
  static const std::vector<Key> k = build_keys();
  return k;
}

std::string number_text(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::abs(v) < 1e15) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

namespace {

std::string range_text(const Key& k) {
  if (k.hi >= static_cast<double>(kInt64Max)) return fmt::format("[{}, 2^63 - 1]", number_text(k.lo));
  return fmt::format("[{}, {}]", number_text(k.lo), number_text(k.hi));
}

std::string choices_text(const Key& k) {
  std::vector<std::string> quoted;
  for (const auto& c : k.choices) quoted.push_back("\"" + c + "\"");
  return fmt::format("{}", fmt::join(quoted, ", "));
}

std::string toml_text(const Value& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return ""; }
    std::string operator()(bool b) const { return b ? "true" : "false"; }
    std::string operator()(std::int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      const std::string s = number_text(d);
      return s.find_first_of(".e") == std::string::npos ? s + ".0" : s;
    }
    std::string operator()(const std::string& s) const { return "\"" + s + "\""; }
    std::string operator()(const fs::path& p) const { return "\"" + p.generic_string() + "\""; }
    std::string operator()(const std::vector<std::string>& a) const {
      std::vector<std::string> q;
      for (const auto& s : a) q.push_back("\"" + s + "\"");
      return fmt::format("[{}]", fmt::join(q, ", "));
    }
    std::string operator()(const std::vector<std::int64_t>& a) const { return fmt::format("[{}]", fmt::join(a, ", ")); }
    std::string operator()(const std::vector<double>& a) const {
      std::vector<std::string> q;
      for (double d : a) q.push_back((*this)(d));
      return fmt::format("[{}]", fmt::join(q, ", "));
    }
    std::string operator()(const std::vector<fs::path>& a) const {
      std::vector<std::string> q;
      for (const auto& p : a) q.push_back((*this)(p));
      return fmt::format("[{}]", fmt::join(q, ", "));
    }
    std::string operator()(const ParamTables& t) const { return t.empty() ? "{}" : "(overrides)"; }
  };
  return std::visit(Visitor{}, v);
}

}  // namespace

std::string expected(const Key& k) {
  switch (k.type) {
    case Type::kString:
      if (!k.choices.empty()) return "one of " + choices_text(k);
      return k.non_empty ? "a non-empty string" : "a string";
    case Type::kBool:
      return "true or false";
    case Type::kInteger:
      return "an integer in " + range_text(k);
    case Type::kNumber:
      return "a number in " + range_text(k);
    case Type::kPath:
      return "a path (string)";
    case Type::kFile:
      return "the path of an existing file (string)";
    case Type::kFiles:
      return "the path of an existing file, or a non-empty array of them";
    case Type::kStrings:
      return fmt::format("{}array of {}strings{}", k.non_empty ? "a non-empty " : "an ", k.unique ? "distinct " : "",
                         k.choices.empty() ? "" : ", each one of " + choices_text(k));
    case Type::kIntegers:
      return fmt::format("{}array of {}integers in {}", k.non_empty ? "a non-empty " : "an ",
                         k.unique ? "distinct " : "", range_text(k));
    case Type::kNumbers:
      return fmt::format("{}array of {}numbers in {}", k.non_empty ? "a non-empty " : "an ",
                         k.unique ? "distinct " : "", range_text(k));
    case Type::kModelParams:
      return "one table of numbers per candidate, [zoo.params.<candidate>]";
  }
  return "";
}

std::string default_text(const Key& k) {
  if (!k.default_doc.empty()) return k.default_doc;
  if (k.required()) return "required";
  return toml_text(k.def);
}

}  // namespace tracer::config_schema

namespace tracer {

std::string config_reference_markdown() {
  using namespace config_schema;
  std::string md;
  md += "# Experiment configuration reference\n\n";
  md +=
      "<!-- Generated by config_reference_markdown() from the key table in src/io/config_schema.cpp.\n"
      "     Do not edit by hand: change the table, then run\n"
      "       TRACER_WRITE_CONFIG_DOC=1 build/test_config --gtest_filter=ConfigReference.*\n"
      "     (test_config fails while this file differs from the generated text). -->\n\n";
  md +=
      "An experiment is one TOML file (see `experiments/`). Relative paths resolve against the folder of "
      "that file. Every key below is checked when the file is loaded: an unknown key, a wrong type, a value "
      "out of range, a repeated list entry or a missing required key stops the run with an error naming the "
      "file, the line, the key and what was expected (exit code 2). The resolved configuration, every default "
      "filled in, is recorded as `resolved_config_toml` in each `manifest.json`; keys marked *(written when "
      "set)* appear there only when they differ from their default.\n\n";
  md +=
      "From code: `load_config(path)` reads a file and calls `parse_config_text(text, path)`, which parses "
      "text held in memory (relative paths resolve against the folder of `path`, which need not exist). Any "
      "text gives either a config or a `ConfigError`. Both check that the data and embedding files exist "
      "unless called with `FileChecks::kSkip` (used to lint configs without the prepared data, and for "
      "fuzzing).\n\n";
  for (const SectionInfo& s : sections()) {
    md += s.array_of_tables ? fmt::format("## [[{}]]\n\n", s.name) : fmt::format("## [{}]\n\n", s.name);
    md += s.doc + (s.array_of_tables ? " At least one entry is required." : "") + "\n\n";
    md += "| key | default | expected | description |\n|---|---|---|---|\n";
    for (const Key& k : keys()) {
      if (k.section != s.name) continue;
      std::string doc = k.doc;
      if (k.dump == Dump::kUnlessDefault) doc += " *(written when set)*";
      std::string def;
      if (k.required())
        def = "**required**";
      else if (!k.default_doc.empty() && k.default_doc.front() != '"')
        def = k.default_doc;  // prose, not a TOML value
      else
        def = "`" + default_text(k) + "`";
      std::string want = expected(k);
      if (k.check) want += ", " + k.check_doc;
      md += fmt::format("| `{}` | {} | {} | {} |\n", k.name, def, want, doc);
    }
    md += "\n";
    if (!s.rules.empty()) {
      md += "Rules:\n\n";
      for (const auto& r : s.rules) md += "- " + r + "\n";
      md += "\n";
    }
  }
  return md;
}

}  // namespace tracer

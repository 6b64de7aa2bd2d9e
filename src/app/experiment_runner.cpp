#include "app/experiment_runner.hpp"

#include "core/errors.hpp"

#include <chrono>
#include <fmt/format.h>

#include "core/rng.hpp"
#include "core/split.hpp"
#include "io/atomic_file.hpp"
#include "io/format.hpp"
#include "io/embedding_manifest.hpp"
#include "io/npy.hpp"
#include "io/trace_table.hpp"
#include "protocol/analysis.hpp"

namespace tracer {
namespace {

/// A row of one of the two prepared tables.
struct RowRef {
  bool from_test = false;
  std::size_t row = 0;
};

/// Which rows a replay uses as traces and as test, with their labels.
struct Selection {
  std::vector<RowRef> trace_rows, test_rows;  ///< which table rows the replay uses
  arma::uvec train, test, truth_train, truth_test;
};

struct LoadedTeacher {
  TeacherSummary summary;
  Selection fixed;  ///< the split every seed shares (unless resplit_per_seed)
  std::vector<std::string> label_names;
  // Every labelled row of both tables, for a per-seed re-split.
  std::vector<RowRef> pooled;
  arma::uvec pooled_truth;
  double test_share = 0.0;
  arma::uvec all_teacher_train, all_truth_train, all_teacher_test, all_truth_test;
};

Selection select_rows(const LoadedTeacher& t, std::vector<RowRef> trace_rows, std::vector<RowRef> test_rows) {
  Selection sel;
  sel.trace_rows = std::move(trace_rows);
  sel.test_rows = std::move(test_rows);
  auto gather = [&](const std::vector<RowRef>& rows, arma::uvec& teacher, arma::uvec& truth) {
    teacher.set_size(rows.size());
    truth.set_size(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const RowRef& r = rows[i];
      teacher[i] = r.from_test ? t.all_teacher_test[r.row] : t.all_teacher_train[r.row];
      truth[i] = r.from_test ? t.all_truth_test[r.row] : t.all_truth_train[r.row];
    }
  };
  gather(sel.trace_rows, sel.train, sel.truth_train);
  gather(sel.test_rows, sel.test, sel.truth_test);
  return sel;
}

/// The pooled labelled rows split seeded and stratified by ground truth.
Selection resplit(const LoadedTeacher& t, std::uint64_t seed) {
  const auto parts = stratified_split(t.pooled_truth, {1.0 - t.test_share, t.test_share}, seed);
  std::vector<RowRef> trace_rows, test_rows;
  for (arma::uword i : parts[0]) trace_rows.push_back(t.pooled[i]);
  for (arma::uword i : parts[1]) test_rows.push_back(t.pooled[i]);
  return select_rows(t, std::move(trace_rows), std::move(test_rows));
}

/// The seed of a unit's own traces/test split ([protocol] resplit_per_seed).
std::uint64_t resplit_seed(std::uint64_t unit_seed, std::size_t teacher_index) {
  return derive_seed(unit_seed, {stream::kResplit, teacher_index});
}

LoadedTeacher load_teacher(const ExperimentConfig& cfg, const std::vector<std::string>& labels, const TeacherSpec& spec,
                           std::size_t teacher_index) {
  const TraceTable train = read_trace_table(cfg.train_table, spec.column, cfg.trace_format);
  const TraceTable test = read_trace_table(cfg.test_table, spec.column, cfg.trace_format);
  LabelSpace space(labels);
  LoadedTeacher t;
  t.summary.spec = {spec.name, spec.column, spec.rows, spec.test_fraction};
  // Map every row once: truth must be canonical; teacher labels are kept as said.
  auto map = [&](const TraceTable& tab, bool is_test, std::vector<RowRef>& labelled, arma::uvec& teacher,
                 arma::uvec& truth) {
    teacher.set_size(tab.ids.size());
    truth.set_size(tab.ids.size());
    for (std::size_t i = 0; i < tab.ids.size(); ++i) {
      truth[i] = space.truth_index(tab.truth[i], tab.path, i + 1);
      if (tab.teacher[i].empty()) {
        if (spec.rows == "all")
          throw DataError(
              fmt::format("'{}' row {} (id {}): teacher '{}' (column '{}') has no label for this trace; set rows = "
                          "\"labelled\" for a teacher that labels only some rows",
                          tab.path.string(), i + 1, tab.ids[i], spec.name, spec.column));
        teacher[i] = 0;  // placeholder for an unlabelled row: never used (the row is not gathered)
        continue;
      }
      teacher[i] = space.teacher_index(tab.teacher[i]);
      labelled.push_back({is_test, i});
    }
  };
  std::vector<RowRef> labelled_train, labelled_test;
  map(train, false, labelled_train, t.all_teacher_train, t.all_truth_train);
  map(test, true, labelled_test, t.all_teacher_test, t.all_truth_test);
  t.summary.labelled_train_rows = labelled_train.size();
  t.summary.labelled_test_rows = labelled_test.size();
  t.pooled = labelled_train;
  t.pooled.insert(t.pooled.end(), labelled_test.begin(), labelled_test.end());
  t.pooled_truth.set_size(t.pooled.size());
  for (std::size_t i = 0; i < t.pooled.size(); ++i)
    t.pooled_truth[i] = t.pooled[i].from_test ? t.all_truth_test[t.pooled[i].row] : t.all_truth_train[t.pooled[i].row];
  t.test_share = spec.test_fraction > 0.0 ? spec.test_fraction
                 : t.pooled.empty()       ? 0.0
                                    : static_cast<double>(labelled_test.size()) / static_cast<double>(t.pooled.size());
  if (spec.test_fraction > 0.0) {
    // Pool the labelled rows of both tables and re-split them, seeded and
    // stratified by ground truth, so a teacher that labelled a few training
    // rows and the whole test set still gets a usable trace pool.
    t.fixed = resplit(t, derive_seed(cfg.seed, {stream::kSplit, 7000 + teacher_index}));
  } else {
    t.fixed = select_rows(t, labelled_train, labelled_test);
  }
  if (cfg.protocol.resplit_per_seed) {
    if (!(t.test_share > 0.0 && t.test_share < 1.0))
      throw ConfigError(
          fmt::format("'{}': [protocol] resplit_per_seed needs labelled rows in both tables or a "
                      "teacher test_fraction; teacher '{}' has test share {}",
                      cfg.config_file.string(), spec.name, t.test_share));
    // The summary describes the first seed's split (every seed draws its own).
    t.fixed = resplit(
        t, resplit_seed(cfg.n_seeds == 1 ? cfg.seed : derive_seed(cfg.seed, {stream::kReplay, 0}), teacher_index));
  }
  if (t.fixed.trace_rows.empty() || t.fixed.test_rows.empty())
    throw DataError(fmt::format("teacher '{}' (column '{}') leaves no traces or no test rows", spec.name, spec.column));
  t.summary.train_rows = t.fixed.train.n_elem;
  t.summary.test_rows = t.fixed.test.n_elem;
  t.summary.train_accuracy =
      static_cast<double>(arma::accu(t.fixed.train == t.fixed.truth_train)) / static_cast<double>(t.fixed.train.n_elem);
  t.summary.test_accuracy =
      static_cast<double>(arma::accu(t.fixed.test == t.fixed.truth_test)) / static_cast<double>(t.fixed.test.n_elem);
  t.summary.out_of_set = space.out_of_set_counts();
  t.summary.n_classes = space.size();
  t.label_names = space.names();
  return t;
}

arma::mat gather_rows(const arma::mat& X_train, const arma::mat& X_test, const std::vector<RowRef>& rows) {
  arma::mat X(rows.size(), X_train.n_cols);
  for (std::size_t i = 0; i < rows.size(); ++i)
    X.row(i) = rows[i].from_test ? X_test.row(rows[i].row) : X_train.row(rows[i].row);
  return X;
}

struct LoadedEncoder {
  arma::mat X_train_all, X_test_all;
};

/// The test rows of a selection as the writers see them; with_embeddings
/// false leaves X empty (a non-primary replay's view is never read for
/// artifacts, and 100 seeds of test embeddings would not fit in memory).
std::shared_ptr<const TestView> make_view(const TraceTable& train_table, const TraceTable& test_table,
                                          const LoadedTeacher& t, const Selection& sel, const LoadedEncoder& le,
                                          bool with_embeddings) {
  auto view = std::make_shared<TestView>();
  for (const RowRef& r : sel.test_rows) {
    view->ids.push_back(r.from_test ? test_table.ids[r.row] : train_table.ids[r.row]);
    view->texts.push_back(r.from_test ? test_table.texts[r.row] : train_table.texts[r.row]);
  }
  view->teacher = sel.test;
  view->truth = sel.truth_test;
  view->label_names = t.label_names;
  if (with_embeddings) view->X = gather_rows(le.X_train_all, le.X_test_all, sel.test_rows);
  return view;
}

}  // namespace

struct Experiment::Data {
  ExperimentConfig cfg;
  ExperimentInfo info;
  std::vector<TeacherSummary> teachers;
  std::vector<LoadedTeacher> loaded;
  std::vector<LoadedEncoder> encoders;
  std::vector<std::vector<std::shared_ptr<const TestView>>> views;  ///< [encoder][teacher], the fixed (or seed-0) split
  TraceTable train_table, test_table;                               ///< kept for per-seed test views
  std::vector<WorkUnit> units;
  std::string config_sha256;
};

std::string WorkUnit::file_name() const { return fmt::format("{:05d}-{}.unit", index, file_token(id)); }

std::string results_config_sha256(const ExperimentConfig& cfg) {
  ExperimentConfig c = cfg;
  c.output_dir.clear();
  c.protocol.threads = 0;
  return sha256_hex(config_to_toml(c));
}

Experiment::Experiment(const ExperimentConfig& cfg, const ProgressFn& progress) : data_(std::make_unique<Data>()) {
  Data& d = *data_;
  d.cfg = cfg;
  d.config_sha256 = results_config_sha256(cfg);
  ExperimentInfo& info = d.info;
  info.name = cfg.name;
  info.description = cfg.description;
  info.config_file_name = cfg.config_file.filename().generic_string();
  info.seed = cfg.seed;
  info.n_seeds = cfg.n_seeds;
  info.paper_reference = cfg.paper_reference;
  info.zoo_trees = cfg.zoo_trees;
  info.pool_sizes_swept = !cfg.pool_sizes.empty();
  info.protocol = cfg.protocol;
  info.cost = cfg.cost;
  info.resolved_config_toml = config_to_toml(cfg);
  info.labels = read_labels(cfg.labels_file);
  auto rel = [&](const std::filesystem::path& p) { return p.lexically_relative(cfg.base_dir).generic_string(); };
  auto hash = [&](const std::string& role, const std::filesystem::path& p) {
    info.inputs.push_back({role, rel(p), sha256_file(p)});
  };
  hash("train_table", cfg.train_table);
  hash("test_table", cfg.test_table);
  hash("labels", cfg.labels_file);

  d.train_table = read_trace_table(cfg.train_table, "label", cfg.trace_format);
  d.test_table = read_trace_table(cfg.test_table, "label", cfg.trace_format);
  const TraceTable& train_table = d.train_table;
  const TraceTable& test_table = d.test_table;
  check_disjoint_ids(train_table, test_table);

  for (std::size_t ti = 0; ti < cfg.teachers.size(); ++ti) {
    const TeacherSpec& spec = cfg.teachers[ti];
    if (progress) progress("loading teacher " + spec.name);
    d.loaded.push_back(load_teacher(cfg, info.labels, spec, ti));
    d.teachers.push_back(d.loaded.back().summary);
  }

  for (const auto& enc : cfg.encoders) {
    if (progress) progress("loading embeddings " + enc.name);
    LoadedEncoder le;
    for (std::size_t f = 0; f < enc.train.size(); ++f) {
      hash("embeddings:" + enc.name + ":train", enc.train[f]);
      hash("embeddings:" + enc.name + ":test", enc.test[f]);
      // An embedding made by `tracer-bench embed` must belong to these tables.
      verify_embedding_manifest(enc.train[f], cfg.train_table);
      verify_embedding_manifest(enc.test[f], cfg.test_table);
      const arma::mat A = read_npy(enc.train[f]);
      const arma::mat B = read_npy(enc.test[f]);
      check_rows(A, train_table.ids.size(), enc.train[f],
                 fmt::format("the trace table '{}'", cfg.train_table.string()));
      check_rows(B, test_table.ids.size(), enc.test[f], fmt::format("the trace table '{}'", cfg.test_table.string()));
      if (A.n_cols != B.n_cols)
        throw DataError(fmt::format("encoder '{}': '{}' is {}-d but '{}' is {}-d", enc.name, enc.train[f].string(),
                                    A.n_cols, enc.test[f].string(), B.n_cols));
      le.X_train_all = f == 0 ? A : arma::join_rows(le.X_train_all, A);
      le.X_test_all = f == 0 ? B : arma::join_rows(le.X_test_all, B);
    }
    info.encoders.push_back({enc.name, le.X_train_all.n_cols});
    std::vector<std::shared_ptr<const TestView>> views;
    for (const LoadedTeacher& t : d.loaded) views.push_back(make_view(train_table, test_table, t, t.fixed, le, true));
    d.views.push_back(std::move(views));
    d.encoders.push_back(std::move(le));
  }

  // Units in run order: encoder-major, then teacher, pool, seed.
  for (std::size_t ei = 0; ei < cfg.encoders.size(); ++ei)
    for (std::size_t ti = 0; ti < d.loaded.size(); ++ti) {
      const LoadedTeacher& t = d.loaded[ti];
      std::vector<std::size_t> pools = cfg.pool_sizes;
      const bool whole = pools.empty();
      if (whole) pools.push_back(t.fixed.trace_rows.size());
      for (std::size_t pool : pools) {
        if (pool > t.fixed.trace_rows.size())
          throw ConfigError(fmt::format("'{}': [protocol] pool_sizes asks for {} traces but teacher '{}' has {}",
                                        cfg.config_file.string(), pool, t.summary.spec.name,
                                        t.fixed.trace_rows.size()));
        for (std::size_t s = 0; s < cfg.n_seeds; ++s) {
          WorkUnit u;
          u.index = d.units.size();
          u.id = fmt::format("enc={}/teacher={}/pool={}/seed={}", cfg.encoders[ei].name, t.summary.spec.name,
                             whole ? std::string("all") : std::to_string(pool), s);
          u.encoder = ei;
          u.teacher = ti;
          u.pool_size = pool;
          u.seed_index = s;
          u.seed = cfg.n_seeds == 1 ? cfg.seed : derive_seed(cfg.seed, {stream::kReplay, s});
          u.cost = static_cast<double>(pool) * static_cast<double>(info.encoders[ei].dimension) *
                   static_cast<double>(cfg.protocol.candidates.size()) * 1e-6;
          d.units.push_back(std::move(u));
        }
      }
    }
}

Experiment::~Experiment() = default;

const ExperimentConfig& Experiment::config() const { return data_->cfg; }
const std::vector<WorkUnit>& Experiment::units() const { return data_->units; }

RunResult Experiment::run_unit(const WorkUnit& u, const ProgressFn& progress) const {
  const Data& d = *data_;
  const LoadedTeacher& t = d.loaded.at(u.teacher);
  const LoadedEncoder& le = d.encoders.at(u.encoder);
  // A per-seed re-split draws this unit's own traces and test rows.
  const bool own_split = d.cfg.protocol.resplit_per_seed && u.seed_index != 0;
  const Selection own = own_split ? resplit(t, resplit_seed(u.seed, u.teacher)) : Selection{};
  const Selection& sel = own_split ? own : t.fixed;
  const arma::mat X_pool = gather_rows(le.X_train_all, le.X_test_all, sel.trace_rows);
  // A smaller pool is a seeded subsample stratified by teacher label.
  const arma::uvec rows =
      u.pool_size < X_pool.n_rows
          ? stratified_subsample(sel.train, u.pool_size, derive_seed(d.cfg.seed, {stream::kSplit, 9000 + u.pool_size}))
          : arma::regspace<arma::uvec>(0, X_pool.n_rows - 1);
  const arma::mat X_test =
      own_split ? gather_rows(le.X_train_all, le.X_test_all, sel.test_rows) : d.views.at(u.encoder).at(u.teacher)->X;
  const ReplayData data{X_pool.rows(rows), sel.train.elem(rows), sel.truth_train.elem(rows), X_test,
                        sel.test,          sel.truth_test,       t.summary.n_classes};
  RunResult run;
  run.encoder = d.cfg.encoders.at(u.encoder).name;
  run.teacher = t.summary.spec.name;
  run.seed_index = u.seed_index;
  run.seed = u.seed;
  run.pool_size = rows.n_elem;
  run.n_classes = t.summary.n_classes;
  run.test = test_view(u);
  const std::string prefix =
      fmt::format("[{} / {} / {} traces / seed {}] ", run.encoder, run.teacher, rows.n_elem, u.seed_index);
  run.replay = run_replay(data, d.cfg.protocol, run.seed,
                          progress ? ProgressFn([&](const std::string& m) { progress(prefix + m); }) : ProgressFn());
  return run;
}

std::shared_ptr<const TestView> Experiment::test_view(const WorkUnit& u) const {
  const Data& d = *data_;
  if (!d.cfg.protocol.resplit_per_seed || u.seed_index == 0) return d.views.at(u.encoder).at(u.teacher);
  const LoadedTeacher& t = d.loaded.at(u.teacher);
  return make_view(d.train_table, d.test_table, t, resplit(t, resplit_seed(u.seed, u.teacher)),
                   d.encoders.at(u.encoder), false);
}

UnitIdentity Experiment::identity(const WorkUnit& u, const BuildInfo& build) const {
  return {build.version, data_->config_sha256, data_->info.inputs, u.id, u.index, data_->units.size()};
}

ExperimentResults Experiment::assemble(std::vector<RunResult> runs, double seconds_total) const {
  const Data& d = *data_;
  TRACER_CHECK(runs.size() == d.units.size(), "one run per unit");
  ExperimentResults r;
  r.info = d.info;
  r.teachers = d.teachers;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const WorkUnit& u = d.units[i];
    RunResult& run = runs[i];
    if (run.encoder != d.cfg.encoders.at(u.encoder).name || run.teacher != d.loaded.at(u.teacher).summary.spec.name ||
        run.seed_index != u.seed_index || run.seed != u.seed)
      throw InternalError(fmt::format("unit {} ({}) holds the run of another unit", u.index, u.id));
    run.test = test_view(u);
  }
  r.runs = std::move(runs);
  r.seconds_total = seconds_total;
  analyse_experiment(r);
  return r;
}

}  // namespace tracer

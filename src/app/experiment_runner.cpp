#include "app/experiment_runner.hpp"
#include "core/errors.hpp"

#include <chrono>
#include <fmt/format.h>

#include "core/rng.hpp"
#include "core/split.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"

namespace tracer {
namespace {

/// A row of one of the two prepared tables.
struct RowRef {
  bool from_test = false;
  std::size_t row = 0;
};

struct LoadedTeacher {
  TeacherSummary summary;
  std::vector<RowRef> trace_rows, test_rows;     ///< which table rows the replay uses
  arma::uvec train, test, truth_train, truth_test;
  std::vector<std::string> label_names;
};

LoadedTeacher load_teacher(const ExperimentConfig& cfg, const std::vector<std::string>& labels,
                           const TeacherSpec& spec, std::size_t teacher_index) {
  const TraceTable train = read_trace_table(cfg.train_table, spec.column);
  const TraceTable test = read_trace_table(cfg.test_table, spec.column);
  LabelSpace space(labels);
  LoadedTeacher t;
  t.summary.spec = spec;
  // Map every row once: truth must be canonical; teacher labels are kept as said.
  auto map = [&](const TraceTable& tab, bool is_test, std::vector<RowRef>& labelled, arma::uvec& teacher,
                 arma::uvec& truth) {
    teacher.set_size(tab.ids.size());
    truth.set_size(tab.ids.size());
    for (std::size_t i = 0; i < tab.ids.size(); ++i) {
      truth[i] = space.truth_index(tab.truth[i], tab.path, i + 1);
      if (tab.teacher[i].empty()) {
        if (spec.rows == "all")
          throw DataError(fmt::format(
              "'{}' row {} (id {}): teacher '{}' (column '{}') has no label for this trace; set rows = "
              "\"labelled\" for a teacher that labels only some rows",
              tab.path.string(), i + 1, tab.ids[i], spec.name, spec.column));
        teacher[i] = 0;  // placeholder for an unlabelled row: never used (the row is not gathered)
        continue;
      }
      teacher[i] = space.teacher_index(tab.teacher[i]);
      labelled.push_back({is_test, i});
    }
  };
  arma::uvec all_teacher_train, all_truth_train, all_teacher_test, all_truth_test;
  std::vector<RowRef> labelled_train, labelled_test;
  map(train, false, labelled_train, all_teacher_train, all_truth_train);
  map(test, true, labelled_test, all_teacher_test, all_truth_test);
  t.summary.labelled_train_rows = labelled_train.size();
  t.summary.labelled_test_rows = labelled_test.size();
  if (spec.test_fraction > 0.0) {
    // Pool the labelled rows of both tables and re-split them, seeded and
    // stratified by ground truth, so a teacher that labelled a few training
    // rows and the whole test set still gets a usable trace pool.
    std::vector<RowRef> pooled = labelled_train;
    pooled.insert(pooled.end(), labelled_test.begin(), labelled_test.end());
    arma::uvec strata(pooled.size());
    for (std::size_t i = 0; i < pooled.size(); ++i)
      strata[i] = pooled[i].from_test ? all_truth_test[pooled[i].row] : all_truth_train[pooled[i].row];
    const auto parts = stratified_split(strata, {1.0 - spec.test_fraction, spec.test_fraction},
                                        derive_seed(cfg.seed, {stream::kSplit, 7000 + teacher_index}));
    for (arma::uword i : parts[0]) t.trace_rows.push_back(pooled[i]);
    for (arma::uword i : parts[1]) t.test_rows.push_back(pooled[i]);
  } else {
    t.trace_rows = labelled_train;
    t.test_rows = labelled_test;
  }
  if (t.trace_rows.empty() || t.test_rows.empty())
    throw DataError(fmt::format("teacher '{}' (column '{}') leaves no traces or no test rows", spec.name,
                                         spec.column));
  auto gather = [&](const std::vector<RowRef>& rows, arma::uvec& teacher, arma::uvec& truth) {
    teacher.set_size(rows.size());
    truth.set_size(rows.size());
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const RowRef& r = rows[i];
      teacher[i] = r.from_test ? all_teacher_test[r.row] : all_teacher_train[r.row];
      truth[i] = r.from_test ? all_truth_test[r.row] : all_truth_train[r.row];
    }
  };
  gather(t.trace_rows, t.train, t.truth_train);
  gather(t.test_rows, t.test, t.truth_test);
  t.summary.train_rows = t.train.n_elem;
  t.summary.test_rows = t.test.n_elem;
  t.summary.train_accuracy = static_cast<double>(arma::accu(t.train == t.truth_train)) / t.train.n_elem;
  t.summary.test_accuracy = static_cast<double>(arma::accu(t.test == t.truth_test)) / t.test.n_elem;
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

}  // namespace

ExperimentResult run_experiment(const ExperimentConfig& cfg, const ProgressFn& progress) {
  using Clock = std::chrono::steady_clock;
  const auto t0 = Clock::now();
  ExperimentResult out;
  out.config = cfg;
  out.labels = read_labels(cfg.labels_file);
  auto rel = [&](const std::filesystem::path& p) { return p.lexically_relative(cfg.base_dir).generic_string(); };
  auto hash = [&](const std::string& role, const std::filesystem::path& p) {
    out.inputs.push_back({role, rel(p), sha256_file(p)});
  };
  hash("train_table", cfg.train_table);
  hash("test_table", cfg.test_table);
  hash("labels", cfg.labels_file);

  const TraceTable train_table = read_trace_table(cfg.train_table, "label");
  const TraceTable test_table = read_trace_table(cfg.test_table, "label");
  out.test_texts = test_table.texts;
  out.test_ids = test_table.ids;

  std::vector<LoadedTeacher> teachers;
  for (std::size_t ti = 0; ti < cfg.teachers.size(); ++ti) {
    const TeacherSpec& spec = cfg.teachers[ti];
    if (progress) progress("loading teacher " + spec.name);
    teachers.push_back(load_teacher(cfg, out.labels, spec, ti));
    const LoadedTeacher& t = teachers.back();
    out.teachers.push_back(t.summary);
    if (t.test_rows.size() == test_table.ids.size()) {  // the canonical test set
      out.test_teacher[spec.name] = t.test;
      out.test_truth = t.truth_test;
    }
    out.label_names[spec.name] = t.label_names;
  }

  for (const auto& enc : cfg.encoders) {
    if (progress) progress("loading embeddings " + enc.name);
    arma::mat X_train_all, X_test_all;
    for (std::size_t f = 0; f < enc.train.size(); ++f) {
      hash("embeddings:" + enc.name + ":train", enc.train[f]);
      hash("embeddings:" + enc.name + ":test", enc.test[f]);
      const arma::mat A = read_npy(enc.train[f]);
      const arma::mat B = read_npy(enc.test[f]);
      check_rows(A, train_table.ids.size(), enc.train[f],
                 fmt::format("the trace table '{}'", cfg.train_table.string()));
      check_rows(B, test_table.ids.size(), enc.test[f],
                 fmt::format("the trace table '{}'", cfg.test_table.string()));
      if (A.n_cols != B.n_cols)
        throw DataError(fmt::format("encoder '{}': '{}' is {}-d but '{}' is {}-d", enc.name,
                                             enc.train[f].string(), A.n_cols, enc.test[f].string(), B.n_cols));
      X_train_all = f == 0 ? A : arma::join_rows(X_train_all, A);
      X_test_all = f == 0 ? B : arma::join_rows(X_test_all, B);
    }
    out.embedding_dims[enc.name] = X_train_all.n_cols;
    out.test_embeddings[enc.name] = X_test_all;
    for (std::size_t ti = 0; ti < teachers.size(); ++ti) {
      const LoadedTeacher& t = teachers[ti];
      auto view = std::make_shared<TestView>();
      for (const RowRef& r : t.test_rows) {
        view->ids.push_back(r.from_test ? test_table.ids[r.row] : train_table.ids[r.row]);
        view->texts.push_back(r.from_test ? test_table.texts[r.row] : train_table.texts[r.row]);
      }
      view->teacher = t.test;
      view->truth = t.truth_test;
      view->label_names = t.label_names;
      view->X = gather_rows(X_train_all, X_test_all, t.test_rows);
      const arma::mat X_pool = gather_rows(X_train_all, X_test_all, t.trace_rows);
      std::vector<std::size_t> pools = cfg.pool_sizes;
      if (pools.empty()) pools.push_back(X_pool.n_rows);
      for (std::size_t pool : pools) {
        if (pool > X_pool.n_rows)
          throw DataError(fmt::format("[protocol] pool_sizes asks for {} traces but teacher '{}' has {}",
                                               pool, t.summary.spec.name, X_pool.n_rows));
        // A smaller pool is a seeded subsample stratified by teacher label.
        const arma::uvec rows = pool < X_pool.n_rows
                                    ? stratified_subsample(t.train, pool, derive_seed(cfg.seed, {stream::kSplit, 9000 + pool}))
                                    : arma::regspace<arma::uvec>(0, X_pool.n_rows - 1);
        ReplayData data{X_pool.rows(rows), t.train.elem(rows), t.truth_train.elem(rows), view->X, t.test,
                        t.truth_test, t.summary.n_classes};
        for (std::size_t s = 0; s < cfg.n_seeds; ++s) {
          RunResult run;
          run.encoder = enc.name;
          run.teacher = t.summary.spec.name;
          run.seed_index = s;
          run.seed = cfg.n_seeds == 1 ? cfg.seed : derive_seed(cfg.seed, {stream::kReplay, s});
          run.pool_size = rows.n_elem;
          run.n_classes = t.summary.n_classes;
          run.test = view;
          const std::string prefix = fmt::format("[{} / {} / {} traces / seed {}] ", enc.name,
                                                 t.summary.spec.name, rows.n_elem, s);
          run.replay = run_replay(data, cfg.protocol, run.seed,
                                  progress ? ProgressFn([&](const std::string& m) { progress(prefix + m); })
                                           : ProgressFn());
          out.runs.push_back(std::move(run));
        }
      }
    }
  }
  out.seconds_total = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

}  // namespace tracer

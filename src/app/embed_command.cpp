#include "app/embed_command.hpp"
#include "core/errors.hpp"

#include <libfccp/csv.h>

#include <chrono>
#include <cstdio>
#include <stdexcept>
#include <string_view>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/encoder/embedding_ops.hpp"
#include "io/atomic_file.hpp"
#include "io/embedding_manifest.hpp"
#include "io/npy.hpp"

namespace tracer {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// One split's texts as the encoder sees them.
struct Encoded {
  arma::mat features;
  std::size_t zero_texts = 0;
};

}  // namespace

TextColumns read_text_columns(const std::filesystem::path& csv, bool pair) {
  const std::string file = csv.string();
  if (!std::filesystem::is_regular_file(csv)) throw DataError(fmt::format("'{}': trace table not found", file));
  TextColumns out;
  try {
    io::CSVReader<3, io::trim_chars<>, io::double_quote_escape<',', '"'>> in(file);
    // Read the header leniently, then say exactly which column is missing.
    in.read_header(io::ignore_extra_column | io::ignore_missing_column, "id", "text", "text_b");
    for (const char* column : {"id", "text"})
      if (!in.has_column(column)) throw DataError(fmt::format("'{}': the header has no '{}' column", file, column));
    if (pair && !in.has_column("text_b"))
      throw DataError(
          fmt::format("'{}': pair mode needs a 'text_b' column (the second sentence), the header has none", file));
    if (!pair && in.has_column("text_b"))
      throw DataError(fmt::format(
          "'{}' has a 'text_b' column (sentence pairs): use pair mode, or the second sentence would be ignored", file));
    std::string id, text, text_b;
    while (in.read_row(id, text, text_b)) {
      out.id.push_back(id);
      out.text.push_back(text);
      if (pair) out.text_b.push_back(text_b);
    }
  } catch (const io::error::base& e) {
    // fast-cpp-csv-parser's messages name the file (truncated to 255 chars) and line.
    throw DataError(fmt::format("'{}': cannot read trace table: {}", file, e.what()));
  }
  if (out.id.empty()) throw DataError(fmt::format("'{}': the trace table has no rows", file));
  return out;
}

EmbedReport run_embed(const EmbedOptions& options) {
  const auto t_start = Clock::now();
  validate(options.lsa);
  check_output_name(options.name);
  if (options.out_dir.empty()) throw ConfigError("embed: no output folder given");
  auto log = [&](const std::string& line) {
    if (!options.quiet) fmt::print(stderr, "embed: {}\n", line);
  };

  const TextColumns train = read_text_columns(options.train_csv, options.pair);
  const TextColumns test = read_text_columns(options.test_csv, options.pair);
  const std::size_t n_train = train.id.size(), n_test = test.id.size();
  log(fmt::format("read {} train and {} test rows{}", n_train, n_test, options.pair ? " (sentence pairs)" : ""));

  // Fit on training texts only; in pair mode both sides of every pair.
  std::vector<std::string> fit_texts = train.text;
  if (options.pair) fit_texts.insert(fit_texts.end(), train.text_b.begin(), train.text_b.end());
  LsaEncoder encoder(options.lsa);
  const auto t_fit = Clock::now();
  const arma::mat fitted = encoder.fit_transform(fit_texts, options.seed);
  const double fit_seconds = seconds_since(t_fit);
  log(fmt::format("fitted LSA on {} texts: vocabulary {}, {} dimensions, explained variance {:.3f}, {:.2f} s",
                  fit_texts.size(), encoder.vocabulary_size(), encoder.dimension(),
                  arma::accu(encoder.explained_variance_ratio()), fit_seconds));

  Encoded train_out, test_out;
  if (options.pair) {
    // fit_transform's rows are the premises, then the hypotheses; transform()
    // would give the same bits.
    const arma::mat u = fitted.rows(0, n_train - 1), v = fitted.rows(n_train, 2 * n_train - 1);
    train_out.features = pair_features(u, v);
    train_out.zero_texts = zero_rows(u) + zero_rows(v);
    const arma::mat ut = encoder.transform(test.text), vt = encoder.transform(test.text_b);
    test_out.features = pair_features(ut, vt);
    test_out.zero_texts = zero_rows(ut) + zero_rows(vt);
  } else {
    train_out.features = fitted;
    train_out.zero_texts = zero_rows(fitted);
    test_out.features = encoder.transform(test.text);
    test_out.zero_texts = zero_rows(test_out.features);
  }
  if (train_out.zero_texts + test_out.zero_texts > 0)
    log(fmt::format("{} train and {} test texts have no vocabulary term: their embeddings are zero",
                    train_out.zero_texts, test_out.zero_texts));

  EmbedReport report;
  report.train_npy = options.out_dir / (options.name + "_train.npy");
  report.test_npy = options.out_dir / (options.name + "_test.npy");
  report.manifest = options.out_dir / (options.name + ".json");
  const std::string train_bytes = npy_bytes(train_out.features, report.train_npy.string());
  const std::string test_bytes = npy_bytes(test_out.features, report.test_npy.string());
  const LsaOptions& o = options.lsa;
  nlohmann::ordered_json m;
  m["encoder"] = "lsa";
  m["name"] = options.name;
  m["seed"] = options.seed;
  m["pair"] = options.pair;
  if (options.pair) m["pair_features"] = "[u, v, |u - v|, u * v]";
  m["dtype"] = "<f4";
  m["columns"] = train_out.features.n_cols;
  m["lsa"] = {{"dimension", o.dimension},
              {"ngram_max", o.ngram_max},
              {"min_df", o.min_df},
              {"max_features", o.max_features},
              {"lowercase", o.lowercase},
              {"join_apostrophes", o.join_apostrophes},
              {"min_token_length", o.min_token_length},
              {"sublinear_tf", o.sublinear_tf},
              {"idf", "ln((1 + n) / (1 + df)) + 1"},
              {"tfidf_norm", "l2"},
              {"svd", "randomized"},
              {"oversampling", o.oversampling},
              {"power_iterations", o.power_iterations},
              {"output_norm", "l2"}};
  m["fit_texts"] = fit_texts.size();
  m["vocabulary_size"] = encoder.vocabulary_size();
  m["explained_variance_ratio_sum"] = arma::accu(encoder.explained_variance_ratio());
  m["explained_variance_ratio"] =
      std::vector<double>(encoder.explained_variance_ratio().begin(), encoder.explained_variance_ratio().end());
  m["singular_values"] = std::vector<double>(encoder.singular_values().begin(), encoder.singular_values().end());
  // One unit (write_embedding_set): incomplete manifest, arrays, final manifest.
  write_embedding_set(report.manifest, m,
                      {options.train_csv,
                       n_train,
                       report.train_npy,
                       train_bytes,
                       {{"texts_without_vocabulary_terms", train_out.zero_texts}}},
                      {options.test_csv,
                       n_test,
                       report.test_npy,
                       test_bytes,
                       {{"texts_without_vocabulary_terms", test_out.zero_texts}}});

  report.train_rows = n_train;
  report.test_rows = n_test;
  report.vocabulary_size = encoder.vocabulary_size();
  report.columns = train_out.features.n_cols;
  report.train_zero_texts = train_out.zero_texts;
  report.test_zero_texts = test_out.zero_texts;
  report.fit_seconds = fit_seconds;
  report.total_seconds = seconds_since(t_start);
  log(fmt::format("wrote {}, {} and {} ({:.2f} s)", report.train_npy.string(), report.test_npy.string(),
                  report.manifest.string(), report.total_seconds));
  return report;
}

void check_output_name(const std::string& name) {
  if (name.empty()) throw ConfigError("embed: output name is empty");
  for (const char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
    if (!ok)
      throw ConfigError(
          fmt::format("embed: output name '{}' may only contain letters, digits, '-', '_' and '.'", name));
  }
  if (name == "." || name == "..") throw ConfigError(fmt::format("embed: bad output name '{}'", name));
}

}  // namespace tracer

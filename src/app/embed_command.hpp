#pragma once
// `tracer-bench embed`: prepared trace tables -> LSA sentence embeddings.
//
// Reads the columns id, text (and text_b in pair mode) of the prepared
// train and test tables (docs/data_format.md), fits the LSA encoder on the
// training texts only, and writes
//   <out_dir>/<name>_train.npy   float32, one row per train-table row, same order
//   <out_dir>/<name>_test.npy    float32, one row per test-table row, same order
//   <out_dir>/<name>.json        settings, vocabulary size, seed, singular values,
//                                explained-variance ratios, sha256 of inputs/outputs
// each atomically; the manifest is written last, so its presence means the
// .npy files are complete.
//
// Pair mode (MNLI, text_b = hypothesis): the encoder is fitted on the train
// premises and hypotheses together; each side is encoded separately and the
// row is [u, v, |u - v|, u .* v], 4 * dimension wide.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoder/lsa.hpp"

namespace tracer {

struct EmbedOptions {
  std::filesystem::path train_csv;  ///< prepared train table (fit + encode)
  std::filesystem::path test_csv;   ///< prepared test table (encode only)
  std::filesystem::path out_dir;    ///< created if missing
  std::string name = "lsa";         ///< output file stem: letters, digits, '-', '_', '.'
  LsaOptions lsa;                   ///< encoder settings (defaults: see lsa.hpp)
  std::uint64_t seed = 0;           ///< master seed; the SVD uses derive_seed(seed, {kEncoder})
  bool pair = false;                ///< sentence pairs: requires a text_b column
  bool quiet = false;               ///< no progress lines on stderr
};

struct EmbedReport {
  std::filesystem::path train_npy, test_npy, manifest;
  std::size_t train_rows = 0, test_rows = 0;
  std::size_t vocabulary_size = 0;
  std::size_t columns = 0;           ///< embedding width (4 * dimension in pair mode)
  std::size_t train_zero_texts = 0;  ///< texts (either side in pair mode) with no vocabulary term
  std::size_t test_zero_texts = 0;
  double fit_seconds = 0.0;  ///< vocabulary + tf-idf + SVD + training projection
  double total_seconds = 0.0;
};

/// The text columns of a prepared table, in file order.
struct TextColumns {
  std::vector<std::string> id, text, text_b;  ///< text_b empty unless read with pair = true
};

/// Reads id, text (and text_b when pair) from a prepared table with
/// fast-cpp-csv-parser. Throws std::runtime_error naming the file and, for a
/// missing column, the column; also when the table has a text_b column but
/// pair is false (encoding only the premise would be silently wrong), and
/// when it has no rows.
TextColumns read_text_columns(const std::filesystem::path& csv, bool pair);

/// Throws std::invalid_argument unless `name` is a safe output file stem
/// (letters, digits, '-', '_', '.'; not empty, "." or ".."). Shared by the
/// LSA and GloVe-SIF embed commands.
void check_output_name(const std::string& name);

/// Runs the whole command. Throws std::invalid_argument for bad options and
/// std::runtime_error for unreadable/invalid input or failed writes.
EmbedReport run_embed(const EmbedOptions& options);

}  // namespace tracer

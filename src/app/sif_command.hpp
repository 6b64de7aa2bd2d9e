#pragma once
// `tracer-bench embed --encoder glove-sif`: prepared trace tables -> SIF
// sentence embeddings over pretrained GloVe vectors (core/encoder/sif.hpp).
//
// Reads id, text (and text_b in pair mode) of the prepared train and test
// tables (docs/data_format.md), fits SIF on the training texts only (the
// common component, and p(w) when frequency = train), and writes
//   <out_dir>/<name>_train.npy   float32, one row per train-table row, same order
//   <out_dir>/<name>_test.npy    float32, one row per test-table row, same order
//   <out_dir>/<name>.json        settings, removed component(s), OOV rate and
//                                empty-text count per split, sha256 of the
//                                word vectors, inputs and outputs
// each atomically; the manifest is written last, so its presence means the
// .npy files are complete.
//
// Pair mode (MNLI): SIF is fitted on train premises and hypotheses together;
// each side is encoded separately and the row is [u, v, |u - v|, u .* v].
//
// l2_normalize (off by default): scale each sentence vector (each side, in
// pair mode, before the pair features) to unit length after the component
// removal. SIF's own output is unnormalised, and the paper compares vectors by
// cosine; normalising suits consumers that use raw dot products or distances.
// A text with no in-vocabulary word stays the zero vector either way.
#include <cstddef>
#include <filesystem>
#include <string>

#include "core/encoder/sif.hpp"

namespace tracer {

struct SifEmbedOptions {
  std::filesystem::path train_csv;     ///< prepared train table (fit + encode)
  std::filesystem::path test_csv;      ///< prepared test table (encode only)
  std::filesystem::path out_dir;       ///< created if missing
  std::filesystem::path word_vectors;  ///< TGLOVE01 file from data_scripts/fetch_glove.sh
  std::string name = "glove-sif";      ///< output file stem: letters, digits, '-', '_', '.'
  SifOptions sif;                      ///< a, p(w) source, components removed
  bool l2_normalize = false;           ///< unit-length outputs (see above)
  bool pair = false;                   ///< sentence pairs: requires a text_b column
  bool quiet = false;                  ///< no progress lines on stderr
};

struct SifEmbedReport {
  std::filesystem::path train_npy, test_npy, manifest;
  std::size_t train_rows = 0, test_rows = 0;
  std::size_t columns = 0;  ///< embedding width (4 * dimension in pair mode)
  SifStats train_stats;     ///< over the texts encoded (both sides in pair mode)
  SifStats test_stats;
  double total_seconds = 0.0;
};

/// Runs the whole command. Throws std::invalid_argument for bad options and
/// std::runtime_error for unreadable/invalid input or failed writes.
SifEmbedReport run_sif_embed(const SifEmbedOptions& options);

}  // namespace tracer

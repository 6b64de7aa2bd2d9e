#pragma once
// Loading the word-vector binary that data_scripts/fetch_glove.sh makes
// (format "TGLOVE01", written by data_scripts/glove_convert.py):
//   offset 0   8 bytes   magic "TGLOVE01"
//   offset 8   uint32 LE vocabulary size V
//   offset 12  uint32 LE dimension d
//   offset 16  V*d float32 LE, row-major (row i = word i)
//   then       V words, UTF-8, each ended by '\n', in GloVe's order
//              (decreasing corpus frequency: SIF's Zipf p(w) uses the rank)
#include <armadillo>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "core/encoder/sif.hpp"

namespace tracer {

struct GloveStore {
  std::vector<std::string> words;  ///< in rank order
  arma::mat vectors;               ///< V x d, one word per row (float32 widened)
  WordIndex index;                 ///< word -> row
};

/// Reads and validates the whole binary. Throws DataError naming the file and
/// the problem (bad magic, truncated, sizes that overflow, word count, empty
/// or duplicate word, word list not UTF-8, non-finite value), and pointing at
/// fetch_glove.sh when the file is missing.
GloveStore load_glove_store(const std::filesystem::path& path);

/// The same checks on the file's bytes in memory; `name` is used in messages.
GloveStore parse_glove_store(std::string_view bytes, std::string_view name);

}  // namespace tracer

#include "io/glove_store.hpp"
#include "core/errors.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include <fmt/format.h>

namespace tracer {

namespace {

constexpr char kMagic[8] = {'T', 'G', 'L', 'O', 'V', 'E', '0', '1'};

std::uint32_t read_u32_le(const unsigned char* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) |
         (std::uint32_t(p[3]) << 24);
}

float read_f32_le(const unsigned char* p) {
  return std::bit_cast<float>(read_u32_le(p));
}

}  // namespace

GloveStore load_glove_store(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string where = path.string();
  if (!fs::exists(path))
    throw DataError(fmt::format(
        "word vectors '{}' not found: run data_scripts/fetch_glove.sh (it prints where it put them)", where));
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(fmt::format("cannot open word vectors '{}'", where));
  const auto file_size = fs::file_size(path);

  unsigned char header[16];
  if (!in.read(reinterpret_cast<char*>(header), sizeof header))
    throw DataError(fmt::format("'{}': too short for a TGLOVE01 header", where));
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0)
    throw DataError(fmt::format("'{}' is not a TGLOVE01 file (bad magic)", where));
  const std::uint64_t V = read_u32_le(header + 8), d = read_u32_le(header + 12);
  if (V == 0 || d == 0) throw DataError(fmt::format("'{}': vocabulary {} x dimension {}", where, V, d));
  const std::uint64_t vec_bytes = V * d * 4;
  if (file_size < 16 + vec_bytes)
    throw DataError(fmt::format("'{}' is truncated: {} bytes, the {} x {} vectors alone need {}", where,
                                         file_size, V, d, 16 + vec_bytes));

  GloveStore store;
  store.vectors.set_size(V, d);
  // Read in blocks of rows to keep the float buffer small.
  constexpr std::uint64_t kRowsPerBlock = 8192;
  std::vector<unsigned char> buf;
  for (std::uint64_t r0 = 0; r0 < V; r0 += kRowsPerBlock) {
    const std::uint64_t rows = std::min(kRowsPerBlock, V - r0);
    buf.resize(rows * d * 4);
    if (!in.read(reinterpret_cast<char*>(buf.data()), std::streamsize(buf.size())))
      throw DataError(fmt::format("'{}': read failed in the vectors", where));
    for (std::uint64_t r = 0; r < rows; ++r) {
      for (std::uint64_t j = 0; j < d; ++j) {
        const float x = read_f32_le(buf.data() + 4 * (r * d + j));
        if (!std::isfinite(x))
          throw DataError(fmt::format("'{}': non-finite value in the vector of word {}", where, r0 + r));
        store.vectors(r0 + r, j) = x;
      }
    }
  }

  std::string tail(file_size - 16 - vec_bytes, '\0');
  if (!tail.empty() && !in.read(tail.data(), std::streamsize(tail.size())))
    throw DataError(fmt::format("'{}': read failed in the word list", where));
  store.words.reserve(V);
  store.index.reserve(V);
  std::size_t start = 0;
  while (start < tail.size()) {
    const std::size_t nl = tail.find('\n', start);
    if (nl == std::string::npos)
      throw DataError(fmt::format("'{}': the last word has no terminating newline", where));
    std::string w = tail.substr(start, nl - start);
    if (w.empty()) throw DataError(fmt::format("'{}': empty word at rank {}", where, store.words.size()));
    if (!store.index.emplace(w, store.words.size()).second)
      throw DataError(fmt::format("'{}': duplicate word '{}'", where, w));
    store.words.push_back(std::move(w));
    start = nl + 1;
  }
  if (store.words.size() != V)
    throw DataError(fmt::format("'{}': header says {} words, the file lists {}", where, V, store.words.size()));
  return store;
}

}  // namespace tracer

#include "io/glove_store.hpp"
#include "core/errors.hpp"

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <istream>
#include <stdexcept>
#include <streambuf>

#include <fmt/format.h>

#include "io/utf8.hpp"

namespace tracer {

namespace {

constexpr char kMagic[8] = {'T', 'G', 'L', 'O', 'V', 'E', '0', '1'};

std::uint32_t read_u32_le(const unsigned char* p) {
  return std::uint32_t(p[0]) | (std::uint32_t(p[1]) << 8) | (std::uint32_t(p[2]) << 16) | (std::uint32_t(p[3]) << 24);
}

float read_f32_le(const unsigned char* p) { return std::bit_cast<float>(read_u32_le(p)); }

/// A read-only stream buffer over bytes in memory.
class ViewBuf : public std::streambuf {
 public:
  explicit ViewBuf(std::string_view bytes) {
    char* p = const_cast<char*>(bytes.data());  // never written: no put area, no putback
    setg(p, p, p + bytes.size());
  }
};

/// The reader proper: `in` holds exactly `file_size` bytes. Reads the vectors
/// in blocks of rows, so a file on disk is never held twice in memory.
GloveStore parse_stream(std::istream& in, std::uint64_t file_size, const std::string& where) {
  unsigned char header[16];
  if (file_size < sizeof header || !in.read(reinterpret_cast<char*>(header), sizeof header))
    throw DataError(fmt::format("'{}': too short for a TGLOVE01 header ({} bytes, need 16)", where, file_size));
  if (std::memcmp(header, kMagic, sizeof kMagic) != 0)
    throw DataError(fmt::format("'{}' is not a TGLOVE01 file (bad magic)", where));
  const std::uint64_t V = read_u32_le(header + 8), d = read_u32_le(header + 12);
  if (V == 0 || d == 0) throw DataError(fmt::format("'{}': vocabulary {} x dimension {}", where, V, d));
  // V, d < 2^32, so V * d < 2^64, but V * d * 4 may overflow: compare by division.
  const std::uint64_t payload = file_size - 16;
  if (V * d > payload / 4)
    throw DataError(fmt::format("'{}' is truncated: {} bytes, the {} x {} float32 vectors alone need {}", where,
                                file_size, V, d, 16.0 + 4.0 * static_cast<double>(V) * static_cast<double>(d)));
  const std::uint64_t vec_bytes = V * d * 4;
  // Every word takes at least 2 bytes (a character and '\n').
  if (payload - vec_bytes < 2 * V)
    throw DataError(
        fmt::format("'{}': {} bytes after the vectors cannot hold {} words", where, payload - vec_bytes, V));

  GloveStore store;
  store.vectors.set_size(V, d);
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
          throw DataError(fmt::format("'{}': non-finite value in the vector of word {} (rank {}, dimension {})", where,
                                      r0 + r, r0 + r, j));
        store.vectors(r0 + r, j) = x;
      }
    }
  }

  std::string tail(payload - vec_bytes, '\0');
  if (!tail.empty() && !in.read(tail.data(), std::streamsize(tail.size())))
    throw DataError(fmt::format("'{}': read failed in the word list", where));
  Utf8Error bad;
  if (!valid_utf8(tail, &bad))
    throw DataError(
        fmt::format("'{}': word list (from byte offset {}) is not UTF-8: word at rank {}, byte offset {}: {}", where,
                    16 + vec_bytes, bad.line - 1, 16 + vec_bytes + bad.offset, bad.what));
  store.words.reserve(V);
  store.index.reserve(V);
  std::size_t start = 0;
  while (start < tail.size()) {
    const std::size_t nl = tail.find('\n', start);
    if (nl == std::string::npos) throw DataError(fmt::format("'{}': the last word has no terminating newline", where));
    std::string w = tail.substr(start, nl - start);
    if (w.empty()) throw DataError(fmt::format("'{}': empty word at rank {}", where, store.words.size()));
    if (store.words.size() == V)
      throw DataError(fmt::format("'{}': header says {} words, the file lists more", where, V));
    if (!store.index.emplace(w, store.words.size()).second)
      throw DataError(fmt::format("'{}': duplicate word '{}' at rank {}", where, w, store.words.size()));
    store.words.push_back(std::move(w));
    start = nl + 1;
  }
  if (store.words.size() != V)
    throw DataError(fmt::format("'{}': header says {} words, the file lists {}", where, V, store.words.size()));
  return store;
}

}  // namespace

GloveStore parse_glove_store(std::string_view bytes, std::string_view name) {
  ViewBuf buf(bytes);
  std::istream in(&buf);
  return parse_stream(in, bytes.size(), std::string(name));
}

GloveStore load_glove_store(const std::filesystem::path& path) {
  namespace fs = std::filesystem;
  const std::string where = path.string();
  if (!fs::exists(path))
    throw DataError(fmt::format(
        "word vectors '{}' not found: run data_scripts/fetch_glove.sh (it prints where it put them)", where));
  std::ifstream in(path, std::ios::binary);
  std::error_code ec;
  const auto file_size = fs::file_size(path, ec);
  if (!in || ec) throw DataError(fmt::format("cannot open word vectors '{}'", where));
  return parse_stream(in, file_size, where);
}

}  // namespace tracer

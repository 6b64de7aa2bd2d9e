#include "io/npy.hpp"
#include "core/errors.hpp"

#include <algorithm>
#include <bit>
#include <cctype>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <stdexcept>
#include <vector>

#include <fmt/format.h>

#include "io/atomic_file.hpp"

namespace tracer {

namespace {

constexpr std::string_view kMagic = "\x93NUMPY";
constexpr std::string_view kAccepted = "accepted dtypes are '<f2', '<f4', '<f8' (little-endian float16/32/64)";

// .npy data here is little-endian; on a big-endian host, reverse the bytes.
template <typename U>
U load_le(const char* p) {
  unsigned char b[sizeof(U)];
  std::memcpy(b, p, sizeof b);
  if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof b);
  U v;
  std::memcpy(&v, b, sizeof v);
  return v;
}

template <typename U>
void store_le(char* p, U v) {
  std::memcpy(p, &v, sizeof v);
  if constexpr (std::endian::native == std::endian::big) std::reverse(p, p + sizeof v);
}

template <typename U>
void append_le(std::string& out, U v) {
  char b[sizeof v];
  std::memcpy(b, &v, sizeof v);
  if constexpr (std::endian::native == std::endian::big) std::reverse(b, b + sizeof b);
  out.append(b, sizeof v);
}

std::string shape_string(const std::vector<std::uint64_t>& shape) {
  if (shape.size() == 1) return fmt::format("({},)", shape[0]);
  return fmt::format("({})", fmt::join(shape, ", "));
}

/// The header is a Python dict literal; numpy writes it with repr(), so we
/// accept exactly the forms repr() produces: quoted strings, True/False,
/// tuples of non-negative integers.
class HeaderParser {
 public:
  HeaderParser(std::string_view text, std::string_view file) : s_(text), file_(file) {}

  struct Header {
    std::string descr;
    bool fortran_order = false;
    std::vector<std::uint64_t> shape;
  };

  Header parse() {
    Header h;
    bool have_descr = false, have_order = false, have_shape = false;
    expect('{');
    skip_ws();
    while (peek() != '}') {
      const std::string key = parse_string();
      expect(':');
      skip_ws();
      if (key == "descr") {
        if (peek() != '\'' && peek() != '"')
          fail("'descr' is not a simple dtype string (structured dtypes are not supported; " + std::string(kAccepted) +
               ")");
        h.descr = parse_string();
        have_descr = true;
      } else if (key == "fortran_order") {
        h.fortran_order = parse_bool();
        have_order = true;
      } else if (key == "shape") {
        h.shape = parse_tuple();
        have_shape = true;
      } else {
        fail(fmt::format("unexpected key '{}' (expected 'descr', 'fortran_order', 'shape')", key));
      }
      skip_ws();
      if (peek() == ',') {
        ++pos_;
        skip_ws();
      } else if (peek() != '}') {
        fail("expected ',' or '}'");
      }
    }
    if (!have_descr) fail("no 'descr' key");
    if (!have_order) fail("no 'fortran_order' key");
    if (!have_shape) fail("no 'shape' key");
    return h;
  }

 private:
  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("'{}': malformed .npy header at offset {}: {} (header: {})", file_, pos_, what, s_));
  }
  char peek() const { return pos_ < s_.size() ? s_[pos_] : '\0'; }
  void skip_ws() {
    while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
  }
  void expect(char c) {
    skip_ws();
    if (peek() != c) fail(fmt::format("expected '{}'", c));
    ++pos_;
  }
  std::string parse_string() {
    skip_ws();
    const char q = peek();
    if (q != '\'' && q != '"') fail("expected a quoted string");
    const std::size_t end = s_.find(q, pos_ + 1);
    if (end == std::string_view::npos) fail("unterminated string");
    std::string out(s_.substr(pos_ + 1, end - pos_ - 1));
    pos_ = end + 1;
    return out;
  }
  bool parse_bool() {
    if (s_.substr(pos_, 4) == "True") {
      pos_ += 4;
      return true;
    }
    if (s_.substr(pos_, 5) == "False") {
      pos_ += 5;
      return false;
    }
    fail("expected True or False for 'fortran_order'");
  }
  std::vector<std::uint64_t> parse_tuple() {
    expect('(');
    std::vector<std::uint64_t> dims;
    for (;;) {
      skip_ws();
      if (peek() == ')') {
        ++pos_;
        return dims;
      }
      if (!std::isdigit(static_cast<unsigned char>(peek()))) fail("expected a non-negative integer in 'shape'");
      std::uint64_t v = 0;
      while (std::isdigit(static_cast<unsigned char>(peek()))) {
        const std::uint64_t digit = static_cast<std::uint64_t>(peek() - '0');
        if (v > (std::numeric_limits<std::uint64_t>::max() - digit) / 10) fail("dimension too large");
        v = v * 10 + digit;
        ++pos_;
      }
      dims.push_back(v);
      skip_ws();
      if (peek() == ',')
        ++pos_;
      else if (peek() != ')')
        fail("expected ',' or ')' in 'shape'");
    }
  }

  std::string_view s_;
  std::string_view file_;
  std::size_t pos_ = 0;
};

/// Throws for a descr we do not read, saying why; returns the item size.
std::size_t item_size(const std::string& descr, std::string_view file) {
  if (descr == "<f2") return 2;
  if (descr == "<f4") return 4;
  if (descr == "<f8") return 8;
  if (descr.size() >= 2 && descr[0] == '>')
    throw DataError(
        fmt::format("'{}': dtype '{}' is big-endian; {} (convert with arr.astype('<f4'))", file, descr, kAccepted));
  throw DataError(fmt::format("'{}': dtype '{}' is not supported; {}", file, descr, kAccepted));
}

}  // namespace

double half_to_double(std::uint16_t bits) {
  const bool negative = (bits & 0x8000u) != 0;
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  double v;
  if (exponent == 0) {
    v = std::ldexp(static_cast<double>(mantissa), -24);  // zero or subnormal: m * 2^-14 / 2^10
  } else if (exponent == 31) {
    v = mantissa == 0 ? std::numeric_limits<double>::infinity() : std::numeric_limits<double>::quiet_NaN();
  } else {
    v = std::ldexp(static_cast<double>(mantissa + 1024), exponent - 25);  // 1.m * 2^(e-15)
  }
  return negative ? -v : v;
}

std::string npy_bytes(const arma::mat& X, std::string_view name) {
  // A value float32 cannot hold would silently become inf; refuse instead.
  if (!X.is_finite() || (X.n_elem > 0 && arma::abs(X).max() > std::numeric_limits<float>::max())) {
    for (arma::uword r = 0; r < X.n_rows; ++r)
      for (arma::uword c = 0; c < X.n_cols; ++c)
        if (!std::isfinite(X(r, c)) || std::abs(X(r, c)) > std::numeric_limits<float>::max())
          throw DataError(
              fmt::format("'{}': cannot write value {} at row {}, column {} as float32", name, X(r, c), r, c));
  }
  std::string header =
      fmt::format("{{'descr': '<f4', 'fortran_order': False, 'shape': ({}, {}), }}", X.n_rows, X.n_cols);
  // Magic (6) + version (2) + length (2) + header + '\n' is a multiple of 64,
  // so the data is aligned (numpy's own padding rule).
  const std::size_t unpadded = kMagic.size() + 2 + 2 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out;
  out.reserve(kMagic.size() + 4 + header.size() + 4 * X.n_elem);
  out.append(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  append_le<std::uint16_t>(out, static_cast<std::uint16_t>(header.size()));
  out += header;
  // C order: element (r, c) goes to offset 4 (r d + c); walk X column by
  // column (contiguous reads) and scatter into the preallocated data block.
  const std::size_t data = out.size();
  out.resize(data + 4 * X.n_elem);
  char* base = out.data() + data;
  const std::size_t d = X.n_cols;
  // Nothing to scatter for an empty matrix (a 0 x 4e16 one would otherwise
  // loop 4e16 times over empty columns: found by fuzz_npy).
  for (arma::uword c = 0; X.n_elem > 0 && c < X.n_cols; ++c) {
    const double* col = X.colptr(c);
    for (arma::uword r = 0; r < X.n_rows; ++r)
      store_le<std::uint32_t>(base + 4 * (r * d + c), std::bit_cast<std::uint32_t>(static_cast<float>(col[r])));
  }
  return out;
}

void write_npy(const std::filesystem::path& path, const arma::mat& X) {
  write_file_atomic(path, npy_bytes(X, path.string()));
}

arma::mat read_npy(const std::filesystem::path& path) {
  std::string bytes;
  try {
    bytes = read_file(path);
  } catch (const std::runtime_error&) {
    throw DataError(fmt::format("'{}': cannot open .npy file", path.string()));
  }
  return parse_npy(bytes, path.string());
}

arma::mat parse_npy(std::string_view bytes, std::string_view file) {
  if (bytes.substr(0, kMagic.size()) != kMagic)
    throw DataError(fmt::format("'{}': not a .npy file (bad magic: the file must start with \\x93NUMPY)", file));
  if (bytes.size() < kMagic.size() + 2)
    throw DataError(fmt::format("'{}': truncated .npy header: the file ends after {} bytes", file, bytes.size()));
  const int major = static_cast<unsigned char>(bytes[6]);
  const int minor = static_cast<unsigned char>(bytes[7]);
  if (!((major == 1 || major == 2 || major == 3) && minor == 0))
    throw DataError(
        fmt::format("'{}': unsupported .npy format version {}.{} (supported: 1.0, 2.0, 3.0)", file, major, minor));
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t preamble = kMagic.size() + 2 + len_bytes;
  if (bytes.size() < preamble)
    throw DataError(fmt::format("'{}': truncated .npy header: the file ends after {} bytes", file, bytes.size()));
  const std::size_t header_len =
      major == 1 ? load_le<std::uint16_t>(bytes.data() + 8) : load_le<std::uint32_t>(bytes.data() + 8);
  if (bytes.size() - preamble < header_len)
    throw DataError(fmt::format("'{}': truncated .npy header: it declares {} bytes, the file has {}", file, header_len,
                                bytes.size() - preamble));
  const std::string_view header_text = bytes.substr(preamble, header_len);
  const auto h = HeaderParser(header_text, file).parse();

  const std::size_t item = item_size(h.descr, file);
  if (h.shape.size() != 2)
    throw DataError(fmt::format("'{}': array is {}-D with shape {}; expected a 2-D (rows, columns) array", file,
                                h.shape.size(), shape_string(h.shape)));
  const std::uint64_t rows = h.shape[0], cols = h.shape[1];

  const std::uint64_t limit = std::numeric_limits<std::uint64_t>::max() / item;
  if ((cols != 0 && rows > limit / cols))
    throw DataError(fmt::format("'{}': shape {} is too large", file, shape_string(h.shape)));
  const std::uint64_t expected = rows * cols * item;
  const std::size_t offset = preamble + header_len;
  const std::uint64_t available = bytes.size() - offset;
  if (available < expected)
    throw DataError(fmt::format("'{}': truncated data: expected {} bytes of data for shape {} '{}', file has {}", file,
                                expected, shape_string(h.shape), h.descr, available));
  if (available > expected)
    throw DataError(
        fmt::format("'{}': {} bytes of data after the header, but shape {} '{}' needs {} ({} trailing bytes)", file,
                    available, shape_string(h.shape), h.descr, expected, available - expected));

  // An empty array is returned as such: Armadillo's in-place transpose of an
  // empty non-square matrix binds a reference to a null pointer (UB; found by
  // fuzz_npy). Row-count checks against the trace table come later.
  if (rows == 0 || cols == 0) return arma::mat(rows, cols);

  // In memory order the data is rows x cols column-major when fortran_order,
  // else its transpose (C order): fill that, transpose if needed.
  arma::mat M(h.fortran_order ? rows : cols, h.fortran_order ? cols : rows);
  const char* p = bytes.data() + offset;
  double* out = M.memptr();
  const std::size_t count = static_cast<std::size_t>(rows * cols);
  if (item == 2) {
    for (std::size_t i = 0; i < count; ++i) out[i] = half_to_double(load_le<std::uint16_t>(p + 2 * i));
  } else if (item == 4) {
    for (std::size_t i = 0; i < count; ++i) out[i] = std::bit_cast<float>(load_le<std::uint32_t>(p + 4 * i));
  } else {
    for (std::size_t i = 0; i < count; ++i) out[i] = std::bit_cast<double>(load_le<std::uint64_t>(p + 8 * i));
  }
  if (!h.fortran_order) arma::inplace_trans(M);

  // Non-finite values, and (for '<f8') values float32 cannot hold, are
  // refused here, naming the file: the reference casts embeddings to float32
  // (api.py: X.astype(np.float32)), where 1e300 would become inf, and later
  // code would report a non-finite score without naming any file.
  constexpr double kFloatMax = std::numeric_limits<float>::max();
  const bool in_range = item != 8 || M.n_elem == 0 || !M.is_finite() || arma::abs(M).max() <= kFloatMax;
  if (!M.is_finite() || !in_range) {
    for (arma::uword r = 0; r < M.n_rows; ++r)
      for (arma::uword c = 0; c < M.n_cols; ++c) {
        if (!std::isfinite(M(r, c)))
          throw DataError(
              fmt::format("'{}': non-finite value {} at row {}, column {} (0-based); embeddings must be finite", file,
                          M(r, c), r, c));
        if (std::abs(M(r, c)) > kFloatMax)
          throw DataError(
              fmt::format("'{}': value {} at row {}, column {} (0-based) is outside the float32 range (|x| <= {}); "
                          "embeddings are used as float32",
                          file, M(r, c), r, c, kFloatMax));
      }
  }
  return M;
}

void check_rows(const arma::mat& m, std::size_t expected_rows, const std::filesystem::path& path,
                std::string_view what) {
  if (m.n_rows != expected_rows)
    throw DataError(fmt::format("'{}' has {} rows but {} has {}", path.string(), m.n_rows, what, expected_rows));
}

}  // namespace tracer

#include "io/utf8.hpp"
#include "core/errors.hpp"

#include <fmt/format.h>

namespace tracer {

bool valid_utf8(std::string_view s, Utf8Error* error, bool reject_nul) {
  std::size_t line = 1, line_start = 0;
  auto fail = [&](std::size_t at, const char* what) {
    if (error) *error = Utf8Error{at, line, at - line_start + 1, what};
    return false;
  };
  const std::size_t n = s.size();
  std::size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c == 0 && reject_nul) return fail(i, "NUL byte");
      if (c == '\n') {
        ++line;
        line_start = i + 1;
      }
      ++i;
      continue;
    }
    std::size_t len;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0)
        lo = 0xA0;  // no overlong 3-byte forms
      else if (c == 0xED)
        hi = 0x9F;  // no UTF-16 surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0)
        lo = 0x90;  // no overlong 4-byte forms
      else if (c == 0xF4)
        hi = 0x8F;  // nothing above U+10FFFF
    } else if (c >= 0x80 && c <= 0xBF) {
      return fail(i, "unexpected UTF-8 continuation byte");
    } else {
      return fail(i, "invalid UTF-8 byte (0xC0, 0xC1 or 0xF5-0xFF never occur)");
    }
    if (i + len > n) return fail(i, "truncated UTF-8 sequence at the end of the input");
    const auto c1 = static_cast<unsigned char>(s[i + 1]);
    if (c1 < lo || c1 > hi) return fail(i, "invalid UTF-8 sequence (overlong, surrogate or bad continuation)");
    for (std::size_t k = 2; k < len; ++k) {
      const auto ck = static_cast<unsigned char>(s[i + k]);
      if (ck < 0x80 || ck > 0xBF) return fail(i, "invalid UTF-8 sequence (bad continuation byte)");
    }
    i += len;
  }
  return true;
}

void check_utf8(std::string_view bytes, std::string_view name) {
  Utf8Error e;
  if (!valid_utf8(bytes, &e))
    throw DataError(fmt::format("'{}' line {}, byte offset {} (column {}): {}; text files must be UTF-8", name, e.line,
                                e.offset, e.column, e.what));
}

}  // namespace tracer

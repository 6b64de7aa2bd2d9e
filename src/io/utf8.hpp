#pragma once
// Validation of text where it enters tracer-bench: every text file a reader
// takes (trace tables, labels files, word lists) must be well-formed UTF-8.
#include <cstddef>
#include <string_view>

namespace tracer {

/// Where the first problem in a byte string is.
struct Utf8Error {
  std::size_t offset = 0;  ///< 0-based byte offset in the whole input
  std::size_t line = 0;    ///< 1-based line (lines end at '\n')
  std::size_t column = 0;  ///< 1-based byte column in that line
  const char* what = "";   ///< e.g. "invalid UTF-8 lead byte 0xff"
};

/// True if `bytes` is well-formed UTF-8 (RFC 3629: no overlong forms, no
/// surrogates, nothing above U+10FFFF). With `reject_nul`, a NUL byte is an
/// error too (the CSV parser treats it as the end of a line). On failure,
/// `*error` (if given) says where.
bool valid_utf8(std::string_view bytes, Utf8Error* error = nullptr, bool reject_nul = true);

/// Throws DataError "'<name>' line L, byte offset O (column C): <what>"
/// unless `bytes` is valid UTF-8 without NUL bytes.
void check_utf8(std::string_view bytes, std::string_view name);

}  // namespace tracer

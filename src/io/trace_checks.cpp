#include "io/trace_checks.hpp"
#include "core/errors.hpp"

#include <string>
#include <unordered_map>

#include <fmt/format.h>

#include "io/utf8.hpp"

namespace tracer::detail {

void check_unique_ids(const TraceTable& t, const std::vector<std::size_t>& lines) {
  std::unordered_map<std::string_view, std::size_t> seen;
  seen.reserve(t.ids.size());
  for (std::size_t i = 0; i < t.ids.size(); ++i) {
    const auto [it, fresh] = seen.emplace(t.ids[i], i);
    if (!fresh)
      throw DataError(fmt::format("'{}' line {}: duplicate id '{}' (already on line {}); ids must be unique",
                                  t.path.string(), lines[i], t.ids[i], lines[it->second]));
  }
}

void check_text_bytes(std::string_view bytes, std::string_view name) {
  if (bytes.substr(0, 3) == "\xEF\xBB\xBF")
    throw DataError(
        fmt::format("'{}' line 1, byte offset 0: the file starts with a UTF-8 byte order mark; "
                    "save it as UTF-8 without BOM",
                    name));
  check_utf8(bytes, name);
}

}  // namespace tracer::detail

#pragma once
// Checks shared by the CSV and JSONL trace-table readers.
#include <cstddef>
#include <string_view>
#include <vector>

#include "io/trace_table.hpp"

namespace tracer::detail {

/// Throws DataError naming both lines if an id occurs twice; `lines[i]` is
/// the physical 1-based line of row i.
void check_unique_ids(const TraceTable& t, const std::vector<std::size_t>& lines);

/// Throws DataError if `bytes` starts with a UTF-8 byte order mark, then
/// unless they are UTF-8 without NUL bytes (line and byte offset named).
void check_text_bytes(std::string_view bytes, std::string_view name);

}  // namespace tracer::detail

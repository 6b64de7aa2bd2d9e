#pragma once
// A CSV layout declared as a table of columns (name + getter), so the header
// and every row are produced from the same list and a column count cannot
// drift. Quoting goes through csv_field (libcsv).
#include <functional>
#include <string>
#include <vector>

#include "io/format.hpp"

namespace tracer {

template <class Row>
struct CsvColumn {
  std::string name;
  std::function<std::string(const Row&)> get;
};

template <class Row>
using CsvLayout = std::vector<CsvColumn<Row>>;

/// Header line plus one line per row, "\n"-terminated.
template <class Row, class Rows>
std::string render_csv(const CsvLayout<Row>& layout, const Rows& rows) {
  std::string out;
  auto line = [&](auto&& field_of) {
    for (std::size_t i = 0; i < layout.size(); ++i) {
      if (i) out += ',';
      out += csv_field(field_of(layout[i]));
    }
    out += '\n';
  };
  line([](const CsvColumn<Row>& c) { return c.name; });
  for (const Row& row : rows) line([&](const CsvColumn<Row>& c) { return c.get(row); });
  return out;
}

}  // namespace tracer

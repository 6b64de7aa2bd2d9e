#include "io/trace_table.hpp"
#include "core/errors.hpp"

#include <fmt/format.h>
#include <libfccp/csv.h>

#include <stdexcept>
#include <unordered_map>

#include "io/atomic_file.hpp"
#include "io/trace_checks.hpp"

namespace tracer {

namespace {

/// The file's bytes; a missing or unreadable file is a DataError.
std::string read_input(const std::filesystem::path& path, std::string_view what) {
  if (!std::filesystem::is_regular_file(path))
    throw DataError(fmt::format("{} '{}' does not exist", what, path.string()));
  try {
    return read_file(path);
  } catch (const std::runtime_error&) {
    throw DataError(fmt::format("cannot read {} '{}'", what, path.string()));
  }
}

}  // namespace

TraceTable parse_trace_table_csv(std::string_view bytes, const std::filesystem::path& name,
                                 const std::string& teacher_column) {
  const std::string file = name.string();
  detail::check_text_bytes(bytes, file);
  TraceTable t;
  t.path = name;
  std::vector<std::size_t> lines;
  const bool teacher_is_truth = teacher_column == "label";
  const std::string expected =
      fmt::format("expected columns: id, text, label{}", teacher_is_truth ? "" : ", " + teacher_column);
  try {
    using Quote = io::double_quote_escape<',', '"'>;
    std::string id, text, label, teacher;
    auto keep = [&](std::size_t line) {
      if (id.empty()) throw DataError(fmt::format("'{}' line {}: empty id (column 'id')", file, line));
      if (label.empty())
        throw DataError(fmt::format("'{}' line {}: empty ground-truth label (column 'label')", file, line));
      t.ids.push_back(id);
      t.texts.push_back(text);
      t.truth.push_back(label);
      t.teacher.push_back(teacher_is_truth ? label : teacher);
      lines.push_back(line);
    };
    // Read the header leniently, then name exactly the column that is missing
    // (fccp would otherwise report a later, misleading field-count error).
    auto check_header = [&](const auto& in, std::initializer_list<const char*> columns) {
      for (const char* column : columns)
        if (!in.has_column(column))
          throw DataError(fmt::format("'{}' line 1 (header): no column '{}' ({})", file, column, expected));
    };
    const char* begin = bytes.data();
    const char* end = bytes.data() + bytes.size();
    constexpr auto policy = io::ignore_extra_column | io::ignore_missing_column;
    // fast-cpp-csv-parser fixes the column count at compile time and refuses to
    // read a column twice, hence two readers.
    if (teacher_is_truth) {
      io::CSVReader<3, io::trim_chars<>, Quote> in(file, begin, end);
      in.read_header(policy, "id", "text", "label");
      check_header(in, {"id", "text", "label"});
      while (in.read_row(id, text, label)) keep(in.get_file_line());
    } else {
      if (teacher_column == "id" || teacher_column == "text")
        throw ConfigError(fmt::format("teacher column '{}' is not a teacher column", teacher_column));
      io::CSVReader<4, io::trim_chars<>, Quote> in(file, begin, end);
      in.read_header(policy, "id", "text", "label", teacher_column);
      check_header(in, {"id", "text", "label", teacher_column.c_str()});
      while (in.read_row(id, text, label, teacher)) keep(in.get_file_line());
    }
  } catch (const io::error::base& e) {
    // fast-cpp-csv-parser messages name the line and column already.
    std::string msg = e.what();
    if (dynamic_cast<const io::error::too_many_columns*>(&e))
      msg += " (the line has more fields than the header)";
    else if (dynamic_cast<const io::error::too_few_columns*>(&e))
      msg += " (the line has fewer fields than the header)";
    else if (dynamic_cast<const io::error::missing_column_in_header*>(&e) ||
             dynamic_cast<const io::error::duplicated_column_in_header*>(&e) ||
             dynamic_cast<const io::error::header_missing*>(&e))
      msg += " (" + expected + ")";
    throw DataError(fmt::format("reading trace table '{}': {}", file, msg));
  }
  if (t.ids.empty()) throw DataError(fmt::format("trace table '{}' has no rows", file));
  detail::check_unique_ids(t, lines);
  return t;
}

TraceTable read_trace_table(const std::filesystem::path& csv, const std::string& teacher_column) {
  return parse_trace_table_csv(read_input(csv, "trace table"), csv, teacher_column);
}

TraceTable read_trace_table(const std::filesystem::path& path, const std::string& teacher_column,
                            std::string_view format) {
  if (format == "csv") return read_trace_table(path, teacher_column);
  if (format == "jsonl") return parse_trace_table_jsonl(read_input(path, "trace table"), path, teacher_column);
  throw ConfigError(fmt::format("trace table format '{}' is not known (expected \"csv\" or \"jsonl\")", format));
}

void check_disjoint_ids(const TraceTable& traces, const TraceTable& test) {
  std::unordered_map<std::string_view, std::size_t> row_of;
  row_of.reserve(traces.ids.size());
  for (std::size_t i = 0; i < traces.ids.size(); ++i) row_of.emplace(traces.ids[i], i);
  std::size_t shared = 0, first = 0;
  for (std::size_t j = 0; j < test.ids.size(); ++j)
    if (row_of.count(test.ids[j]) && shared++ == 0) first = j;
  if (shared > 0)
    throw DataError(fmt::format(
        "test table '{}' row {} has id '{}', which is also row {} of the traces '{}' ({} id{} shared in all); "
        "a test trace must not be a training trace",
        test.path.string(), first + 1, test.ids[first], row_of.at(test.ids[first]) + 1, traces.path.string(), shared,
        shared == 1 ? "" : "s"));
}

std::vector<std::string> parse_labels(std::string_view bytes, std::string_view name) {
  detail::check_text_bytes(bytes, name);
  std::vector<std::string> labels;
  std::unordered_map<std::string_view, std::size_t> line_of;
  std::size_t start = 0, n = 0;
  while (start < bytes.size()) {
    ++n;
    std::size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) nl = bytes.size();
    std::string_view line = bytes.substr(start, nl - start);
    start = nl + 1;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) throw DataError(fmt::format("'{}' line {}: empty label", name, n));
    if (line.find('\r') != std::string_view::npos)
      throw DataError(fmt::format("'{}' line {}: carriage return inside a label", name, n));
    const auto [it, fresh] = line_of.emplace(line, n);
    if (!fresh)
      throw DataError(fmt::format("'{}' line {}: label '{}' is already on line {}", name, n, line, it->second));
    labels.emplace_back(line);
  }
  if (labels.size() < 2)
    throw DataError(fmt::format("'{}': need at least 2 labels, the file has {}", name, labels.size()));
  return labels;
}

std::vector<std::string> read_labels(const std::filesystem::path& path) {
  return parse_labels(read_input(path, "labels file"), path.string());
}

LabelSpace::LabelSpace(std::vector<std::string> canonical) : names_(std::move(canonical)) {
  n_canonical_ = names_.size();
  for (std::size_t i = 0; i < names_.size(); ++i) {
    if (!index_.emplace(names_[i], i).second)
      throw DataError(fmt::format("label '{}' is listed twice in the label set", names_[i]));
  }
}

arma::uword LabelSpace::truth_index(const std::string& label, const std::filesystem::path& file,
                                    std::size_t row) const {
  auto it = index_.find(label);
  if (it == index_.end() || it->second >= n_canonical_)
    throw DataError(
        fmt::format("'{}' row {}: ground-truth label '{}' is not in the label set", file.string(), row, label));
  return it->second;
}

arma::uword LabelSpace::teacher_index(const std::string& label) {
  auto it = index_.find(label);
  if (it != index_.end()) {
    if (it->second >= n_canonical_) ++out_of_set_[label];
    return it->second;
  }
  const arma::uword idx = names_.size();
  names_.push_back(label);
  index_.emplace(label, idx);
  out_of_set_[label] = 1;
  return idx;
}

}  // namespace tracer

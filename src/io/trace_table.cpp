#include "io/trace_table.hpp"
#include "core/errors.hpp"

#include <fmt/format.h>
#include <libfccp/csv.h>

#include <fstream>
#include <stdexcept>

namespace tracer {

TraceTable read_trace_table(const std::filesystem::path& csv, const std::string& teacher_column) {
  if (!std::filesystem::is_regular_file(csv))
    throw DataError(fmt::format("trace table '{}' does not exist", csv.string()));
  TraceTable t;
  t.path = csv;
  const bool teacher_is_truth = teacher_column == "label";
  try {
    using Quote = io::double_quote_escape<',', '"'>;
    std::string id, text, label, teacher;
    auto keep = [&](std::size_t line) {
      if (id.empty()) throw DataError(fmt::format("'{}' line {}: empty id", csv.string(), line));
      if (label.empty())
        throw DataError(
            fmt::format("'{}' line {}: empty ground-truth label (column 'label')", csv.string(), line));
      t.ids.push_back(id);
      t.texts.push_back(text);
      t.truth.push_back(label);
      t.teacher.push_back(teacher_is_truth ? label : teacher);
    };
    // fast-cpp-csv-parser fixes the column count at compile time and refuses to
    // read a column twice, hence two readers.
    if (teacher_is_truth) {
      io::CSVReader<3, io::trim_chars<>, Quote> in(csv.string());
      in.read_header(io::ignore_extra_column, "id", "text", "label");
      while (in.read_row(id, text, label)) keep(in.get_file_line());
    } else {
      io::CSVReader<4, io::trim_chars<>, Quote> in(csv.string());
      in.read_header(io::ignore_extra_column, "id", "text", "label", teacher_column);
      while (in.read_row(id, text, label, teacher)) keep(in.get_file_line());
    }
  } catch (const io::error::base& e) {
    // fast-cpp-csv-parser messages name the file, line and column already.
    std::string msg = e.what();
    if (dynamic_cast<const io::error::missing_column_in_header*>(&e))
      msg += fmt::format(" (expected columns: id, text, label{})",
                         teacher_is_truth ? "" : ", " + teacher_column);
    throw DataError(fmt::format("reading trace table '{}': {}", csv.string(), msg));
  }
  if (t.ids.empty()) throw DataError(fmt::format("trace table '{}' has no rows", csv.string()));
  return t;
}

std::vector<std::string> read_labels(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw DataError(fmt::format("cannot open labels file '{}'", path.string()));
  std::vector<std::string> labels;
  std::string line;
  std::size_t n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) throw DataError(fmt::format("'{}' line {}: empty label", path.string(), n));
    labels.push_back(line);
  }
  if (labels.size() < 2) throw DataError(fmt::format("'{}': need at least 2 labels", path.string()));
  return labels;
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
    throw DataError(fmt::format("'{}' row {}: ground-truth label '{}' is not in the label set",
                                         file.string(), row, label));
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

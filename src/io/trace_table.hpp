#pragma once
// Reading the prepared trace tables (docs/data_format.md). Two formats give
// the same TraceTable:
//   csv    UTF-8, header, every field double-quoted, one record per line,
//          columns id, text, label, teacher_* ...
//   jsonl  one JSON object per line (the Python reference's trace format,
//          docs/data_format.md "JSONL traces" for the key mapping).
// Every reader takes the bytes (so it can be fuzzed in memory); the
// path-taking functions read the file and call it. Every problem with the
// input throws DataError naming the file, the line, the column or key, and
// what was expected; nothing else escapes for any input bytes.
#include <armadillo>
#include <filesystem>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tracer {

/// The columns of a trace table that an experiment uses.
struct TraceTable {
  std::filesystem::path path;
  std::vector<std::string> ids, texts, truth, teacher;  ///< teacher: "" where the teacher has no label
};

/// Reads id, text, label and the teacher column (which may be "label" itself)
/// of a CSV trace table. Checks: UTF-8 (line and byte offset named), the
/// header has every column (the missing one named), every row has the
/// header's field count, no empty id, no duplicate id (both lines named), no
/// empty ground-truth label, at least one row.
TraceTable read_trace_table(const std::filesystem::path& csv, const std::string& teacher_column);

/// The same, for format "csv" or "jsonl" (anything else is a ConfigError).
TraceTable read_trace_table(const std::filesystem::path& path, const std::string& teacher_column,
                            std::string_view format);

/// The in-memory readers: `name` is the file named in error messages (and
/// stored in TraceTable::path).
TraceTable parse_trace_table_csv(std::string_view bytes, const std::filesystem::path& name,
                                 const std::string& teacher_column);
TraceTable parse_trace_table_jsonl(std::string_view bytes, const std::filesystem::path& name,
                                   const std::string& teacher_column);

/// Throws DataError if an id of `test` is also an id of `traces` (a test
/// trace in the training traces), naming both files, rows and the id, and how
/// many ids are shared.
void check_disjoint_ids(const TraceTable& traces, const TraceTable& test);

/// Canonical label names, one per line: UTF-8, no empty line, no label twice
/// (each problem names the line), at least 2 labels. A final newline is
/// optional; a CR before the LF is dropped.
std::vector<std::string> read_labels(const std::filesystem::path& labels_txt);
std::vector<std::string> parse_labels(std::string_view bytes, std::string_view name);

/// Maps label strings to indices. Ground-truth labels must be canonical;
/// teacher labels outside the canonical set are KEPT as the teacher said them:
/// they get indices after the canonical ones (the surrogate learns them like
/// any class) and are counted per value.
class LabelSpace {
 public:
  explicit LabelSpace(std::vector<std::string> canonical);
  std::size_t n_canonical() const { return n_canonical_; }
  std::size_t size() const { return names_.size(); }
  const std::vector<std::string>& names() const { return names_; }

  /// Index of a canonical label; throws naming file, row and value otherwise.
  arma::uword truth_index(const std::string& label, const std::filesystem::path& file, std::size_t row) const;
  /// Index of a teacher label, adding it (as an out-of-set label) if new.
  arma::uword teacher_index(const std::string& label);
  /// Out-of-set teacher labels and how often each was seen.
  const std::map<std::string, std::size_t>& out_of_set_counts() const { return out_of_set_; }

 private:
  std::vector<std::string> names_;
  std::size_t n_canonical_;
  std::map<std::string, arma::uword> index_;
  std::map<std::string, std::size_t> out_of_set_;
};

}  // namespace tracer

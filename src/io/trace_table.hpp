#pragma once
// Reading the prepared trace tables (docs/data_format.md): UTF-8 CSV, header,
// every field double-quoted, one record per line, columns id, text, label,
// teacher_* ...
#include <armadillo>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace tracer {

/// The columns of a trace table that an experiment uses.
struct TraceTable {
  std::filesystem::path path;
  std::vector<std::string> ids, texts, truth, teacher;  ///< teacher: "" where the teacher has no label
};

/// Reads id, text, label and the teacher column (which may be "label" itself).
/// Throws std::runtime_error naming the file, line and column on any problem
/// (missing column, too few/many fields, unterminated quote, empty id).
TraceTable read_trace_table(const std::filesystem::path& csv, const std::string& teacher_column);

/// Canonical label names, one per line (blank lines are an error).
std::vector<std::string> read_labels(const std::filesystem::path& labels_txt);

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

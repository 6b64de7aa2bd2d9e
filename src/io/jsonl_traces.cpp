// The JSONL trace reader (parse_trace_table_jsonl, declared in
// io/trace_table.hpp). Key mapping: docs/data_format.md, "JSONL traces".
#include "core/errors.hpp"
#include "io/trace_table.hpp"

#include <array>
#include <cstdint>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/trace_checks.hpp"

namespace tracer {

namespace {

using nlohmann::json;

// The Python reference's aliases (traces/loader.py), first present wins.
constexpr std::array<std::string_view, 5> kInputKeys = {"input", "query", "text", "prompt", "question"};
constexpr std::array<std::string_view, 6> kTeacherKeys = {"teacher", "teacher_output", "label",
                                                          "intent",  "output",         "answer"};
constexpr int kMaxDepth = 32;  // a trace is flat; deeper nesting is refused before it costs anything

std::string_view strip(std::string_view s) {
  constexpr std::string_view ws = " \t\r\n\v\f";
  const std::size_t b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(ws) - b + 1);
}

class LineReader {
 public:
  LineReader(std::string_view file, std::size_t line) : file_(file), line_(line) {}

  [[noreturn]] void fail(const std::string& what) const {
    throw DataError(fmt::format("'{}' line {}: {}", file_, line_, what));
  }

  /// A label or id value as text: strings as they are; integers in decimal and
  /// booleans as True/False (Python's str(), as the reference converts them).
  std::string scalar(const json& v, std::string_view key) const {
    switch (v.type()) {
      case json::value_t::string:
        return v.get<std::string>();
      case json::value_t::number_integer:
        return std::to_string(v.get<std::int64_t>());
      case json::value_t::number_unsigned:
        return std::to_string(v.get<std::uint64_t>());
      case json::value_t::boolean:
        return v.get<bool>() ? "True" : "False";
      case json::value_t::number_float:
        fail(fmt::format("key '{}' is a floating-point number; write it as a string", key));
      case json::value_t::null:
        fail(fmt::format("key '{}' is null; expected a string", key));
      default:
        fail(fmt::format("key '{}' is a JSON {}; expected a string", key, v.type_name()));
    }
  }

  /// The value of the first key of `keys` the object has, or nullptr.
  template <std::size_t N>
  const json* first_present(const json& row, const std::array<std::string_view, N>& keys,
                            std::string_view* which) const {
    for (std::string_view k : keys) {
      auto it = row.find(std::string(k));
      if (it != row.end()) {
        *which = k;
        return &*it;
      }
    }
    return nullptr;
  }

 private:
  std::string_view file_;
  std::size_t line_;
};

}  // namespace

TraceTable parse_trace_table_jsonl(std::string_view bytes, const std::filesystem::path& name,
                                   const std::string& teacher_column) {
  const std::string file = name.string();
  detail::check_text_bytes(bytes, file);
  TraceTable t;
  t.path = name;
  std::vector<std::size_t> lines;
  const bool teacher_is_truth = teacher_column == "label";
  const bool teacher_alias = teacher_column == "teacher";
  bool teacher_key_seen = false;
  std::size_t start = 0, line_no = 0;
  while (start < bytes.size()) {
    ++line_no;
    std::size_t nl = bytes.find('\n', start);
    if (nl == std::string_view::npos) nl = bytes.size();
    const std::string_view line = strip(bytes.substr(start, nl - start));
    start = nl + 1;
    if (line.empty()) continue;  // as the reference: blank lines are skipped
    const LineReader r(file, line_no);

    json row;
    try {
      row = json::parse(line, [&](int depth, json::parse_event_t, json&) {
        if (depth > kMaxDepth) r.fail(fmt::format("JSON nested deeper than {} levels", kMaxDepth));
        return true;
      });
    } catch (const json::exception& e) {
      r.fail(fmt::format("malformed JSON: {}", e.what()));
    }
    if (!row.is_object()) r.fail(fmt::format("expected a JSON object (one trace), found a JSON {}", row.type_name()));

    std::string_view input_key;
    const json* input = r.first_present(row, kInputKeys, &input_key);
    if (!input) r.fail(fmt::format("no input key (expected one of: {})", fmt::join(kInputKeys, ", ")));
    if (!input->is_string())
      r.fail(fmt::format("input key '{}' is a JSON {}; expected a string", input_key, input->type_name()));

    auto id_it = row.find("id");
    if (id_it == row.end()) r.fail("no 'id' key (tracer-bench needs a unique id per trace)");
    std::string id = r.scalar(*id_it, "id");
    if (id.empty()) r.fail("empty id (key 'id')");

    auto gt_it = row.find("ground_truth");
    if (gt_it == row.end()) r.fail("no 'ground_truth' key (tracer-bench scores routing against the ground truth)");
    std::string truth = r.scalar(*gt_it, "ground_truth");
    if (truth.empty()) r.fail("empty ground-truth label (key 'ground_truth')");

    std::string teacher;
    if (teacher_is_truth) {
      teacher = truth;
    } else if (teacher_alias) {
      std::string_view key;
      const json* v = r.first_present(row, kTeacherKeys, &key);
      if (!v) r.fail(fmt::format("no teacher key (expected one of: {})", fmt::join(kTeacherKeys, ", ")));
      teacher = r.scalar(*v, key);
      teacher_key_seen = true;
    } else {
      auto it = row.find(teacher_column);
      if (it != row.end()) {
        teacher_key_seen = true;
        if (!it->is_null()) teacher = r.scalar(*it, teacher_column);  // null: no label, like ""
      }
    }
    t.ids.push_back(std::move(id));
    t.texts.push_back(input->get<std::string>());
    t.truth.push_back(std::move(truth));
    t.teacher.push_back(std::move(teacher));
    lines.push_back(line_no);
  }
  if (t.ids.empty()) throw DataError(fmt::format("trace table '{}' has no traces", file));
  if (!teacher_is_truth && !teacher_key_seen)
    throw DataError(fmt::format("trace table '{}': no trace has the teacher key '{}'", file, teacher_column));
  detail::check_unique_ids(t, lines);
  return t;
}

}  // namespace tracer

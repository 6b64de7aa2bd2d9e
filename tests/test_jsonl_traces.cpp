#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <unistd.h>

#include <fmt/format.h>
#include <libfccp/csv.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/trace_table.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

template <typename F>
std::string data_error_of(F&& f) {
  try {
    f();
  } catch (const DataError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a DataError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected a DataError, nothing was thrown";
  return {};
}

bool has(const std::string& msg, const std::string& part) { return msg.find(part) != std::string::npos; }

void expect_same(const TraceTable& a, const TraceTable& b) {
  EXPECT_EQ(a.ids, b.ids);
  EXPECT_EQ(a.texts, b.texts);
  EXPECT_EQ(a.truth, b.truth);
  EXPECT_EQ(a.teacher, b.teacher);
}

/// A CSV trace table converted line by line to JSONL, as docs/data_format.md
/// says: id -> "id", text -> "input", label -> "ground_truth", teacher_* kept
/// under its own name ("" -> null, the teacher has no label).
std::string csv_to_jsonl(const std::string& csv) {
  io::CSVReader<4, io::trim_chars<>, io::double_quote_escape<',', '"'>> in("c.csv", csv.data(),
                                                                           csv.data() + csv.size());
  in.read_header(io::ignore_extra_column, "id", "text", "label", "teacher_x");
  std::string id, text, label, teacher, out;
  while (in.read_row(id, text, label, teacher)) {
    nlohmann::json j = {{"id", id}, {"input", text}, {"ground_truth", label}};
    j["teacher_x"] = teacher.empty() ? nlohmann::json(nullptr) : nlohmann::json(teacher);
    out += j.dump() + "\n";
  }
  return out;
}

const std::string kCsv =
    "\"id\",\"text\",\"label\",\"teacher_x\"\n"
    "\"a-1\",\"hello, \"\"world\"\"\",\"card\",\"card\"\n"
    "\"a-2\",\"caf\xC3\xA9 \xE2\x82\xAC 5\",\"cash\",\"\"\n"
    "\"a-3\",\"tab\there\",\"cash\",\"other\"\n";

TEST(JsonlTraces, CsvConvertedToJsonlReadsBackIdentical) {
  const std::string jsonl = csv_to_jsonl(kCsv);
  for (const std::string column : {"teacher_x", "label"})
    expect_same(parse_trace_table_csv(kCsv, "t.csv", column), parse_trace_table_jsonl(jsonl, "t.jsonl", column));
  // Through the files and the format switch as well.
  const fs::path dir = fs::temp_directory_path() / fmt::format("tracer_jsonl_{}", ::getpid());
  write_file_atomic(dir / "t.csv", kCsv);
  write_file_atomic(dir / "t.jsonl", jsonl);
  const TraceTable c = read_trace_table(dir / "t.csv", "teacher_x", "csv");
  const TraceTable j = read_trace_table(dir / "t.jsonl", "teacher_x", "jsonl");
  expect_same(c, j);
  EXPECT_EQ(j.path, dir / "t.jsonl");
  EXPECT_EQ(j.teacher[1], "");
  fs::remove_all(dir);
}

TEST(JsonlTraces, ReferenceAliasesAndConversions) {
  const std::string jsonl =
      "{\"query\": \"q1\", \"intent\": \"a\", \"id\": 7, \"ground_truth\": \"a\"}\n"
      "\n"
      "   {\"input\": \"q2\", \"teacher\": true, \"text\": \"ignored\", \"id\": \"x\", \"ground_truth\": 3}  \r\n";
  const TraceTable t = parse_trace_table_jsonl(jsonl, "r.jsonl", "teacher");
  ASSERT_EQ(t.ids.size(), 2u);
  EXPECT_EQ(t.ids[0], "7");
  EXPECT_EQ(t.texts[0], "q1");
  EXPECT_EQ(t.teacher[0], "a");
  EXPECT_EQ(t.texts[1], "q2");  // "input" comes before "text"
  EXPECT_EQ(t.teacher[1], "True");
  EXPECT_EQ(t.truth[1], "3");
}

TEST(JsonlTraces, ErrorsNameFileLineAndKey) {
  auto err = [](const std::string& text, const std::string& column = "teacher") {
    return data_error_of([&] { parse_trace_table_jsonl(text, "e.jsonl", column); });
  };
  const std::string ok = "{\"input\": \"q\", \"teacher\": \"a\", \"id\": \"1\", \"ground_truth\": \"a\"}\n";
  EXPECT_TRUE(has(err(ok + "{\"input\": \"q\",\n"), "'e.jsonl' line 2: malformed JSON"))
      << err(ok + "{\"input\": \"q\",\n");
  EXPECT_TRUE(has(err(ok + "[1, 2]\n"), "line 2: expected a JSON object"));
  EXPECT_TRUE(has(err("{\"teacher\": \"a\", \"id\": \"1\", \"ground_truth\": \"a\"}"), "line 1: no input key"));
  EXPECT_TRUE(has(err("{\"input\": 5, \"teacher\": \"a\", \"id\": \"1\", \"ground_truth\": \"a\"}"),
                  "input key 'input' is a JSON number"));
  EXPECT_TRUE(has(err("{\"input\": \"q\", \"teacher\": null, \"id\": \"1\", \"ground_truth\": \"a\"}"),
                  "key 'teacher' is null"));
  EXPECT_TRUE(has(err("{\"input\": \"q\", \"answer\": 1.5, \"id\": \"1\", \"ground_truth\": \"a\"}"),
                  "key 'answer' is a floating-point number"));
  EXPECT_TRUE(has(err("{\"input\": \"q\", \"teacher\": \"a\", \"ground_truth\": \"a\"}"), "line 1: no 'id' key"));
  EXPECT_TRUE(has(err("{\"input\": \"q\", \"teacher\": \"a\", \"id\": \"1\"}"), "line 1: no 'ground_truth' key"));
  EXPECT_TRUE(has(err("{\"input\": \"q\", \"id\": \"1\", \"ground_truth\": \"a\"}"), "line 1: no teacher key"));
  EXPECT_TRUE(has(err(ok + "\n" + ok), "'e.jsonl' line 3: duplicate id '1' (already on line 1)"));
  EXPECT_TRUE(has(err(ok, "teacher_y"), "no trace has the teacher key 'teacher_y'"));
  EXPECT_TRUE(has(err("\n  \n"), "has no traces"));
  EXPECT_TRUE(has(err(ok + "{\"input\": \"\xC3\x28\"}\n"), "'e.jsonl' line 2, byte offset"));
  EXPECT_TRUE(has(err(std::string(100, '[') + std::string(100, ']')), "nested deeper than"));
}

}  // namespace
}  // namespace tracer

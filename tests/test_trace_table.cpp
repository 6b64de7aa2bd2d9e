#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <unistd.h>

#include <fmt/format.h>

#include "core/errors.hpp"
#include "io/trace_table.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

fs::path write_tmp(const std::string& name, const std::string& text) {
  const fs::path p = fs::temp_directory_path() / (std::to_string(::getpid()) + "_" + name);
  std::ofstream(p) << text;
  return p;
}

TEST(TraceTable, ReadsQuotedFieldsAndTeacherColumn) {
  const fs::path p = write_tmp("ok.csv",
                               "\"id\",\"text\",\"label\",\"teacher_x\"\n"
                               "\"a-1\",\"hello, \"\"world\"\"\",\"card\",\"card\"\n"
                               "\"a-2\",\"second\",\"cash\",\"\"\n");
  const TraceTable t = read_trace_table(p, "teacher_x");
  ASSERT_EQ(t.ids.size(), 2u);
  EXPECT_EQ(t.texts[0], "hello, \"world\"");
  EXPECT_EQ(t.teacher[0], "card");
  EXPECT_EQ(t.teacher[1], "");
  const TraceTable g = read_trace_table(p, "label");
  EXPECT_EQ(g.teacher[1], "cash");
  fs::remove(p);
}

TEST(TraceTable, MissingColumnIsNamed) {
  const fs::path p = write_tmp("nocol.csv", "\"id\",\"text\"\n\"a\",\"b\"\n");
  try {
    read_trace_table(p, "label");
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string msg = e.what();
    EXPECT_NE(msg.find("label"), std::string::npos) << msg;
    EXPECT_NE(msg.find("nocol.csv"), std::string::npos) << msg;
  }
  fs::remove(p);
}

TEST(TraceTable, MissingFileIsNamed) {
  EXPECT_THROW(read_trace_table("/nonexistent/x.csv", "label"), std::runtime_error);
}

/// The message of the DataError `f` throws (fails the test if none or another type).
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

const std::string kHeader = "\"id\",\"text\",\"label\",\"teacher_x\"\n";

TEST(TraceTable, MissingTeacherColumnIsNamedNotAFieldCountError) {
  const std::string msg = data_error_of(
      [] { parse_trace_table_csv("\"id\",\"text\",\"label\"\n\"a\",\"b\",\"c\"\n", "t.csv", "teacher_gpt"); });
  EXPECT_TRUE(has(msg, "t.csv")) << msg;
  EXPECT_TRUE(has(msg, "no column 'teacher_gpt'")) << msg;
  EXPECT_FALSE(has(msg, "Too many columns")) << msg;
}

TEST(TraceTable, ExtraFieldNamesTheLine) {
  const std::string msg = data_error_of([] {
    parse_trace_table_csv(kHeader + "\"a\",\"b\",\"c\",\"c\"\n\"a2\",\"b\",\"c\",\"c\",\"x\"\n", "t.csv", "teacher_x");
  });
  EXPECT_TRUE(has(msg, "t.csv")) << msg;
  EXPECT_TRUE(has(msg, "line 3")) << msg;
  EXPECT_TRUE(has(msg, "more fields than the header")) << msg;
}

TEST(TraceTable, InvalidUtf8NamesLineAndByteOffset) {
  const std::string bytes = kHeader + "\"a\",\"caf\xC3\",\"c\",\"c\"\n";
  const std::string msg = data_error_of([&] { parse_trace_table_csv(bytes, "t.csv", "teacher_x"); });
  EXPECT_TRUE(has(msg, "'t.csv' line 2")) << msg;
  EXPECT_TRUE(has(msg, fmt::format("byte offset {}", kHeader.size() + 8))) << msg;
}

TEST(TraceTable, NulByteAndBomAreRejected) {
  EXPECT_TRUE(has(data_error_of([] {
                    parse_trace_table_csv(kHeader + std::string("\"a\",\"b\0\",\"c\",\"c\"\n", 17), "t.csv", "label");
                  }),
                  "NUL byte"));
  EXPECT_TRUE(
      has(data_error_of([] { parse_trace_table_csv("\xEF\xBB\xBF" + kHeader, "t.csv", "label"); }), "byte order mark"));
}

TEST(TraceTable, DuplicateIdNamesBothLines) {
  const std::string msg = data_error_of([] {
    parse_trace_table_csv(kHeader + "\"a\",\"b\",\"c\",\"c\"\n\"z\",\"b\",\"c\",\"c\"\n\"a\",\"b\",\"c\",\"c\"\n",
                          "t.csv", "teacher_x");
  });
  EXPECT_TRUE(has(msg, "'t.csv' line 4: duplicate id 'a' (already on line 2)")) << msg;
}

TEST(TraceTable, EmptyIdAndLabelAndNoRows) {
  EXPECT_TRUE(has(data_error_of([] { parse_trace_table_csv(kHeader + "\"\",\"b\",\"c\",\"c\"\n", "t.csv", "label"); }),
                  "line 2: empty id"));
  EXPECT_TRUE(has(data_error_of([] { parse_trace_table_csv(kHeader + "\"a\",\"b\",\"\",\"c\"\n", "t.csv", "label"); }),
                  "line 2: empty ground-truth label"));
  EXPECT_TRUE(has(data_error_of([] { parse_trace_table_csv(kHeader, "t.csv", "label"); }), "has no rows"));
  EXPECT_TRUE(has(data_error_of([] { parse_trace_table_csv("", "t.csv", "label"); }), "t.csv"));
}

TEST(TraceTable, UnknownFormatIsAConfigError) {
  EXPECT_THROW(read_trace_table("x.csv", "label", "parquet"), ConfigError);
}

TEST(TraceTable, DisjointIds) {
  TraceTable a, b;
  a.path = "train.csv";
  b.path = "test.csv";
  a.ids = {"x", "y", "z"};
  b.ids = {"p", "z", "y"};
  const std::string msg = data_error_of([&] { check_disjoint_ids(a, b); });
  EXPECT_TRUE(has(msg, "'test.csv' row 2 has id 'z'")) << msg;
  EXPECT_TRUE(has(msg, "row 3 of the traces 'train.csv'")) << msg;
  EXPECT_TRUE(has(msg, "2 ids shared")) << msg;
  b.ids = {"p", "q"};
  EXPECT_NO_THROW(check_disjoint_ids(a, b));
}

TEST(Labels, ProblemsNameTheLine) {
  EXPECT_EQ(parse_labels("a\nb\r\nc", "l.txt"), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_TRUE(has(data_error_of([] { parse_labels("a\n\nb\n", "l.txt"); }), "'l.txt' line 2: empty label"));
  EXPECT_TRUE(
      has(data_error_of([] { parse_labels("a\nb\na\n", "l.txt"); }), "'l.txt' line 3: label 'a' is already on line 1"));
  EXPECT_TRUE(has(data_error_of([] { parse_labels("a\n", "l.txt"); }), "need at least 2 labels"));
  EXPECT_TRUE(has(data_error_of([] { parse_labels("a\n\xFF\n", "l.txt"); }), "'l.txt' line 2, byte offset 2"));
  EXPECT_TRUE(has(data_error_of([] { read_labels("/nonexistent/labels.txt"); }), "/nonexistent/labels.txt"));
}

TEST(LabelSpace, OutOfSetTeacherLabelsAreKeptAndCounted) {
  LabelSpace s({"a", "b"});
  EXPECT_EQ(s.teacher_index("a"), 0u);
  EXPECT_EQ(s.teacher_index("error"), 2u);
  EXPECT_EQ(s.teacher_index("error"), 2u);
  EXPECT_EQ(s.size(), 3u);
  EXPECT_EQ(s.out_of_set_counts().at("error"), 2u);
  EXPECT_THROW(s.truth_index("error", "f.csv", 3), std::runtime_error);
}

}  // namespace
}  // namespace tracer

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

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

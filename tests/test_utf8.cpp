#include <gtest/gtest.h>

#include <string>

#include "core/errors.hpp"
#include "io/utf8.hpp"

namespace tracer {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
  EXPECT_TRUE(valid_utf8(""));
  EXPECT_TRUE(valid_utf8("plain ascii\n"));
  EXPECT_TRUE(valid_utf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 \xF4\x8F\xBF\xBF"));  // é € 😀 U+10FFFF
}

TEST(Utf8, RejectsMalformedSequencesWithPosition) {
  struct Case {
    std::string bytes;
    std::size_t offset, line, column;
  };
  const Case cases[] = {
      {"ab\xFF", 2, 1, 3},                // never a UTF-8 byte
      {"a\n\x80", 2, 2, 1},               // lone continuation byte
      {"\xC0\xAF", 0, 1, 1},              // overlong '/'
      {"x\xE0\x80\xAF", 1, 1, 2},         // overlong 3-byte
      {"\xED\xA0\x80", 0, 1, 1},          // UTF-16 surrogate U+D800
      {"\xF4\x90\x80\x80", 0, 1, 1},      // above U+10FFFF
      {"ok\n\nz\xE2\x82", 5, 3, 2},       // truncated at the end
      {"\xE2\x28\xA1", 0, 1, 1},          // bad continuation
      {std::string("a\0b", 3), 1, 1, 2},  // NUL
  };
  for (const Case& c : cases) {
    Utf8Error e;
    EXPECT_FALSE(valid_utf8(c.bytes, &e)) << c.offset;
    EXPECT_EQ(e.offset, c.offset);
    EXPECT_EQ(e.line, c.line);
    EXPECT_EQ(e.column, c.column);
  }
  EXPECT_TRUE(valid_utf8(std::string("a\0b", 3), nullptr, /*reject_nul=*/false));
}

TEST(Utf8, CheckNamesFileLineAndOffset) {
  try {
    check_utf8("line one\nbad \xFF here", "f.csv");
    FAIL() << "expected a DataError";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("'f.csv' line 2, byte offset 13 (column 5)"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tracer

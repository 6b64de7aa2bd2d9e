#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <string>

#include "core/errors.hpp"
#include "io/glove_store.hpp"

namespace tracer {
namespace {

std::string u32(std::uint32_t v) {
  std::string out(4, '\0');
  for (int i = 0; i < 4; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xFF);
  return out;
}

std::string f32(float x) {
  std::uint32_t b;
  std::memcpy(&b, &x, 4);
  return u32(b);
}

std::string store(std::uint32_t V, std::uint32_t d, const std::string& vectors, const std::string& words) {
  return "TGLOVE01" + u32(V) + u32(d) + vectors + words;
}

std::string error_of(const std::string& bytes) {
  try {
    parse_glove_store(bytes, "g.bin");
  } catch (const DataError& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected a DataError, got: " << e.what();
    return {};
  }
  ADD_FAILURE() << "expected a DataError";
  return {};
}

TEST(GloveStore, ParsesAValidStore) {
  const GloveStore s =
      parse_glove_store(store(2, 2, f32(1) + f32(2) + f32(3) + f32(-4), "the\ncaf\xC3\xA9\n"), "g.bin");
  ASSERT_EQ(s.words.size(), 2u);
  EXPECT_EQ(s.words[1], "caf\xC3\xA9");
  EXPECT_EQ(s.index.at("the"), 0u);
  EXPECT_EQ(s.vectors(1, 1), -4.0);
}

TEST(GloveStore, RejectsBadInput) {
  const std::string v4 = f32(1) + f32(2) + f32(3) + f32(4);
  EXPECT_NE(error_of("TGLOVE").find("too short"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, v4, "a\nb\n").replace(0, 1, "X")).find("bad magic"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, v4, "a\na\n")).find("duplicate word 'a'"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, v4, "ab\n\n")).find("empty word at rank 1"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, v4, "a\nbc")).find("no terminating newline"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, v4, "a\nb\nc\n")).find("lists more"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, v4, "a\n\xFF\n")).find("not UTF-8"), std::string::npos);
  EXPECT_NE(error_of(store(2, 2, f32(1) + f32(std::numeric_limits<float>::infinity()) + f32(3) + f32(4), "a\nb\n"))
                .find("non-finite"),
            std::string::npos);
}

TEST(GloveStore, RegressionSizeOverflowIsATruncationError) {
  // V * d * 4 = 2^64 wraps to 0 in 64 bits: the old check passed and the
  // reader tried to allocate 2^62 doubles (std::bad_alloc, not a DataError).
  EXPECT_NE(error_of(store(0x80000000u, 0x80000000u, "", "a\n")).find("truncated"), std::string::npos);
  // A vocabulary the remaining bytes cannot hold is refused before allocating.
  EXPECT_NE(error_of(store(0xFFFFFFFFu, 1, std::string(64, '\0'), "")).find("truncated"), std::string::npos);
  EXPECT_NE(error_of(store(4, 1, std::string(16, '\0'), "a\n")).find("cannot hold 4 words"), std::string::npos);
}

TEST(GloveStore, MissingFilePointsAtTheFetchScript) {
  try {
    load_glove_store("/nonexistent/glove.bin");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find("fetch_glove.sh"), std::string::npos);
  }
}

}  // namespace
}  // namespace tracer

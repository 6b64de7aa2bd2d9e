#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <limits>
#include <string>
#include <tuple>
#include <unistd.h>

#include <fmt/format.h>

#include "io/atomic_file.hpp"
#include "io/npy.hpp"

namespace tracer {
namespace {

namespace fs = std::filesystem;

/// A fresh folder per test, removed afterwards.
class NpyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    dir_ = fs::temp_directory_path() / fmt::format("tracer_npy_{}_{}", ::getpid(), info->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }

  fs::path write(const std::string& name, const std::string& bytes) {
    const fs::path p = dir_ / name;
    write_file_atomic(p, bytes);
    return p;
  }

  fs::path dir_;
};

/// A .npy file as numpy would write it, with the given header fields
/// (descr_repr is the Python literal, e.g. "'<f4'").
std::string make_npy_repr(const std::string& descr_repr, bool fortran, const std::string& shape,
                          const std::string& data, int major = 1) {
  std::string header =
      fmt::format("{{'descr': {}, 'fortran_order': {}, 'shape': {}, }}", descr_repr, fortran ? "True" : "False", shape);
  const std::size_t len_bytes = major == 1 ? 2 : 4;
  const std::size_t unpadded = 6 + 2 + len_bytes + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const std::uint32_t len = static_cast<std::uint32_t>(header.size());
  for (std::size_t i = 0; i < len_bytes; ++i) out.push_back(static_cast<char>((len >> (8 * i)) & 0xFF));
  return out + header + data;
}

std::string make_npy(const std::string& descr, bool fortran, const std::string& shape, const std::string& data,
                     int major = 1) {
  return make_npy_repr("'" + descr + "'", fortran, shape, data, major);
}

template <typename T>
std::string raw(std::initializer_list<T> values) {
  std::string out;
  for (T v : values) {
    char b[sizeof v];
    std::memcpy(b, &v, sizeof v);  // the test host is little-endian (x86-64)
    out.append(b, sizeof v);
  }
  return out;
}

/// The message of the std::runtime_error `f` throws (fails the test if none).
template <typename F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  ADD_FAILURE() << "expected a std::runtime_error";
  return "";
}

TEST_F(NpyTest, RoundTripFloat32) {
  arma::mat X = {{1.0, -2.5, 3.25}, {0.1, 1e-3, -7.0}};
  const fs::path p = dir_ / "x.npy";
  write_npy(p, X);
  const arma::mat Y = read_npy(p);
  ASSERT_EQ(Y.n_rows, 2u);
  ASSERT_EQ(Y.n_cols, 3u);
  // Stored as float32: equal to the float-rounded input, exactly.
  const arma::mat expected = arma::conv_to<arma::mat>::from(arma::conv_to<arma::fmat>::from(X));
  EXPECT_TRUE(arma::all(arma::vectorise(Y == expected)));
}

TEST_F(NpyTest, WriterHeaderIsNumpyV1AlignedCOrder) {
  const arma::mat X = {{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}};
  const std::string bytes = npy_bytes(X);
  ASSERT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
  const std::size_t header_len = static_cast<unsigned char>(bytes[8]) | (static_cast<unsigned char>(bytes[9]) << 8);
  EXPECT_EQ((10 + header_len) % 64, 0u);
  const std::string header = bytes.substr(10, header_len);
  EXPECT_EQ(header.rfind("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 2), }", 0), 0u) << header;
  EXPECT_EQ(header.back(), '\n');
  // C order: 1 2 3 4 5 6.
  EXPECT_EQ(bytes.substr(10 + header_len), raw<float>({1, 2, 3, 4, 5, 6}));
}

TEST_F(NpyTest, EmptyAndSingleRowShapes) {
  for (const arma::uword rows : {0u, 1u}) {
    const arma::mat X(rows, 4, arma::fill::ones);
    const fs::path p = write(fmt::format("r{}.npy", rows), npy_bytes(X));
    const arma::mat Y = read_npy(p);
    EXPECT_EQ(Y.n_rows, rows);
    EXPECT_EQ(Y.n_cols, 4u);
  }
}

TEST_F(NpyTest, ReadsFloat64COrder) {
  const fs::path p = write("f8.npy", make_npy("<f8", false, "(2, 3)", raw<double>({1, 2, 3, 4, 5, 6.125})));
  const arma::mat Y = read_npy(p);
  const arma::mat expected = {{1, 2, 3}, {4, 5, 6.125}};
  EXPECT_TRUE(arma::approx_equal(Y, expected, "absdiff", 0.0));
}

TEST_F(NpyTest, ReadsFortranOrder) {
  // Column-major bytes of [[1, 2, 3], [4, 5, 6]].
  const fs::path p = write("fo.npy", make_npy("<f8", true, "(2, 3)", raw<double>({1, 4, 2, 5, 3, 6})));
  const arma::mat expected = {{1, 2, 3}, {4, 5, 6}};
  EXPECT_TRUE(arma::approx_equal(read_npy(p), expected, "absdiff", 0.0));
}

TEST_F(NpyTest, ReadsVersion2Header) {
  const fs::path p = write("v2.npy", make_npy("<f4", false, "(1, 2)", raw<float>({0.5f, -1.5f}), 2));
  const arma::mat expected = {{0.5, -1.5}};
  EXPECT_TRUE(arma::approx_equal(read_npy(p), expected, "absdiff", 0.0));
}

TEST(Half, ConvertsAllClasses) {
  EXPECT_EQ(half_to_double(0x0000), 0.0);
  EXPECT_TRUE(std::signbit(half_to_double(0x8000)));
  EXPECT_EQ(half_to_double(0x3C00), 1.0);
  EXPECT_EQ(half_to_double(0xC000), -2.0);
  EXPECT_EQ(half_to_double(0x3555), 0.333251953125);               // nearest half to 1/3
  EXPECT_EQ(half_to_double(0x7BFF), 65504.0);                      // largest finite
  EXPECT_EQ(half_to_double(0x0400), std::ldexp(1.0, -14));         // smallest normal
  EXPECT_EQ(half_to_double(0x0001), std::ldexp(1.0, -24));         // smallest subnormal
  EXPECT_EQ(half_to_double(0x03FF), 1023 * std::ldexp(1.0, -24));  // largest subnormal
  EXPECT_EQ(half_to_double(0x7C00), std::numeric_limits<double>::infinity());
  EXPECT_EQ(half_to_double(0xFC00), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(half_to_double(0x7E00)));
}

TEST_F(NpyTest, ReadsFloat16IncludingSubnormals) {
  const fs::path p =
      write("f2.npy", make_npy("<f2", false, "(2, 2)", raw<std::uint16_t>({0x3C00, 0x0001, 0xC000, 0x7BFF})));
  const arma::mat expected = {{1.0, std::ldexp(1.0, -24)}, {-2.0, 65504.0}};
  EXPECT_TRUE(arma::approx_equal(read_npy(p), expected, "absdiff", 0.0));
}

TEST_F(NpyTest, BadMagic) {
  const fs::path p = write("bad.npy", "PK\x03\x04 this is a zip file");
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  EXPECT_NE(msg.find("bad magic"), std::string::npos) << msg;
}

TEST_F(NpyTest, UnsupportedVersion) {
  std::string bytes = make_npy("<f4", false, "(1, 1)", raw<float>({1.0f}));
  bytes[6] = 4;
  const fs::path p = write("v4.npy", bytes);
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("unsupported .npy format version 4.0"), std::string::npos) << msg;
}

TEST_F(NpyTest, TruncatedHeader) {
  const std::string full = make_npy("<f4", false, "(1, 1)", raw<float>({1.0f}));
  for (const std::size_t keep : {std::size_t{7}, std::size_t{9}, std::size_t{40}}) {
    const fs::path p = write(fmt::format("t{}.npy", keep), full.substr(0, keep));
    const std::string msg = error_of([&] { read_npy(p); });
    EXPECT_NE(msg.find("truncated .npy header"), std::string::npos) << keep << ": " << msg;
    EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  }
}

TEST_F(NpyTest, TruncatedData) {
  const std::string full = make_npy("<f4", false, "(2, 3)", raw<float>({1, 2, 3, 4, 5, 6}));
  const fs::path p = write("short.npy", full.substr(0, full.size() - 4));
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("expected 24 bytes of data for shape (2, 3) '<f4', file has 20"), std::string::npos) << msg;
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
}

TEST_F(NpyTest, TrailingData) {
  const fs::path p = write("long.npy", make_npy("<f4", false, "(1, 1)", raw<float>({1, 2})));
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("4 trailing bytes"), std::string::npos) << msg;
}

TEST_F(NpyTest, WrongDtypeListsAccepted) {
  for (const std::string descr : {"<i8", "<i4", "|u1", "<c16", "|b1"}) {
    const fs::path p = write("int.npy", make_npy(descr, false, "(1, 1)", std::string(16, '\0')));
    const std::string msg = error_of([&] { read_npy(p); });
    EXPECT_NE(msg.find(fmt::format("dtype '{}' is not supported", descr)), std::string::npos) << msg;
    EXPECT_NE(msg.find("'<f2', '<f4', '<f8'"), std::string::npos) << msg;
  }
}

TEST_F(NpyTest, BigEndianIsNamed) {
  const fs::path p = write("be.npy", make_npy(">f4", false, "(1, 1)", std::string(4, '\0')));
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("dtype '>f4' is big-endian"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'<f2', '<f4', '<f8'"), std::string::npos) << msg;
}

TEST_F(NpyTest, StructuredDtypeRejected) {
  const fs::path p = write("st.npy", make_npy_repr("[('a', '<f4')]", false, "(1, 1)", raw<float>({1.0f})));
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("structured dtypes are not supported"), std::string::npos) << msg;
}

TEST_F(NpyTest, MalformedHeader) {
  const fs::path p = write("mh.npy", make_npy_repr("'<f4'", false, "(1, x)", raw<float>({1.0f})));
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("malformed .npy header"), std::string::npos) << msg;
}

TEST_F(NpyTest, NotTwoDimensional) {
  const fs::path p1 = write("v.npy", make_npy("<f4", false, "(3,)", raw<float>({1, 2, 3})));
  std::string msg = error_of([&] { read_npy(p1); });
  EXPECT_NE(msg.find("1-D with shape (3,)"), std::string::npos) << msg;
  EXPECT_NE(msg.find("expected a 2-D"), std::string::npos) << msg;
  const fs::path p3 = write("t.npy", make_npy("<f4", false, "(1, 1, 2)", raw<float>({1, 2})));
  msg = error_of([&] { read_npy(p3); });
  EXPECT_NE(msg.find("3-D with shape (1, 1, 2)"), std::string::npos) << msg;
}

TEST_F(NpyTest, NonFiniteNamesFirstBadCell) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  // Row-major order: (1, 2) comes before (2, 0).
  const fs::path p = write("nan.npy", make_npy("<f4", false, "(3, 3)", raw<float>({0, 0, 0, 0, 0, nan, inf, 0, 0})));
  const std::string msg = error_of([&] { read_npy(p); });
  EXPECT_NE(msg.find("non-finite value nan at row 1, column 2"), std::string::npos) << msg;
  EXPECT_NE(msg.find(p.string()), std::string::npos) << msg;
  // A half-precision infinity is caught too.
  const fs::path h = write("inf16.npy", make_npy("<f2", false, "(1, 2)", raw<std::uint16_t>({0x3C00, 0xFC00})));
  EXPECT_NE(error_of([&] { read_npy(h); }).find("non-finite value -inf at row 0, column 1"), std::string::npos);
}

TEST_F(NpyTest, WriterRejectsNonFiniteAndOverflow) {
  arma::mat X(2, 2, arma::fill::zeros);
  X(1, 0) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_NE(error_of([&] { npy_bytes(X, "out.npy"); }).find("at row 1, column 0"), std::string::npos);
  X(1, 0) = 1e300;  // finite in double, inf in float32
  EXPECT_NE(error_of([&] { npy_bytes(X, "out.npy"); }).find("as float32"), std::string::npos);
}

TEST_F(NpyTest, DoubleOutsideFloatRangeNamesFileRowAndColumn) {
  // Used to pass the reader and surface much later as "calibrate_point_estimate:
  // score of row 0 is not finite", naming no file.
  const std::string bytes = make_npy("<f8", false, "(2, 2)", raw<double>({0.5, -1e300, 0.25, 1.0}));
  const std::string msg = error_of([&] { parse_npy(bytes, "big.npy"); });
  EXPECT_NE(msg.find("'big.npy': value -1e+300 at row 0, column 1"), std::string::npos) << msg;
  EXPECT_NE(msg.find("float32 range"), std::string::npos) << msg;
  // The largest float32 itself is fine.
  EXPECT_NO_THROW(parse_npy(make_npy("<f8", false, "(1, 1)", raw<double>({-3.4028234663852886e38})), "max.npy"));
}

TEST_F(NpyTest, RegressionEmptyShapesInBothOrders) {
  // fuzz_npy: shape (0, 4) in C order reached arma::inplace_trans of an empty
  // 4 x 0 matrix, which binds a reference to a null pointer (UBSan).
  for (const bool fortran : {false, true})
    for (const auto& [shape, rows, cols] : {std::tuple{"(0, 4)", 0u, 4u}, {"(3, 0)", 3u, 0u}, {"(0, 0)", 0u, 0u}}) {
      const arma::mat M = parse_npy(make_npy("<f4", fortran, shape, ""), "e.npy");
      EXPECT_EQ(M.n_rows, rows) << shape;
      EXPECT_EQ(M.n_cols, cols) << shape;
    }
}

TEST_F(NpyTest, RegressionHugeEmptyShapeRoundTripsQuickly) {
  // fuzz_npy timeout: shape (0, 40000000002000002) read as an empty matrix,
  // then npy_bytes walked its 4e16 empty columns.
  const arma::mat M = parse_npy(make_npy("<f2", true, "(0, 40000000002000002)", ""), "h.npy");
  EXPECT_EQ(M.n_rows, 0u);
  const arma::mat back = parse_npy(npy_bytes(M), "again.npy");
  EXPECT_EQ(back.n_cols, M.n_cols);
}

TEST_F(NpyTest, MissingFile) {
  const std::string msg = error_of([&] { read_npy(dir_ / "nope.npy"); });
  EXPECT_NE(msg.find("nope.npy"), std::string::npos) << msg;
}

TEST(CheckRows, MessageNamesBothFiles) {
  const arma::mat X(10002, 1, arma::fill::zeros);
  EXPECT_NO_THROW(check_rows(X, 10002, "x.npy", "the trace table 'train.csv'"));
  const std::string msg = error_of([&] { check_rows(X, 10003, "x.npy", "the trace table 'train.csv'"); });
  EXPECT_EQ(msg, "'x.npy' has 10002 rows but the trace table 'train.csv' has 10003");
}

}  // namespace
}  // namespace tracer

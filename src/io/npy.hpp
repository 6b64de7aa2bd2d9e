#pragma once
// NumPy .npy files for embedding matrices (one sample per row).
//
// Format (numpy.lib.format): "\x93NUMPY", major, minor, a little-endian
// header length (2 bytes for version 1.0, 4 bytes for 2.0 and 3.0), then a
// Python dict literal {'descr': ..., 'fortran_order': ..., 'shape': ...}
// padded with spaces to a multiple of 64 bytes and ending in '\n', then the
// raw data.
//
// We write float32 ('<f4'), C order, shape (n, d): half the size of float64
// and more precision than unit-norm embeddings need. We read '<f2', '<f4' and
// '<f8' into double, in C or Fortran order, 2-D only. Every failure throws
// DataError naming the file and what is wrong; no input bytes make
// parse_npy throw anything else (fuzz/fuzz_npy.cpp).
#include <armadillo>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace tracer {

/// The bytes of a version 1.0 .npy file holding X as '<f4', C order.
/// Throws std::runtime_error (naming `name`, row and column) for a
/// non-finite value or one outside the float32 range.
std::string npy_bytes(const arma::mat& X, std::string_view name = "npy");

/// Writes X to `path` as '<f4' atomically (temporary file, then rename).
void write_npy(const std::filesystem::path& path, const arma::mat& X);

/// Reads a 2-D '<f2' / '<f4' / '<f8' .npy file. Rejects non-finite values
/// and (for '<f8') values outside the float32 range, naming the file and the
/// first bad row and column (0-based, in row-major order).
arma::mat read_npy(const std::filesystem::path& path);

/// Parses .npy content; `name` is the file name used in error messages.
arma::mat parse_npy(std::string_view bytes, std::string_view name);

/// Throws std::runtime_error unless m has expected_rows rows, e.g.
///   'x.npy' has 10002 rows but the trace table 'train.csv' has 10003
/// where `what` is "the trace table 'train.csv'".
void check_rows(const arma::mat& m, std::size_t expected_rows, const std::filesystem::path& path,
                std::string_view what);

/// IEEE 754 binary16 -> double, exact (normal, subnormal, zero, inf, NaN).
double half_to_double(std::uint16_t bits);

}  // namespace tracer

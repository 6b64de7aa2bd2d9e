// .npy reader: parse_npy(bytes) -> a finite float-range matrix or a DataError.
#include "fuzz_common.hpp"
#include "io/npy.hpp"

#include <cmath>
#include <limits>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tracer::fuzz::run([&] {
    const arma::mat m = tracer::parse_npy(tracer::fuzz::view(data, size), "fuzz.npy");
    // What the reader promises about what it returns.
    if (!m.is_finite() || (m.n_elem > 0 && arma::abs(m).max() > std::numeric_limits<float>::max())) std::abort();
    // A matrix read back is writable, and round-trips through float32.
    const std::string again = tracer::npy_bytes(m, "again");
    const arma::mat back = tracer::parse_npy(again, "again");
    if (back.n_rows != m.n_rows || back.n_cols != m.n_cols) std::abort();
  });
}

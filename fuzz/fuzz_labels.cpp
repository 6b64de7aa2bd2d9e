// Labels file reader.
#include "fuzz_common.hpp"
#include "io/trace_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tracer::fuzz::run([&] {
    const auto labels = tracer::parse_labels(tracer::fuzz::view(data, size), "fuzz.txt");
    if (labels.size() < 2) std::abort();
    tracer::LabelSpace space(labels);  // distinct labels: never throws
    if (space.size() != labels.size()) std::abort();
  });
}

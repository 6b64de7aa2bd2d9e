// TGLOVE01 word-vector store reader.
#include "fuzz_common.hpp"
#include "io/glove_store.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tracer::fuzz::run([&] {
    const tracer::GloveStore s = tracer::parse_glove_store(tracer::fuzz::view(data, size), "fuzz.bin");
    if (s.words.size() != s.vectors.n_rows || s.index.size() != s.words.size() || !s.vectors.is_finite()) std::abort();
  });
}

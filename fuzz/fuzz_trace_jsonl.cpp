// JSONL trace reader, in its three teacher modes.
#include "fuzz_common.hpp"
#include "io/trace_table.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto bytes = tracer::fuzz::view(data, size);
  for (const char* column : {"teacher", "label", "teacher_x"})
    tracer::fuzz::run([&] {
      const tracer::TraceTable t = tracer::parse_trace_table_jsonl(bytes, "fuzz.jsonl", column);
      if (t.ids.empty() || t.ids.size() != t.texts.size() || t.ids.size() != t.truth.size() ||
          t.ids.size() != t.teacher.size())
        std::abort();
    });
  return 0;
}

// TOML experiment configuration: any text -> a config or a UserError
// (ConfigError). With parse_config_text (the in-memory entry point of the
// config rewrite) the text is parsed in memory; until that is merged, it goes
// through load_config and a per-process temporary file. CMake defines
// TRACER_HAVE_PARSE_CONFIG_TEXT when src/io/config.hpp declares it.
#include "fuzz_common.hpp"
#include "io/config.hpp"

#include <filesystem>
#include <string>

#ifndef TRACER_HAVE_PARSE_CONFIG_TEXT
#include <fstream>
#include <unistd.h>
#endif

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const auto text = tracer::fuzz::view(data, size);
  return tracer::fuzz::run([&] {
#ifdef TRACER_HAVE_PARSE_CONFIG_TEXT
    const tracer::ExperimentConfig cfg = tracer::parse_config_text(text, "fuzz.toml");
#else
    static const std::filesystem::path file =
        std::filesystem::temp_directory_path() / ("tracer_fuzz_config_" + std::to_string(::getpid()) + ".toml");
    std::ofstream(file, std::ios::binary | std::ios::trunc).write(text.data(), std::streamsize(text.size()));
    const tracer::ExperimentConfig cfg = tracer::load_config(file);
#endif
    (void)tracer::config_to_toml(cfg);  // a valid config can always be printed
  });
}

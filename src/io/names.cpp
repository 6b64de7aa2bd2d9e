#include "io/names.hpp"

#include <fmt/format.h>

#include "io/format.hpp"

namespace tracer {

std::string run_token(const ExperimentInfo& info, const RunResult& run) {
  std::string t = file_token(run.encoder) + "__" + file_token(run.teacher);
  if (info.pool_sizes_swept) t += fmt::format("__pool{}", run.pool_size);
  return t;
}

std::string artifact_stem(const std::string& run_token, const std::string& mode, std::size_t day, double alpha) {
  return fmt::format("{}__{}__day{}__alpha{}", run_token, file_token(mode), day, num(alpha));
}

std::string run_title(const RunResult& run, GateMode mode) {
  return fmt::format("{} / {} / {} traces / gate {}", run.encoder, run.teacher, run.pool_size, gate_mode_name(mode));
}

}  // namespace tracer

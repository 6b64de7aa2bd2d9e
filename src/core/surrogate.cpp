#include "core/surrogate.hpp"

#include <algorithm>
#include <fmt/format.h>

namespace tracer {

void check_known_params(const std::string& model, const ModelParams& params,
                        const std::vector<std::string>& known) {
  for (const auto& [key, value] : params) {
    if (std::find(known.begin(), known.end(), key) == known.end())
      throw std::invalid_argument(fmt::format("unknown parameter '{}' for model '{}' (known: {})", key,
                                              model, fmt::join(known, ", ")));
  }
}

double param_or(const ModelParams& params, const std::string& key, double fallback) {
  auto it = params.find(key);
  return it == params.end() ? fallback : it->second;
}

}  // namespace tracer

#include "core/model_params.hpp"

#include <cmath>
#include <fmt/format.h>

namespace tracer {

std::string param_kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::kInt:
      return "int";
    case ParamKind::kReal:
      return "real";
    case ParamKind::kBool:
      return "bool";
  }
  return "?";
}

bool ParamRange::admits(ParamKind kind, double v) const {
  if (!std::isfinite(v)) return false;
  if (kind == ParamKind::kInt && v != std::floor(v)) return false;
  if (kind == ParamKind::kBool && v != 0.0 && v != 1.0) return false;
  if (min_exclusive ? !(v > min) : !(v >= min)) return false;
  if (!(v <= max)) return false;
  return !accepts || accepts(v);
}

std::string ParamRange::describe(ParamKind kind) const {
  if (!expected.empty()) return expected;
  if (kind == ParamKind::kBool) return "0 or 1";
  const std::string prefix = kind == ParamKind::kInt ? "an integer " : "";
  if (std::isinf(max)) return fmt::format("{}{} {}", prefix, min_exclusive ? ">" : ">=", min);
  return fmt::format("{}in {}{}, {}]", prefix, min_exclusive ? "(" : "[", min, max);
}

namespace detail {

void throw_bad_value(const std::string& model, const std::string& key, const std::string& expected, double v) {
  throw ParameterError(fmt::format("{}: parameter {} must be {}, got {}", model, key, expected, v));
}

void throw_unknown_key(const std::string& model, const std::string& key, const std::vector<std::string>& known) {
  throw ParameterError(
      fmt::format("unknown parameter '{}' for model '{}' (known: {})", key, model, fmt::join(known, ", ")));
}

}  // namespace detail
}  // namespace tracer

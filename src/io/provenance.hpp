#pragma once
// What a binary was built from; recorded in every manifest and work unit.
// The values come from app/build_info.hpp (generated at build time).
#include <string>

namespace tracer {

struct BuildInfo {
  std::string version;       ///< CMake project version, e.g. "0.2.0"
  std::string git_describe;  ///< `git describe --always --tags --long` at build time, "unknown" outside a checkout
  std::string git_revision;  ///< full commit hash, "unknown" outside a checkout
  bool dirty = false;        ///< tracked files differed from the commit at build time
};

}  // namespace tracer

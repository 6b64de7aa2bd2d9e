#pragma once
// This binary's provenance, generated at build time by cmake/version.cmake.
#include "io/provenance.hpp"

namespace tracer {

/// Defined in the generated build_info.cpp.
BuildInfo build_info();

}  // namespace tracer

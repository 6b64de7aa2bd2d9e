#pragma once
// Shared by the libFuzzer targets. The contract each target checks: any bytes
// give a value or a tracer::UserError; anything else (another exception, a
// crash, undefined behaviour, a leak) is a bug. ASan/UBSan report the latter
// two; this header turns a foreign exception into a crash libFuzzer records.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string_view>

#include "core/errors.hpp"

namespace tracer::fuzz {

template <typename F>
int run(F&& f) {
  try {
    f();
  } catch (const tracer::UserError&) {
    // the expected way to refuse bad input
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fuzz: not a UserError: %s\n", e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "fuzz: a non-std exception escaped\n");
    std::abort();
  }
  return 0;
}

inline std::string_view view(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

}  // namespace tracer::fuzz

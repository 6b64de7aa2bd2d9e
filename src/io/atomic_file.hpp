#pragma once
// Every result file is written atomically: to a temporary sibling, flushed,
// then renamed over the target, so a crash never leaves a half-written result.
#include <filesystem>
#include <string_view>

namespace tracer {

/// Writes `content` to `path` atomically; creates parent folders. Throws
/// std::runtime_error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::string_view content);

/// Whole file as a string; throws std::runtime_error naming the path.
std::string read_file(const std::filesystem::path& path);

/// Lower-case hex sha256 of a file's bytes.
std::string sha256_file(const std::filesystem::path& path);
std::string sha256_hex(std::string_view bytes);

}  // namespace tracer

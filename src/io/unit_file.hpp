#pragma once
// One work unit's complete result on disk: a self-describing CBOR file
// (nlohmann-json's binary encoding: exact doubles, no text round trip).
//
//   { "format": "tracer-bench-unit", "unit_schema": 1,
//     "identity": { "tool_version", "config_sha256", "inputs": [{role, sha256}],
//                   "unit_id", "unit_index", "units_total" },
//     "provenance": { "git_describe", "git_dirty" },      // informative, not checked
//     "run": { encoder, teacher, seed_index, seed, pool_size, n_classes },
//     "replay": { ... every field the writers read ... },
//     "timings": { replay seconds, fit seconds per candidate } }  // never compared
//
// Per-row test decisions are kept for primary replays (seed_index 0) only:
// they feed the artifacts, which describe the primary replay; other replays
// keep every count and rate.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "io/provenance.hpp"
#include "protocol/results.hpp"

namespace tracer {

inline constexpr int kUnitSchemaVersion = 1;

/// What a unit must match to be merged with the others.
struct UnitIdentity {
  std::string tool_version;   ///< BuildInfo::version
  std::string config_sha256;  ///< of the results-relevant resolved config
  std::vector<InputFile> inputs;
  std::string unit_id;
  std::size_t unit_index = 0, units_total = 0;
  bool operator==(const UnitIdentity&) const = default;
};

/// The unit's bytes. `run.test` is not stored (the merge rebuilds it from the inputs).
std::string encode_unit(const UnitIdentity& identity, const BuildInfo& build, const RunResult& run);

/// The parts of a unit file the comparison of a re-run looks at: everything
/// but timings and provenance, as canonical bytes.
std::string unit_result_bytes(const std::string& unit_file_bytes, const std::string& where);

struct DecodedUnit {
  UnitIdentity identity;
  RunResult run;  ///< run.test is null
};

/// Parses a unit file. Throws DataError naming `where` for a truncated,
/// corrupt or foreign file.
DecodedUnit decode_unit(const std::string& bytes, const std::string& where);

/// Writes the unit atomically.
void write_unit_file(const std::filesystem::path& path, const std::string& bytes);

}  // namespace tracer

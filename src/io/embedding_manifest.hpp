#pragma once
// Provenance of embedding files. `tracer-bench embed` writes <name>_train.npy,
// <name>_test.npy and a sidecar manifest <name>.json (format "tracer-bench
// embeddings 1") recording, per split, the trace table it embedded and its
// sha256 ("csv", "csv_sha256") and the .npy it wrote and its sha256 ("npy",
// "npy_sha256").
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

namespace tracer {

/// One split of an embedding set, as the writer records it.
struct EmbeddingSplit {
  std::filesystem::path csv;  ///< the trace table embedded
  std::size_t rows = 0;
  std::filesystem::path npy;                                        ///< where the array goes
  std::string npy_bytes;                                            ///< the array's file content
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  ///< encoder-specific counts
};

/// Writes an embedding set as one unit: first the manifest marked
/// incomplete, then the two arrays, then the manifest with "complete": true,
/// the keys of `body` and per split csv, csv_sha256, rows, npy, npy_sha256 and
/// the split's extra keys. A kill at any point leaves the previous consistent
/// set, a manifest still marked incomplete, or checksums that do not match:
/// verify_embedding_manifest refuses the last two.
void write_embedding_set(const std::filesystem::path& manifest, const nlohmann::ordered_json& body,
                         const EmbeddingSplit& train, const EmbeddingSplit& test);

/// The manifest written before the arrays (what a killed write leaves).
std::string incomplete_manifest_json();

/// The sidecar manifest a .npy would have: <dir>/<name>.json for
/// <dir>/<name>_train.npy or <dir>/<name>_test.npy; empty for any other name.
std::filesystem::path embedding_manifest_path(const std::filesystem::path& npy);

/// Checks that `npy` is the file its sidecar manifest describes and was
/// computed from `trace_table`: the sha256 of both files must equal the ones
/// the manifest records. Throws DataError naming the .npy, the trace table and
/// the manifest on a mismatch, and for a manifest that is ours but malformed
/// or does not list `npy`.
///
/// Returns true if a manifest was found and matched, false if there is none
/// to check: no sidecar file, or a sidecar that is not a tracer-bench
/// manifest (no "format": "tracer-bench embeddings 1"; e.g. BGE embeddings
/// made elsewhere). Those are allowed: provenance is then the user's business.
bool verify_embedding_manifest(const std::filesystem::path& npy, const std::filesystem::path& trace_table);

}  // namespace tracer

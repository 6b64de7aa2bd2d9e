#pragma once
// Provenance of embedding files. `tracer-bench embed` writes <name>_train.npy,
// <name>_test.npy and a sidecar manifest <name>.json (format "tracer-bench
// embeddings 1") recording, per split, the trace table it embedded and its
// sha256 ("csv", "csv_sha256") and the .npy it wrote and its sha256 ("npy",
// "npy_sha256").
#include <filesystem>

namespace tracer {

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

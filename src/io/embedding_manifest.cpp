#include "io/embedding_manifest.hpp"
#include "core/errors.hpp"

#include <stdexcept>
#include <string>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.hpp"

namespace tracer {

namespace {
constexpr std::string_view kFormat = "tracer-bench embeddings 1";

bool ends_with(const std::string& s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string hash_of(const std::filesystem::path& p, std::string_view what) {
  try {
    return sha256_file(p);
  } catch (const std::runtime_error&) {
    throw DataError(fmt::format("cannot read {} '{}' to check its sha256", what, p.string()));
  }
}
nlohmann::ordered_json split_entry(const EmbeddingSplit& s) {
  nlohmann::ordered_json j{{"csv", s.csv.string()},
                           {"csv_sha256", sha256_file(s.csv)},
                           {"rows", s.rows},
                           {"npy", s.npy.filename().string()},
                           {"npy_sha256", sha256_hex(s.npy_bytes)}};
  for (const auto& [k, v] : s.extra.items()) j[k] = v;
  return j;
}
}  // namespace

std::string incomplete_manifest_json() {
  return nlohmann::ordered_json{{"format", kFormat}, {"complete", false}}.dump(2) + "\n";
}

void write_embedding_set(const std::filesystem::path& manifest, const nlohmann::ordered_json& body,
                         const EmbeddingSplit& train, const EmbeddingSplit& test) {
  nlohmann::ordered_json m{{"format", kFormat}, {"complete", true}};
  for (const auto& [k, v] : body.items()) m[k] = v;
  m["train"] = split_entry(train);
  m["test"] = split_entry(test);
  write_file_atomic(manifest, incomplete_manifest_json());
  write_file_atomic(train.npy, train.npy_bytes);
  write_file_atomic(test.npy, test.npy_bytes);
  write_file_atomic(manifest, m.dump(2) + "\n");
}

std::filesystem::path embedding_manifest_path(const std::filesystem::path& npy) {
  const std::string file = npy.filename().string();
  for (std::string_view suffix : {std::string_view("_train.npy"), std::string_view("_test.npy")})
    if (ends_with(file, suffix) && file.size() > suffix.size())
      return npy.parent_path() / (file.substr(0, file.size() - suffix.size()) + ".json");
  return {};
}

bool verify_embedding_manifest(const std::filesystem::path& npy, const std::filesystem::path& trace_table) {
  const std::filesystem::path manifest = embedding_manifest_path(npy);
  if (manifest.empty() || !std::filesystem::is_regular_file(manifest)) return false;
  const std::string m = manifest.string();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(read_file(manifest));
  } catch (const nlohmann::json::exception& e) {
    throw DataError(
        fmt::format("embedding manifest '{}' (sidecar of '{}') is not valid JSON: {}", m, npy.string(), e.what()));
  } catch (const std::runtime_error&) {
    throw DataError(fmt::format("cannot read embedding manifest '{}'", m));
  }
  if (!j.is_object() || !j.contains("format") || !j["format"].is_string() || j["format"].get<std::string>() != kFormat)
    return false;  // someone else's sidecar: nothing we can check
  if (j.contains("complete") && j["complete"] == false)
    throw DataError(fmt::format(
        "'{}': the `tracer-bench embed` run that wrote it did not finish (its manifest '{}' is still marked "
        "incomplete); run the embed command again",
        npy.string(), m));

  const std::string file = npy.filename().string();
  const nlohmann::json* split = nullptr;
  for (const char* key : {"train", "test"}) {
    auto it = j.find(key);
    if (it != j.end() && it->is_object() && it->contains("npy") && (*it)["npy"].is_string() &&
        (*it)["npy"].get<std::string>() == file)
      split = &*it;
  }
  if (!split)
    throw DataError(fmt::format("embedding manifest '{}' does not list '{}' as its \"train\" or \"test\" \"npy\"", m,
                                npy.string()));
  auto field = [&](const char* key) {
    auto it = split->find(key);
    if (it == split->end() || !it->is_string())
      throw DataError(
          fmt::format("embedding manifest '{}': the entry for '{}' has no string key \"{}\"", m, file, key));
    return it->get<std::string>();
  };
  const std::string npy_expected = field("npy_sha256"), csv_expected = field("csv_sha256"), csv_recorded = field("csv");

  const std::string npy_actual = hash_of(npy, "embeddings");
  if (npy_actual != npy_expected)
    throw DataError(fmt::format(
        "embeddings '{}' have sha256 {}, but their manifest '{}' records {}: the file was changed or replaced "
        "after `tracer-bench embed` wrote it (trace table '{}'); re-run tracer-bench embed",
        npy.string(), npy_actual, m, npy_expected, trace_table.string()));
  const std::string csv_actual = hash_of(trace_table, "trace table");
  if (csv_actual != csv_expected)
    throw DataError(fmt::format(
        "embeddings '{}' were computed from a trace table '{}' with sha256 {} (manifest '{}'), but the trace "
        "table '{}' has sha256 {}: the embeddings do not belong to this table; re-run tracer-bench embed",
        npy.string(), csv_recorded, csv_expected, m, trace_table.string(), csv_actual));
  return true;
}

}  // namespace tracer

#include "io/manifest.hpp"

#include <armadillo>
#include <boost/version.hpp>
#include <fmt/format.h>
#include <nlohmann/json.hpp>

namespace tracer {

std::string manifest_json(const ExperimentResults& r, const BuildInfo& build) {
  nlohmann::ordered_json m;
  m["schema_version"] = kManifestSchemaVersion;
  m["tool"] = "tracer-bench";
  m["tool_version"] = build.version;
  m["git_describe"] = build.git_describe;
  m["git_revision"] = build.git_revision;
  m["git_dirty"] = build.dirty;
  m["experiment"] = r.info.name;
  m["seed"] = r.info.seed;
  nlohmann::ordered_json seeds = nlohmann::ordered_json::array();
  for (const auto& run : r.runs)
    seeds.push_back(
        {{"encoder", run.encoder}, {"teacher", run.teacher}, {"seed_index", run.seed_index}, {"seed", run.seed}});
  m["replays"] = seeds;
  m["resolved_config_toml"] = r.info.resolved_config_toml;
  nlohmann::ordered_json inputs = nlohmann::ordered_json::array();
  for (const auto& in : r.info.inputs) inputs.push_back({{"role", in.role}, {"path", in.path}, {"sha256", in.sha256}});
  m["inputs"] = inputs;
  nlohmann::ordered_json teachers = nlohmann::ordered_json::array();
  for (const auto& t : r.teachers)
    teachers.push_back({{"name", t.spec.name},
                        {"column", t.spec.column},
                        {"train_accuracy", t.train_accuracy},
                        {"test_accuracy", t.test_accuracy},
                        {"n_classes", t.n_classes},
                        {"out_of_set_labels", t.out_of_set}});
  m["teachers"] = teachers;
  m["libraries"] = {{"armadillo", arma::arma_version::as_string()},
                    {"fmt", FMT_VERSION},
                    {"boost", BOOST_LIB_VERSION},
                    {"nlohmann_json", fmt::format("{}.{}.{}", NLOHMANN_JSON_VERSION_MAJOR, NLOHMANN_JSON_VERSION_MINOR,
                                                  NLOHMANN_JSON_VERSION_PATCH)},
                    {"compiler", __VERSION__}};
  m["result_files"] = {"alpha_sweep.csv", "flywheel.csv", "candidates.csv", "cost.csv",
                       "report.md",       "artifacts/",   "plots/"};
  if (r.info.n_seeds > 1) {
    m["result_files"].push_back("seed_summary.csv");
    m["result_files"].push_back("gate_verdict.csv");
  }
  return m.dump(2) + "\n";
}

std::string timings_json(const ExperimentResults& r) {
  nlohmann::ordered_json t;
  t["seconds_total"] = r.seconds_total;
  nlohmann::ordered_json fits = nlohmann::ordered_json::array();
  for (const auto& run : r.runs) {
    t["replay_seconds"].push_back({{"encoder", run.encoder},
                                   {"teacher", run.teacher},
                                   {"seed_index", run.seed_index},
                                   {"seconds", run.replay.seconds_total}});
    for (const auto& c : run.replay.candidates)
      fits.push_back({{"encoder", run.encoder},
                      {"teacher", run.teacher},
                      {"seed_index", run.seed_index},
                      {"day", c.day},
                      {"candidate", c.name},
                      {"fit_seconds", c.fit_seconds}});
  }
  t["candidate_fits"] = fits;
  return t.dump(2) + "\n";
}

}  // namespace tracer

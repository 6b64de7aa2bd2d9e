#pragma once
// An experiment as work units (app layer: loads the data through io, runs the
// protocol, assembles the result object).
//
// Units: one per (encoder, teacher, pool size, seed), numbered in run order
// (encoder-major, then teacher, pool, seed), each with a stable id such as
// "enc=lsa768/teacher=ground_truth/pool=all/seed=3". A plain run, a sharded
// run and a merge all go through the same steps: run_unit -> encode_unit ->
// decode_unit -> assemble, so they give the same bytes.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "io/config.hpp"
#include "io/provenance.hpp"
#include "io/unit_file.hpp"
#include "protocol/replay.hpp"
#include "protocol/results.hpp"

namespace tracer {

struct WorkUnit {
  std::size_t index = 0;                 ///< position in run order
  std::string id;                        ///< stable: enc=<e>/teacher=<t>/pool=<n|all>/seed=<k>
  std::size_t encoder = 0, teacher = 0;  ///< indices into the config's lists
  std::size_t pool_size = 0;             ///< traces replayed
  std::size_t seed_index = 0;
  std::uint64_t seed = 0;
  double cost = 0.0;              ///< relative cost estimate: traces x dimension x candidates
  std::string file_name() const;  ///< "<index>-<id made file-safe>.unit"
};

/// Loads everything the config names once (tables, teachers, embeddings,
/// checksums) and runs units on demand.
class Experiment {
 public:
  Experiment(const ExperimentConfig& cfg, const ProgressFn& progress);
  ~Experiment();

  const ExperimentConfig& config() const;
  const std::vector<WorkUnit>& units() const;

  /// The replay of one unit (its test view attached).
  RunResult run_unit(const WorkUnit& unit, const ProgressFn& progress) const;

  /// The test rows a unit's replay is scored on (with embeddings only for the
  /// fixed split and seed 0, the replays whose artifacts are written).
  std::shared_ptr<const TestView> test_view(const WorkUnit& unit) const;

  /// What a unit file of this experiment must carry.
  UnitIdentity identity(const WorkUnit& unit, const BuildInfo& build) const;

  /// The result object from one decoded run per unit, in unit order; checks
  /// each run belongs to its unit, attaches test views and analyses.
  ExperimentResults assemble(std::vector<RunResult> runs, double seconds_total) const;

 private:
  struct Data;
  std::unique_ptr<Data> data_;
};

/// sha256 of the resolved config with the keys that cannot change results
/// (output_dir, threads) blanked: the config a unit was made from.
std::string results_config_sha256(const ExperimentConfig& cfg);

}  // namespace tracer

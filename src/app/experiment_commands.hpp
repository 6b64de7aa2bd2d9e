#pragma once
// The experiment commands: plain run, plan, sharded run, merge, verify.
// A plain run is plan + run + merge in one process, through the same unit
// encoding, so every way of running an experiment gives the same bytes.
#include <cstddef>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "io/config.hpp"

namespace tracer {

struct CommandOptions {
  bool quiet = false;     ///< no progress and no summary lines
  bool progress = false;  ///< progress lines on stderr (a terminal and not quiet)
};

/// Which units a run computes: shard I of N (unit index % N == I) and/or an
/// explicit list of unit indices.
struct UnitSelection {
  std::size_t shard = 0, shards = 1;
  std::vector<std::size_t> indices;  ///< empty = all (within the shard)
};

/// "I/N" -> shard; throws ConfigError with the expected form.
UnitSelection parse_shard(const std::string& text);
/// "0,3,5-9" -> indices; throws ConfigError.
std::vector<std::size_t> parse_unit_list(const std::string& text);

/// Runs every unit and writes cfg.output_dir. Returns the exit code.
int run_experiment_command(const ExperimentConfig& cfg, const CommandOptions& opt);

/// Lists the units as TSV (index, id, encoder, teacher, pool, seed_index, seed, cost) or JSON.
int plan_command(const ExperimentConfig& cfg, const std::string& format);

/// Computes the selected units into `work` (one file each, atomic), skipping
/// units already there and valid.
int run_units_command(const ExperimentConfig& cfg, const UnitSelection& sel, const std::filesystem::path& work,
                      const CommandOptions& opt);

/// Writes cfg.output_dir from the unit files in `work`.
int merge_command(const ExperimentConfig& cfg, const std::filesystem::path& work, const CommandOptions& opt);

/// Re-runs `sample` units chosen deterministically from `sample_seed` and
/// compares them with the files in `work`, byte for byte (timings aside).
/// present_only: a study still being computed; the sample is drawn from the
/// units whose files exist (a missing one is otherwise an error).
int verify_command(const ExperimentConfig& cfg, const std::filesystem::path& work, std::size_t sample,
                   const std::string& sample_seed, bool present_only, const CommandOptions& opt);

}  // namespace tracer

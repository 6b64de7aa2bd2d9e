#include "app/experiment_commands.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <iostream>
#include <mutex>
#include <optional>
#include <set>

#include "app/build_info.hpp"
#include "app/experiment_runner.hpp"
#include "core/errors.hpp"
#include "io/atomic_file.hpp"
#include "io/results_folder.hpp"
#include "io/unit_file.hpp"

namespace tracer {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

namespace {

ProgressFn make_progress(const CommandOptions& opt) {
  if (!opt.progress) return {};
  static std::mutex mutex;
  return [](const std::string& line) {
    std::lock_guard lock(mutex);
    std::cerr << "tracer-bench: " << line << "\n";
  };
}

double since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

/// "units 3/12 done, ETA 1 min 20 s" from the estimated cost done so far.
std::string eta_line(std::size_t done, std::size_t total, double cost_done, double cost_total, double seconds) {
  if (done == 0 || cost_done <= 0) return fmt::format("units {}/{} done", done, total);
  const double left = seconds * (cost_total - cost_done) / cost_done;
  return fmt::format("units {}/{} done, ETA {:.0f} s", done, total, left);
}

/// Computes `todo` units, calling `done` with each unit's bytes, with progress.
template <class Done>
void compute_units(const Experiment& exp, const std::vector<const WorkUnit*>& todo, const CommandOptions& opt,
                   Done&& done) {
  const ProgressFn progress = make_progress(opt);
  const BuildInfo build = build_info();
  double cost_total = 0, cost_done = 0;
  for (const WorkUnit* u : todo) cost_total += u->cost;
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < todo.size(); ++i) {
    const WorkUnit& u = *todo[i];
    const RunResult run = exp.run_unit(u, todo.size() > 1 ? ProgressFn() : progress);
    done(u, encode_unit(exp.identity(u, build), build, run));
    cost_done += u.cost;
    if (progress && todo.size() > 1) progress(eta_line(i + 1, todo.size(), cost_done, cost_total, since(t0)));
  }
}

/// Why a unit file cannot be merged with this experiment, or "".
std::string identity_mismatch(const UnitIdentity& have, const UnitIdentity& want) {
  if (have.tool_version != want.tool_version)
    return fmt::format("it was made by tracer-bench {} and this is {}", have.tool_version, want.tool_version);
  if (have.config_sha256 != want.config_sha256)
    return fmt::format("it was made from another config (config sha256 {} vs {})", have.config_sha256.substr(0, 12),
                       want.config_sha256.substr(0, 12));
  if (have.inputs.size() != want.inputs.size())
    return fmt::format("it was made from {} input files, this experiment reads {}", have.inputs.size(),
                       want.inputs.size());
  for (std::size_t i = 0; i < have.inputs.size(); ++i)
    if (have.inputs[i].role != want.inputs[i].role || have.inputs[i].sha256 != want.inputs[i].sha256)
      return fmt::format("it was made from other inputs ({} '{}' has sha256 {}, the unit recorded {})",
                         want.inputs[i].role, want.inputs[i].path, want.inputs[i].sha256.substr(0, 12),
                         have.inputs[i].sha256.substr(0, 12));
  if (have.unit_id != want.unit_id || have.unit_index != want.unit_index || have.units_total != want.units_total)
    return fmt::format("it holds unit {} '{}' of {}, expected unit {} '{}' of {}", have.unit_index, have.unit_id,
                       have.units_total, want.unit_index, want.unit_id, want.units_total);
  return "";
}

/// Decodes and checks one unit file; throws DataError naming the file.
DecodedUnit load_unit(const Experiment& exp, const WorkUnit& u, const fs::path& file, const BuildInfo& build) {
  DecodedUnit d = decode_unit(read_file(file), file.string());
  const std::string why = identity_mismatch(d.identity, exp.identity(u, build));
  if (!why.empty()) throw DataError(fmt::format("work unit '{}' cannot be merged: {}", file.string(), why));
  return d;
}

void write_results(const Experiment& exp, std::vector<RunResult> runs, double seconds, const CommandOptions& opt) {
  const ExperimentResults results = exp.assemble(std::move(runs), seconds);
  write_results_folder(exp.config().output_dir, results, build_info());
  if (!opt.quiet)
    std::cerr << fmt::format("tracer-bench: wrote {} ({:.1f} s)\n", exp.config().output_dir.string(), seconds);
}

}  // namespace

UnitSelection parse_shard(const std::string& text) {
  UnitSelection s;
  const auto slash = text.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no slash");
    std::size_t used = 0;
    s.shard = std::stoul(text.substr(0, slash), &used);
    if (used != slash) throw std::invalid_argument("junk");
    const std::string n = text.substr(slash + 1);
    s.shards = std::stoul(n, &used);
    if (used != n.size()) throw std::invalid_argument("junk");
  } catch (const std::exception&) {
    throw ConfigError(fmt::format("--shard '{}': expected I/N with whole numbers, e.g. 0/4", text));
  }
  if (s.shards == 0 || s.shard >= s.shards) throw ConfigError(fmt::format("--shard '{}': expected 0 <= I < N", text));
  return s;
}

std::vector<std::size_t> parse_unit_list(const std::string& text) {
  std::set<std::size_t> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    try {
      std::size_t used = 0;
      const auto dash = item.find('-');
      if (dash == std::string::npos) {
        out.insert(std::stoul(item, &used));
        if (used != item.size()) throw std::invalid_argument("junk");
      } else {
        const std::size_t a = std::stoul(item.substr(0, dash), &used);
        if (used != dash) throw std::invalid_argument("junk");
        const std::string tail = item.substr(dash + 1);
        const std::size_t b = std::stoul(tail, &used);
        if (used != tail.size() || b < a) throw std::invalid_argument("range");
        for (std::size_t i = a; i <= b; ++i) out.insert(i);
      }
    } catch (const std::exception&) {
      throw ConfigError(fmt::format("--units '{}': '{}' is not a unit index or a range like 3-7", text, item));
    }
    start = comma + 1;
  }
  return {out.begin(), out.end()};
}

int run_experiment_command(const ExperimentConfig& cfg, const CommandOptions& opt) {
  const auto t0 = Clock::now();
  const Experiment exp(cfg, make_progress(opt));
  std::vector<const WorkUnit*> all;
  for (const auto& u : exp.units()) all.push_back(&u);
  std::vector<RunResult> runs(all.size());
  // The same path as a merge: every unit goes through its file encoding.
  compute_units(exp, all, opt,
                [&](const WorkUnit& u, const std::string& bytes) { runs[u.index] = decode_unit(bytes, u.id).run; });
  write_results(exp, std::move(runs), since(t0), opt);
  return 0;
}

int plan_command(const ExperimentConfig& cfg, const std::string& format) {
  const Experiment exp(cfg, {});
  if (format == "json") {
    nlohmann::ordered_json j = nlohmann::ordered_json::array();
    for (const auto& u : exp.units())
      j.push_back({{"index", u.index},
                   {"id", u.id},
                   {"file", u.file_name()},
                   {"encoder", cfg.encoders.at(u.encoder).name},
                   {"teacher", cfg.teachers.at(u.teacher).name},
                   {"pool_size", u.pool_size},
                   {"seed_index", u.seed_index},
                   {"seed", u.seed},
                   {"cost", u.cost}});
    std::cout << j.dump(2) << "\n";
    return 0;
  }
  if (format != "tsv") throw ConfigError(fmt::format("--format '{}': expected tsv or json", format));
  std::cout << "index\tid\tencoder\tteacher\tpool_size\tseed_index\tseed\tcost\n";
  for (const auto& u : exp.units())
    std::cout << fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\n", u.index, u.id, cfg.encoders.at(u.encoder).name,
                             cfg.teachers.at(u.teacher).name, u.pool_size, u.seed_index, u.seed, u.cost);
  return 0;
}

int run_units_command(const ExperimentConfig& cfg, const UnitSelection& sel, const fs::path& work,
                      const CommandOptions& opt) {
  const Experiment exp(cfg, make_progress(opt));
  const BuildInfo build = build_info();
  const std::set<std::size_t> wanted(sel.indices.begin(), sel.indices.end());
  for (std::size_t i : wanted)
    if (i >= exp.units().size())
      throw ConfigError(fmt::format("--units: unit {} does not exist (the experiment has {} units, 0-{})", i,
                                    exp.units().size(), exp.units().size() - 1));
  fs::create_directories(work);
  std::vector<const WorkUnit*> todo;
  std::size_t reused = 0, selected = 0;
  for (const auto& u : exp.units()) {
    if (u.index % sel.shards != sel.shard) continue;
    if (!wanted.empty() && !wanted.count(u.index)) continue;
    ++selected;
    const fs::path file = work / u.file_name();
    if (fs::exists(file)) {
      std::optional<DecodedUnit> have;
      try {
        have = decode_unit(read_file(file), file.string());
      } catch (const DataError& e) {  // truncated or corrupt: ours to redo
        if (!opt.quiet) std::cerr << "tracer-bench: recomputing unreadable unit: " << e.what() << "\n";
      }
      if (have) {
        // A unit of another config, input or version is not ours to overwrite.
        const std::string why = identity_mismatch(have->identity, exp.identity(u, build));
        if (!why.empty())
          throw DataError(fmt::format("work unit '{}' belongs to another experiment: {}; use a fresh --work folder",
                                      file.string(), why));
        ++reused;
        continue;
      }
    }
    todo.push_back(&u);
  }
  compute_units(exp, todo, opt,
                [&](const WorkUnit& u, const std::string& bytes) { write_unit_file(work / u.file_name(), bytes); });
  if (!opt.quiet)
    std::cerr << fmt::format("tracer-bench: units: {} selected, {} computed, {} already done (in {})\n", selected,
                             todo.size(), reused, work.string());
  return 0;
}

int merge_command(const ExperimentConfig& cfg, const fs::path& work, const CommandOptions& opt) {
  const auto t0 = Clock::now();
  const Experiment exp(cfg, make_progress(opt));
  const BuildInfo build = build_info();
  std::vector<std::string> missing;
  std::vector<RunResult> runs(exp.units().size());
  for (const auto& u : exp.units()) {
    const fs::path file = work / u.file_name();
    if (!fs::exists(file)) {
      missing.push_back(fmt::format("{} ({})", u.index, u.id));
      continue;
    }
    runs[u.index] = load_unit(exp, u, file, build).run;
  }
  if (!missing.empty()) {
    std::string list;
    for (std::size_t i = 0; i < missing.size() && i < 10; ++i) list += (i ? ", " : "") + missing[i];
    if (missing.size() > 10) list += fmt::format(" and {} more", missing.size() - 10);
    throw DataError(
        fmt::format("merge: '{}' lacks {} of {} units: {}", work.string(), missing.size(), exp.units().size(), list));
  }
  write_results(exp, std::move(runs), since(t0), opt);
  return 0;
}

int verify_command(const ExperimentConfig& cfg, const fs::path& work, std::size_t sample,
                   const std::string& sample_seed, bool present_only, const CommandOptions& opt) {
  const Experiment exp(cfg, make_progress(opt));
  std::size_t n = exp.units().size();
  // Deterministic sample: units ordered by sha256(sample_seed + id).
  std::vector<std::pair<std::string, const WorkUnit*>> order;
  for (const auto& u : exp.units())
    if (!present_only || fs::exists(work / u.file_name()))
      order.emplace_back(sha256_hex(sample_seed + "\n" + u.id), &u);
  if (present_only) {
    std::cout << fmt::format("verify: {} of {} unit files present in '{}'\n", order.size(), n, work.string());
    n = order.size();
  }
  std::sort(order.begin(), order.end());
  std::vector<const WorkUnit*> todo;
  for (std::size_t i = 0; i < std::min(sample, n); ++i) todo.push_back(order[i].second);
  std::sort(todo.begin(), todo.end(), [](const WorkUnit* a, const WorkUnit* b) { return a->index < b->index; });
  std::size_t differ = 0;
  compute_units(exp, todo, opt, [&](const WorkUnit& u, const std::string& bytes) {
    const fs::path file = work / u.file_name();
    if (!fs::exists(file)) throw DataError(fmt::format("verify: committed unit '{}' is missing", file.string()));
    const bool same = unit_result_bytes(read_file(file), file.string()) == unit_result_bytes(bytes, u.id);
    std::cout << fmt::format("unit {} {}: {}\n", u.index, u.id, same ? "identical" : "DIFFERS");
    differ += !same;
  });
  std::cout << fmt::format("verify: {} of {} units re-run, {} identical, {} differ\n", todo.size(), n,
                           todo.size() - differ, differ);
  return differ ? 1 : 0;
}

}  // namespace tracer

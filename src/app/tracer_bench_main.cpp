// tracer-bench: replay the TRACER protocol from a TOML experiment file.
//
//   tracer-bench experiments/banking77.toml [--quiet] [--threads N]
//   tracer-bench embed --help
//
// Exit codes: 0 success, 2 bad input (config, data, arguments), 1 internal error.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>
#include <mutex>
#include <unistd.h>

#include "io/config.hpp"
#include "io/experiment.hpp"
#include "io/report.hpp"

#ifndef TRACER_VERSION
#define TRACER_VERSION "dev"
#endif

extern "C" void openblas_set_num_threads(int);

namespace po = boost::program_options;

namespace {

/// Progress lines on stderr, only for a terminal and without --quiet.
tracer::ProgressFn make_progress(bool enabled) {
  if (!enabled) return {};
  static std::mutex mutex;
  return [](const std::string& line) {
    std::lock_guard lock(mutex);
    std::cerr << "tracer-bench: " << line << "\n";
  };
}

std::string git_revision() {
  FILE* pipe = popen("git rev-parse HEAD 2>/dev/null", "r");
  if (!pipe) return "unknown";
  char buf[64] = {0};
  std::string out;
  while (fgets(buf, sizeof buf, pipe)) out += buf;
  pclose(pipe);
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
  return out.empty() ? "unknown" : out;
}

int run_command(int argc, char** argv) {
  po::options_description opts("tracer-bench <experiment.toml> [options]");
  std::string config;
  int threads = -1;
  opts.add_options()("help,h", "show this help")("quiet,q", "no progress output")(
      "threads", po::value<int>(&threads), "worker threads (0 = all cores; overrides [experiment] threads)")(
      "output", po::value<std::string>(), "output folder (overrides [experiment] output_dir)")(
      "config", po::value<std::string>(&config), "experiment TOML file");
  po::positional_options_description pos;
  pos.add("config", 1);
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), vm);
  po::notify(vm);
  if (vm.count("help") || config.empty()) {
    std::cout << opts << "\nSubcommands: embed (tracer-bench embed --help)\n";
    return config.empty() && !vm.count("help") ? 2 : 0;
  }
  tracer::ExperimentConfig cfg = tracer::load_config(config);
  if (threads >= 0) cfg.protocol.threads = static_cast<std::size_t>(threads);
  if (vm.count("output")) cfg.output_dir = vm["output"].as<std::string>();
  const bool show = !vm.count("quiet") && ::isatty(2);
  auto progress = make_progress(show);
  const tracer::ExperimentResult result = tracer::run_experiment(cfg, progress);
  tracer::write_results(result, {git_revision(), TRACER_VERSION});
  if (!vm.count("quiet"))
    std::cerr << fmt::format("tracer-bench: wrote {} ({:.1f} s)\n", cfg.output_dir.string(), result.seconds_total);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // We parallelise over models and days ourselves; a single-threaded BLAS keeps
  // every floating-point reduction in a fixed order, so results are identical
  // at any --threads.
  openblas_set_num_threads(1);
  try {
    return run_command(argc, argv);
  } catch (const tracer::ConfigError& e) {
    std::cerr << "tracer-bench: config error: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "tracer-bench: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const std::runtime_error& e) {
    std::cerr << "tracer-bench: error: " << e.what() << "\n";
    return 2;
  } catch (const std::exception& e) {
    std::cerr << "tracer-bench: internal error: " << e.what() << "\n";
    return 1;
  }
}

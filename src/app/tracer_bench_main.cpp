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

#include "app/build_info.hpp"
#include "io/config.hpp"
#include "app/embed_command.hpp"
#include "app/sif_command.hpp"
#include "app/experiment_runner.hpp"
#include "io/report.hpp"


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
  tracer::write_results(result, tracer::build_info());
  if (!vm.count("quiet"))
    std::cerr << fmt::format("tracer-bench: wrote {} ({:.1f} s)\n", cfg.output_dir.string(), result.seconds_total);
  return 0;
}

int embed_command(int argc, char** argv) {
  tracer::EmbedOptions o;
  std::string encoder = "lsa";
  std::string train, test, out, vectors;
  bool l2 = false;
  po::options_description opts("tracer-bench embed [options]: fit an offline encoder on the train table, embed both tables");
  opts.add_options()("help,h", "show this help")(
      "encoder", po::value<std::string>(&encoder)->default_value("lsa"),
      "lsa (TF-IDF -> randomised SVD) or glove-sif (SIF-weighted GloVe averages)")(
      "vectors", po::value<std::string>(&vectors), "glove-sif: TGLOVE01 word-vector file (data_scripts/fetch_glove.sh)")(
      "l2", po::bool_switch(&l2), "glove-sif: L2-normalise the outputs")(
      "train", po::value<std::string>(&train)->required(), "prepared train table (CSV)")(
      "test", po::value<std::string>(&test)->required(), "prepared test table (CSV)")(
      "out", po::value<std::string>(&out)->required(), "output folder for <name>_train.npy, <name>_test.npy, <name>.json")(
      "name", po::value<std::string>(&o.name)->default_value("lsa768"), "output file stem")(
      "dim", po::value<std::size_t>(&o.lsa.dimension)->default_value(o.lsa.dimension), "embedding dimension")(
      "ngram-max", po::value<std::size_t>(&o.lsa.ngram_max)->default_value(o.lsa.ngram_max), "largest word n-gram")(
      "min-df", po::value<std::size_t>(&o.lsa.min_df)->default_value(o.lsa.min_df), "minimum document frequency")(
      "seed", po::value<std::uint64_t>(&o.seed)->required(), "master seed of the randomised SVD")(
      "pair", po::bool_switch(&o.pair), "sentence pairs (text, text_b) -> [u, v, |u-v|, u*v]")(
      "quiet,q", po::bool_switch(&o.quiet), "no progress output");
  po::variables_map vm;
  po::store(po::command_line_parser(argc, argv).options(opts).run(), vm);
  if (vm.count("help")) {
    std::cout << opts << "\n";
    return 0;
  }
  po::notify(vm);
  if (encoder != "lsa" && encoder != "glove-sif")
    throw po::error("--encoder must be 'lsa' or 'glove-sif' (got '" + encoder + "')");
  if (!::isatty(2)) o.quiet = true;
  if (encoder == "glove-sif") {
    if (vectors.empty()) throw po::error("--encoder glove-sif needs --vectors");
    tracer::SifEmbedOptions so;
    so.train_csv = train;
    so.test_csv = test;
    so.out_dir = out;
    so.word_vectors = vectors;
    so.name = o.name;
    so.l2_normalize = l2;
    so.pair = o.pair;
    so.quiet = o.quiet;
    const tracer::SifEmbedReport r = tracer::run_sif_embed(so);
    if (!vm["quiet"].as<bool>())
      std::cerr << fmt::format("tracer-bench embed: {} + {} rows, {} columns, {:.1f} s -> {}\n", r.train_rows,
                               r.test_rows, r.columns, r.total_seconds, r.manifest.string());
    return 0;
  }
  o.train_csv = train;
  o.test_csv = test;
  o.out_dir = out;
  const tracer::EmbedReport r = tracer::run_embed(o);
  if (!vm["quiet"].as<bool>())
    std::cerr << fmt::format("tracer-bench embed: {} + {} rows, {} columns, vocabulary {}, {:.1f} s -> {}\n",
                             r.train_rows, r.test_rows, r.columns, r.vocabulary_size, r.total_seconds,
                             r.manifest.string());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  // We parallelise over models and days ourselves; a single-threaded BLAS keeps
  // every floating-point reduction in a fixed order, so results are identical
  // at any --threads.
  openblas_set_num_threads(1);
  try {
    if (argc > 1 && std::string(argv[1]) == "embed") return embed_command(argc - 1, argv + 1);
    return run_command(argc, argv);
  } catch (const tracer::ConfigError& e) {
    std::cerr << "tracer-bench: config error: " << e.what() << "\n";
    return 2;
  } catch (const tracer::UserError& e) {
    // Config, data or a model that cannot train on these data: the user's to fix.
    std::cerr << "tracer-bench: error: " << e.what() << "\n";
    return 2;
  } catch (const po::error& e) {
    std::cerr << "tracer-bench: " << e.what() << " (see --help)\n";
    return 2;
  } catch (const tracer::InternalError& e) {
    std::cerr << "tracer-bench: internal error (a bug in tracer-bench, please report it): " << e.what() << "\n";
    return 1;
  } catch (const std::exception& e) {
    // Disk full, out of memory, a library failure: not the input's fault.
    std::cerr << "tracer-bench: failed: " << e.what() << "\n";
    return 1;
  }
}

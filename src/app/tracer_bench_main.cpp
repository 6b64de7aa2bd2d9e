// tracer-bench: replay the TRACER protocol from a TOML experiment file.
//
//   tracer-bench experiments/banking77.toml [--quiet] [--threads N]
//   tracer-bench embed --help
//
// Exit codes: 0 success, 2 bad input (config, data, arguments), 1 internal error.
#include <boost/program_options.hpp>
#include <fmt/format.h>

#include <iostream>
#include <optional>
#include <unistd.h>

#include "app/embed_command.hpp"
#include "app/experiment_commands.hpp"
#include "app/sif_command.hpp"
#include "io/config.hpp"

extern "C" void openblas_set_num_threads(int);

namespace po = boost::program_options;

namespace {

constexpr const char* kUsage =
    "usage:\n"
    "  tracer-bench EXP.toml [--threads N] [--output DIR] [--quiet]      run the experiment\n"
    "  tracer-bench plan EXP.toml [--format tsv|json]                   list its work units\n"
    "  tracer-bench run EXP.toml --work DIR [--shard I/N] [--units LIST] compute units into DIR\n"
    "  tracer-bench merge EXP.toml --work DIR [--output DIR]            write the results from DIR\n"
    "  tracer-bench verify EXP.toml --work DIR --sample K --sample-seed S [--present-only]  re-run K units, compare\n"
    "  tracer-bench embed --help                                        offline encoders\n"
    "Exit codes: 0 success, 1 internal error, 2 bad input (config, data, arguments).\n";

struct ParsedArgs {
  tracer::ExperimentConfig cfg;
  tracer::CommandOptions opt;
  po::variables_map vm;
};

/// Options shared by the experiment commands, plus `extra`. Returns nullopt
/// after printing help.
std::optional<ParsedArgs> parse_experiment_args(int argc, char** argv, const std::string& title,
                                                const po::options_description& extra) {
  po::options_description opts(title);
  std::string config;
  int threads = -1;
  opts.add_options()("help,h", "show this help")("quiet,q", "no progress output")(
      "threads", po::value<int>(&threads), "worker threads (0 = all cores; overrides [experiment] threads)")(
      "output", po::value<std::string>(), "output folder (overrides [experiment] output_dir)")(
      "config", po::value<std::string>(&config), "experiment TOML file");
  opts.add(extra);
  po::positional_options_description pos;
  pos.add("config", 1);
  ParsedArgs out;
  po::store(po::command_line_parser(argc, argv).options(opts).positional(pos).run(), out.vm);
  po::notify(out.vm);
  if (out.vm.count("help")) {
    std::cout << kUsage << "\n" << opts << "\n";
    return std::nullopt;
  }
  if (config.empty()) throw po::error("no experiment TOML given");
  if (threads < -1) throw po::error("--threads must be >= 0");
  out.cfg = tracer::load_config(config);
  if (threads >= 0) out.cfg.protocol.threads = static_cast<std::size_t>(threads);
  if (out.vm.count("output")) out.cfg.output_dir = out.vm["output"].as<std::string>();
  out.opt.quiet = out.vm.count("quiet") > 0;
  out.opt.progress = !out.opt.quiet && ::isatty(2);
  return out;
}

int experiment_command(const std::string& command, int argc, char** argv) {
  po::options_description extra("command options");
  if (command == "plan") {
    extra.add_options()("format", po::value<std::string>()->default_value("tsv"), "tsv or json");
  } else if (command == "run" || command == "merge" || command == "verify") {
    extra.add_options()("work", po::value<std::string>()->required(), "folder of work-unit files");
    if (command == "run")
      extra.add_options()("shard", po::value<std::string>(), "compute shard I of N: units with index % N == I")(
          "units", po::value<std::string>(), "compute only these unit indices, e.g. 0,3,5-9");
    if (command == "verify")
      extra.add_options()("sample", po::value<std::size_t>()->required(), "units to re-run")(
          "sample-seed", po::value<std::string>()->required(), "chooses the sample (e.g. a git revision)")(
          "present-only", "a study still being computed: sample among the unit files present, not all units");
  }
  const std::string title =
      command.empty() ? "tracer-bench EXP.toml [options]" : "tracer-bench " + command + " EXP.toml [options]";
  auto parsed = parse_experiment_args(argc, argv, title, extra);
  if (!parsed) return 0;
  ParsedArgs& a = *parsed;
  if (command.empty()) return tracer::run_experiment_command(a.cfg, a.opt);
  if (command == "plan") return tracer::plan_command(a.cfg, a.vm["format"].as<std::string>());
  const std::string work = a.vm["work"].as<std::string>();
  if (command == "merge") return tracer::merge_command(a.cfg, work, a.opt);
  if (command == "verify")
    return tracer::verify_command(a.cfg, work, a.vm["sample"].as<std::size_t>(), a.vm["sample-seed"].as<std::string>(),
                                  a.vm.count("present-only") > 0, a.opt);
  tracer::UnitSelection sel;
  if (a.vm.count("shard")) sel = tracer::parse_shard(a.vm["shard"].as<std::string>());
  if (a.vm.count("units")) sel.indices = tracer::parse_unit_list(a.vm["units"].as<std::string>());
  return tracer::run_units_command(a.cfg, sel, work, a.opt);
}

int embed_command(int argc, char** argv) {
  tracer::EmbedOptions o;
  std::string encoder = "lsa";
  std::string train, test, out, vectors;
  bool l2 = false;
  po::options_description opts(
      "tracer-bench embed [options]: fit an offline encoder on the train table, embed both tables");
  opts.add_options()("help,h", "show this help")(
      "encoder", po::value<std::string>(&encoder)->default_value("lsa"),
      "lsa (TF-IDF -> randomised SVD) or glove-sif (SIF-weighted GloVe averages)")(
      "vectors", po::value<std::string>(&vectors),
      "glove-sif: TGLOVE01 word-vector file (data_scripts/fetch_glove.sh)")("l2", po::bool_switch(&l2),
                                                                            "glove-sif: L2-normalise the outputs")(
      "train", po::value<std::string>(&train)->required(), "prepared train table (CSV)")(
      "test", po::value<std::string>(&test)->required(), "prepared test table (CSV)")(
      "out", po::value<std::string>(&out)->required(),
      "output folder for <name>_train.npy, <name>_test.npy, <name>.json")(
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
    const std::string first = argc > 1 ? argv[1] : "";
    if (first == "embed") return embed_command(argc - 1, argv + 1);
    if (first == "plan" || first == "run" || first == "merge" || first == "verify")
      return experiment_command(first, argc - 1, argv + 1);
    if (argc < 2) {
      std::cerr << kUsage;
      return 2;
    }
    return experiment_command("", argc, argv);
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

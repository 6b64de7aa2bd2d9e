#pragma once
// Everything the protocol needs to know, already validated (io/config.hpp
// builds it from the TOML). No file names here: the protocol sees data only.
//
// Defaults: the config's defaults are declared in the key table
// (io/config_schema.cpp, listed in docs/config.md); tests/test_config.cpp
// checks that every initialiser below for an optional key equals the table's
// default. Initialisers of keys the config requires (days, alphas, split,
// candidates) never reach a run; they give tests a small valid protocol.
#include <cstdint>
#include <string>
#include <vector>

#include "core/zoo.hpp"

namespace tracer {

/// How the threshold is calibrated and the promotion decided.
enum class GateMode {
  kPaper,       ///< point-estimate sweep on cal, parity (point TA) on shadow, 5% floor
  kCertified,   ///< finite-sample guarantee P(TA >= alpha) >= 1 - delta (see core/certify.hpp)
  kBonferroni,  ///< the same guarantee by a union bound over a coverage grid: the simpler valid baseline
};
std::string gate_mode_name(GateMode m);

struct SplitFractions {
  double train = 0.55;   ///< fits the surrogate candidates
  double val = 0.15;     ///< selects the candidate (macro-F1) and trains the acceptor
  double cal = 0.15;     ///< calibrates the threshold; decides Global eligibility
  double shadow = 0.15;  ///< parity gate only: never used for training or calibration
};

struct GateSettings {
  std::vector<GateMode> modes{GateMode::kPaper};
  double min_coverage = 0.05;    ///< promotion floor on shadow coverage
  std::size_t min_accepted = 1;  ///< a threshold must accept at least this many cal rows
  double delta = 0.1;            ///< certified mode: allowed failure probability
};

struct ProtocolSettings {
  std::size_t days = 5;
  std::vector<double> alphas{0.80, 0.85, 0.90, 0.95};
  SplitFractions split;
  GateSettings gate;
  std::vector<CandidateSpec> candidates{{"logreg_c1", {}}};
  CandidateSpec baseline_model{"logreg_c1", {}};
  double baseline_holdout = 0.2;  ///< share of all traces held out to sweep the baseline threshold
  std::size_t threads = 0;        ///< 0 = all hardware threads
};

}  // namespace tracer

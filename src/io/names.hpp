#pragma once
// Names derived from a run, shared by the artifact files, the plots and the
// report, so a file name is spelled in one place.
#include <string>

#include "protocol/results.hpp"

namespace tracer {

/// "<encoder>__<teacher>", plus "__pool<n>" when the config sweeps pool sizes
/// (file-safe; see file_token).
std::string run_token(const ExperimentInfo& info, const RunResult& run);

/// "<run_token>__<mode>__day<d>__alpha<a>" (no extension).
std::string artifact_stem(const std::string& run_token, const std::string& mode, std::size_t day, double alpha);

/// "encoder / teacher / N traces / gate mode", for titles.
std::string run_title(const RunResult& run, GateMode mode);

}  // namespace tracer

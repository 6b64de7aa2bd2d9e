#pragma once
// The report section of the production arms ([protocol] labels beyond "all"):
// design and conditions, coverage and teacher calls per day, verdicts and the
// bill per arm. A function of the result object alone; "" without arms.
#include <string>

#include "protocol/results.hpp"

namespace tracer {

std::string production_markdown(const ExperimentResults& results);

}  // namespace tracer

#pragma once
// Cost projection of routing: what the teacher calls cost with and without a
// deployed surrogate (paper, "Cost projection").

namespace tracer {

/// Filled from [cost] (docs/config.md). Only days_per_year has a default
/// there, and tests/test_config.cpp checks this initialiser equals it; the
/// other keys are required, so they start at zero rather than at made-up prices.
struct CostModel {
  double input_tokens_per_call = 0.0;
  double output_tokens_per_call = 0.0;
  double usd_per_million_input = 0.0;
  double usd_per_million_output = 0.0;
  double queries_per_day = 0.0;
  double days_per_year = 365.0;
};

struct CostProjection {
  double usd_per_call = 0.0;
  double teacher_calls_per_day = 0.0;  ///< (1 - coverage) * queries
  double usd_per_day_without_routing = 0.0;
  double usd_per_day_with_routing = 0.0;
  double usd_saved_per_year = 0.0;
  double reduction = 0.0;  ///< share of the teacher bill removed
};

/// coverage in [0, 1]: the share of queries the surrogate handles.
CostProjection project_cost(const CostModel& model, double coverage);

}  // namespace tracer

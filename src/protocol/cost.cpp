#include "protocol/cost.hpp"
#include "core/errors.hpp"

#include <stdexcept>

namespace tracer {

CostProjection project_cost(const CostModel& m, double coverage) {
  if (!(coverage >= 0.0 && coverage <= 1.0)) throw InternalError("project_cost: coverage must be in [0, 1]");
  CostProjection p;
  p.usd_per_call =
      (m.input_tokens_per_call * m.usd_per_million_input + m.output_tokens_per_call * m.usd_per_million_output) / 1e6;
  p.usd_per_day_without_routing = m.queries_per_day * p.usd_per_call;
  p.teacher_calls_per_day = (1.0 - coverage) * m.queries_per_day;
  p.usd_per_day_with_routing = p.teacher_calls_per_day * p.usd_per_call;
  p.usd_saved_per_year = (p.usd_per_day_without_routing - p.usd_per_day_with_routing) * m.days_per_year;
  p.reduction = coverage;
  return p;
}

}  // namespace tracer

#pragma once
// The columns of one seed summary (protocol/seed_summary.hpp), shared by
// seed_summary.csv and production_summary.csv so both print the same figures
// under the same names.
#include <string>

#include "io/csv_table.hpp"
#include "io/format.hpp"
#include "protocol/seed_summary.hpp"

namespace tracer {

/// Appends the summary columns (seeds ... p_value_rate_above_delta); get(row)
/// returns the row's SeedSummary.
template <class R, class Get>
void append_seed_summary_columns(CsvLayout<R>& layout, Get get) {
  const CsvLayout<R> columns = {
      {"seeds", [get](const R& r) { return std::to_string(get(r).replays); }},
      {"deployed", [get](const R& r) { return std::to_string(get(r).deployed); }},
      {"coverage_mean", [get](const R& r) { return num(get(r).coverage.mean); }},
      {"coverage_lo", [get](const R& r) { return num(get(r).coverage.lo); }},
      {"coverage_hi", [get](const R& r) { return num(get(r).coverage.hi); }},
      {"test_ta_n", [get](const R& r) { return std::to_string(get(r).test_ta.n); }},
      {"test_ta_mean", [get](const R& r) { return get(r).test_ta.n ? num(get(r).test_ta.mean) : ""; }},
      {"test_ta_lo", [get](const R& r) { return get(r).test_ta.n ? num(get(r).test_ta.lo) : ""; }},
      {"test_ta_hi", [get](const R& r) { return get(r).test_ta.n ? num(get(r).test_ta.hi) : ""; }},
      {"gt_accuracy_mean", [get](const R& r) { return num(get(r).gt_accuracy.mean); }},
      {"gt_accuracy_lo", [get](const R& r) { return num(get(r).gt_accuracy.lo); }},
      {"gt_accuracy_hi", [get](const R& r) { return num(get(r).gt_accuracy.hi); }},
      {"cal_test_gap_mean", [get](const R& r) { return get(r).cal_test_gap.n ? num(get(r).cal_test_gap.mean) : ""; }},
      {"cal_test_gap_lo", [get](const R& r) { return get(r).cal_test_gap.n ? num(get(r).cal_test_gap.lo) : ""; }},
      {"cal_test_gap_hi", [get](const R& r) { return get(r).cal_test_gap.n ? num(get(r).cal_test_gap.hi) : ""; }},
      {"violations", [get](const R& r) { return std::to_string(get(r).violation.events); }},
      {"violation_rate", [get](const R& r) { return num(get(r).violation.rate); }},
      {"violation_rate_lower95", [get](const R& r) { return num(get(r).violation.lower95); }},
      {"violation_rate_upper95", [get](const R& r) { return num(get(r).violation.upper95); }},
      {"clear_violations", [get](const R& r) { return std::to_string(get(r).clear_violation.events); }},
      {"clear_violation_rate", [get](const R& r) { return num(get(r).clear_violation.rate); }},
      {"clear_violation_rate_lower95", [get](const R& r) { return num(get(r).clear_violation.lower95); }},
      {"clear_violation_rate_upper95", [get](const R& r) { return num(get(r).clear_violation.upper95); }},
      {"coverage_drops_over_20pts",
       [get](const R& r) { return get(r).day >= 2 ? std::to_string(get(r).coverage_drop.events) : ""; }},
      {"promised_delta", [get](const R& r) { return get(r).promised_delta > 0 ? num(get(r).promised_delta) : ""; }},
      {"promise_contradicted",
       [get](const R& r) { return get(r).promised_delta > 0 ? yes_no(get(r).contradicted) : ""; }},
      {"p_value_rate_above_delta",
       [get](const R& r) { return get(r).promised_delta > 0 ? num(get(r).p_rate_above_delta) : ""; }},
  };
  layout.insert(layout.end(), columns.begin(), columns.end());
}

}  // namespace tracer

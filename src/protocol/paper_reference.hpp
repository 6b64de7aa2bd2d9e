#pragma once
// The paper's published numbers (Rida 2026, section 4 and "Artifacts"), written
// once, to print beside ours. Data only.
#include <optional>
#include <string>
#include <vector>

namespace tracer {

/// One alpha of a paper table; nullopt = not reported.
struct PaperRow {
  double alpha;
  std::string method;
  std::optional<double> coverage, ta, gt, base_cov, base_ta;
};

/// The paper's alpha sweep for `dataset` (banking77, clinc150, mnli); empty otherwise.
const std::vector<PaperRow>& paper_rows(const std::string& dataset);

/// The row for alpha, or nullptr.
const PaperRow* paper_row_for(const std::vector<PaperRow>& rows, double alpha);

/// What the paper reports about its artifacts for `dataset`, or "".
std::string paper_artifacts_note(const std::string& dataset);

}  // namespace tracer

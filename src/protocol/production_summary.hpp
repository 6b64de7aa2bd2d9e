#pragma once
// Production arms over the seeds ([protocol] labels): per (encoder, teacher,
// pool), every labelling arm's seed summaries and verdicts (the same rule as
// seed_summary.hpp), its bills and its costs, with the paper's protocol
// ("all") first as the reference.
#include <vector>

#include "protocol/results.hpp"

namespace tracer {

/// The paper protocol's bill of each outcome of a replay: the whole day's
/// batch is labelled, whatever the deployed policy did.
std::vector<DayBill> paper_protocol_bills(const ReplayResult& replay);

/// One arm over independent replays: outcomes[r] and bills[r] are replay r's,
/// in the same order.
ArmSummary summarise_arm(LabelsMode labels, double audit_rate, const OutcomeSets& outcomes,
                         const std::vector<const std::vector<DayBill>*>& bills, const ProtocolSettings& protocol,
                         const CostModel& cost);

/// Needs results.paper_bills filled (one list per run).
std::vector<ProductionGroup> summarise_production(const ExperimentResults& results);

}  // namespace tracer

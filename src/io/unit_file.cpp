#include "io/unit_file.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "core/errors.hpp"
#include "io/atomic_file.hpp"

namespace tracer {

using json = nlohmann::json;

namespace {

constexpr const char* kFormat = "tracer-bench-unit";

json stats_json(const SplitStats& s) {
  return {{"n", s.n}, {"handled", s.handled}, {"agree", s.agree}, {"coverage", s.coverage}, {"ta", s.ta}};
}
SplitStats stats_from(const json& j) {
  SplitStats s;
  s.n = j.at("n").get<std::size_t>();
  s.handled = j.at("handled").get<std::size_t>();
  s.agree = j.at("agree").get<std::size_t>();
  s.coverage = j.at("coverage").get<double>();
  s.ta = j.at("ta").get<double>();
  return s;
}

json uvec_json(const arma::uvec& v) { return std::vector<arma::uword>(v.begin(), v.end()); }
arma::uvec uvec_from(const json& j) { return arma::uvec(j.get<std::vector<arma::uword>>()); }
json vec_json(const arma::vec& v) { return std::vector<double>(v.begin(), v.end()); }
arma::vec vec_from(const json& j) { return arma::vec(j.get<std::vector<double>>()); }

template <class Enum>
Enum enum_from(const json& j, int max_value, const char* what) {
  const int v = j.get<int>();
  if (v < 0 || v > max_value) throw DataError(fmt::format("{} {} is out of range", what, v));
  return static_cast<Enum>(v);
}

json outcome_json(const DayOutcome& o, bool with_rows) {
  json j = {{"day", o.day},
            {"mode", static_cast<int>(o.mode)},
            {"alpha", o.alpha},
            {"n_traces", o.n_traces},
            {"n_train", o.n_train},
            {"n_val", o.n_val},
            {"n_cal", o.n_cal},
            {"n_shadow", o.n_shadow},
            {"surrogate", o.surrogate},
            {"acceptor_score", o.acceptor_score},
            {"family", static_cast<int>(o.family)},
            {"deployed", o.deployed},
            {"gate_note", o.gate_note},
            {"threshold", o.threshold},
            {"cal_ta_lower", o.cal_ta_lower},
            {"bound_level", o.bound_level},
            {"cal", stats_json(o.cal)},
            {"pooled", stats_json(o.pooled)},
            {"shadow", stats_json(o.shadow)},
            {"test", stats_json(o.test)},
            {"test_gt_correct", o.test_gt_correct},
            {"test_gt_accuracy", o.test_gt_accuracy}};
  if (with_rows)
    j["test_decision"] = {{"prediction", uvec_json(o.test_decision.prediction)},
                          {"score", vec_json(o.test_decision.score)},
                          {"handled", uvec_json(o.test_decision.handled)}};
  return j;
}

DayOutcome outcome_from(const json& j) {
  DayOutcome o;
  o.day = j.at("day").get<std::size_t>();
  o.mode = enum_from<GateMode>(j.at("mode"), static_cast<int>(GateMode::kDataWalk), "gate mode");
  o.alpha = j.at("alpha").get<double>();
  o.n_traces = j.at("n_traces").get<std::size_t>();
  o.n_train = j.at("n_train").get<std::size_t>();
  o.n_val = j.at("n_val").get<std::size_t>();
  o.n_cal = j.at("n_cal").get<std::size_t>();
  o.n_shadow = j.at("n_shadow").get<std::size_t>();
  o.surrogate = j.at("surrogate").get<std::string>();
  o.acceptor_score = j.at("acceptor_score").get<std::string>();
  o.family = enum_from<Family>(j.at("family"), static_cast<int>(Family::kL2D), "family");
  o.deployed = j.at("deployed").get<bool>();
  o.gate_note = j.at("gate_note").get<std::string>();
  o.threshold = j.at("threshold").get<double>();
  o.cal_ta_lower = j.at("cal_ta_lower").get<double>();
  o.bound_level = j.at("bound_level").get<double>();
  o.cal = stats_from(j.at("cal"));
  o.pooled = stats_from(j.at("pooled"));
  o.shadow = stats_from(j.at("shadow"));
  o.test = stats_from(j.at("test"));
  o.test_gt_correct = j.at("test_gt_correct").get<std::size_t>();
  o.test_gt_accuracy = j.at("test_gt_accuracy").get<double>();
  if (j.contains("test_decision")) {
    const json& d = j.at("test_decision");
    o.test_decision.prediction = uvec_from(d.at("prediction"));
    o.test_decision.score = vec_from(d.at("score"));
    o.test_decision.handled = uvec_from(d.at("handled"));
  }
  return o;
}

json baseline_json(const BaselineOutcome& b) {
  return {{"alpha", b.alpha},
          {"found", b.found},
          {"threshold", b.threshold},
          {"holdout", stats_json(b.holdout)},
          {"test", stats_json(b.test)},
          {"test_gt_correct", b.test_gt_correct},
          {"test_gt_accuracy", b.test_gt_accuracy}};
}

BaselineOutcome baseline_from(const json& j) {
  BaselineOutcome b;
  b.alpha = j.at("alpha").get<double>();
  b.found = j.at("found").get<bool>();
  b.threshold = j.at("threshold").get<double>();
  b.holdout = stats_from(j.at("holdout"));
  b.test = stats_from(j.at("test"));
  b.test_gt_correct = j.at("test_gt_correct").get<std::size_t>();
  b.test_gt_accuracy = j.at("test_gt_accuracy").get<double>();
  return b;
}

// A production arm's bills: one array of numbers per day outcome, in the
// order of DayBill's fields.
json bill_json(const DayBill& b) {
  return json::array({b.batch, b.routed_handled, b.routed_agree, b.deferred, b.audited, b.teacher_calls,
                      b.cumulative_calls, b.calibration_rows, b.training_traces});
}

DayBill bill_from(const json& j) {
  const auto v = j.get<std::vector<std::size_t>>();
  if (v.size() != 9) throw DataError(fmt::format("a day bill has {} numbers, expected 9", v.size()));
  return {v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8]};
}

json arms_json(const std::vector<ProductionArm>& arms) {
  json out = json::array();
  for (const ProductionArm& a : arms) {
    json outcomes = json::array(), bills = json::array();
    for (const auto& o : a.outcomes) outcomes.push_back(outcome_json(o, false));
    for (const auto& b : a.bills) bills.push_back(bill_json(b));
    out.push_back({{"labels", static_cast<int>(a.labels)},
                   {"audit_rate", a.audit_rate},
                   {"outcomes", outcomes},
                   {"bills", bills}});
  }
  return out;
}

ProductionArm arm_from(const json& j) {
  ProductionArm a;
  a.labels = enum_from<LabelsMode>(j.at("labels"), static_cast<int>(LabelsMode::kDeferredNoAudit), "labels mode");
  a.audit_rate = j.at("audit_rate").get<double>();
  for (const auto& o : j.at("outcomes")) a.outcomes.push_back(outcome_from(o));
  for (const auto& b : j.at("bills")) a.bills.push_back(bill_from(b));
  if (a.bills.size() != a.outcomes.size())
    throw DataError(fmt::format("a production arm has {} outcomes but {} bills", a.outcomes.size(), a.bills.size()));
  return a;
}

json identity_json(const UnitIdentity& id) {
  json inputs = json::array();
  for (const auto& in : id.inputs) inputs.push_back({{"role", in.role}, {"path", in.path}, {"sha256", in.sha256}});
  return {{"tool_version", id.tool_version}, {"config_sha256", id.config_sha256}, {"inputs", inputs},
          {"unit_id", id.unit_id},           {"unit_index", id.unit_index},       {"units_total", id.units_total}};
}

UnitIdentity identity_from(const json& j) {
  UnitIdentity id;
  id.tool_version = j.at("tool_version").get<std::string>();
  id.config_sha256 = j.at("config_sha256").get<std::string>();
  for (const auto& in : j.at("inputs"))
    id.inputs.push_back(
        {in.at("role").get<std::string>(), in.at("path").get<std::string>(), in.at("sha256").get<std::string>()});
  id.unit_id = j.at("unit_id").get<std::string>();
  id.unit_index = j.at("unit_index").get<std::size_t>();
  id.units_total = j.at("units_total").get<std::size_t>();
  return id;
}

json parse_unit(const std::string& bytes, const std::string& where) {
  json doc = json::from_cbor(bytes, /*strict=*/true, /*allow_exceptions=*/false);
  if (doc.is_discarded())
    throw DataError(fmt::format("work unit '{}': not a complete unit file (truncated or corrupt CBOR, {} bytes)", where,
                                bytes.size()));
  if (!doc.is_object() || doc.value("format", std::string()) != kFormat)
    throw DataError(
        fmt::format("work unit '{}': not a tracer-bench unit file (no \"format\": \"{}\")", where, kFormat));
  if (doc.value("unit_schema", -1) != kUnitSchemaVersion)
    throw DataError(fmt::format("work unit '{}': unit schema {} but this tracer-bench reads schema {}", where,
                                doc.value("unit_schema", -1), kUnitSchemaVersion));
  return doc;
}

}  // namespace

std::string encode_unit(const UnitIdentity& identity, const BuildInfo& build, const RunResult& run) {
  const ReplayResult& rep = run.replay;
  const bool rows = run.seed_index == 0;
  json candidates = json::array(), fits = json::array();
  for (const auto& c : rep.candidates) {
    candidates.push_back({{"day", c.day},
                          {"name", c.name},
                          {"trained", c.trained},
                          {"error", c.error},
                          {"val_macro_f1", c.val_macro_f1},
                          {"val_accuracy", c.val_accuracy},
                          {"selected", c.selected}});
    fits.push_back(c.fit_seconds);
  }
  json outcomes = json::array(), baseline = json::array();
  for (const auto& o : rep.outcomes) outcomes.push_back(outcome_json(o, rows));
  for (const auto& b : rep.baseline) baseline.push_back(baseline_json(b));
  json doc = {
      {"format", kFormat},
      {"unit_schema", kUnitSchemaVersion},
      {"identity", identity_json(identity)},
      {"provenance", {{"git_describe", build.git_describe}, {"git_dirty", build.dirty}}},
      {"run",
       {{"encoder", run.encoder},
        {"teacher", run.teacher},
        {"seed_index", run.seed_index},
        {"seed", run.seed},
        {"pool_size", run.pool_size},
        {"n_classes", run.n_classes}}},
      {"replay",
       {{"candidates", candidates},
        {"outcomes", outcomes},
        {"baseline", baseline},
        {"baseline_error", rep.baseline_error},
        {"day_sizes", rep.day_sizes},
        {"teacher_test_accuracy", rep.teacher_test_accuracy},
        {"teacher_train_accuracy", rep.teacher_train_accuracy}}},
      {"timings", {{"replay_seconds", rep.seconds_total}, {"fit_seconds", fits}}},
  };
  // Only units with production arms carry the key, so units of experiments
  // without them keep their bytes.
  if (!rep.arms.empty()) doc["replay"]["arms"] = arms_json(rep.arms);
  const std::vector<std::uint8_t> cbor = json::to_cbor(doc);
  return std::string(cbor.begin(), cbor.end());
}

std::string unit_result_bytes(const std::string& bytes, const std::string& where) {
  json doc = parse_unit(bytes, where);
  doc.erase("timings");
  doc.erase("provenance");
  const std::vector<std::uint8_t> cbor = json::to_cbor(doc);
  return std::string(cbor.begin(), cbor.end());
}

DecodedUnit decode_unit(const std::string& bytes, const std::string& where) {
  const json doc = parse_unit(bytes, where);
  try {
    DecodedUnit u;
    u.identity = identity_from(doc.at("identity"));
    const json& r = doc.at("run");
    u.run.encoder = r.at("encoder").get<std::string>();
    u.run.teacher = r.at("teacher").get<std::string>();
    u.run.seed_index = r.at("seed_index").get<std::size_t>();
    u.run.seed = r.at("seed").get<std::uint64_t>();
    u.run.pool_size = r.at("pool_size").get<std::size_t>();
    u.run.n_classes = r.at("n_classes").get<std::size_t>();
    const json& rep = doc.at("replay");
    const json& fits = doc.at("timings").at("fit_seconds");
    const json& cands = rep.at("candidates");
    if (fits.size() != cands.size())
      throw DataError(fmt::format("work unit '{}': {} candidates but {} fit times", where, cands.size(), fits.size()));
    for (std::size_t i = 0; i < cands.size(); ++i) {
      const json& c = cands[i];
      CandidateRecord cr;
      cr.day = c.at("day").get<std::size_t>();
      cr.name = c.at("name").get<std::string>();
      cr.trained = c.at("trained").get<bool>();
      cr.error = c.at("error").get<std::string>();
      cr.val_macro_f1 = c.at("val_macro_f1").get<double>();
      cr.val_accuracy = c.at("val_accuracy").get<double>();
      cr.selected = c.at("selected").get<bool>();
      cr.fit_seconds = fits[i].get<double>();
      u.run.replay.candidates.push_back(std::move(cr));
    }
    for (const auto& o : rep.at("outcomes")) u.run.replay.outcomes.push_back(outcome_from(o));
    for (const auto& b : rep.at("baseline")) u.run.replay.baseline.push_back(baseline_from(b));
    u.run.replay.baseline_error = rep.at("baseline_error").get<std::string>();
    u.run.replay.day_sizes = rep.at("day_sizes").get<std::vector<std::size_t>>();
    u.run.replay.teacher_test_accuracy = rep.at("teacher_test_accuracy").get<double>();
    u.run.replay.teacher_train_accuracy = rep.at("teacher_train_accuracy").get<double>();
    if (rep.contains("arms"))
      for (const auto& a : rep.at("arms")) u.run.replay.arms.push_back(arm_from(a));
    u.run.replay.seconds_total = doc.at("timings").at("replay_seconds").get<double>();
    return u;
  } catch (const json::exception& e) {
    throw DataError(fmt::format("work unit '{}': malformed unit file: {}", where, e.what()));
  }
}

void write_unit_file(const std::filesystem::path& path, const std::string& bytes) { write_file_atomic(path, bytes); }

}  // namespace tracer

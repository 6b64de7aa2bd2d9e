#include "io/artifacts_writer.hpp"
#include "core/errors.hpp"

#include <fmt/format.h>

#include <cmath>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "io/format.hpp"
#include "io/names.hpp"
#include "protocol/results.hpp"
#include "protocol/paper_reference.hpp"

namespace tracer {

namespace fs = std::filesystem;
using ojson = nlohmann::ordered_json;

namespace {

// The rules, stated once: they go into every JSON file and the report.
constexpr const char* kSliceOrder =
    "weakest first: lowest handled_rate, then lowest teacher_agreement (null = nothing handled, lowest), then name";
constexpr const char* kLengthRule =
    "words = runs of non-whitespace; W = sorted word counts of all test inputs, n = |W|; cut_short = W[n/3], "
    "cut_medium = W[2n/3] (0-based, integer division); short: words <= cut_short; medium: <= cut_medium; long: more";
constexpr const char* kCardRule =
    "per teacher label and routing group: the input whose embedding is closest (Euclidean) to the group's mean "
    "embedding; ties: lowest row. For unit-norm embeddings this is also the highest cosine similarity to the centroid";
constexpr const char* kPairRule =
    "per teacher label with handled and deferred inputs: for each deferred input d, among its k nearest handled "
    "inputs of the label (Euclidean; ties: lower row) take the one with the highest acceptor score (ties: closer, "
    "lower row); the label's pair maximises that score minus d's score (ties: smaller distance, lower d row)";
constexpr const char* kDisagreementScope =
    "rows of the test split where the surrogate's prediction differs from the teacher label, grouped by the "
    "predicted label; n_handled counts those the surrogate answers (errors users see), n_all counts handled and "
    "deferred; examples: handled first, then highest acceptor score, then lowest row";
constexpr std::size_t kMarkdownRows = 10;   // rows per report table; the JSON has all
constexpr std::size_t kPreviewChars = 160;  // code points of an input shown in the report

/// Label name in backticks, escaped.
std::string lab(const std::string& name) {
  std::string out = "`";
  out += md_cell(name);
  out += '`';
  return out;
}

std::string preview(const std::string& text) { return md_preview(text, kPreviewChars); }

std::string id_of(const ArtifactContext& c, std::size_t row) { return row < c.ids.size() ? c.ids[row] : ""; }

ojson opt_num(const std::optional<double>& v) { return v ? ojson(*v) : ojson(nullptr); }

ojson row_json(const ArtifactSet& s, const ArtifactContext& c, std::size_t row, double score) {
  ojson j;
  j["row"] = row;
  j["id"] = id_of(c, row);
  j["text"] = c.texts.at(row);
  j["surrogate_label"] =
      s.predictions_available ? ojson(c.label_names.at(c.outcome.test_decision.prediction[row])) : ojson(nullptr);
  j["acceptor_score"] = score;
  return j;
}

ojson slice_json(const SliceSummary& s) {
  ojson j;
  j["name"] = s.name;
  j["n"] = s.n;
  j["handled"] = s.handled;
  j["deferred"] = s.n - s.handled;
  j["agree"] = s.agree;
  j["handled_rate"] = s.handled_rate;
  j["deferred_rate"] = s.deferred_rate;
  j["teacher_agreement"] = opt_num(s.teacher_agreement);
  return j;
}

std::string previous_note(const ArtifactSet& s, const DayOutcome& o) {
  if (!s.has_previous) return "no previous refit (day 1)";
  return fmt::format(
      "handled rate on day {} minus the rate of day {}'s deployed policy (same gate mode and alpha; "
      "a refused policy handles nothing)",
      o.day, o.day - 1);
}

}  // namespace

std::string collapse_diagnosis(const ArtifactSet& s, const ArtifactContext& c) {
  const DayOutcome& o = c.outcome;
  std::string out;
  if (!o.deployed)
    out = fmt::format("The gate refused at alpha {} on day {}, so every input goes to the teacher: {}.", num(o.alpha),
                      o.day, o.gate_note.empty() ? "no reason recorded" : o.gate_note);
  if (!s.collapse) {
    if (!s.predictions_available)
      out += std::string(out.empty() ? "" : " ") +
             "The replay did not record the refused surrogate's predictions, so there are no disagreement cards.";
    return out;
  }
  const CollapseDiagnostic& k = *s.collapse;
  const std::string& top = c.label_names.at(k.top_class);
  if (!out.empty()) out += " ";
  if (k.collapsed)
    out += fmt::format("The surrogate collapses onto class {}: {} of predictions (the teacher gives it {}).", top,
                       pct(k.share), pct(k.teacher_share));
  else
    out += fmt::format("No collapse: the most predicted class, {}, takes {} of predictions (the teacher gives it {}).",
                       top, pct(k.share), pct(k.teacher_share));
  return out;
}

ojson artifacts_to_json(const ArtifactSet& s, const ArtifactContext& c, const ArtifactOptions& opt) {
  const DayOutcome& o = c.outcome;
  const auto& L = c.label_names;
  ojson j;
  j["schema_version"] = kArtifactsSchemaVersion;
  j["experiment"] = c.experiment;
  j["split"] = "test";
  j["encoder"] = c.encoder;
  j["teacher"] = c.teacher;
  j["gate_mode"] = gate_mode_name(o.mode);
  j["seed_index"] = c.seed_index;
  j["seed"] = c.seed;
  j["pool_size"] = c.pool_size;
  j["day"] = o.day;
  j["alpha"] = o.alpha;
  j["policy"] = {{"deployed", o.deployed},
                 {"family", family_name(o.family)},
                 {"surrogate", o.surrogate},
                 {"acceptor_score", o.acceptor_score},
                 {"threshold", o.threshold},
                 {"gate_note", o.gate_note},
                 {"predictions_available", s.predictions_available}};
  const double coverage = s.n ? static_cast<double>(s.handled) / static_cast<double>(s.n) : 0.0;
  j["summary"] = {{"n", s.n},
                  {"handled", s.handled},
                  {"deferred", s.n - s.handled},
                  {"agree", s.agree},
                  {"coverage", coverage},
                  {"teacher_agreement",
                   s.handled ? ojson(static_cast<double>(s.agree) / static_cast<double>(s.handled)) : ojson(nullptr)}};

  ojson slices;
  slices["order"] = kSliceOrder;
  slices["length_bins"] = {
      {"unit", "words"}, {"cut_short", s.bins.cut_short}, {"cut_medium", s.bins.cut_medium}, {"rule", kLengthRule}};
  slices["labels"] = ojson::array();
  for (const auto& sl : s.label_slices) slices["labels"].push_back(slice_json(sl));
  slices["lengths"] = ojson::array();
  for (const auto& sl : s.length_slices) slices["lengths"].push_back(slice_json(sl));
  j["slices"] = slices;

  ojson cards = ojson::array();
  for (const auto& k : s.cards) {
    ojson e;
    e["teacher_label"] = L.at(k.label);
    e["group"] = k.handled ? "handled" : "deferred";
    e["group_size"] = k.group_size;
    const ojson row = row_json(s, c, k.row, k.score);  // a named object: items() must not outlive it
    for (const auto& [key, v] : row.items()) e[key] = v;
    e["distance_to_centroid"] = k.distance_to_centroid;
    cards.push_back(e);
  }
  j["examples"] = {{"metric", "euclidean"}, {"rule", kCardRule}, {"cards", cards}};

  ojson pairs = ojson::array();
  for (const auto& p : s.pairs)
    pairs.push_back({{"teacher_label", L.at(p.label)},
                     {"score_gap", p.score_gap},
                     {"distance", p.distance},
                     {"handled", row_json(s, c, p.handled_row, p.handled_score)},
                     {"deferred", row_json(s, c, p.deferred_row, p.deferred_score)}});
  j["boundary_pairs"] = {{"k", opt.boundary_k}, {"rule", kPairRule}, {"note", s.pairs_note}, {"pairs", pairs}};

  ojson deltas = ojson::array();
  for (const auto& t : s.deltas)
    deltas.push_back({{"teacher_label", L.at(t.label)},
                      {"n", t.n},
                      {"previous_handled_rate", t.previous_rate},
                      {"current_handled_rate", t.current_rate},
                      {"delta", t.delta}});
  j["temporal_deltas"] = {{"previous_day", s.has_previous ? ojson(o.day - 1) : ojson(nullptr)},
                          {"note", previous_note(s, o)},
                          {"order", "largest drop first (delta ascending), ties by label name"},
                          {"previous_coverage", s.has_previous && s.n ? ojson(static_cast<double>(s.previous_handled) /
                                                                              static_cast<double>(s.n))
                                                                      : ojson(nullptr)},
                          {"current_coverage", coverage},
                          {"deltas", deltas}};

  ojson groups = ojson::array();
  for (const auto& g : s.disagreements) {
    ojson ex = ojson::array();
    for (const auto& e : g.examples)
      ex.push_back({{"row", e.row},
                    {"id", id_of(c, e.row)},
                    {"text", c.texts.at(e.row)},
                    {"teacher_label", L.at(c.teacher_labels.at(e.row))},
                    {"handled", e.handled},
                    {"acceptor_score", e.score}});
    groups.push_back(
        {{"surrogate_label", L.at(g.predicted)}, {"n_handled", g.n_handled}, {"n_all", g.n_all}, {"examples", ex}});
  }
  j["disagreements"] = {{"available", s.predictions_available},
                        {"scope", kDisagreementScope},
                        {"n_handled", s.handled},
                        {"n_disagree_handled", s.disagree_handled},
                        {"n_predicted", s.predictions_available ? s.n : std::size_t{0}},
                        {"n_disagree_all", s.disagree_all},
                        {"groups", groups}};

  ojson col;
  col["available"] = s.collapse.has_value();
  col["top_label"] = s.collapse ? ojson(L.at(s.collapse->top_class)) : ojson(nullptr);
  col["top_count"] = s.collapse ? s.collapse->top_count : std::size_t{0};
  col["share"] = s.collapse ? ojson(s.collapse->share) : ojson(nullptr);
  col["teacher_share"] = s.collapse ? ojson(s.collapse->teacher_share) : ojson(nullptr);
  col["collapsed"] = s.collapse && s.collapse->collapsed;
  col["rule"] = fmt::format(
      "collapsed when the most predicted label takes at least {} of all test predictions and "
      "at least {} times the teacher's share of that label",
      num(opt.collapse_share), num(opt.collapse_ratio));
  col["diagnosis"] = collapse_diagnosis(s, c);
  j["collapse"] = col;
  return j;
}

std::string artifacts_markdown(const ArtifactSet& s, const ArtifactContext& c, const std::string& json_link,
                               const ArtifactOptions& opt) {
  const DayOutcome& o = c.outcome;
  const RoutingDecision& d = o.test_decision;
  const auto& L = c.label_names;
  const auto say = [&](std::size_t row) -> std::string {
    return s.predictions_available ? lab(L.at(d.prediction[row])) : "—";
  };
  std::ostringstream md;
  md << "### " << md_cell(c.encoder) << " / " << md_cell(c.teacher) << " / " << c.pool_size << " traces / gate `"
     << gate_mode_name(o.mode) << "`, day " << o.day << ", alpha " << num(o.alpha) << "\n\n";
  if (o.deployed)
    md << family_name(o.family) << " deployed (surrogate `" << md_cell(o.surrogate) << "`"
       << (o.family == Family::kL2D ? fmt::format(", acceptor threshold {}", ta3(o.threshold)) : std::string())
       << "): it handles " << s.handled << " of " << s.n << " test inputs ("
       << pct(s.n ? double(s.handled) / double(s.n) : 0.0) << ")"
       << (s.handled ? fmt::format(", teacher agreement {} on them", ta3(double(s.agree) / double(s.handled))) : "")
       << ".";
  else
    md << "Nothing deployed: all " << s.n << " test inputs go to the teacher (" << md_cell(o.gate_note) << ").";
  if (!json_link.empty()) md << " Every artifact, for every label: [`" << json_link << "`](" << json_link << ").";
  md << "\n\n";

  // (A)
  md << "#### Slices: where the surrogate handles traffic (A)\n\n";
  if (!s.label_slices.empty()) {
    const SliceSummary& lo = s.label_slices.front();
    const SliceSummary& hi = s.label_slices.back();
    md << "Handled rates per teacher label range from " << pct(lo.handled_rate) << " (" << lab(lo.name) << ") to "
       << pct(hi.handled_rate) << " (" << lab(hi.name) << ") over " << s.label_slices.size() << " labels. "
       << (s.label_slices.size() > kMarkdownRows ? fmt::format("The {} weakest", kMarkdownRows) : std::string("All"))
       << " (lowest handled rate, then lowest TA):\n\n";
    md << "| teacher label | test inputs | handled | deferred | TA on handled |\n|---|---|---|---|---|\n";
    for (std::size_t i = 0; i < s.label_slices.size() && i < kMarkdownRows; ++i) {
      const SliceSummary& sl = s.label_slices[i];
      md << "| " << lab(sl.name) << " | " << sl.n << " | " << pct(sl.handled_rate) << " | " << pct(sl.deferred_rate)
         << " | " << (sl.teacher_agreement ? ta3(*sl.teacher_agreement) : "—") << " |\n";
    }
    md << "\n";
  }
  md << "By input length (word-count terciles of the " << s.n << " test inputs: short <= " << s.bins.cut_short
     << " words, medium <= " << s.bins.cut_medium << ", long > " << s.bins.cut_medium << "; weakest first):\n\n";
  md << "| length | test inputs | handled | deferred | TA on handled |\n|---|---|---|---|---|\n";
  for (const auto& sl : s.length_slices)
    md << "| " << sl.name << " | " << sl.n << " | " << pct(sl.handled_rate) << " | " << pct(sl.deferred_rate) << " | "
       << (sl.teacher_agreement ? ta3(*sl.teacher_agreement) : "—") << " |\n";
  md << "\n";

  // The weakest labels, in (A)'s order, select the rows of (B) and (C).
  std::vector<std::size_t> shown;
  {
    std::map<std::string, std::size_t> index;
    for (std::size_t l = 0; l < L.size(); ++l) index.emplace(L[l], l);
    for (std::size_t i = 0; i < s.label_slices.size() && shown.size() < kMarkdownRows; ++i)
      shown.push_back(index.at(s.label_slices[i].name));
  }
  const std::string scope = s.label_slices.size() > shown.size()
                                ? fmt::format("the {} weakest labels of (A)", shown.size())
                                : std::string("every label, in (A)'s order");

  // (B)
  md << "#### Representative inputs (B)\n\nPer teacher label and routing group, the test input closest (Euclidean) "
        "to the group's embedding centroid; shown for "
     << scope << ".\n\n";
  md << "| teacher label | group | group size | acceptor score | surrogate says | input |\n|---|---|---|---|---|---|\n";
  for (std::size_t l : shown)
    for (const auto& k : s.cards)
      if (k.label == l)
        md << "| " << lab(L[l]) << " | " << (k.handled ? "handled" : "deferred") << " | " << k.group_size << " | "
           << ta3(k.score) << " | " << say(k.row) << " | " << preview(c.texts.at(k.row)) << " |\n";
  md << "\n";

  // (C)
  md << "#### Boundary pairs (C)\n\n";
  if (s.pairs.empty()) {
    md << md_cell(s.pairs_note) << ".\n\n";
  } else {
    md << "Same teacher label, opposite routing: for each deferred input, the highest-scored of its " << opt.boundary_k
       << " nearest handled inputs of the label; per label the pair with the largest score gap (" << s.pairs.size()
       << " labels have a pair); shown for " << scope << ".\n\n";
    md << "| teacher label | handled input | score | deferred input | score | distance |\n|---|---|---|---|---|---|\n";
    std::size_t rows = 0;
    for (std::size_t l : shown)
      for (const auto& p : s.pairs)
        if (p.label == l) {
          ++rows;
          md << "| " << lab(L[l]) << " | " << preview(c.texts.at(p.handled_row)) << " | " << ta3(p.handled_score)
             << " | " << preview(c.texts.at(p.deferred_row)) << " | " << ta3(p.deferred_score) << " | "
             << ta3(p.distance) << " |\n";
        }
    if (rows == 0) md << "| — | none of these labels has a pair (see the JSON) | | | | |\n";
    md << "\n";
  }

  // (D)
  md << "#### Change since the previous refit (D)\n\n";
  if (!s.has_previous) {
    md << "Day " << o.day << ": no previous refit.\n\n";
  } else {
    std::size_t up = 0, down = 0;
    for (const auto& t : s.deltas) {
      if (t.delta > 0) ++up;
      if (t.delta < 0) ++down;
    }
    md << "Against day " << o.day - 1 << "'s deployed policy (same gate and alpha), test coverage went from "
       << pct(s.n ? double(s.previous_handled) / double(s.n) : 0.0) << " to "
       << pct(s.n ? double(s.handled) / double(s.n) : 0.0) << "; the handled rate rose for " << up
       << " labels, fell for " << down << ", and did not change for " << s.deltas.size() - up - down << ".";
    std::vector<const TemporalDelta*> rows;
    const std::size_t half = kMarkdownRows / 2;
    for (std::size_t i = 0; i < s.deltas.size() && rows.size() < half; ++i)
      if (s.deltas[i].delta < 0) rows.push_back(&s.deltas[i]);
    const std::size_t drops = rows.size();
    for (std::size_t i = s.deltas.size(); i-- > 0 && rows.size() < drops + half;)
      if (s.deltas[i].delta > 0) rows.push_back(&s.deltas[i]);
    if (rows.empty()) {
      md << "\n\n";
    } else {
      md << " Largest drops, then largest gains:\n\n| teacher label | day " << o.day - 1 << " | day " << o.day
         << " | change |\n|---|---|---|---|\n";
      for (const TemporalDelta* t : rows)
        md << "| " << lab(L.at(t->label)) << " | " << pct(t->previous_rate) << " | " << pct(t->current_rate) << " | "
           << pct_pts(t->delta) << " |\n";
      md << "\n";
    }
  }

  // (E)
  md << "#### Disagreements (E)\n\n" << md_cell(collapse_diagnosis(s, c)) << "\n\n";
  if (s.predictions_available) {
    md << "The surrogate disagrees with the teacher on " << s.disagree_handled << " of the " << s.handled
       << " inputs it handles (the errors users see) and on " << s.disagree_all << " of all " << s.n
       << " test inputs. Grouped by the surrogate's answer, most handled errors first"
       << (s.disagreements.size() > kMarkdownRows
               ? fmt::format(" (top {} of {})", kMarkdownRows, s.disagreements.size())
               : std::string())
       << "; examples prefer handled inputs, most confident first:\n\n";
    if (!s.disagreements.empty()) {
      md << "| surrogate says | handled errors | all disagreements | examples (teacher label, acceptor score) |\n"
            "|---|---|---|---|\n";
      for (std::size_t i = 0; i < s.disagreements.size() && i < kMarkdownRows; ++i) {
        const DisagreementGroup& g = s.disagreements[i];
        std::string ex;
        for (const auto& e : g.examples)
          ex += (ex.empty() ? "" : "<br>") + preview(c.texts.at(e.row)) + " (" + lab(L.at(c.teacher_labels.at(e.row))) +
                ", " + ta3(e.score) + (e.handled ? "" : ", deferred") + ")";
        md << "| " << lab(L.at(g.predicted)) << " | " << g.n_handled << " | " << g.n_all << " | " << ex << " |\n";
      }
      md << "\n";
    }
  }
  return md.str();
}

ArtifactOutputs artifact_outputs(const ExperimentResults& r, ResultFiles& files) {
  const ProtocolSettings& p = r.info.protocol;
  // The report shows alpha 0.95 (the paper's artifact setting) or, when the
  // sweep lacks it, its highest alpha; at the last day; primary gate mode.
  const double shown_alpha = shown_artifact_alpha(p);
  const std::size_t last_day = p.days;
  const GateMode primary_mode = p.gate.modes.empty() ? GateMode::kPaper : p.gate.modes.front();

  ojson index;
  index["schema_version"] = kArtifactsSchemaVersion;
  index["experiment"] = r.info.name;
  index["split"] = "test";
  index["files"] = ojson::array();
  std::set<std::string> stems;
  std::vector<LabelRatePlot> rates;
  std::ostringstream sections;
  for (const OutcomeArtifacts& art : r.artifacts) {  // every outcome of every primary replay
    const RunResult& run = r.runs.at(art.run);
    const DayOutcome& o = run.replay.outcomes.at(art.outcome);
    const ArtifactSet& s = art.set;
    const TestView& t = *run.test;
    const std::string token = run_token(r.info, run);
    const ArtifactContext ctx{r.info.name, run.encoder, run.teacher,   run.seed_index, run.seed, run.pool_size,
                              o,           t.teacher,   t.label_names, t.texts,        t.ids};
    const std::string stem = artifact_stem(token, gate_mode_name(o.mode), o.day, o.alpha);
    if (!stems.insert(stem).second)
      throw ConfigError(fmt::format(
          "artifacts: two artifact sets map to the file name '{}.json' (encoder or teacher names that differ "
          "only in characters outside [A-Za-z0-9.-]); rename one",
          stem));
    const std::string file = stem + ".json";
    files["artifacts/" + file] = artifacts_to_json(s, ctx).dump(2) + "\n";
    index["files"].push_back({{"file", file},
                              {"encoder", run.encoder},
                              {"teacher", run.teacher},
                              {"pool_size", run.pool_size},
                              {"gate_mode", gate_mode_name(o.mode)},
                              {"day", o.day},
                              {"alpha", o.alpha},
                              {"deployed", o.deployed},
                              {"family", family_name(o.family)},
                              {"coverage", s.n ? static_cast<double>(s.handled) / static_cast<double>(s.n) : 0.0}});
    if (o.day != last_day || o.alpha != shown_alpha) continue;
    LabelRatePlot lr{token,
                     gate_mode_name(o.mode),
                     o.day,
                     o.alpha,
                     s.n ? static_cast<double>(s.handled) / static_cast<double>(s.n) : 0.0,
                     {}};
    for (const auto& sl : s.label_slices) lr.rates.emplace_back(sl.name, sl.handled_rate);
    rates.push_back(std::move(lr));
    if (o.mode == primary_mode) sections << artifacts_markdown(s, ctx, "artifacts/" + file);
  }
  files["artifacts/index.json"] = index.dump(2) + "\n";

  std::ostringstream md;
  md << "## Interpretability artifacts (test split)\n\n"
     << "Artifacts A-E of the paper's method section, computed on the held-out **test** split: the largest "
        "held-out traffic and the split every table above reports on, never used for "
        "training, model selection, calibration or the gate. Shown: day "
     << last_day << ", alpha " << num(shown_alpha) << ", gate `" << gate_mode_name(primary_mode)
     << "`, primary replay. `artifacts/` holds one JSON file per (encoder, teacher, pool size, gate mode, day, alpha) "
        "(listed in `artifacts/index.json`; schema in `docs/artifacts_schema.md`). Unlike the Python reference, "
        "which computes them in-sample over all traces, picks representatives by median text length and boundary "
        "pairs by middle row, scores deferred inputs 0.0 and never fills temporal deltas, every rule here is "
        "stated with its table.\n\n";
  const std::string paper = paper_artifacts_note(r.info.paper_reference);
  if (!paper.empty() && std::abs(shown_alpha - 0.95) < 1e-9) md << paper << "\n\n";
  md << sections.str();
  return {md.str(), std::move(rates)};
}

}  // namespace tracer

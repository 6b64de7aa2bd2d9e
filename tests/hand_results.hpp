#pragma once
// A hand-made experiment result (12 test rows, 2 labels, 2 days, alphas 0.9
// and 0.95) with hostile names and texts: pipes, newlines, HTML, backticks.
// Shared by the artifact-writer and result-writer tests.
#include <armadillo>
#include <memory>
#include <string>
#include <vector>

#include "io/artifacts_writer.hpp"
#include "protocol/analysis.hpp"
#include "protocol/results.hpp"

namespace tracer::testing_hand {

// The hand-made dataset of test_artifacts.cpp, with hostile names and texts.
struct Data {
  arma::mat X{{0, 0},   {2, 0},   {0, 2},   {1, 1},   {5, 0},   {1, 0},
              {10, 10}, {12, 10}, {10, 12}, {11, 11}, {20, 20}, {11, 10}};
  arma::uvec teacher{0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};
  std::vector<std::string> names{"alpha|one", "beta\ntwo"};
  std::vector<std::string> texts, ids;
  DayOutcome day1, day2;
  Data() {
    for (int i = 0; i < 12; ++i) {
      std::string t = i % 3 == 0 ? "pipe | inside" : i % 3 == 1 ? "new\nline here" : "back\\slash `tick` <b>";
      for (int w = 0; w < i; ++w) t += " w";
      texts.push_back(t);
      ids.push_back("id" + std::to_string(i));
    }
    for (DayOutcome* o : {&day1, &day2}) {
      o->mode = GateMode::kPaper;
      o->alpha = 0.95;
      o->deployed = true;
      o->family = Family::kL2D;
      o->surrogate = "logreg_c1";
      o->acceptor_score = "predicted_teacher_match";
      o->threshold = 0.5;
      o->gate_note = "l2d deployed";
      o->test_decision.prediction = {0, 0, 1, 0, 1, 0, 1, 1, 1, 0, 1, 1};
      o->test_decision.score = {0.90, 0.80, 0.95, 0.30, 0.10, 0.40, 0.85, 0.70, 0.99, 0.60, 0.75, 0.65};
    }
    day1.day = 1;
    day1.test_decision.handled = {1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0, 0};
    day2.day = 2;
    day2.test_decision.handled = {1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1, 1};
    for (DayOutcome* o : {&day1, &day2}) {
      const RoutingStats s = routing_stats(o->test_decision, teacher);
      o->test = {s.n, s.handled, s.agree_handled, s.coverage(), s.teacher_agreement()};
    }
  }
  ArtifactSet set2() const {
    return compute_artifacts(ArtifactInput{X, teacher, names, texts, day2.test_decision, true, &day1.test_decision});
  }
  ArtifactContext ctx(const DayOutcome& o) const {
    return {"hand", "enc", "teach", 0, 42, 200, o, teacher, names, texts, ids};
  }

  /// A whole experiment result: 2 days x alphas {0.9, 0.95}, one paper-mode run.
  ExperimentResults experiment() const {
    ExperimentResults r;
    r.info.name = "hand";
    r.info.protocol.days = 2;
    r.info.protocol.alphas = {0.9, 0.95};
    r.info.protocol.gate.modes = {GateMode::kPaper};
    r.info.labels = names;
    RunResult run;
    run.encoder = "enc";
    run.teacher = "teach";
    run.seed = 42;
    run.pool_size = 200;
    run.n_classes = 2;
    auto view = std::make_shared<TestView>();
    view->ids = ids;
    view->texts = texts;
    view->teacher = teacher;
    view->truth = teacher;
    view->label_names = names;
    view->X = X;
    run.test = view;
    run.replay.day_sizes = {100, 200};
    for (const DayOutcome* base : {&day1, &day2})
      for (double a : {0.9, 0.95}) {
        DayOutcome o = *base;
        o.alpha = a;
        if (a == 0.9 && o.day == 1) {  // a refused policy: the replay's all-zero placeholder
          o.deployed = false;
          o.family = Family::kNone;
          o.gate_note = "l2d refused by the parity gate: shadow TA 0.8000 < alpha 0.9";
          o.test_decision.prediction.zeros(12);
          o.test_decision.score.zeros(12);
          o.test_decision.handled.zeros(12);
          o.test = {12, 0, 0, 0.0, 0.0};
        }
        run.replay.outcomes.push_back(o);
      }
    for (double a : {0.9, 0.95}) {
      BaselineOutcome b;
      b.alpha = a;
      b.found = true;
      b.test = {12, 10, 9, 10.0 / 12.0, 0.9};
      run.replay.baseline.push_back(b);
    }
    r.runs.push_back(run);
    analyse_experiment(r);
    return r;
  }
};

}  // namespace tracer::testing_hand

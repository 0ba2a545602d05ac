// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/tune/search.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <vector>

#include "agentscale/hpa/spec.h"
#include "agentscale/sim/agent_model.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::tune {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

// Runs a search to its end with `f` as the evaluation.
template <typename F>
void RunSearch(PatternSearch& s, F f) {
  while (!s.done()) {
    std::vector<Evaluation> out;
    for (const std::vector<double>& x : s.Ask()) out.push_back(f(x));
    ASSERT_THAT(s.Tell(out), IsOk());
  }
}

// cost x + 3y on integers, feasible iff x >= 7 and y >= 4; the violation
// is the distance to that corner.
Evaluation Corner(const std::vector<double>& x) {
  Evaluation e;
  e.violation = std::max(0.0, 7 - x[0]) + std::max(0.0, 4 - x[1]);
  e.feasible = e.violation == 0;
  e.cost = x[0] + 3 * x[1];
  return e;
}

std::vector<Parameter> Grid() {
  return {{"x", 0, 50, true, 16, 1}, {"y", 0, 50, true, 16, 1}};
}

TEST(PatternSearch, FindsAKnownIntegerOptimumFromEitherSide) {
  for (std::vector<double> start : {std::vector<double>{40, 20}, {0, 0}, {50, 50}}) {
    ASSERT_OK_AND_ASSIGN(PatternSearch s, PatternSearch::Create(Grid(), start));
    RunSearch(s, Corner);
    EXPECT_EQ(s.best_point(), (std::vector<double>{7, 4})) << start[0];
    EXPECT_TRUE(s.best().feasible);
    EXPECT_EQ(s.best().cost, 19);
    EXPECT_EQ(s.stop_reason(), "steps at their minimum");
    // No point is evaluated twice.
    std::set<std::vector<double>> points;
    for (const PatternSearch::Record& r : s.history()) {
      EXPECT_TRUE(points.insert(r.point).second);
    }
  }
}

TEST(PatternSearch, SeveralStartsGoOnFromTheBest) {
  ASSERT_OK_AND_ASSIGN(
      PatternSearch s,
      PatternSearch::CreateFromStarts(Grid(), {{0, 0}, {9, 5}, {0, 0}}, PatternSearch::Options{}));
  EXPECT_EQ(s.Ask(), (std::vector<std::vector<double>>{{0, 0}, {9, 5}}));  // once each
  std::vector<Evaluation> first;
  for (const std::vector<double>& x : s.Ask()) first.push_back(Corner(x));
  ASSERT_THAT(s.Tell(first), IsOk());
  EXPECT_EQ(s.best_point(), (std::vector<double>{9, 5}));  // feasible beats infeasible
  RunSearch(s, Corner);
  EXPECT_EQ(s.best_point(), (std::vector<double>{7, 4}));
  EXPECT_THAT(PatternSearch::CreateFromStarts(Grid(), {{0, 0}, {1}}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("start 2 has 1 values")));
}

TEST(PatternSearch, ConvergesOnARealBoundary) {
  // cost = x, feasible iff x >= 17.3: the search ends within its smallest
  // step above the boundary.
  ASSERT_OK_AND_ASSIGN(PatternSearch s,
                       PatternSearch::Create({{"x", 0, 100, false, 16, 0.01}}, {50}));
  RunSearch(s, [](const std::vector<double>& x) {
    Evaluation e;
    e.feasible = x[0] >= 17.3;
    e.violation = std::max(0.0, 17.3 - x[0]);
    e.cost = x[0];
    return e;
  });
  EXPECT_GE(s.best_point()[0], 17.3);
  EXPECT_LT(s.best_point()[0], 17.3 + 0.02);
}

TEST(PatternSearch, DeterministicBoundedAndAskIsStable) {
  ASSERT_OK_AND_ASSIGN(PatternSearch a, PatternSearch::Create(Grid(), {40, 20}));
  ASSERT_OK_AND_ASSIGN(PatternSearch b, PatternSearch::Create(Grid(), {40, 20}));
  EXPECT_EQ(a.Ask(), a.Ask());  // the same batch until a Tell
  EXPECT_THAT(a.Tell({}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 points")));
  RunSearch(a, Corner);
  RunSearch(b, Corner);
  ASSERT_EQ(a.history().size(), b.history().size());
  for (size_t i = 0; i < a.history().size(); ++i) {
    EXPECT_EQ(a.history()[i].point, b.history()[i].point);
  }
  // A budget: never more evaluations than it allows.
  PatternSearch::Options few;
  few.max_evaluations = 5;
  ASSERT_OK_AND_ASSIGN(PatternSearch c, PatternSearch::Create(Grid(), {40, 20}, few));
  RunSearch(c, Corner);
  EXPECT_EQ(c.evaluations(), 5);
  EXPECT_EQ(c.stop_reason(), "max_evaluations");
  EXPECT_TRUE(c.Ask().empty());
  // Points stay inside the bounds and on the integers.
  for (const PatternSearch::Record& r : a.history()) {
    for (double v : r.point) {
      EXPECT_EQ(v, std::round(v));
      EXPECT_GE(v, 0);
      EXPECT_LE(v, 50);
    }
  }
  EXPECT_EQ(a.Snap({-3, 70.6}), (std::vector<double>{0, 50}));
}

TEST(PatternSearch, BadSetUpIsRefused) {
  EXPECT_THAT(PatternSearch::Create({}, {}).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(PatternSearch::Create(Grid(), {1}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 values for 2")));
  EXPECT_THAT(PatternSearch::Create({{"x", 5, 1, false, 1, 1}}, {3}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lower <= upper")));
  EXPECT_THAT(PatternSearch::Create({{"x", 0, 1, false, 1, 0}}, {0}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("min_step")));
  EXPECT_THAT(PatternSearch::Create({{"x", 0, 1, false, 1, 1}, {"x", 0, 1, false, 1, 1}}, {0, 0})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("distinct")));
  EXPECT_THAT(PatternSearch::Create({{"x", 0.2, 0.8, true, 1, 1}}, {0.5}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no integer")));
}

TEST(Better, FeasibleThenCostElseViolation) {
  Evaluation cheap{true, 5, 0, ""}, dear{true, 9, 0, ""}, near{false, 1, 0.1, ""},
      far{false, 1, 2, ""};
  EXPECT_TRUE(Better(cheap, dear));
  EXPECT_TRUE(Better(dear, near));
  EXPECT_TRUE(Better(near, far));
  EXPECT_FALSE(Better(cheap, cheap));
}

sim::Trace Steady(int minutes, double per_minute) {
  sim::Trace t;
  t.name = "steady";
  for (int i = 0; i < minutes; ++i) {
    t.time_seconds.push_back(60.0 * i);
    t.values.push_back(per_minute);
  }
  return t;
}

hpa::AutoscalerSpec TaskHpa(double target) {
  hpa::AutoscalerSpec spec;
  spec.scale_target_ref = {"apps/v1", "Deployment", "agents"};
  spec.min_replicas = 1;
  spec.max_replicas = 50;
  spec.metrics.push_back(
      hpa::MetricSpec::PodsAverageValue(sim::kTaskMetric, static_cast<int64_t>(target * 1000)));
  return spec;
}

TuneOptions SteadyOptions() {
  TuneOptions o;
  o.traces = {Steady(360, 120)};  // 6 h of 600 erlangs at 300 s
  o.model.arrivals = sim::ArrivalShape::kPoisson;
  o.model.service_seconds = 300;
  o.model.slots = 100;
  o.model.seed = 3;
  o.max_evaluations = 60;
  o.threads = 2;
  return o;
}

// A case whose answer is known: 600 busy slots on agents of 100 need 7
// agents (6 saturate), so the cheapest target runs 7, and the base's
// target of 50 (12 agents) costs more.
TEST(TuneHpa, FindsTheKnownCheapestFleetOnASteadyLoad) {
  TuneOptions o = SteadyOptions();
  o.search_min_replicas = false;
  o.search_scale_down_window = false;
  int64_t calls = 0;
  auto progress = [&](int64_t done, int64_t most) {
    ++calls;
    EXPECT_LE(done, most);
  };
  ASSERT_OK_AND_ASSIGN(TuneResult r, TuneHpa(TaskHpa(50), o, progress));
  EXPECT_GT(calls, 0);
  ASSERT_TRUE(r.found) << r.why_none;
  // The target puts 600 busy slots on 7 agents (ceil(600 / target) = 7),
  // and the run averages about 7 (the first minutes climb from one).
  const double target = *r.best.spec.metrics[0].target.average_value_milli / 1000.0;
  EXPECT_EQ(std::ceil(600 / target), 7) << target;
  const double agents = r.best.cost[0] / 6.0;  // 6 h at 1 per agent-hour
  EXPECT_GT(agents, 6.8);
  EXPECT_LT(agents, 7.6);
  EXPECT_LE(r.best.share_over[0], o.slo.share_over);
  EXPECT_TRUE(r.baseline.evaluation.feasible);
  EXPECT_GT(r.baseline.evaluation.cost, r.best.evaluation.cost * 1.5);
  EXPECT_EQ(r.parameter_names, (std::vector<std::string>{"target"}));
  // The Pareto front starts at the best and runs to lower waits at more cost.
  ASSERT_FALSE(r.pareto.empty());
  EXPECT_EQ(r.history[r.pareto.front()].evaluation.cost, r.best.evaluation.cost);
  for (size_t k = 1; k < r.pareto.size(); ++k) {
    EXPECT_GE(r.history[r.pareto[k]].evaluation.cost, r.history[r.pareto[k - 1]].evaluation.cost);
  }
  // Every infeasible candidate says why.
  for (const PatternSearch::Record& rec : r.history) {
    if (!rec.evaluation.feasible) EXPECT_THAT(rec.evaluation.why, HasSubstr("wait over 60 s"));
  }
}

// With the three parameters and two threads the answer is the same fleet
// and the run is the same as with one thread.
TEST(TuneHpa, ThreadsDoNotChangeTheResult) {
  TuneOptions o = SteadyOptions();
  o.max_evaluations = 40;
  ASSERT_OK_AND_ASSIGN(TuneResult two, TuneHpa(TaskHpa(50), o));
  o.threads = 1;
  ASSERT_OK_AND_ASSIGN(TuneResult one, TuneHpa(TaskHpa(50), o));
  ASSERT_EQ(one.history.size(), two.history.size());
  for (size_t i = 0; i < one.history.size(); ++i) {
    EXPECT_EQ(one.history[i].point, two.history[i].point);
    EXPECT_EQ(one.history[i].evaluation.cost, two.history[i].evaluation.cost);
  }
  EXPECT_EQ(one.best.spec, two.best.spec);
  EXPECT_EQ(two.parameter_names.size(), 3u);
}

// The tuner driven by hand, one candidate at a time, gives TuneHpa's run.
TEST(TuneHpa, StepByStepIsTheSameRun) {
  TuneOptions o = SteadyOptions();
  o.max_evaluations = 25;
  ASSERT_OK_AND_ASSIGN(TuneResult whole, TuneHpa(TaskHpa(50), o));
  ASSERT_OK_AND_ASSIGN(HpaTuner tuner, HpaTuner::Create(TaskHpa(50), o));
  EXPECT_EQ(tuner.Ask(), tuner.Ask());
  while (!tuner.done()) {
    std::vector<TunedConfig> results;
    for (const hpa::AutoscalerSpec& spec : tuner.Ask()) {
      results.push_back(EvaluateHpa(spec, tuner.options()));
    }
    ASSERT_THAT(tuner.Tell(std::move(results)), IsOk());
  }
  const TuneResult r = tuner.Finish();
  ASSERT_EQ(r.history.size(), whole.history.size());
  EXPECT_EQ(r.best.spec, whole.best.spec);
  EXPECT_EQ(r.pareto, whole.pareto);
  EXPECT_EQ(r.stop_reason, "max_evaluations");
  // The start is the queueing guess: its target, the base's minimum and
  // the default 300 s scale-down window.
  EXPECT_EQ(*r.start.metrics[0].target.average_value_milli,
            static_cast<int64_t>(std::llround(r.guess.target_per_agent * 1000)));
  EXPECT_EQ(r.start.min_replicas, 1);
  EXPECT_EQ(r.start.behavior->scale_down.stabilization_window, absl::Seconds(300));
  // The base as given is the second start, so the result is never worse
  // than it.
  EXPECT_EQ(r.history[1].point, (std::vector<double>{50, 1, 300}));
  EXPECT_FALSE(Better(r.baseline.evaluation, r.best.evaluation));
}

TEST(TuneHpa, SaysWhyNoneMeetsAnImpossibleSlo) {
  TuneOptions o = SteadyOptions();
  o.model.startup_delay = absl::Minutes(30);
  o.model.initial_replicas = 1;
  o.slo = WaitSlo::ShareOver(0, 0.0001);  // almost no task may wait at all
  o.search_min_replicas = false;
  o.search_scale_down_window = false;
  o.max_evaluations = 12;
  ASSERT_OK_AND_ASSIGN(TuneResult r, TuneHpa(TaskHpa(50), o));
  EXPECT_FALSE(r.found);
  EXPECT_THAT(r.why_none, HasSubstr("no candidate of 12 met wait > 0 s for <= 0.01% of tasks"));
  EXPECT_THAT(r.why_none, HasSubstr("steady:"));
}

// Tasks a full queue drops count as waiting too long: shedding load does
// not meet a wait SLO.
TEST(TuneHpa, LostTasksDoNotMeetTheSlo) {
  TuneOptions o = SteadyOptions();
  o.model.queue_capacity = 0;  // every task that finds no free slot is lost
  const TunedConfig c = EvaluateHpa(TaskHpa(50), o);
  EXPECT_FALSE(c.evaluation.feasible);
  EXPECT_THAT(c.evaluation.why, HasSubstr("lost to a full queue"));
  EXPECT_GT(c.share_over[0], 0.0);
}

// A base outside the searched bounds (here a target above max_target) is
// weighed as it is at the end, so the result is never worse than it.
TEST(TuneHpa, ABaseOutsideTheBoundsCanWin) {
  TuneOptions o = SteadyOptions();
  o.traces = {Steady(120, 10)};  // 50 erlangs: one agent of 100 slots
  o.max_target = 40;             // every candidate needs two
  o.search_min_replicas = false;
  o.search_scale_down_window = false;
  o.max_evaluations = 10;
  ASSERT_OK_AND_ASSIGN(TuneResult r, TuneHpa(TaskHpa(80), o));
  ASSERT_TRUE(r.found);
  EXPECT_EQ(r.best.spec, TaskHpa(80));
  EXPECT_EQ(r.best.evaluation.cost, r.baseline.evaluation.cost);
  for (const PatternSearch::Record& rec : r.history) {
    EXPECT_LE(rec.point[0], 40);
    EXPECT_GT(rec.evaluation.cost, r.best.evaluation.cost);
  }
}

TEST(TuneHpa, RefusesWhatItCannotSearch) {
  TuneOptions o = SteadyOptions();
  hpa::AutoscalerSpec cpu = TaskHpa(50);
  cpu.metrics[0] = hpa::MetricSpec::ResourceUtilization("cpu", 70);
  EXPECT_THAT(TuneHpa(cpu, o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("AverageValue")));
  TuneOptions negative = o;
  negative.saturation_margin = -0.5;
  EXPECT_THAT(TuneHpa(TaskHpa(50), negative).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("saturation_margin")));
  o.traces.clear();
  EXPECT_THAT(TuneHpa(TaskHpa(50), o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("needs a trace")));
}

}  // namespace
}  // namespace agentscale::tune

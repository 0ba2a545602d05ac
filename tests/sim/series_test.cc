// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// EvaluateSeries(): every column equals what a hand-written loop of
// Evaluate()/Commit() on freshly built observations gives, the engine ends
// in the same state, and bad input fails with the field or the step named.

#include "agentscale/sim/series.h"

#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/policy/decision.h"
#include "agentscale/observation.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::StartsWith;

constexpr double kSeriesT0 = 1'767'258'000.0;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
const char kTasks[] = "app_active_task_count";
const char kRequests[] = "app_active_request_count";

hpa::AutoscalerSpec SeriesProduction() { return config::Preset("production").value(); }

std::vector<double> Times(int steps, double period = 15.0) {
  std::vector<double> t(steps);
  for (int i = 0; i < steps; ++i) t[i] = kSeriesT0 + period * i;
  return t;
}

// The fleet's total tasks: a day-long swing of 50..650 with a faster ripple
// (bench/python/bench_python.py's load), so the fleet scales both ways.
std::vector<double> Diurnal(int steps, double scale = 1.0) {
  std::vector<double> load(steps);
  for (int i = 0; i < steps; ++i) {
    const double x = i / (4.0 * 60 * 24);
    load[i] = scale * (350 + 300 * std::sin(2 * M_PI * x) +
                       50 * std::sin(2 * M_PI * 37 * x));
  }
  return load;
}

// A case owns the columns the SeriesInput's spans point into.
struct Column {
  std::string name;
  SeriesLayout layout = SeriesLayout::kEveryPod;
  std::vector<double> values;
  int32_t columns = 0;
};

struct SeriesCase {
  std::string name;
  hpa::AutoscalerSpec spec = SeriesProduction();
  std::vector<double> times;
  std::vector<Column> metrics;
  std::optional<std::vector<int32_t>> replicas;
  std::optional<int32_t> initial_replicas;
  bool commit = true;
  std::string pod_prefix = "agent-";
  // What the case must exercise, so that agreement is not trivial.
  bool expect_scale_up = false;
  bool expect_scale_down = false;
  bool expect_error_decisions = false;

  friend void PrintTo(const SeriesCase& c, std::ostream* os) { *os << c.name; }

  SeriesInput Input() const {
    SeriesInput in;
    in.unix_seconds = times;
    for (const Column& c : metrics) {
      in.metrics.push_back({c.name, c.layout, c.values, c.columns});
    }
    if (replicas.has_value()) in.replicas = absl::MakeConstSpan(*replicas);
    in.initial_replicas = initial_replicas;
    in.commit = commit;
    in.pod_prefix = pod_prefix;
    return in;
  }
};

// The loop a caller would write: a new Observation per step, pods and
// samples added one by one, Evaluate() returning a new Decision.
struct Reference {
  std::vector<Decision> decisions;
  absl::Status error;
};

Reference RunByHand(HorizontalAutoscaler& hpa, const SeriesCase& c) {
  Reference ref;
  int32_t replicas = c.initial_replicas.value_or(c.spec.min_replicas);
  for (size_t t = 0; t < c.times.size(); ++t) {
    const absl::Time now = absl::FromUnixMicros(std::llround(c.times[t] * 1e6));
    if (c.replicas.has_value()) replicas = (*c.replicas)[t];
    Observation obs;
    obs.current_replicas = replicas;
    for (int32_t i = 0; i < replicas; ++i) {
      obs.pods.push_back(hpa::Pod::Ready(absl::StrCat(c.pod_prefix, i)));
    }
    for (const Column& col : c.metrics) {
      MetricObservation& mo = obs.AddMetric(col.name);
      for (int32_t i = 0; i < replicas; ++i) {
        double v = col.values.empty() ? kNaN : col.values[t];
        if (col.layout == SeriesLayout::kFleetTotal) v /= replicas;
        if (col.layout == SeriesLayout::kPerPod) {
          v = i < col.columns ? col.values[t * col.columns + i] : kNaN;
        }
        if (!std::isnan(v)) mo.AddPodValue(absl::StrCat(c.pod_prefix, i), v, now);
      }
    }
    absl::StatusOr<Decision> d = hpa.Evaluate(now, obs);
    if (!d.ok()) {
      ref.error = d.status();
      return ref;
    }
    // The columns show the decision as Evaluate() made it: Commit() then
    // changes its conditions (AbleToScale=True/SucceededRescale).
    ref.decisions.push_back(*d);
    if (d->rescale && c.commit) {
      absl::Status st = hpa.Commit(*d);
      if (!st.ok()) {
        ref.error = st;
        return ref;
      }
      if (!c.replicas.has_value()) replicas = d->desired_replicas;
    }
  }
  return ref;
}

uint8_t ReasonOf(const Decision& d, hpa::ConditionType type) {
  const hpa::Condition* c = d.FindCondition(type);
  return static_cast<uint8_t>(c != nullptr ? c->reason : hpa::Reason::kNone);
}

std::vector<SeriesCase> Cases() {
  std::vector<SeriesCase> cases;
  {
    // Python's default use: fleet totals, the fleet follows the decisions.
    SeriesCase c;
    c.name = "FleetTotalsFollowDecisions";
    c.times = Times(2000);
    c.metrics = {{kTasks, SeriesLayout::kFleetTotal, Diurnal(2000)},
                 {kRequests, SeriesLayout::kFleetTotal, Diurnal(2000, 0.6)}};
    c.expect_scale_up = c.expect_scale_down = true;
    cases.push_back(c);
  }
  {
    // Every pod reports the same value; the count is given per step (it
    // ignores the decisions), decisions are not committed.
    SeriesCase c;
    c.name = "EveryPodGivenReplicasNoCommit";
    c.times = Times(300);
    std::vector<double> tasks(300), requests(300, 20.0);
    std::vector<int32_t> replicas(300);
    for (int t = 0; t < 300; ++t) {
      tasks[t] = 40.0 + 60.0 * ((t / 25) % 3);  // 40, 100, 160 per pod
      replicas[t] = 2 + (t / 40) % 5;
    }
    c.metrics = {{kTasks, SeriesLayout::kEveryPod, tasks},
                 {kRequests, SeriesLayout::kEveryPod, requests}};
    c.replicas = replicas;
    c.commit = false;
    c.expect_scale_up = c.expect_scale_down = true;
    cases.push_back(c);
  }
  {
    // Pod i reports column i; NaN holes and pods beyond the columns are
    // missing pods (Kubernetes' missing-pod rules), not errors.
    SeriesCase c;
    c.name = "PerPodMatrixWithMissingPods";
    const int steps = 400, cols = 6;
    c.times = Times(steps);
    std::vector<double> tasks(steps * cols);
    for (int t = 0; t < steps; ++t) {
      for (int i = 0; i < cols; ++i) {
        const double swing = std::sin(t / 30.0);
        tasks[t * cols + i] = 5.0 + 5.0 * i + 150.0 * swing * swing;
        if ((t + i) % 11 == 0) tasks[t * cols + i] = kNaN;
      }
    }
    c.metrics = {{kTasks, SeriesLayout::kPerPod, tasks, cols},
                 {kRequests, SeriesLayout::kFleetTotal, Diurnal(steps, 0.3)}};
    c.initial_replicas = 4;
    c.expect_scale_up = c.expect_scale_down = true;
    cases.push_back(c);
  }
  {
    // Negative and infinite values make the metric invalid at that step:
    // the decision carries an error and the engine holds on that metric.
    SeriesCase c;
    c.name = "InvalidValuesFailTheMetric";
    const int steps = 200;
    c.times = Times(steps);
    std::vector<double> tasks = Diurnal(steps, 1.5);
    for (int t = 10; t < steps; t += 17) tasks[t] = -5.0;
    for (int t = 20; t < steps; t += 23) tasks[t] = std::numeric_limits<double>::infinity();
    c.metrics = {{kTasks, SeriesLayout::kFleetTotal, tasks},
                 {kRequests, SeriesLayout::kEveryPod, std::vector<double>(steps, 30.0)}};
    c.expect_scale_up = c.expect_error_decisions = true;
    cases.push_back(c);
  }
  {
    // A spec metric without a column fails at every step (no observation),
    // while the other one still scales the fleet up.
    SeriesCase c;
    c.name = "SpecMetricWithoutColumn";
    c.times = Times(200);
    c.metrics = {{kTasks, SeriesLayout::kFleetTotal, Diurnal(200, 1.5)}};
    c.pod_prefix = "worker/";
    c.expect_scale_up = c.expect_error_decisions = true;
    cases.push_back(c);
  }
  {
    // Without commit and without given replicas the count never moves;
    // uneven step lengths and fractional times.
    SeriesCase c;
    c.name = "NoCommitKeepsTheCount";
    c.times = Times(120, 7.25);
    for (size_t t = 0; t < c.times.size(); t += 3) c.times[t] += 0.5;
    c.metrics = {{kTasks, SeriesLayout::kFleetTotal, Diurnal(120, 2.0)},
                 {kRequests, SeriesLayout::kFleetTotal, Diurnal(120, 1.0)}};
    c.initial_replicas = 3;
    c.commit = false;
    c.expect_scale_up = true;
    cases.push_back(c);
  }
  {
    // A count above maxReplicas at the start goes straight to max, and
    // zero replicas (scaling disabled) runs no pods.
    SeriesCase c;
    c.name = "AboveMaxAndZeroReplicas";
    c.times = Times(60);
    std::vector<int32_t> replicas(60, 12);
    for (int t = 30; t < 40; ++t) replicas[t] = 0;
    c.replicas = replicas;
    c.metrics = {{kTasks, SeriesLayout::kFleetTotal, Diurnal(60)},
                 {kRequests, SeriesLayout::kFleetTotal, Diurnal(60, 0.6)}};
    c.expect_scale_down = true;
    cases.push_back(c);
  }
  return cases;
}

class SeriesEqualsHandLoop : public ::testing::TestWithParam<SeriesCase> {};

TEST_P(SeriesEqualsHandLoop, EveryColumnAndTheFinalState) {
  const SeriesCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler by_hand,
                       HorizontalAutoscaler::Create(c.spec));
  const Reference ref = RunByHand(by_hand, c);
  ASSERT_OK(ref.error);
  ASSERT_EQ(ref.decisions.size(), c.times.size());

  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(c.spec));
  ASSERT_OK_AND_ASSIGN(SeriesResult r, EvaluateSeries(hpa, c.Input()));
  const size_t steps = c.times.size(), m = c.spec.metrics.size();
  ASSERT_EQ(r.steps(), steps);
  for (auto* col : {&r.current_replicas, &r.desired_replicas, &r.status_desired_replicas,
                    &r.metric_replicas, &r.stabilized_replicas, &r.winning_metric}) {
    ASSERT_EQ(col->size(), steps);
  }
  for (auto* col : {&r.rescale, &r.path, &r.limit_reason, &r.able_to_scale_reason,
                    &r.scaling_active_reason, &r.has_error}) {
    ASSERT_EQ(col->size(), steps);
  }
  ASSERT_EQ(r.metric_value_milli.size(), steps * m);
  ASSERT_EQ(r.metric_proposals.size(), steps * m);
  ASSERT_EQ(r.metric_valid.size(), steps * m);
  std::vector<std::string> names;
  for (const hpa::MetricSpec& s : c.spec.metrics) names.push_back(s.name);
  EXPECT_EQ(r.metric_names, names);

  bool up = false, down = false, errors = false;
  for (size_t t = 0; t < steps; ++t) {
    SCOPED_TRACE(absl::StrCat("step ", t));
    const Decision& d = ref.decisions[t];
    EXPECT_EQ(r.unix_seconds[t], c.times[t]);
    EXPECT_EQ(r.current_replicas[t], d.current_replicas);
    EXPECT_EQ(r.desired_replicas[t], d.desired_replicas);
    EXPECT_EQ(r.rescale[t], d.rescale ? 1 : 0);
    EXPECT_EQ(r.status_desired_replicas[t], d.status_desired_replicas);
    EXPECT_EQ(r.metric_replicas[t], d.metric_replicas);
    EXPECT_EQ(r.stabilized_replicas[t], d.stabilized_replicas);
    EXPECT_EQ(r.winning_metric[t], d.winning_metric);
    EXPECT_EQ(r.path[t], static_cast<uint8_t>(d.path));
    EXPECT_EQ(r.limit_reason[t], static_cast<uint8_t>(d.limit_reason));
    EXPECT_EQ(r.able_to_scale_reason[t], ReasonOf(d, hpa::ConditionType::kAbleToScale));
    EXPECT_EQ(r.scaling_active_reason[t], ReasonOf(d, hpa::ConditionType::kScalingActive));
    EXPECT_EQ(r.has_error[t], d.error.ok() ? 0 : 1);
    for (size_t j = 0; j < m; ++j) {
      const MetricResult* mr = nullptr;
      for (const MetricResult& x : d.metrics) {
        if (x.spec_index == static_cast<int>(j)) mr = &x;
      }
      EXPECT_EQ(r.metric_value_milli[t * m + j], mr ? mr->value_milli : 0) << names[j];
      EXPECT_EQ(r.metric_proposals[t * m + j], mr ? mr->proposal : 0) << names[j];
      EXPECT_EQ(r.metric_valid[t * m + j], mr && mr->valid ? 1 : 0) << names[j];
    }
    up |= d.rescale && d.desired_replicas > d.current_replicas;
    down |= d.rescale && d.desired_replicas < d.current_replicas;
    errors |= !d.error.ok();
  }
  EXPECT_EQ(hpa.state(), by_hand.state());
  if (c.expect_scale_up) {
    EXPECT_TRUE(up) << "the case never scales up";
  }
  if (c.expect_scale_down) {
    EXPECT_TRUE(down) << "the case never scales down";
  }
  EXPECT_EQ(errors, c.expect_error_decisions);
}

INSTANTIATE_TEST_SUITE_P(Cases, SeriesEqualsHandLoop, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<SeriesCase>& i) {
                           return i.param.name;
                         });

TEST(EvaluateSeries, ReusedResultEqualsAFreshOne) {
  const std::vector<double> times = Times(500);
  const std::vector<double> load = Diurnal(500);
  // Above maxReplicas for 100 steps: no metric is computed there, so the
  // per-metric columns must read 0, not what `out` held before.
  std::vector<int32_t> replicas(500, 4);
  for (int t = 200; t < 300; ++t) replicas[t] = 12;
  SeriesInput in;
  in.unix_seconds = times;
  in.metrics.push_back({kTasks, SeriesLayout::kFleetTotal, load});
  in.replicas = absl::MakeConstSpan(replicas);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler a, HorizontalAutoscaler::Create(SeriesProduction()));
  ASSERT_OK_AND_ASSIGN(SeriesResult fresh, EvaluateSeries(a, in));
  ASSERT_EQ(fresh.path[250], static_cast<uint8_t>(DecisionPath::kAboveMax));
  ASSERT_EQ(fresh.metric_value_milli[250 * 2], 0);

  // `out` first holds a longer run with different values and more metrics.
  SeriesResult out;
  {
    const std::vector<double> long_times = Times(900);
    const std::vector<double> high = Diurnal(900, 1.7);
    SeriesInput other;
    other.unix_seconds = long_times;
    other.metrics.push_back({kTasks, SeriesLayout::kFleetTotal, high});
    other.metrics.push_back({kRequests, SeriesLayout::kFleetTotal, high});
    ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler b, HorizontalAutoscaler::Create(SeriesProduction()));
    ASSERT_OK(EvaluateSeries(b, other, &out));
    ASSERT_EQ(out.steps(), 900u);
  }
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler c, HorizontalAutoscaler::Create(SeriesProduction()));
  ASSERT_OK(EvaluateSeries(c, in, &out));
  EXPECT_EQ(out.unix_seconds, fresh.unix_seconds);
  EXPECT_EQ(out.desired_replicas, fresh.desired_replicas);
  EXPECT_EQ(out.current_replicas, fresh.current_replicas);
  EXPECT_EQ(out.path, fresh.path);
  EXPECT_EQ(out.metric_value_milli, fresh.metric_value_milli);
  EXPECT_EQ(out.metric_proposals, fresh.metric_proposals);
  EXPECT_EQ(out.metric_valid, fresh.metric_valid);
  EXPECT_EQ(out.metric_names, fresh.metric_names);
  EXPECT_EQ(c.state(), a.state());
}

TEST(EvaluateSeries, NoStepsIsEmpty) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(SeriesProduction()));
  SeriesInput in;
  ASSERT_OK_AND_ASSIGN(SeriesResult r, EvaluateSeries(hpa, in));
  EXPECT_EQ(r.steps(), 0u);
  EXPECT_TRUE(r.desired_replicas.empty());
  EXPECT_TRUE(r.metric_value_milli.empty());
  EXPECT_EQ(r.metric_names.size(), 2u);
  EXPECT_FALSE(hpa.state().last_evaluation.has_value());
}

// --- bad input -----------------------------------------------------------------

struct BadCase {
  std::string name;
  SeriesCase input;
  std::string message_prefix;  // the error must start with this
  // Steps that ran before the failure (0 for input rejected up front).
  int steps_run = 0;

  friend void PrintTo(const BadCase& b, std::ostream* os) { *os << b.name; }
};

std::vector<BadCase> BadCases() {
  std::vector<BadCase> cases;
  auto base = [](int steps) {
    SeriesCase c;
    c.times = Times(steps);
    c.metrics = {{kTasks, SeriesLayout::kFleetTotal, Diurnal(steps)},
                 {kRequests, SeriesLayout::kEveryPod, std::vector<double>(steps, 10.0)}};
    return c;
  };
  {
    BadCase b{"MetricTooShort", base(3),
              "metric 'app_active_request_count': 2 rows, but times has 3"};
    b.input.metrics[1].values.pop_back();
    cases.push_back(b);
  }
  {
    BadCase b{"MetricTooLong", base(3),
              "metric 'app_active_task_count': 4 rows, but times has 3"};
    b.input.metrics[0].values.push_back(1.0);
    cases.push_back(b);
  }
  {
    BadCase b{"PerPodRowsMismatch", base(3),
              "metric 'app_active_task_count': 2 rows, but times has 3"};
    b.input.metrics[0] = {kTasks, SeriesLayout::kPerPod, std::vector<double>(8, 50.0), 4};
    cases.push_back(b);
  }
  {
    BadCase b{"PerPodRaggedValues", base(3),
              "metric 'app_active_task_count': 11 values do not fill rows of 4 pods"};
    b.input.metrics[0] = {kTasks, SeriesLayout::kPerPod, std::vector<double>(11, 50.0), 4};
    cases.push_back(b);
  }
  {
    BadCase b{"PerPodNegativeColumns", base(3),
              "metric 'app_active_task_count': columns must not be negative, got -1"};
    b.input.metrics[0] = {kTasks, SeriesLayout::kPerPod, {}, -1};
    cases.push_back(b);
  }
  {
    BadCase b{"PerPodValuesWithoutColumns", base(3),
              "metric 'app_active_task_count': 3 values but 0 columns"};
    b.input.metrics[0].layout = SeriesLayout::kPerPod;
    cases.push_back(b);
  }
  {
    BadCase b{"MetricGivenTwice", base(3), "metric 'app_active_task_count' given twice"};
    b.input.metrics[1].name = kTasks;
    cases.push_back(b);
  }
  {
    BadCase b{"ReplicasLength", base(3), "replicas: 2 values, but times has 3"};
    b.input.replicas = std::vector<int32_t>{2, 3};
    cases.push_back(b);
  }
  {
    BadCase b{"NaNTime", base(5), "step 2: times must be finite", 2};
    b.input.times[2] = kNaN;
    cases.push_back(b);
  }
  {
    BadCase b{"InfiniteTime", base(5), "step 4: times must be finite", 4};
    b.input.times[4] = std::numeric_limits<double>::infinity();
    cases.push_back(b);
  }
  {
    BadCase b{"TimeGoesBackwards", base(5), "step 3: time went backwards", 3};
    b.input.times[3] = b.input.times[2] - 0.5;
    cases.push_back(b);
  }
  {
    BadCase b{"UnknownMetric", base(3), "step 0: observation for unknown metric \"nope\"", 0};
    b.input.metrics[1].name = "nope";
    cases.push_back(b);
  }
  {
    BadCase b{"NegativeReplicas", base(4),
              "step 1: current_replicas must not be negative, got -2", 1};
    b.input.replicas = std::vector<int32_t>{3, -2, 3, 3};
    cases.push_back(b);
  }
  return cases;
}

class SeriesBadInput : public ::testing::TestWithParam<BadCase> {};

TEST_P(SeriesBadInput, FailsNamingTheFieldOrStep) {
  const BadCase& b = GetParam();
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(SeriesProduction()));
  absl::StatusOr<SeriesResult> r = EvaluateSeries(hpa, b.input.Input());
  EXPECT_THAT(r.status(), StatusIs(absl::StatusCode::kInvalidArgument,
                                   StartsWith(b.message_prefix)));
  // The steps before the failing one ran (their evaluations are the
  // engine's state); input rejected up front ran none.
  if (b.steps_run == 0) {
    EXPECT_FALSE(hpa.state().last_evaluation.has_value());
  } else {
    ASSERT_TRUE(hpa.state().last_evaluation.has_value());
    EXPECT_EQ(*hpa.state().last_evaluation,
              absl::FromUnixMicros(std::llround(b.input.times[b.steps_run - 1] * 1e6)));
  }
}

INSTANTIATE_TEST_SUITE_P(Cases, SeriesBadInput, ::testing::ValuesIn(BadCases()),
                         [](const ::testing::TestParamInfo<BadCase>& i) {
                           return i.param.name;
                         });

TEST(EvaluateSeries, NaNMetricValuesAreMissingPodsNotErrors) {
  // Pod 3 never reports tasks (NaN): a missing pod, which Kubernetes leaves
  // out of the average (and counts at the target on a scale-down), not an
  // invalid metric. An invalid value (negative) fails the metric instead.
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(SeriesProduction()));
  const int steps = 10, cols = 4;
  const std::vector<double> times = Times(steps);
  std::vector<double> tasks(steps * cols, 60.0);
  for (int t = 0; t < steps; ++t) tasks[t * cols + 3] = kNaN;
  tasks[7 * cols + 1] = -1.0;
  const std::vector<double> requests(steps, 10.0);
  SeriesInput in;
  in.unix_seconds = times;
  in.metrics.push_back({kTasks, SeriesLayout::kPerPod, tasks, cols});
  in.metrics.push_back({kRequests, SeriesLayout::kEveryPod, requests});
  in.initial_replicas = 4;
  ASSERT_OK_AND_ASSIGN(SeriesResult r, EvaluateSeries(hpa, in));
  for (size_t t = 0; t < r.steps(); ++t) {
    SCOPED_TRACE(absl::StrCat("step ", t));
    EXPECT_EQ(r.current_replicas[t], 4);
    if (t == 7) {
      EXPECT_EQ(r.has_error[t], 1);
      EXPECT_EQ(r.metric_valid[t * 2], 0);
    } else {
      EXPECT_EQ(r.has_error[t], 0);
      EXPECT_EQ(r.metric_valid[t * 2], 1);
      EXPECT_EQ(r.metric_value_milli[t * 2], 60'000);  // the three that report
    }
  }
}

}  // namespace
}  // namespace agentscale

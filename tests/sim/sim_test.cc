// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The simulator: traces, the fluid replay against the engine driven by
// hand, the agent model's invariants and determinism, and the summary.

#include <algorithm>
#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/policy/combinators.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/summary.h"
#include "agentscale/sim/trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::sim {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;
using ::testing::AllOf;

hpa::AutoscalerSpec Production() { return config::Preset("production").value(); }

// ---------------------------------------------------------------------------
// Traces.

TEST(Trace, ParsesCommentsHeaderAndRows) {
  ASSERT_OK_AND_ASSIGN(Trace t, ParseTraceCsv("# source: test\n# licence: none\n"
                                              "timestamp_seconds,value\n0,5\n60,7.5\r\n\n120,0\n",
                                              "t.csv"));
  EXPECT_EQ(t.comments, (std::vector<std::string>{"source: test", "licence: none"}));
  EXPECT_EQ(t.time_seconds, (std::vector<double>{0, 60, 120}));
  EXPECT_EQ(t.values, (std::vector<double>{5, 7.5, 0}));
  EXPECT_EQ(t.ValueAt(59.9), 5);
  EXPECT_EQ(t.ValueAt(60), 7.5);
  EXPECT_EQ(t.ValueAt(-10), 5);
  EXPECT_EQ(t.MedianInterval(), 60);
  ASSERT_OK_AND_ASSIGN(Trace back, ParseTraceCsv(TraceToCsv(t)));
  EXPECT_EQ(back.values, t.values);
  EXPECT_EQ(back.comments, t.comments);
}

struct BadTraceCase {
  std::string name;
  std::string csv;
  std::string want;
};

class BadTraceTest : public ::testing::TestWithParam<BadTraceCase> {};

TEST_P(BadTraceTest, ErrorNamesFileAndLine) {
  EXPECT_THAT(ParseTraceCsv(GetParam().csv, "w.csv"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().want)));
}

INSTANTIATE_TEST_SUITE_P(
    Trace, BadTraceTest,
    ::testing::ValuesIn(std::vector<BadTraceCase>{
        {"NoHeader", "0,1\n", "w.csv:1: expected the header"},
        {"Empty", "# only comments\n", "no header"},
        {"NoRows", "timestamp_seconds,value\n", "no rows"},
        {"ThreeFields", "timestamp_seconds,value\n0,1,2\n", "w.csv:2: expected two"},
        {"NotANumber", "timestamp_seconds,value\n0,abc\n", "w.csv:2: value: not a finite"},
        {"NaN", "timestamp_seconds,value\n0,nan\n", "w.csv:2: value: not a finite"},
        {"Negative", "timestamp_seconds,value\n0,-1\n", "w.csv:2: value: must not be negative"},
        {"Backwards", "timestamp_seconds,value\n10,1\n5,1\n", "w.csv:3: timestamp_seconds: 5 is before"},
    }),
    [](const ::testing::TestParamInfo<BadTraceCase>& i) { return i.param.name; });

TEST(Trace, MissingFileIsNotFound) {
  EXPECT_THAT(LoadTraceCsv("/nonexistent/trace.csv"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("/nonexistent/trace.csv")));
}

TEST(Trace, TransformsAndGenerators) {
  Trace ramp = RampTrace(0, 100, absl::Minutes(10), absl::Minutes(1));
  ASSERT_EQ(ramp.size(), 11u);
  EXPECT_DOUBLE_EQ(ramp.values[5], 50);
  Trace scaled = ramp.Scaled(2).Shifted(absl::Seconds(30));
  EXPECT_DOUBLE_EQ(scaled.values[5], 100);
  EXPECT_DOUBLE_EQ(scaled.time_seconds[0], 30);
  Trace summed = ConstantTrace(1, absl::Minutes(9), absl::Minutes(1))
                     .Resampled(absl::Minutes(5), Trace::Resample::kSum);
  EXPECT_EQ(summed.values, (std::vector<double>{5, 5}));
  Trace step = StepTrace(1, 9, absl::Minutes(2), absl::Minutes(4), absl::Minutes(1));
  EXPECT_EQ(step.values, (std::vector<double>{1, 1, 9, 9, 9}));
  Trace diurnal = DiurnalTrace(10, 20, absl::Hours(24), absl::Hours(24), absl::Hours(1));
  for (double v : diurnal.values) EXPECT_GE(v, 0);
  Trace a = PoissonBurstTrace(10, 5, 2, absl::Minutes(10), absl::Hours(2), absl::Minutes(1), 7);
  Trace b = PoissonBurstTrace(10, 5, 2, absl::Minutes(10), absl::Hours(2), absl::Minutes(1), 7);
  EXPECT_EQ(a.values, b.values);
}

// ---------------------------------------------------------------------------
// Fluid replay.

// The replay must equal the engine driven step by step by hand with the
// documented semantics.
TEST(FluidReplay, EqualsTheEngineDrivenByHand) {
  Trace trace = DiurnalTrace(400, 350, absl::Hours(2), absl::Hours(3), absl::Minutes(1));
  const hpa::AutoscalerSpec spec = Production();
  ASSERT_OK_AND_ASSIGN(FluidResult r, FluidReplay(spec, {{"app_active_task_count", &trace}}));
  EXPECT_EQ(r.omitted_metrics, (std::vector<std::string>{"app_active_request_count"}));

  hpa::AutoscalerSpec only_tasks = spec;
  only_tasks.metrics.resize(1);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(only_tasks));
  int32_t replicas = spec.min_replicas;
  size_t k = 0;
  for (double t = trace.start(); t <= trace.end(); t += 15, ++k) {
    const double d = trace.ValueAt(t);
    Observation obs;
    obs.current_replicas = replicas;
    MetricObservation& m = obs.AddMetric("app_active_task_count");
    for (int32_t i = 0; i < replicas; ++i) {
      const std::string pod = absl::StrCat("p", i);
      obs.pods.push_back(hpa::Pod::Ready(pod));
      m.pod_samples.push_back(hpa::PodSample{
          pod, static_cast<int64_t>(std::ceil(d * 1000.0 / replicas)),
          absl::UnixEpoch() + absl::Seconds(t)});
    }
    ASSERT_OK_AND_ASSIGN(Decision dec, hpa.Evaluate(absl::UnixEpoch() + absl::Seconds(t), obs));
    if (dec.rescale) {
      ASSERT_THAT(hpa.Commit(dec), IsOk());
      replicas = dec.desired_replicas;
    }
    ASSERT_LT(k, r.replicas.size());
    EXPECT_EQ(r.replicas[k], replicas) << "sync " << k;
    EXPECT_EQ(r.time_seconds[k], t);
    EXPECT_EQ(r.demand[k], d);
  }
  EXPECT_EQ(k, r.replicas.size());
  EXPECT_GT(r.scale_ups, 0);
  EXPECT_GT(r.scale_downs, 0);
}

TEST(FluidReplay, StaysWithinBoundsAndReportsSummary) {
  Trace trace = PoissonBurstTrace(300, 6, 3, absl::Minutes(15), absl::Hours(12),
                                  absl::Minutes(1), 3);
  for (const std::string& name : {"production", "development", "bursty", "testing"}) {
    const hpa::AutoscalerSpec spec = config::Preset(name).value();
    ASSERT_OK_AND_ASSIGN(FluidResult r, FluidReplay(spec, {{"app_active_task_count", &trace}}));
    for (int32_t x : r.replicas) {
      EXPECT_GE(x, spec.min_replicas);
      EXPECT_LE(x, spec.max_replicas);
    }
    EXPECT_NEAR(r.summary.replica_hours, r.replica_hours, 1e-9);
    EXPECT_EQ(r.summary.scale_ups, r.scale_ups);
  }
}

TEST(FluidReplay, PeakAndTimeOverTarget) {
  // 70 tasks per pod target; 210 tasks on a fleet held at one pod (max 1):
  // every sync is over target, the peak is 210.
  hpa::AutoscalerSpec spec = Production();
  spec.metrics.resize(1);
  spec.min_replicas = 1;
  spec.max_replicas = 1;
  Trace trace = StepTrace(35, 210, absl::Minutes(5), absl::Minutes(10), absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(FluidResult r, FluidReplay(spec, {{"app_active_task_count", &trace}}));
  ASSERT_TRUE(r.target.has_value());
  EXPECT_EQ(*r.target, 70);
  EXPECT_EQ(r.peak_per_pod_value, 210);
  ASSERT_TRUE(r.time_over_target_seconds.has_value());
  int over = 0;
  for (double v : r.metric_value) over += v > 70;
  EXPECT_GT(over, 0);
  EXPECT_EQ(*r.time_over_target_seconds, over * 15.0);
  // A NaN trace value is an error naming the metric and the time.
  Trace bad;
  bad.time_seconds = {0, 60};
  bad.values = {std::nan(""), 1};
  EXPECT_THAT(FluidReplay(spec, {{"app_active_task_count", &bad}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the trace for app_active_task_count at t=0 s: metric value is NaN")));
}

TEST(FluidReplay, Errors) {
  Trace trace = ConstantTrace(10, absl::Minutes(5), absl::Minutes(1));
  EXPECT_THAT(FluidReplay(Production(), {{"gpu_util", &trace}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("not a metric of the spec (its metrics: app_active_task_count, "
                                 "app_active_request_count)")));
  EXPECT_THAT(FluidReplay(Production(), {}), StatusIs(absl::StatusCode::kInvalidArgument));
  FluidOptions bad;
  bad.period = absl::ZeroDuration();
  EXPECT_THAT(FluidReplay(Production(), {{"app_active_task_count", &trace}}, bad),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("period")));
}

// A Resource Utilization metric: each pod requests 100 units of cpu, so the
// trace is the fleet's total use in percent of one pod's request.
TEST(FluidReplay, ResourceUtilization) {
  hpa::AutoscalerSpec spec = Production();
  spec.metrics = {hpa::MetricSpec::ResourceUtilization("cpu", 70)};
  Trace trace = ConstantTrace(350, absl::Minutes(10), absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(FluidResult r, FluidReplay(spec, {{"cpu", &trace}}));
  EXPECT_EQ(r.driven_metrics, std::vector<std::string>{"cpu"});
  // 2 pods at 175 %: ceil(2 x 175 / 70) = 5, where 70 % holds (reached in
  // the steps the production behavior allows).
  EXPECT_EQ(r.replicas.front(), 2);
  EXPECT_EQ(*std::max_element(r.replicas.begin(), r.replicas.end()), 5);
  EXPECT_EQ(r.replicas.back(), 5);
  EXPECT_THAT(r.trace_reading, HasSubstr("in percent of one pod's cpu request"));
  // ContainerResource still needs an AverageValue target.
  spec.metrics = {hpa::MetricSpec::ResourceUtilization("cpu", 70)};
  spec.metrics[0].type = hpa::MetricSourceType::kContainerResource;
  spec.metrics[0].container = "agent";
  EXPECT_THAT(FluidReplay(spec, {{"cpu", &trace}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("container requests")));
}

// ---------------------------------------------------------------------------
// Agent model.

struct AgentCase {
  std::string name;
  std::string preset;
  AgentModelOptions options;
};

AgentModelOptions With(void (*f)(AgentModelOptions*)) {
  AgentModelOptions o;
  o.service_seconds = 240;
  f(&o);
  return o;
}

class AgentModelInvariants : public ::testing::TestWithParam<AgentCase> {};

TEST_P(AgentModelInvariants, Hold) {
  const AgentCase& c = GetParam();
  const hpa::AutoscalerSpec spec = config::Preset(c.preset).value();
  Trace trace = PoissonBurstTrace(120, 5, 2, absl::Minutes(20), absl::Hours(8),
                                  absl::Minutes(1), 11);
  ASSERT_OK_AND_ASSIGN(AgentModelResult r, RunAgentModel(spec, trace, c.options));
  EXPECT_EQ(r.tasks_arrived, r.tasks_completed + r.tasks_queued_at_end +
                                 r.tasks_running_at_end + r.tasks_lost);
  EXPECT_GT(r.tasks_completed, 0);
  for (size_t i = 0; i < r.time_seconds.size(); ++i) {
    EXPECT_GE(r.desired_replicas[i], spec.min_replicas);
    EXPECT_LE(r.desired_replicas[i], spec.max_replicas);
    EXPECT_LE(r.ready_replicas[i], r.desired_replicas[i]);
    EXPECT_GE(r.alive_replicas[i], r.desired_replicas[i]);
    EXPECT_LE(r.running_tasks[i], static_cast<int64_t>(r.alive_replicas[i]) * c.options.slots);
  }
  for (double w : r.waits_seconds) ASSERT_GE(w, 0);
  EXPECT_GE(r.summary.wait_p99, r.summary.wait_p50);
  EXPECT_GT(r.summary.replica_hours, 0);
  // Ready agents never pass maxReplicas; agents alive (starting and
  // draining ones too) may.
  int32_t ready_peak = 0;
  for (int32_t v : r.ready_replicas) ready_peak = std::max(ready_peak, v);
  EXPECT_EQ(r.summary.peak_ready_replicas, ready_peak);
  EXPECT_LE(r.summary.peak_ready_replicas, spec.max_replicas);
  EXPECT_LE(r.summary.peak_ready_replicas, r.summary.peak_replicas);
}

INSTANTIATE_TEST_SUITE_P(
    Sim, AgentModelInvariants,
    ::testing::ValuesIn(std::vector<AgentCase>{
        {"ProductionDrain", "production", With([](AgentModelOptions*) {})},
        {"DevelopmentKill", "development",
         With([](AgentModelOptions* o) { o->scale_in = ScaleInMode::kKill; })},
        {"BurstyPoissonFewestActive", "bursty",
         With([](AgentModelOptions* o) {
           o->arrivals = ArrivalShape::kPoisson;
           o->victims = VictimPolicy::kFewestActive;
         })},
        {"TestingLognormalSmallQueue", "testing",
         With([](AgentModelOptions* o) {
           o->service = ServiceTimeModel::kLognormal;
           o->queue_capacity = 50;
           o->slots = 20;
         })},
        {"FixedServiceNoStartupDelay", "production",
         With([](AgentModelOptions* o) {
           o->service = ServiceTimeModel::kFixed;
           o->startup_delay = absl::ZeroDuration();
         })},
    }),
    [](const ::testing::TestParamInfo<AgentCase>& i) { return i.param.name; });

TEST(AgentModel, SameSeedSameOutputDifferentSeedDifferent) {
  Trace trace = PoissonBurstTrace(60, 4, 2, absl::Minutes(20), absl::Hours(4), absl::Minutes(1), 5);
  AgentModelOptions o;
  o.arrivals = ArrivalShape::kPoisson;
  ASSERT_OK_AND_ASSIGN(AgentModelResult a, RunAgentModel(Production(), trace, o));
  ASSERT_OK_AND_ASSIGN(AgentModelResult b, RunAgentModel(Production(), trace, o));
  EXPECT_EQ(a.waits_seconds, b.waits_seconds);
  EXPECT_EQ(a.desired_replicas, b.desired_replicas);
  EXPECT_EQ(a.tasks_arrived, b.tasks_arrived);
  o.seed = 2;
  ASSERT_OK_AND_ASSIGN(AgentModelResult c, RunAgentModel(Production(), trace, o));
  EXPECT_NE(a.waits_seconds, c.waits_seconds);
}

// One file, two readings: every result says which one it used.
TEST(TraceMeaning, EachResultNamesHowItReadTheTrace) {
  Trace trace = ConstantTrace(100, absl::Minutes(30), absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(AgentModelResult agent, RunAgentModel(Production(), trace, {}));
  EXPECT_EQ(agent.trace_meaning, TraceMeaning::kArrivals);
  EXPECT_EQ(agent.trace_reading, "arrivals: each row is the tasks arriving in its 60 s, spread evenly");
  AgentModelOptions poisson;
  poisson.arrivals = ArrivalShape::kPoisson;
  poisson.interval = absl::Seconds(30);
  ASSERT_OK_AND_ASSIGN(AgentModelResult p, RunAgentModel(Production(), trace, poisson));
  EXPECT_EQ(p.trace_reading,
            "arrivals: each row is the tasks arriving in its 30 s, as a Poisson process");

  ASSERT_OK_AND_ASSIGN(FluidResult fluid,
                       FluidReplay(Production(), {{"app_active_task_count", &trace}}));
  EXPECT_EQ(fluid.trace_meaning, TraceMeaning::kGauge);
  EXPECT_EQ(fluid.trace_reading,
            "gauge: each value is the fleet's total app_active_task_count at that instant, "
            "split evenly among the pods");
  EXPECT_STREQ(TraceMeaningName(TraceMeaning::kArrivals), "arrivals");
  EXPECT_STREQ(TraceMeaningName(TraceMeaning::kGauge), "gauge");
  // The same trace is a different load under the two readings.
  EXPECT_NE(agent.summary.replica_hours, fluid.summary.replica_hours);

  // An External metric is read as one series' value, not split among pods.
  hpa::AutoscalerSpec queue = Production();
  queue.metrics = {hpa::MetricSpec::ExternalAverageValue("agent_queue_depth", 30'000)};
  ASSERT_OK_AND_ASSIGN(FluidResult external,
                       FluidReplay(queue, {{"agent_queue_depth", &trace}}));
  EXPECT_EQ(external.trace_reading,
            "gauge: each value is the external metric agent_queue_depth at that instant (one "
            "series)");
}

// The agent model's adapter window follows the Prometheus version too: on
// a 15 s scrape grid a closed 1m window averages one sample more.
TEST(AgentModel, AdapterWindowFollowsThePrometheusVersion) {
  Trace trace = StepTrace(20, 400, absl::Minutes(10), absl::Hours(1), absl::Minutes(1));
  AgentModelOptions v3, v2;
  v2.prometheus_version = metrics::PrometheusVersion::k2;
  ASSERT_OK_AND_ASSIGN(AgentModelResult a, RunAgentModel(Production(), trace, v3));
  ASSERT_OK_AND_ASSIGN(AgentModelResult b, RunAgentModel(Production(), trace, v2));
  ASSERT_EQ(a.metric_values.size(), b.metric_values.size());
  EXPECT_NE(a.metric_values, b.metric_values);
}

TEST(AgentModel, KillRequeuesRunningTasksAndCountsLostWork) {
  // Ten agents, a little work that runs for an hour: the fleet scales in
  // while every agent still runs tasks.
  Trace trace = StepTrace(50, 0, absl::Minutes(2), absl::Hours(1), absl::Minutes(1));
  hpa::AutoscalerSpec spec = Production();
  AgentModelOptions o;
  o.initial_replicas = 10;
  o.service = ServiceTimeModel::kFixed;
  o.service_seconds = 3600;
  o.scale_in = ScaleInMode::kKill;
  ASSERT_OK_AND_ASSIGN(AgentModelResult kill, RunAgentModel(spec, trace, o));
  EXPECT_GT(kill.tasks_restarted, 0);
  EXPECT_GT(kill.lost_work_seconds, 0);
  EXPECT_EQ(kill.tasks_arrived, kill.tasks_completed + kill.tasks_queued_at_end +
                                    kill.tasks_running_at_end + kill.tasks_lost);
  o.scale_in = ScaleInMode::kDrain;
  ASSERT_OK_AND_ASSIGN(AgentModelResult drain, RunAgentModel(spec, trace, o));
  EXPECT_EQ(drain.tasks_restarted, 0);
  EXPECT_EQ(drain.lost_work_seconds, 0);
}

TEST(AgentModel, StartupDelayHoldsNewAgentsBack) {
  Trace trace = StepTrace(10, 2000, absl::Minutes(5), absl::Minutes(40), absl::Minutes(1));
  AgentModelOptions o;
  o.service = ServiceTimeModel::kFixed;
  o.startup_delay = absl::Minutes(5);
  ASSERT_OK_AND_ASSIGN(AgentModelResult r, RunAgentModel(Production(), trace, o));
  // Some sync sees more agents asked for than ready.
  bool lag = false;
  for (size_t i = 0; i < r.time_seconds.size(); ++i) {
    lag |= r.ready_replicas[i] < r.desired_replicas[i];
  }
  EXPECT_TRUE(lag);
  EXPECT_GT(r.summary.wait_max, 0);
}

TEST(AgentModel, QueueDepthAsExternalMetric) {
  hpa::AutoscalerSpec spec = Production();
  spec.metrics = {hpa::MetricSpec::ExternalAverageValue("agent_queue_depth", 10'000)};
  Trace trace = StepTrace(10, 3000, absl::Minutes(5), absl::Minutes(60), absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(AgentModelResult r, RunAgentModel(spec, trace));
  EXPECT_GT(*std::max_element(r.desired_replicas.begin(), r.desired_replicas.end()), 2);
}

// 40,000 tasks in one minute, then an hour of quiet: with at most 10
// agents of 100 slots and 300 s per task the fleet serves about 200 tasks a
// minute (200 minutes for all), so most tasks are still queued when the
// trace ends. The wait
// figures must cover every one of them, not just those that started.
Trace OverloadTrace(double burst) {
  Trace t;
  for (int m = 0; m <= 60; ++m) {
    t.time_seconds.push_back(1'700'000'000.0 + 60.0 * m);
    t.values.push_back(m == 0 ? burst : 0);
  }
  return t;
}

TEST(AgentModel, WaitsCountEveryTaskAndTheQueueDrainsAfterTheTrace) {
  const Trace trace = OverloadTrace(40000);
  AgentModelOptions o;
  o.service = ServiceTimeModel::kFixed;
  o.drain_limit = absl::ZeroDuration();  // the old behaviour: stop at the end
  ASSERT_OK_AND_ASSIGN(AgentModelResult stop, RunAgentModel(Production(), trace, o));
  EXPECT_EQ(stop.drain_seconds, 0);
  EXPECT_GT(stop.tasks_queued_at_end, 25000);
  // Tasks never started count, with their time in the queue.
  EXPECT_EQ(stop.summary.wait_tasks, 40000 - stop.tasks_lost);
  EXPECT_EQ(stop.summary.unserved_tasks, stop.tasks_queued_at_end);
  EXPECT_EQ(static_cast<int64_t>(stop.unserved_waits_seconds.size()), stop.tasks_queued_at_end);
  EXPECT_GT(stop.summary.share_over_slo, 0.5);
  // Started tasks alone would say most waited little; with the unserved,
  // the median is an hour-scale wait.
  EXPECT_GT(stop.summary.wait_p50, 1800);

  o.drain_limit = absl::Hours(24);
  ASSERT_OK_AND_ASSIGN(AgentModelResult drained, RunAgentModel(Production(), trace, o));
  EXPECT_EQ(drained.tasks_queued_at_end, 0);  // all served within a day
  EXPECT_GT(drained.drain_seconds, 0);
  EXPECT_LT(drained.drain_seconds, 24 * 3600);
  EXPECT_EQ(drained.summary.unserved_tasks, 0);
  EXPECT_EQ(drained.summary.wait_tasks, 40000);
  EXPECT_EQ(static_cast<int64_t>(drained.waits_seconds.size()), 40000);
  EXPECT_EQ(drained.tasks_arrived, drained.tasks_completed + drained.tasks_queued_at_end +
                                       drained.tasks_running_at_end + drained.tasks_lost);
  // The policy kept deciding after the trace: syncs past its end.
  EXPECT_GT(drained.time_seconds.back(), trace.end() + 3600);
  EXPECT_GT(drained.summary.wait_max, stop.summary.wait_max);

  // A drain limit shorter than the backlog leaves tasks unserved.
  o.drain_limit = absl::Hours(1);
  ASSERT_OK_AND_ASSIGN(AgentModelResult partial, RunAgentModel(Production(), trace, o));
  EXPECT_GT(partial.tasks_queued_at_end, 0);
  EXPECT_LT(partial.tasks_queued_at_end, stop.tasks_queued_at_end);
  EXPECT_NEAR(partial.drain_seconds, 3600, 30);
  for (double w : partial.unserved_waits_seconds) ASSERT_GT(w, 3600);

  // A drain limit shorter than the gap to the next sync: no drain sync.
  o.drain_limit = absl::Seconds(5);
  ASSERT_OK_AND_ASSIGN(AgentModelResult none, RunAgentModel(Production(), trace, o));
  EXPECT_EQ(none.drain_seconds, 0);
  EXPECT_EQ(none.time_seconds.size(), stop.time_seconds.size());
  // The run ends one sync period after its last sync; replica-hours and the
  // summary's duration cover the same time.
  EXPECT_NEAR(drained.summary.duration_hours * 3600,
              drained.time_seconds.back() + 15 - drained.time_seconds.front(), 1e-6);
  EXPECT_NEAR(drained.drain_seconds, drained.time_seconds.back() + 15 - (trace.end() + 60), 1e-6);
}

TEST(AgentModel, ATraceOverTheTaskLimitIsAnErrorNamingTheRow) {
  AgentModelOptions o;
  // One row of 1e12 tasks (1e20 once cast to an integer): an error, before
  // anything is simulated.
  for (double burst : {1e12, 1e20}) {
    Trace t = OverloadTrace(5);
    t.values[3] = burst;
    EXPECT_THAT(RunAgentModel(Production(), t, o),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         AllOf(HasSubstr("trace row 3 (time 1700000180"),
                               HasSubstr("limit of 20000000 tasks per run (max_tasks)"))));
  }
  o.max_tasks = 100;
  o.arrivals = ArrivalShape::kPoisson;
  EXPECT_THAT(RunAgentModel(Production(), OverloadTrace(150), o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("trace row 0")));
  for (int64_t bad : {int64_t{0}, kMaxTasksLimit + 1}) {
    o.max_tasks = bad;
    EXPECT_THAT(RunAgentModel(Production(), OverloadTrace(1), o),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("max_tasks must be 1 to")));
  }
  o.max_tasks = 100;
  o.drain_limit = absl::Seconds(-1);
  EXPECT_THAT(RunAgentModel(Production(), OverloadTrace(1), o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("drain_limit")));
}

TEST(AgentModel, Errors) {
  Trace trace = ConstantTrace(10, absl::Minutes(5), absl::Minutes(1));
  hpa::AutoscalerSpec spec = Production();
  // The seed's app_queue_depth is a Pods metric the model does not have (it
  // reports the queue as an External metric).
  spec.metrics.push_back(hpa::MetricSpec::PodsAverageValue("app_queue_depth", 100'000));
  EXPECT_THAT(RunAgentModel(spec, trace),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("does not report pods metric app_queue_depth")));
  AgentModelOptions o;
  o.slots = 0;
  EXPECT_THAT(RunAgentModel(Production(), trace, o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("slots")));
  o = AgentModelOptions{};
  o.service = ServiceTimeModel::kTraceValue;
  EXPECT_THAT(RunAgentModel(Production(), trace, o),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("per-row")));
}

TEST(AgentModel, PerRowArrivalsWithTraceDurations) {
  ASSERT_OK_AND_ASSIGN(Trace trace, ParseTraceCsv("timestamp_seconds,value\n0,30\n1,30\n2,90\n3,5\n"));
  AgentModelOptions o;
  o.arrivals = ArrivalShape::kPerRow;
  o.service = ServiceTimeModel::kTraceValue;
  o.trace_value_factor = 2;
  ASSERT_OK_AND_ASSIGN(AgentModelResult r, RunAgentModel(Production(), trace, o));
  EXPECT_EQ(r.tasks_arrived, 4);
  EXPECT_EQ(r.tasks_running_at_end + r.tasks_completed, 4);
}

// ---------------------------------------------------------------------------
// Summary.

// A policy that asks for 2^31 - 1 replicas (a minimum over the maximum wins
// in BoundsOverride) gets an error from every fleet model, not a fleet the
// simulator tries to build.
TEST(FleetLoop, AnAbsurdDecisionIsAnError) {
  absl::StatusOr<hpa::AutoscalerSpec> spec = config::Preset("production");
  ASSERT_THAT(spec.status(), IsOk());
  absl::StatusOr<std::unique_ptr<BoundsOverride>> p = BoundsOverride::Create(
      std::make_unique<HorizontalAutoscaler>(*HorizontalAutoscaler::Create(*spec)),
      {BoundsWindow{"huge", absl::InfinitePast(), absl::InfiniteFuture(), 2147483647,
                    std::nullopt}});
  ASSERT_THAT(p.status(), IsOk());
  Trace trace = ConstantTrace(50, absl::Hours(1), absl::Minutes(1));
  EXPECT_THAT(RunAgentModel(**p, trace, AgentModelOptions{}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("asked for 2147483647 replicas at")));
  EXPECT_THAT(FluidReplay(**p, {{spec->metrics[0].name, &trace}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("above the simulator's limit of 1000000")));
  // So is an initial fleet over the limit.
  AgentModelOptions big;
  big.initial_replicas = 2'000'000;
  EXPECT_THAT(RunAgentModel(*spec, trace, big).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the initial fleet is 2000000 replicas")));
  FluidOptions fbig;
  fbig.initial_replicas = 2'000'000;
  EXPECT_THAT(FluidReplay(*spec, {{spec->metrics[0].name, &trace}}, fbig).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("the initial fleet is 2000000 replicas")));
}

TEST(Summary, PrometheusIncreaseExtrapolatesAndHandlesResets) {
  bool defined;
  // A counter rising 1 per 15 s over a 60 s range: 4 samples in (0, 60].
  std::vector<double> t = {15, 30, 45, 60};
  std::vector<double> v = {1, 2, 3, 4};
  EXPECT_DOUBLE_EQ(PrometheusIncrease(t, v, 0, 60, &defined), 4.0);
  EXPECT_TRUE(defined);
  // A drop is a reset: 5 -> 2 counts as +2 from zero.
  std::vector<double> r = {5, 5, 2, 2};
  EXPECT_GT(PrometheusIncrease(t, r, 0, 60, &defined), 1.9);
  PrometheusIncrease(t, v, 50, 60, &defined);
  EXPECT_FALSE(defined);
}

TEST(Summary, FlappingPinnedAndAlerts) {
  SummaryInputs in;
  std::vector<double> t;
  std::vector<int32_t> rep;
  // 2 -> 6 -> 2 -> 6 ... every minute for 10 minutes, then 10 (max) for 10 min.
  for (int i = 0; i < 80; ++i) {
    t.push_back(15.0 * i);
    rep.push_back(i < 40 ? ((i / 4) % 2 ? 6 : 2) : 10);
  }
  in.time_seconds = t;
  in.replicas = rep;
  in.max_replicas = 10;
  in.period_seconds = 15;
  RunSummary s = Summarize(in);
  EXPECT_EQ(s.scale_ups, 6);
  EXPECT_EQ(s.scale_downs, 4);
  EXPECT_EQ(s.reversals_within_5m, 8);
  EXPECT_DOUBLE_EQ(s.time_at_max_seconds, 40 * 15.0);
  EXPECT_FALSE(s.scaling_too_frequent.firings.empty());
  ASSERT_EQ(s.max_replicas_reached.firings.size(), 1u);
  // The alert reads status.currentReplicas, the count a sync starts from:
  // 10 from the sync after the one that scaled to 10, firing 5 min later.
  EXPECT_DOUBLE_EQ(s.max_replicas_reached.firings[0].start_seconds, 15.0 * 41 + 300);
  EXPECT_TRUE(s.max_replicas_reached.firings[0].open);
  EXPECT_EQ(s.peak_replicas, 10);
}

// The seed's AgentScalingTooFrequent uses increase() on a gauge: one
// scale-down from 10 to 9 reads as a counter reset worth +9 and fires it.
// The changes() rule beside it counts one scale event and stays quiet; both
// fire on real flapping.
TEST(Summary, OneScaleDownFiresTheSeedsRuleButNotTheChangesOne) {
  std::vector<double> t;
  std::vector<int32_t> rep;
  for (int i = 0; i < 80; ++i) {
    t.push_back(15.0 * i);
    rep.push_back(i < 20 ? 10 : 9);
  }
  SummaryInputs in;
  in.time_seconds = t;
  in.replicas = rep;
  in.max_replicas = 20;
  RunSummary s = Summarize(in);
  EXPECT_EQ(s.scale_downs, 1);
  EXPECT_EQ(s.scaling_too_frequent.firings.size(), 1u);
  EXPECT_TRUE(s.scaling_too_frequent_changes.firings.empty());
  EXPECT_EQ(s.scaling_too_frequent_changes.expr, "changes(desired_replicas[5m]) > 3 for 2m");
  // Flapping every minute: four and more changes in 5 minutes, for long
  // enough: both fire.
  for (int i = 0; i < 80; ++i) rep[i] = (i / 4) % 2 ? 6 : 2;
  s = Summarize(in);
  EXPECT_FALSE(s.scaling_too_frequent.firings.empty());
  ASSERT_FALSE(s.scaling_too_frequent_changes.firings.empty());
  // The fifth change (minute 4) makes four in (t-5m, t]; firing 2 min later.
  EXPECT_DOUBLE_EQ(s.scaling_too_frequent_changes.firings[0].start_seconds, 60.0 * 4 + 120);
}

TEST(Summary, WaitPercentilesAreNearestRank) {
  SummaryInputs in;
  std::vector<double> t = {0};
  std::vector<int32_t> rep = {1};
  std::vector<double> waits;
  for (int i = 1; i <= 100; ++i) waits.push_back(i);
  in.time_seconds = t;
  in.replicas = rep;
  in.waits_seconds = waits;
  in.wait_slo_seconds = 90;
  RunSummary s = Summarize(in);
  EXPECT_EQ(s.wait_p50, 50);
  EXPECT_EQ(s.wait_p95, 95);
  EXPECT_EQ(s.wait_p99, 99);
  EXPECT_EQ(s.wait_max, 100);
  EXPECT_DOUBLE_EQ(s.share_over_slo, 0.10);
}

}  // namespace
}  // namespace agentscale::sim

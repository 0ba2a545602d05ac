// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The HPA's feature gates after 1.33: HPAScaleToZero (Beta in 1.37),
// HPAExternalMetricFallback (KEP-5679), HPASelectionStrategy (KEP-5325) and
// HPAConfigurableSyncPeriod (KEP-6003). The tables transcribe the KEPs'
// rules; docs/hpa-compatibility.md ("Feature gates") says where a KEP is
// silent and which choice agentscale made.

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/state_json.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/sim/fluid.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;
using hpa::ConditionType;
using hpa::Reason;

const absl::Time kGatesT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                       absl::UTCTimeZone());

// --- HPAExternalMetricFallback --------------------------------------------

// A queue (External, AverageValue 10 per replica) with a fallback of
// `fallback_replicas` after `failure_seconds`, and optionally a Pods metric.
hpa::AutoscalerSpec QueueSpec(int32_t fallback_replicas, int64_t failure_seconds,
                              bool with_pods_metric) {
  hpa::AutoscalerSpec spec;
  spec.name = "agents";
  spec.scale_target_ref = {"apps/v1", "Deployment", "agents"};
  spec.min_replicas = 1;
  spec.max_replicas = 20;
  hpa::MetricSpec queue = hpa::MetricSpec::ExternalAverageValue("queue_depth", 10'000);
  queue.fallback = hpa::ExternalMetricFallback{absl::Seconds(failure_seconds),
                                               fallback_replicas};
  spec.metrics.push_back(queue);
  if (with_pods_metric) {
    spec.metrics.push_back(hpa::MetricSpec::PodsAverageValue("tasks", 5'000));
  }
  spec.behavior = hpa::DefaultBehavior();
  spec.behavior->scale_down.stabilization_window = absl::ZeroDuration();
  return spec;
}

hpa::ControllerConfig FallbackOn() {
  hpa::ControllerConfig c;
  c.external_metric_fallback = true;
  return c;
}

// `replicas` ready pods; the queue reads `queue` (or fails when negative),
// each pod has `tasks_per_pod` tasks when the spec has the Pods metric.
Observation QueueObservation(int32_t replicas, double queue, double tasks_per_pod,
                             bool with_pods_metric, absl::Time now) {
  Observation obs;
  obs.current_replicas = replicas;
  obs.AddReadyPods(replicas);
  MetricObservation& q = obs.AddMetric("queue_depth");
  if (queue < 0) {
    q.error = absl::UnavailableError("connection refused");
  } else {
    q.AddExternalValue(queue);
  }
  if (with_pods_metric) {
    MetricObservation& t = obs.AddMetric("tasks");
    for (int32_t i = 0; i < replicas; ++i) {
      t.AddPodValue(absl::StrCat("agent-", i), tasks_per_pod, now);
    }
  }
  return obs;
}

const hpa::Condition* Find(const Decision& d, ConditionType t) { return d.FindCondition(t); }

struct FallbackStep {
  int64_t at_seconds;    // after kGatesT0
  double queue;          // < 0: the read fails
  int32_t want_desired;  // the decision's desired replicas (applied)
  bool want_fallback;    // the metric serves its fallback
  std::optional<int64_t> want_first_failure;  // seconds after kGatesT0
};

struct FallbackCase {
  std::string name;
  int32_t fallback_replicas;
  int64_t failure_seconds;
  bool with_pods_metric;
  int32_t start_replicas;
  std::vector<FallbackStep> steps;
};

class FallbackTest : public testing::TestWithParam<FallbackCase> {};

TEST_P(FallbackTest, FollowsTheTimer) {
  const FallbackCase& c = GetParam();
  ASSERT_OK_AND_ASSIGN(
      HorizontalAutoscaler hpa,
      HorizontalAutoscaler::Create(QueueSpec(c.fallback_replicas, c.failure_seconds,
                                             c.with_pods_metric),
                                   FallbackOn()));
  int32_t current = c.start_replicas;
  for (const FallbackStep& s : c.steps) {
    SCOPED_TRACE(absl::StrCat("t+", s.at_seconds, "s"));
    const absl::Time now = kGatesT0 + absl::Seconds(s.at_seconds);
    // 4 tasks per pod against a target of 5: the Pods metric asks for
    // ceil(0.8 * current), a scale-down the failing queue blocks.
    Observation obs = QueueObservation(current, s.queue, 4, c.with_pods_metric, now);
    ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, obs));
    EXPECT_EQ(d.desired_replicas, s.want_desired);
    EXPECT_EQ(d.metrics[0].fallback, s.want_fallback);
    EXPECT_EQ(d.fallback, s.want_fallback);
    const std::vector<std::optional<absl::Time>>& times = hpa.state().first_failure_times;
    const std::optional<absl::Time> first = times.empty() ? std::nullopt : times[0];
    if (s.want_first_failure.has_value()) {
      ASSERT_TRUE(first.has_value());
      EXPECT_EQ(*first, kGatesT0 + absl::Seconds(*s.want_first_failure));
    } else {
      EXPECT_FALSE(first.has_value());
    }
    const hpa::Condition* fc = Find(d, ConditionType::kExternalMetricFallbackActive);
    ASSERT_NE(fc, nullptr);
    EXPECT_EQ(fc->status, s.want_fallback);
    EXPECT_EQ(fc->reason, s.want_fallback ? Reason::kFallbackActive : Reason::kNoFallbackActive);
    if (d.rescale) {
      ASSERT_THAT(hpa.Commit(d), IsOk());
      current = d.desired_replicas;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Kep5679, FallbackTest,
    testing::ValuesIn(std::vector<FallbackCase>{
        // The only metric: held while it fails, then fallback.replicas once
        // it has failed for failureDurationSeconds (>=, not >), then back.
        {"OnlyMetricWaitsTheFullDuration", 8, 180, false, 4,
         {{0, 40, 4, false, std::nullopt},
          {15, -1, 4, false, 15},
          {194, -1, 4, false, 15},
          {195, -1, 8, true, 15},
          {210, -1, 8, true, 15},
          {225, 40, 4, false, std::nullopt}}},
        // A success in between restarts the timer from the next failure.
        {"SuccessRestartsTheTimer", 8, 180, false, 4,
         {{0, -1, 4, false, 0},
          {150, 40, 4, false, std::nullopt},
          {165, -1, 4, false, 165},
          {330, -1, 4, false, 165},
          {345, -1, 8, true, 165}}},
        // Max-combined with the other metrics: the Pods metric's scale-down
        // to ceil(0.8 * 10) = 8 is blocked while the queue fails, and the
        // fallback of 3 loses to it once active.
        {"MaxCombinedWithOtherMetrics", 3, 180, true, 10,
         {{0, -1, 10, false, 0},
          {179, -1, 10, false, 0},
          {180, -1, 8, true, 0}}},
        // A longer failureDurationSeconds waits longer.
        {"LongerDuration", 6, 600, false, 2,
         {{0, -1, 2, false, 0},
          {599, -1, 2, false, 0},
          {600, -1, 6, true, 0}}},
        // The fallback goes through the behavior: the default scale-up
        // policies (4 pods or 100% per 15 s) limit 1 -> 20 to 1 -> 5.
        {"FallbackIsRateLimited", 20, 180, false, 1,
         {{0, -1, 1, false, 0},
          {180, -1, 5, true, 0},
          {195, -1, 10, true, 0}}},
    }),
    [](const testing::TestParamInfo<FallbackCase>& info) { return info.param.name; });

TEST(Fallback, GateOffHoldsAsBefore) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::Create(QueueSpec(8, 180, false)));
  for (int64_t t : {0, 180, 3600}) {
    const absl::Time now = kGatesT0 + absl::Seconds(t);
    ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, QueueObservation(4, -1, 0, false, now)));
    EXPECT_EQ(d.path, DecisionPath::kMetricsFailed);
    EXPECT_EQ(d.desired_replicas, 4);
    EXPECT_FALSE(d.fallback);
    EXPECT_EQ(Find(d, ConditionType::kExternalMetricFallbackActive), nullptr);
  }
  EXPECT_TRUE(hpa.state().first_failure_times.empty());
}

TEST(Fallback, RestartKeepsTheFirstFailure) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler first,
                       HorizontalAutoscaler::Create(QueueSpec(8, 180, false), FallbackOn()));
  ASSERT_THAT(first.Evaluate(kGatesT0, QueueObservation(4, -1, 0, false, kGatesT0)).status(), IsOk());
  const absl::Time t100 = kGatesT0 + absl::Seconds(100);
  ASSERT_THAT(first.Evaluate(t100, QueueObservation(4, -1, 0, false, t100)).status(), IsOk());
  const std::string saved = StateToJson(first.state());
  EXPECT_THAT(saved, HasSubstr("\"first_failure_times\""));

  ASSERT_OK_AND_ASSIGN(AutoscalerState restored, StateFromJson(saved));
  EXPECT_EQ(restored, first.state());
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler second,
                       HorizontalAutoscaler::Create(QueueSpec(8, 180, false), FallbackOn()));
  ASSERT_THAT(second.ImportState(restored), IsOk());
  // 180 s after the first failure, not after the restart.
  const absl::Time t180 = kGatesT0 + absl::Seconds(180);
  ASSERT_OK_AND_ASSIGN(Decision d, second.Evaluate(t180, QueueObservation(4, -1, 0, false, t180)));
  EXPECT_TRUE(d.fallback);
  EXPECT_EQ(d.desired_replicas, 8);
  EXPECT_THAT(d.Explain(), HasSubstr("failing for 3m"));
  EXPECT_THAT(d.Explain(), HasSubstr("fallback proposes 8"));
}

TEST(Fallback, StateNamesOnlyMetricsWithAFallback) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa,
                       HorizontalAutoscaler::Create(QueueSpec(8, 180, true), FallbackOn()));
  AutoscalerState s;
  s.last_evaluation = kGatesT0;
  s.first_failure_times = {std::nullopt, kGatesT0};  // metric 1 is the Pods metric
  EXPECT_THAT(hpa.ImportState(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("first_failure_times (metric 1)")));
  s.first_failure_times = {kGatesT0 + absl::Seconds(1)};  // after last_evaluation
  EXPECT_THAT(hpa.ImportState(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("after last_evaluation")));
  EXPECT_THAT(StateFromJson(R"({"format":"agentscale.state/v1","first_failure_times":[
      {"metric":0,"first_failure_time":"2026-03-01T12:00:00Z"},
      {"metric":0,"first_failure_time":"2026-03-01T12:00:00Z"}]})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("listed twice")));
  EXPECT_THAT(StateFromJson(R"({"format":"agentscale.state/v1","first_failure_times":[
      {"metric":99999999,"first_failure_time":"2026-03-01T12:00:00Z"}]})")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("metric: must be in")));
}

TEST(Fallback, GateOffDropsImportedTimers) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler on,
                       HorizontalAutoscaler::Create(QueueSpec(8, 180, false), FallbackOn()));
  ASSERT_THAT(on.Evaluate(kGatesT0, QueueObservation(4, -1, 0, false, kGatesT0)).status(), IsOk());
  ASSERT_EQ(on.state().first_failure_times.size(), 1u);
  ASSERT_NE(on.state().conditions.size(), 0u);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler off,
                       HorizontalAutoscaler::Create(QueueSpec(8, 180, false)));
  ASSERT_THAT(off.ImportState(on.ExportState()), IsOk());
  EXPECT_TRUE(off.state().first_failure_times.empty());
  for (const hpa::Condition& c : off.state().conditions) {
    EXPECT_NE(c.type, ConditionType::kExternalMetricFallbackActive);
  }
}

TEST(Fallback, StateRoundTripsAfterARecovery) {
  // Two fallback metrics; the second fails, then recovers: the state keeps
  // no trailing unset entry, so its JSON reads back equal.
  hpa::AutoscalerSpec spec = QueueSpec(8, 180, false);
  hpa::MetricSpec second = hpa::MetricSpec::ExternalValue("backlog", 100'000);
  second.fallback = hpa::ExternalMetricFallback{absl::Seconds(180), 3};
  spec.metrics.push_back(second);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec, FallbackOn()));
  for (int step = 0; step < 3; ++step) {
    const absl::Time now = kGatesT0 + absl::Seconds(15 * step);
    Observation obs = QueueObservation(4, 40, 0, false, now);
    MetricObservation& b = obs.AddMetric("backlog");
    if (step == 1) {
      b.error = absl::UnavailableError("timeout");
    } else {
      b.AddExternalValue(50);
    }
    ASSERT_THAT(hpa.Evaluate(now, obs).status(), IsOk());
    ASSERT_OK_AND_ASSIGN(AutoscalerState back, StateFromJson(StateToJson(hpa.state())));
    EXPECT_EQ(back, hpa.state()) << "step " << step;
  }
  EXPECT_TRUE(hpa.state().first_failure_times.empty());
}

TEST(Fallback, Validation) {
  hpa::AutoscalerSpec spec = QueueSpec(8, 60, false);
  std::vector<hpa::FieldError> errors = hpa::ValidateSpec(spec, FallbackOn());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.metrics[0].external.fallback.failureDurationSeconds");
  EXPECT_THAT(errors[0].message, HasSubstr("greater than or equal to 180"));
  spec = QueueSpec(0, 180, false);
  errors = hpa::ValidateSpec(spec, FallbackOn());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.metrics[0].external.fallback.replicas");
  EXPECT_EQ(errors[0].message, "Invalid value: 0: must be greater than 0");
  spec = QueueSpec(8, 180, true);
  spec.metrics[1].fallback = hpa::ExternalMetricFallback{absl::Seconds(180), 2};
  errors = hpa::ValidateSpec(spec, FallbackOn());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.metrics[1].pods.fallback");
}

constexpr char kFallbackYaml[] = R"(apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: agents}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: agents}
  minReplicas: 0
  maxReplicas: 20
  metrics:
  - type: External
    external:
      metric: {name: queue_depth}
      target: {type: AverageValue, averageValue: "10"}
      fallback:
        replicas: 6
  selectionStrategy: OwnerReference
  syncPeriodSeconds: 30
)";

TEST(Manifest137, LoadsAndDumpsTheNewFields) {
  config::LoadOptions options;
  options.config.external_metric_fallback = true;
  options.config.selection_strategy = true;
  options.config.configurable_sync_period = true;
  ASSERT_OK_AND_ASSIGN(config::LoadedManifests loaded,
                       config::LoadManifestString(kFallbackYaml, "hpa.yaml", options));
  EXPECT_TRUE(loaded.warnings.empty()) << loaded.warnings[0];
  const hpa::AutoscalerSpec& spec = loaded.autoscalers.at(0);
  EXPECT_EQ(spec.min_replicas, 0);
  ASSERT_TRUE(spec.metrics[0].fallback.has_value());
  EXPECT_EQ(spec.metrics[0].fallback->failure_duration, absl::Seconds(180));  // the default
  EXPECT_EQ(spec.metrics[0].fallback->replicas, 6);
  EXPECT_EQ(spec.selection_strategy, hpa::SelectionStrategy::kOwnerReference);
  EXPECT_EQ(spec.sync_period, absl::Seconds(30));
  // Dump and load again: the same spec.
  ASSERT_OK_AND_ASSIGN(config::LoadedManifests again,
                       config::LoadManifestString(config::DumpManifest(spec), "dump", options));
  EXPECT_EQ(again.autoscalers.at(0), spec);
}

// failureDurationSeconds is an int64 in the KEP's API: a value past int32
// loads, validates and dumps as written.
TEST(Manifest137, FailureDurationIsInt64) {
  config::LoadOptions options;
  options.config.external_metric_fallback = true;
  std::string yaml = kFallbackYaml;
  yaml.replace(yaml.find("replicas: 6"), 11, "replicas: 6\n        failureDurationSeconds: 4000000000");
  ASSERT_OK_AND_ASSIGN(config::LoadedManifests loaded,
                       config::LoadManifestString(yaml, "hpa.yaml", options));
  const hpa::AutoscalerSpec& spec = loaded.autoscalers.at(0);
  EXPECT_EQ(spec.metrics[0].fallback->failure_duration, absl::Seconds(4'000'000'000LL));
  EXPECT_THAT(config::DumpManifest(spec), HasSubstr("failureDurationSeconds: 4000000000"));
}

TEST(Manifest137, GatesOffLoadWithAWarningEach) {
  ASSERT_OK_AND_ASSIGN(config::LoadedManifests loaded,
                       config::LoadManifestString(kFallbackYaml, "hpa.yaml"));
  ASSERT_EQ(loaded.warnings.size(), 3u);
  EXPECT_EQ(loaded.warnings[0],
            "hpa.yaml:14:9: spec.metrics[0].external.fallback: is ignored while the "
            "HPAExternalMetricFallback feature gate is off");
  EXPECT_THAT(loaded.warnings[1], HasSubstr("hpa.yaml:15:22: spec.selectionStrategy"));
  EXPECT_THAT(loaded.warnings[2], HasSubstr("HPAConfigurableSyncPeriod"));
}

TEST(Manifest137, BadValuesNameTheField) {
  struct Bad {
    std::string from, to, want;
  };
  for (const Bad& b : std::vector<Bad>{
           {"replicas: 6", "failureDurationSeconds: 60", "external.fallback.replicas: is required"},
           {"replicas: 6", "replicas: -1",
            "spec.metrics[0].external.fallback.replicas: Invalid value: -1"},
           {"OwnerReference", "Owner", "spec.selectionStrategy"},
           {"syncPeriodSeconds: 30", "syncPeriodSeconds: 2", "spec.syncPeriodSeconds: Invalid value"},
           {"syncPeriodSeconds: 30", "syncPeriodSeconds: 3601", "must be a whole number of seconds in [3, 3600]"},
           {"replicas: 6", "replicas: 6\n        failureDurationSeconds: 9223372036854775808",
            "external.fallback.failureDurationSeconds: must fit in int64"},
           {"replicas: 6", "replicas: 6\n        failureDurationSeconds: \"600\"",
            "external.fallback.failureDurationSeconds: must be an integer, got scalar \"600\" (quoted)"},
       }) {
    std::string yaml = kFallbackYaml;
    yaml.replace(yaml.find(b.from), b.from.size(), b.to);
    absl::StatusOr<config::LoadedManifests> loaded = config::LoadManifestString(yaml, "hpa.yaml");
    EXPECT_THAT(loaded.status(), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(b.want)))
        << b.to;
  }
}

// The simulator's fault injection: the queue's source down from 600 s to
// 1200 s under a steady 200 pending tasks (AverageValue 50: 4 replicas).
// Without a fallback the HPA holds; with one it serves fallback.replicas
// from 180 s after the first failed sync. (KEDA's fallback on the same
// outage: KedaReplayTest.AnOutageServesTheFallbackAndIsCounted.)
TEST(Fallback, SimulatedOutageBesideHold) {
  sim::Trace trace;
  trace.time_seconds = {0, 1800};
  trace.values = {200, 200};
  hpa::AutoscalerSpec spec = QueueSpec(9, 180, false);
  spec.metrics[0].target.average_value_milli = 50'000;
  sim::FluidOptions o;
  o.outages.push_back({"queue_depth", 600, 1200});
  o.config.external_metric_fallback = true;
  ASSERT_OK_AND_ASSIGN(sim::FluidResult with, sim::FluidReplay(spec, {{"queue_depth", &trace}}, o));
  o.config.external_metric_fallback = false;
  ASSERT_OK_AND_ASSIGN(sim::FluidResult hold, sim::FluidReplay(spec, {{"queue_depth", &trace}}, o));
  auto at = [](const sim::FluidResult& r, int s) { return r.replicas[static_cast<size_t>(s / 15)]; };
  for (int s = 0; s <= 1800; s += 15) {
    SCOPED_TRACE(s);
    EXPECT_EQ(at(hold, s), 4);  // never a scale-in on missing data
  }
  EXPECT_EQ(hold.summary.fallback_seconds, 0);
  EXPECT_EQ(at(with, 585), 4);
  EXPECT_EQ(at(with, 765), 4);  // failing since 600 s: 165 s
  EXPECT_EQ(at(with, 780), 8);  // 180 s: fallback 9, limited to 4 + 4 pods per 15 s
  EXPECT_EQ(at(with, 795), 9);
  EXPECT_EQ(at(with, 1185), 9);
  // Fallback served at the syncs from 780 s to 1185 s.
  EXPECT_DOUBLE_EQ(with.summary.fallback_seconds, 28 * 15.0);
  EXPECT_EQ(at(with, 1200), 4);  // back: no scale-down stabilization in this spec
}

// --- HPASelectionStrategy ---------------------------------------------------

// Four agents owned by ReplicaSet agents-7d9 (owned by Deployment agents),
// and a Job's pod with the same labels and ten times the load.
Observation MixedPods(absl::Time now) {
  Observation obs;
  obs.current_replicas = 4;
  MetricObservation& tasks = obs.AddMetric("tasks");
  for (int i = 0; i < 4; ++i) {
    hpa::Pod p = hpa::Pod::Ready(absl::StrCat("agent-", i));
    p.owner_references.push_back({"apps/v1", "ReplicaSet", "agents-7d9"});
    obs.pods.push_back(p);
    tasks.AddPodValue(p.name, 5, now);
  }
  hpa::Pod job = hpa::Pod::Ready("backfill-x2");
  job.owner_references.push_back({"batch/v1", "Job", "backfill"});
  obs.pods.push_back(job);
  tasks.AddPodValue(job.name, 50, now);
  obs.owners.push_back(OwnerObject{{"apps/v1", "ReplicaSet", "agents-7d9"},
                                   {{"apps/v1", "Deployment", "agents"}}});
  return obs;
}

hpa::AutoscalerSpec TasksSpec(std::optional<hpa::SelectionStrategy> strategy) {
  hpa::AutoscalerSpec spec;
  spec.scale_target_ref = {"apps/v1", "Deployment", "agents"};
  spec.min_replicas = 1;
  spec.max_replicas = 50;
  spec.metrics.push_back(hpa::MetricSpec::PodsAverageValue("tasks", 5'000));
  spec.selection_strategy = strategy;
  return spec;
}

// One decision of a fresh autoscaler on the tasks spec with `strategy`,
// the HPASelectionStrategy gate as `gate` says.
Decision DecideWith(std::optional<hpa::SelectionStrategy> strategy, bool gate,
                    const Observation& obs) {
  hpa::ControllerConfig config;
  config.selection_strategy = gate;
  absl::StatusOr<HorizontalAutoscaler> hpa =
      HorizontalAutoscaler::Create(TasksSpec(strategy), config);
  EXPECT_THAT(hpa.status(), IsOk());
  if (!hpa.ok()) return Decision{};
  absl::StatusOr<Decision> d = hpa->Evaluate(kGatesT0, obs);
  EXPECT_THAT(d.status(), IsOk());
  return d.ok() ? *d : Decision{};
}

int32_t DesiredFor(std::optional<hpa::SelectionStrategy> strategy, bool gate,
                   const Observation& obs) {
  return DecideWith(strategy, gate, obs).metric_replicas;
}

TEST(SelectionStrategy, OwnerReferenceLeavesOutPodsOfOtherOwners) {
  const Observation obs = MixedPods(kGatesT0);
  // LabelSelector: (4 * 5 + 50) / 5 samples = 14 per pod against 5, over
  // the 5 ready pods the selector matched: ceil(14 / 5 * 5) = 14.
  const int32_t label = DesiredFor(std::nullopt, true, obs);
  EXPECT_EQ(label, 14);
  EXPECT_EQ(DesiredFor(hpa::SelectionStrategy::kLabelSelector, true, obs), label);
  // OwnerReference: the Job's pod and its sample are gone: 5 per pod, hold.
  EXPECT_EQ(DesiredFor(hpa::SelectionStrategy::kOwnerReference, true, obs), 4);
  // The gate off: the field is ignored.
  EXPECT_EQ(DesiredFor(hpa::SelectionStrategy::kOwnerReference, false, obs), label);
  // Reading the owners failed: every pod counts (KEP-5325).
  Observation failed = obs;
  failed.owners_error = absl::PermissionDeniedError("replicasets is forbidden");
  EXPECT_EQ(DesiredFor(hpa::SelectionStrategy::kOwnerReference, true, failed), label);
  // The ReplicaSet unknown: no chain reaches the Deployment, so no pod
  // counts and the metric has no samples.
  Observation broken = obs;
  broken.owners.clear();
  const Decision d = DecideWith(hpa::SelectionStrategy::kOwnerReference, true, broken);
  EXPECT_EQ(d.path, DecisionPath::kMetricsFailed);
}

TEST(SelectionStrategy, ChainsUpToTenOwners) {
  // pod -> o0 -> o1 -> ... -> o{n-1} -> Deployment agents
  for (int n : {1, 9, 10}) {
    SCOPED_TRACE(n);
    Observation obs;
    obs.current_replicas = 1;
    hpa::Pod p = hpa::Pod::Ready("agent-0");
    p.owner_references.push_back({"v1", "Thing", "o0"});
    obs.pods.push_back(p);
    obs.AddMetric("tasks").AddPodValue("agent-0", 10, kGatesT0);
    for (int i = 0; i < n; ++i) {
      hpa::ObjectReference next =
          i + 1 < n ? hpa::ObjectReference{"v1", "Thing", absl::StrCat("o", i + 1)}
                    : hpa::ObjectReference{"apps/v1", "Deployment", "agents"};
      obs.owners.push_back(OwnerObject{{"v1", "Thing", absl::StrCat("o", i)}, {next}});
    }
    const Decision d = DecideWith(hpa::SelectionStrategy::kOwnerReference, true, obs);
    // n owners between the pod and the target: a chain of n + 1 references.
    if (n + 1 <= 10) {
      EXPECT_EQ(d.metric_replicas, 2);
    } else {
      EXPECT_EQ(d.path, DecisionPath::kMetricsFailed);
    }
  }
}

TEST(SelectionStrategy, OwnerCyclesEnd) {
  Observation obs;
  obs.current_replicas = 1;
  hpa::Pod p = hpa::Pod::Ready("agent-0");
  p.owner_references.push_back({"v1", "Thing", "a"});
  obs.pods.push_back(p);
  obs.AddMetric("tasks").AddPodValue("agent-0", 10, kGatesT0);
  obs.owners.push_back(OwnerObject{{"v1", "Thing", "a"}, {{"v1", "Thing", "b"}}});
  obs.owners.push_back(OwnerObject{{"v1", "Thing", "b"}, {{"v1", "Thing", "a"}}});
  const Decision d = DecideWith(hpa::SelectionStrategy::kOwnerReference, true, obs);
  EXPECT_EQ(d.path, DecisionPath::kMetricsFailed);
}

// Two pods named alike, one counted and one left out: the duplicate name is
// reported as it is without the strategy, and no samples are dropped.
TEST(SelectionStrategy, ADuplicatePodNameAcrossTheSelectionIsReported) {
  Observation obs;
  obs.current_replicas = 2;
  hpa::Pod mine = hpa::Pod::Ready("agent-0");
  mine.owner_references.push_back({"apps/v1", "Deployment", "agents"});
  hpa::Pod other = hpa::Pod::Ready("agent-0");
  other.owner_references.push_back({"batch/v1", "Job", "backfill"});
  obs.pods = {mine, other};
  obs.AddMetric("tasks").AddPodValue("agent-0", 10, kGatesT0);
  for (std::optional<hpa::SelectionStrategy> strategy :
       {std::optional<hpa::SelectionStrategy>(), std::optional(hpa::SelectionStrategy::kOwnerReference)}) {
    const Decision d = DecideWith(strategy, true, obs);
    EXPECT_EQ(d.path, DecisionPath::kMetricsFailed);
    ASSERT_EQ(d.metrics.size(), 1u);
    EXPECT_THAT(d.metrics[0].error.message(), HasSubstr("duplicate pod name \"agent-0\""));
  }
  // Distinct names: the Job's pod is left out, the Deployment's counts
  // alone: 10 tasks against 5 on one pod, ceil(2 * 1) = 2.
  obs.pods[1].name = "job-0";
  const Decision d = DecideWith(hpa::SelectionStrategy::kOwnerReference, true, obs);
  EXPECT_NE(d.path, DecisionPath::kMetricsFailed);
  EXPECT_EQ(d.metric_replicas, 2);
}

TEST(SelectionStrategy, ManyOwnersUnderOneKeyStayCheap) {
  // 20,000 copies of one ReplicaSet, each owned by itself many times: the
  // owners are resolved per key, not per listing.
  Observation obs;
  obs.current_replicas = 1;
  hpa::Pod p = hpa::Pod::Ready("agent-0");
  p.owner_references.push_back({"apps/v1", "ReplicaSet", "rs"});
  obs.pods.push_back(p);
  obs.AddMetric("tasks").AddPodValue("agent-0", 10, kGatesT0);
  const hpa::ObjectReference rs{"apps/v1", "ReplicaSet", "rs"};
  for (int i = 0; i < 20'000; ++i) {
    obs.owners.push_back(OwnerObject{rs, std::vector<hpa::ObjectReference>(20, rs)});
  }
  EXPECT_EQ(DecideWith(hpa::SelectionStrategy::kOwnerReference, true, obs).path,
            DecisionPath::kMetricsFailed);  // never reaches the Deployment
  obs.owners.back().owner_references.push_back({"apps/v1", "Deployment", "agents"});
  EXPECT_EQ(DecideWith(hpa::SelectionStrategy::kOwnerReference, true, obs).metric_replicas, 2);
}

// --- HPAConfigurableSyncPeriod ----------------------------------------------

TEST(SyncPeriod, PolicyAsksForItOnlyWithTheGate) {
  hpa::AutoscalerSpec spec = TasksSpec(std::nullopt);
  spec.sync_period = absl::Seconds(60);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler off, HorizontalAutoscaler::Create(spec));
  EXPECT_EQ(off.sync_period(), std::nullopt);
  hpa::ControllerConfig config;
  config.configurable_sync_period = true;
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler on, HorizontalAutoscaler::Create(spec, config));
  EXPECT_EQ(on.sync_period(), absl::Seconds(60));
  for (absl::Duration bad : {absl::Seconds(2), absl::Seconds(3601), absl::Milliseconds(4500)}) {
    spec.sync_period = bad;
    std::vector<hpa::FieldError> errors = hpa::ValidateSpec(spec, config);
    ASSERT_EQ(errors.size(), 1u) << bad;
    EXPECT_EQ(errors[0].path, "spec.syncPeriodSeconds");
  }
  for (absl::Duration good : {absl::Seconds(3), absl::Seconds(3600)}) {
    spec.sync_period = good;
    EXPECT_TRUE(hpa::ValidateSpec(spec, config).empty()) << good;
  }
}

TEST(SyncPeriod, FluidReplaySyncsAtThePolicysPeriod) {
  hpa::AutoscalerSpec spec = TasksSpec(std::nullopt);
  spec.sync_period = absl::Seconds(60);
  sim::Trace trace;
  for (int i = 0; i <= 60; ++i) {
    trace.time_seconds.push_back(1.0e9 + i * 60.0);
    trace.values.push_back(10.0 + i);
  }
  const sim::MetricTraces traces = {{"tasks", &trace}};
  hpa::ControllerConfig config;
  config.configurable_sync_period = true;
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler on, HorizontalAutoscaler::Create(spec, config));
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler off, HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r_on, sim::FluidReplay(on, traces));
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r_off, sim::FluidReplay(off, traces));
  EXPECT_EQ(r_on.time_seconds.size(), 61u);    // an hour at 60 s
  EXPECT_EQ(r_off.time_seconds.size(), 241u);  // an hour at the default 15 s
  EXPECT_DOUBLE_EQ(r_on.time_seconds[1] - r_on.time_seconds[0], 60.0);
}

// --- --feature-gates ---------------------------------------------------------

TEST(FeatureGates, ParsesKubeControllerManagerSyntax) {
  hpa::ControllerConfig c;
  ASSERT_THAT(hpa::ApplyFeatureGates(
                  " HPAScaleToZero=false, HPAExternalMetricFallback=TRUE,HPASelectionStrategy=true,"
                  "HPAConfigurableSyncPeriod=true,PodLevelResources=false,"
                  "HPAConfigurableTolerance=false",
                  &c),
              IsOk());
  EXPECT_FALSE(c.scale_to_zero);
  EXPECT_TRUE(c.external_metric_fallback);
  EXPECT_TRUE(c.selection_strategy);
  EXPECT_TRUE(c.configurable_sync_period);
  EXPECT_FALSE(c.pod_level_resources);
  EXPECT_FALSE(c.configurable_tolerance);
  EXPECT_THAT(hpa::ApplyFeatureGates("", &c), IsOk());
  const hpa::ControllerConfig before = c;
  EXPECT_THAT(hpa::ApplyFeatureGates("HPAScaleToZero=true,HPAScaleTooZero=true", &c),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown gate \"HPAScaleTooZero\"; known: HPAConfigurableSyncPeriod")));
  EXPECT_TRUE(c.scale_to_zero == before.scale_to_zero);  // unchanged on error
  EXPECT_THAT(hpa::ApplyFeatureGates("HPAScaleToZero=yes", &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want true or false")));
  // Go's strconv.ParseBool: these spellings and no others.
  for (const char* v : {"1", "t", "T", "TRUE", "true", "True"}) {
    c.scale_to_zero = false;
    EXPECT_THAT(hpa::ApplyFeatureGates(absl::StrCat("HPAScaleToZero=", v), &c), IsOk()) << v;
    EXPECT_TRUE(c.scale_to_zero) << v;
  }
  for (const char* v : {"0", "f", "F", "FALSE", "false", "False"}) {
    c.scale_to_zero = true;
    EXPECT_THAT(hpa::ApplyFeatureGates(absl::StrCat("HPAScaleToZero=", v), &c), IsOk()) << v;
    EXPECT_FALSE(c.scale_to_zero) << v;
  }
  for (const char* v : {"tRuE", "yes", "on", "2", "", "truee"}) {
    EXPECT_THAT(hpa::ApplyFeatureGates(absl::StrCat("HPAScaleToZero=", v), &c),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("want true or false")))
        << v;
  }
  EXPECT_THAT(hpa::ApplyFeatureGates("HPAScaleToZero", &c),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("NAME=true")));
}

// --- HPAScaleToZero -----------------------------------------------------------

TEST(ScaleToZero, OnByDefaultAsInKubernetes137) {
  EXPECT_TRUE(hpa::ControllerConfig{}.scale_to_zero);
  hpa::AutoscalerSpec spec = QueueSpec(8, 180, false);
  spec.min_replicas = 0;
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
  // 1 -> 0 on an empty queue writes ScaledToZero=True ...
  ASSERT_OK_AND_ASSIGN(Decision down, hpa.Evaluate(kGatesT0, QueueObservation(1, 0, 0, false, kGatesT0)));
  ASSERT_EQ(down.desired_replicas, 0);
  ASSERT_THAT(hpa.Commit(down), IsOk());
  const hpa::Condition* z = Find(down, ConditionType::kScaledToZero);
  ASSERT_NE(z, nullptr);
  EXPECT_TRUE(z->status);
  EXPECT_EQ(z->Message(), "the HPA controller scaled the workload to zero");
  // ... so that work arriving scales from zero: ceil(25 / 10) = 3.
  const absl::Time t1 = kGatesT0 + absl::Seconds(15);
  Observation obs = QueueObservation(0, 25, 0, false, t1);
  obs.status_replicas = 0;
  ASSERT_OK_AND_ASSIGN(Decision up, hpa.Evaluate(t1, obs));
  EXPECT_EQ(up.desired_replicas, 3);
  ASSERT_THAT(hpa.Commit(up), IsOk());
  z = Find(up, ConditionType::kScaledToZero);
  ASSERT_NE(z, nullptr);
  EXPECT_FALSE(z->status);
  EXPECT_EQ(z->reason, Reason::kNotScaledToZero);
}

}  // namespace
}  // namespace agentscale

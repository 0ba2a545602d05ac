// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The engine: one reconcile per Evaluate(), Commit semantics, bad input and
// the invariants every decision keeps.

#include "agentscale/hpa/autoscaler.h"

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "agentscale/config/presets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::IsOkAndHolds;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;
using hpa::ConditionType;
using hpa::Reason;

const absl::Time kT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                       absl::UTCTimeZone());

hpa::AutoscalerSpec Production() { return config::Preset("production").value(); }

// An observation where every one of `replicas` agents reports the same
// per-pod values of the two seed metrics.
Observation Uniform(int32_t replicas, double tasks_per_pod, double requests_per_pod,
                    absl::Time now) {
  Observation obs;
  obs.current_replicas = replicas;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  MetricObservation& requests = obs.AddMetric("app_active_request_count");
  for (int32_t i = 0; i < replicas; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    tasks.AddPodValue(pod, tasks_per_pod, now);
    requests.AddPodValue(pod, requests_per_pod, now);
  }
  return obs;
}

const hpa::Condition& Cond(const Decision& d, ConditionType t) {
  const hpa::Condition* c = d.FindCondition(t);
  EXPECT_NE(c, nullptr) << hpa::ConditionTypeName(t);
  static const hpa::Condition kNone;
  return c ? *c : kNone;
}

TEST(Autoscaler, FirstSyncSeedsHistoryAndHoldsScaleDown) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  // 5 agents nearly idle: metrics say 1, but the seeded (5, now) entry in
  // the 300 s down window keeps 5 (a restarted controller's behaviour).
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, Uniform(5, 10, 5, kT0)));
  EXPECT_EQ(d.metric_replicas, 1);  // ceil(10/70 x 5), before the min clamp
  EXPECT_EQ(d.stabilized_replicas, 5);
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 5);
  EXPECT_EQ(Cond(d, ConditionType::kAbleToScale).reason, Reason::kScaleDownStabilized);
  ASSERT_TRUE(hpa.state().recommendations.has_value());
  EXPECT_EQ(hpa.state().recommendations->size(), 2u);
}

TEST(Autoscaler, ScaleUpFollowsWindowAndPolicy) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  int32_t replicas = 2;
  std::vector<int32_t> seen;
  for (int i = 0; i <= 12; ++i) {
    const absl::Time now = kT0 + absl::Seconds(15 * i);
    // 1000 tasks in all, far above 70 per agent.
    ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, Uniform(replicas, 1000.0 / replicas, 0, now)));
    ASSERT_THAT(d.error, IsOk());
    if (d.rescale) {
      ASSERT_THAT(hpa.Commit(d), IsOk());
      replicas = d.desired_replicas;
    }
    seen.push_back(replicas);
  }
  // The 60 s up window takes the minimum recent recommendation, which at
  // the first sync is the seeded 2; Pods 2 per 30 s limits every step.
  for (size_t i = 1; i < seen.size(); ++i) {
    EXPECT_LE(seen[i] - seen[i - 1], 2) << "sync " << i;
  }
  EXPECT_EQ(seen.back(), 10);
  // Never more than +2 in any 30 s.
  for (size_t i = 2; i < seen.size(); ++i) {
    EXPECT_LE(seen[i] - seen[i - 2], 2) << "sync " << i;
  }
}

TEST(Autoscaler, OutOfRangeCurrentGoesStraightToBound) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  Observation obs = Uniform(14, 500, 500, kT0);
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
  EXPECT_EQ(d.path, DecisionPath::kAboveMax);
  EXPECT_EQ(d.desired_replicas, 10);
  EXPECT_TRUE(d.metrics.empty());
  EXPECT_EQ(d.RescaleReason(), "Current number of replicas above Spec.MaxReplicas");
  ASSERT_OK_AND_ASSIGN(d, hpa.Evaluate(kT0 + absl::Seconds(15), Uniform(1, 0, 0, kT0)));
  EXPECT_EQ(d.path, DecisionPath::kBelowMin);
  EXPECT_EQ(d.desired_replicas, 2);
}

TEST(Autoscaler, ZeroReplicasWithoutScaleToZeroIsDisabled) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  Observation obs;
  obs.current_replicas = 0;
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
  EXPECT_EQ(d.path, DecisionPath::kScalingDisabled);
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(Cond(d, ConditionType::kScalingActive).reason, Reason::kScalingDisabled);
}

TEST(Autoscaler, CommitRecordsEventOnlyOnce) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, Uniform(2, 200, 0, kT0)));
  ASSERT_OK_AND_ASSIGN(d, hpa.Evaluate(kT0 + absl::Seconds(61), Uniform(2, 200, 0, kT0)));
  ASSERT_TRUE(d.rescale);
  EXPECT_TRUE(hpa.state().scale_up_events.empty());
  ASSERT_THAT(hpa.Commit(d), IsOk());
  ASSERT_EQ(hpa.state().scale_up_events.size(), 1u);
  EXPECT_EQ(hpa.state().scale_up_events[0].replica_change, d.desired_replicas - 2);
  EXPECT_EQ(Cond(d, ConditionType::kAbleToScale).reason, Reason::kSucceededRescale);
  EXPECT_EQ(Cond(d, ConditionType::kAbleToScale).Message(),
            absl::StrCat("the HPA controller was able to update the target scale to ",
                         d.desired_replicas));
  EXPECT_THAT(hpa.Commit(d), StatusIs(absl::StatusCode::kFailedPrecondition));
  EXPECT_EQ(hpa.state().scale_up_events.size(), 1u);
  EXPECT_EQ(hpa.state().last_scale_time, kT0 + absl::Seconds(61));
}

TEST(Autoscaler, FailedActuationLeavesNoEvent) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, Uniform(2, 200, 0, kT0)));
  ASSERT_OK_AND_ASSIGN(d, hpa.Evaluate(kT0 + absl::Seconds(61), Uniform(2, 200, 0, kT0)));
  ASSERT_TRUE(d.rescale);
  ASSERT_THAT(hpa.CommitFailed(d, absl::UnavailableError("API server down")), IsOk());
  EXPECT_TRUE(hpa.state().scale_up_events.empty());
  EXPECT_EQ(d.status_desired_replicas, 2);
  EXPECT_EQ(hpa.state().desired_replicas, 2);
  const hpa::Condition& able = Cond(d, ConditionType::kAbleToScale);
  EXPECT_FALSE(able.status);
  EXPECT_EQ(able.reason, Reason::kFailedUpdateScale);
  EXPECT_THAT(able.Message(), HasSubstr("API server down"));
  EXPECT_THAT(d.error, StatusIs(absl::StatusCode::kUnavailable));
}

TEST(Autoscaler, CommitOfAStaleDecisionIsRejected) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, Uniform(2, 200, 0, kT0)));
  ASSERT_OK_AND_ASSIGN(Decision first, hpa.Evaluate(kT0 + absl::Seconds(61), Uniform(2, 200, 0, kT0)));
  ASSERT_TRUE(first.rescale);
  ASSERT_OK_AND_ASSIGN(Decision second, hpa.Evaluate(kT0 + absl::Seconds(76), Uniform(2, 200, 0, kT0)));
  EXPECT_THAT(hpa.Commit(first), StatusIs(absl::StatusCode::kFailedPrecondition));
  Decision held;
  ASSERT_THAT(hpa.Evaluate(kT0 + absl::Seconds(90), Uniform(2, 70, 0, kT0), &held), IsOk());
  EXPECT_FALSE(held.rescale);
  EXPECT_THAT(hpa.Commit(held), StatusIs(absl::StatusCode::kFailedPrecondition));
}

// ---------------------------------------------------------------------------
// Bad input: a clear Status, or a held decision with a reason.

TEST(AutoscalerBadInput, TimeGoingBackwardsIsAnErrorAndChangesNothing) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  ASSERT_THAT(hpa.Evaluate(kT0, Uniform(3, 70, 50, kT0)), IsOk());
  const AutoscalerState before = hpa.ExportState();
  EXPECT_THAT(hpa.Evaluate(kT0 - absl::Seconds(1), Uniform(3, 70, 50, kT0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("time went backwards")));
  EXPECT_EQ(hpa.ExportState(), before);
}

TEST(AutoscalerBadInput, UnknownMetricIsAnError) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  Observation obs = Uniform(3, 70, 50, kT0);
  obs.AddMetric("gpu_temperature");
  EXPECT_THAT(hpa.Evaluate(kT0, obs),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown metric \"gpu_temperature\"; the spec's metrics are: "
                                 "app_active_task_count, app_active_request_count")));
  EXPECT_FALSE(hpa.state().recommendations.has_value());
}

TEST(AutoscalerBadInput, NegativeReplicasAreAnError) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  Observation obs = Uniform(3, 70, 50, kT0);
  obs.current_replicas = -1;
  EXPECT_THAT(hpa.Evaluate(kT0, obs),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("current_replicas")));
}

struct HeldCase {
  std::string name;
  // Mutates a 6-agent observation whose valid data asks for a scale-down.
  void (*spoil)(Observation*);
  std::string want_message;
};

class HeldTest : public ::testing::TestWithParam<HeldCase> {};

TEST_P(HeldTest, NeverScalesDownOnBadData) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  // Age the seeded history out of the 300 s window first.
  ASSERT_THAT(hpa.Evaluate(kT0, Uniform(6, 70, 50, kT0)), IsOk());
  const absl::Time now = kT0 + absl::Minutes(10);
  Observation obs = Uniform(6, 5, 5, now);
  GetParam().spoil(&obs);
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, obs));
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_FALSE(d.error.ok());
  EXPECT_THAT(std::string(d.error.message()), HasSubstr(GetParam().want_message));
  EXPECT_THAT(d.Explain(), HasSubstr("held"));
}

INSTANTIATE_TEST_SUITE_P(
    AutoscalerBadInput, HeldTest,
    ::testing::ValuesIn(std::vector<HeldCase>{
        {"NaNValue",
         [](Observation* o) {
           o->metrics[0].AddPodValue("agent-0", std::nan(""), kT0);
         },
         "metric value is NaN"},
        {"InfiniteValue",
         [](Observation* o) {
           o->metrics[1].AddPodValue("agent-1", INFINITY, kT0);
         },
         "metric value is infinite"},
        {"NegativeValue",
         [](Observation* o) { o->metrics[0].AddPodValue("agent-2", -3, kT0); },
         "is negative"},
        {"NegativeMilliSample",
         [](Observation* o) { o->metrics[0].pod_samples[0].value_milli = -1; },
         "negative value"},
        {"EmptyPodList", [](Observation* o) { o->pods.clear(); }, "no pods returned"},
        {"DuplicatePodNames",
         [](Observation* o) { o->pods[1].name = o->pods[0].name; },
         "duplicate pod name"},
        {"MetricNotObserved", [](Observation* o) { o->metrics.pop_back(); },
         "no observation for pods metric app_active_request_count"},
        {"FetchError",
         [](Observation* o) {
           o->metrics[1].error = absl::DeadlineExceededError("scrape timed out");
         },
         "scrape timed out"},
    }),
    [](const ::testing::TestParamInfo<HeldCase>& i) { return i.param.name; });

TEST(AutoscalerBadInput, PartialFailureDoesNotBlockScaleUp) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  ASSERT_THAT(hpa.Evaluate(kT0, Uniform(3, 70, 50, kT0)), IsOk());
  const absl::Time now = kT0 + absl::Minutes(2);
  Observation obs = Uniform(3, 300, 50, now);
  obs.metrics[1].error = absl::UnavailableError("adapter down");
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, obs));
  EXPECT_TRUE(d.rescale);
  EXPECT_GT(d.desired_replicas, 3);
  EXPECT_THAT(d.error, StatusIs(absl::StatusCode::kUnavailable, HasSubstr("1 invalid out of 2")));
  EXPECT_EQ(Cond(d, ConditionType::kScalingActive).reason, Reason::kValidMetricFound);
}

// ---------------------------------------------------------------------------
// Invariants over many random syncs.

TEST(AutoscalerInvariants, RandomSyncsStayInRangeAndNeverScaleDownOnFailures) {
  std::mt19937_64 rng(20260301);
  for (int trial = 0; trial < 40; ++trial) {
    hpa::AutoscalerSpec spec = Production();
    spec.min_replicas = 1 + static_cast<int32_t>(rng() % 4);
    spec.max_replicas = spec.min_replicas + static_cast<int32_t>(rng() % 12);
    if (trial % 3 == 0) spec.behavior.reset();  // legacy path too
    if (trial % 3 == 1) spec.behavior = hpa::DefaultBehavior();
    ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
    int32_t replicas = spec.min_replicas;
    for (int step = 0; step < 200; ++step) {
      const absl::Time now = kT0 + absl::Seconds(15 * step);
      Observation obs;
      obs.current_replicas = replicas;
      MetricObservation& a = obs.AddMetric("app_active_task_count");
      MetricObservation& b = obs.AddMetric("app_active_request_count");
      for (int32_t i = 0; i < replicas; ++i) {
        hpa::Pod pod = hpa::Pod::Ready(absl::StrCat("p", i));
        if (rng() % 20 == 0) pod.phase = hpa::PodPhase::kPending;
        obs.pods.push_back(pod);
        if (rng() % 10 != 0) a.AddPodValue(pod.name, static_cast<double>(rng() % 300), now);
        if (rng() % 10 != 0) b.AddPodValue(pod.name, static_cast<double>(rng() % 200), now);
      }
      const bool broken = rng() % 7 == 0;
      if (broken) b.error = absl::UnavailableError("flaky");
      ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, obs));
      EXPECT_GE(d.desired_replicas, spec.min_replicas) << d.Explain();
      EXPECT_LE(d.desired_replicas, spec.max_replicas) << d.Explain();
      EXPECT_EQ(d.rescale, d.desired_replicas != replicas);
      if (broken) EXPECT_GE(d.desired_replicas, replicas) << d.Explain();
      if (d.rescale) {
        ASSERT_THAT(hpa.Commit(d), IsOk());
        replicas = d.desired_replicas;
      }
    }
  }
}

TEST(Autoscaler, ExplainNamesTheLimit) {
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(Production()));
  ASSERT_THAT(hpa.Evaluate(kT0, Uniform(2, 1000, 0, kT0)), IsOk());
  ASSERT_OK_AND_ASSIGN(Decision d,
                       hpa.Evaluate(kT0 + absl::Seconds(75), Uniform(2, 1000, 0, kT0)));
  EXPECT_EQ(d.desired_replicas, 4);
  EXPECT_EQ(d.limit_reason, Reason::kScaleUpLimit);
  EXPECT_THAT(d.Explain(), HasSubstr("2 -> 4 (scale up)"));
  EXPECT_THAT(d.Explain(), HasSubstr("pods metric app_active_task_count 1000/70 proposes 29"));
  EXPECT_THAT(d.Explain(), HasSubstr("limited to 4 (ScaleUpLimit)"));
  EXPECT_EQ(d.RescaleReason(), "pods metric app_active_task_count above target");
}

TEST(Autoscaler, LegacyPathRecordsNoScaleEvents) {
  hpa::AutoscalerSpec spec = Production();
  spec.behavior.reset();
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, Uniform(2, 300, 0, kT0)));
  ASSERT_TRUE(d.rescale);  // legacy: max(2 x 2, 4) = 4 at once
  EXPECT_EQ(d.desired_replicas, 4);
  ASSERT_THAT(hpa.Commit(d), IsOk());
  EXPECT_TRUE(hpa.state().scale_up_events.empty());
  EXPECT_TRUE(hpa.state().scale_down_events.empty());
}

TEST(Autoscaler, UnsetScaleDownWindowUsesTheControllerFlag) {
  hpa::AutoscalerSpec spec = Production();
  spec.behavior->scale_down.stabilization_window.reset();
  spec.behavior->scale_down.policies = {{hpa::PolicyType::kPercent, 100, absl::Seconds(15)}};
  hpa::ControllerConfig config;
  config.downscale_stabilization_window = absl::Seconds(120);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec, config));
  ASSERT_THAT(hpa.Evaluate(kT0, Uniform(6, 70, 50, kT0)), IsOk());
  // 119 s later the seeded 6 is still inside the 120 s window: hold.
  ASSERT_OK_AND_ASSIGN(Decision held,
                       hpa.Evaluate(kT0 + absl::Seconds(119), Uniform(6, 10, 5, kT0)));
  EXPECT_FALSE(held.rescale);
  // 122 s after the last high recommendation nothing high is left in the
  // window (a zero window would have let it go at once).
  ASSERT_OK_AND_ASSIGN(Decision down,
                       hpa.Evaluate(kT0 + absl::Seconds(241), Uniform(6, 10, 5, kT0)));
  EXPECT_TRUE(down.rescale);
  EXPECT_EQ(down.desired_replicas, 2);
}

TEST(Autoscaler, ResourceAverageValueThroughTheEngine) {
  hpa::AutoscalerSpec spec = Production();
  spec.metrics = {hpa::MetricSpec::ResourceAverageValue("memory", 512'000)};  // 512 bytes
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
  Observation obs;
  obs.current_replicas = 2;
  MetricObservation& mem = obs.AddMetric("memory");
  for (int i = 0; i < 2; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    hpa::ResourceList usage;
    usage.memory_milli = 1'024'000;  // 1024 bytes, twice the target
    mem.resource_samples.push_back({pod, kT0, absl::Seconds(60), {{"main", usage}}});
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
  ASSERT_EQ(d.metrics.size(), 1u);
  EXPECT_TRUE(d.metrics[0].valid);
  EXPECT_EQ(d.metrics[0].value_milli, 1'024'000);
  EXPECT_EQ(d.metrics[0].proposal, 4);
  EXPECT_THAT(d.Explain(), HasSubstr("memory resource 1024/512 proposes 4"));
}

// A sample older than max_sample_age is missing, never a value: a fleet
// whose metrics stopped 30 days ago must not scale down on them.
TEST(AutoscalerStaleSamples, ThirtyDayOldSamplesAreMissingNotIdle) {
  hpa::AutoscalerSpec spec = Production();
  spec.metrics.resize(1);  // app_active_task_count only
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
  const absl::Time old = kT0 - absl::Hours(24 * 30);
  const absl::Time now = kT0 + absl::Minutes(10);
  Observation obs;
  obs.current_replicas = 8;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  for (int i = 0; i < 8; ++i) {
    obs.pods.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
    tasks.AddPodValue(absl::StrCat("agent-", i), 0, old);  // idle, a month ago
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(now, obs));
  ASSERT_EQ(d.metrics.size(), 1u);
  EXPECT_FALSE(d.metrics[0].valid);
  EXPECT_EQ(d.metrics[0].stale_samples, 8);
  EXPECT_EQ(d.path, DecisionPath::kMetricsFailed);
  EXPECT_FALSE(d.rescale);
  EXPECT_EQ(d.desired_replicas, 8);
  EXPECT_THAT(std::string(d.metrics[0].error.message()),
              HasSubstr("no metrics returned from custom metrics API (8 sample(s) older "
                        "than 5m left out)"));
  EXPECT_EQ(Cond(d, ConditionType::kScalingActive).reason, Reason::kFailedGetPodsMetric);

  // The same month-old samples with the check turned off: read as idle.
  hpa::ControllerConfig off;
  off.max_sample_age = absl::InfiniteDuration();
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler trusting,
                       HorizontalAutoscaler::Create(spec, off));
  ASSERT_OK_AND_ASSIGN(Decision t, trusting.Evaluate(now, obs));
  EXPECT_TRUE(t.metrics[0].valid);
  EXPECT_EQ(t.metrics[0].proposal, 0);
  EXPECT_EQ(t.metrics[0].stale_samples, 0);
}

TEST(AutoscalerStaleSamples, StalePodsCountAsMissing) {
  // 4 pods at 140 (twice the target of 70), 2 more whose samples are an
  // hour old: on a scale-up they are missing pods read as 0 (spec §4.2),
  // so the proposal is ceil(140 x 4 / 6 / 70 x 6) = 8, not ceil(2 x 6) = 12.
  hpa::AutoscalerSpec spec = Production();
  spec.metrics.resize(1);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
  Observation obs;
  obs.current_replicas = 6;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  for (int i = 0; i < 6; ++i) {
    obs.pods.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
    tasks.AddPodValue(absl::StrCat("agent-", i), 140,
                      i < 4 ? kT0 - absl::Seconds(30) : kT0 - absl::Hours(1));
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
  ASSERT_TRUE(d.metrics[0].valid);
  EXPECT_EQ(d.metrics[0].stale_samples, 2);
  EXPECT_EQ(d.metrics[0].proposal, 8);
  EXPECT_THAT(d.Explain(), HasSubstr("proposes 8 (2 stale samples left out)"));

  // A sample exactly max_sample_age old is still served.
  for (auto& s : tasks.pod_samples) s.timestamp = kT0 - absl::Minutes(5);
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler fresh, HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(Decision e, fresh.Evaluate(kT0, obs));
  EXPECT_EQ(e.metrics[0].stale_samples, 0);
  EXPECT_EQ(e.metrics[0].proposal, 12);
}

TEST(AutoscalerStaleSamples, UntimedSamplesAndResourceSamples) {
  hpa::AutoscalerSpec spec = Production();
  spec.metrics = {hpa::MetricSpec::ResourceAverageValue("memory", 512'000)};
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler hpa, HorizontalAutoscaler::Create(spec));
  Observation obs;
  obs.current_replicas = 2;
  MetricObservation& mem = obs.AddMetric("memory");
  hpa::ResourceList usage;
  usage.memory_milli = 1'024'000;
  for (int i = 0; i < 2; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    // One sample with no timestamp (always used), one from yesterday.
    mem.resource_samples.push_back({pod, i == 0 ? hpa::GoZeroTime() : kT0 - absl::Hours(24),
                                    absl::Seconds(60), {{"main", usage}}});
  }
  ASSERT_OK_AND_ASSIGN(Decision d, hpa.Evaluate(kT0, obs));
  ASSERT_TRUE(d.metrics[0].valid);
  EXPECT_EQ(d.metrics[0].stale_samples, 1);
  // One pod at twice the target, one missing (read as 0 on a scale-up):
  // ceil(1024 x 1 / 2 / 512 x 2) = 2, a hold.
  EXPECT_EQ(d.metrics[0].proposal, 2);

  for (auto& s : mem.resource_samples) s.timestamp = kT0 - absl::Hours(24);
  ASSERT_OK_AND_ASSIGN(Decision all, hpa.Evaluate(kT0 + absl::Seconds(15), obs));
  EXPECT_FALSE(all.metrics[0].valid);
  EXPECT_THAT(std::string(all.metrics[0].error.message()),
              HasSubstr("no metrics returned from resource metrics API (2 sample(s) older "
                        "than 5m left out)"));
}

TEST(ToMilliTest, RoundsUpByDefaultAndTruncatesOnRequest) {
  EXPECT_THAT(ToMilli(0.3331), IsOkAndHolds(334));
  EXPECT_THAT(ToMilli(0.3331, MilliRounding::kTruncate), IsOkAndHolds(333));
  EXPECT_THAT(ToMilli(2.0, MilliRounding::kTruncate), IsOkAndHolds(2000));
  EXPECT_THAT(ToMilli(std::nan(""), MilliRounding::kTruncate),
              StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_THAT(ToMilli(-0.5, MilliRounding::kTruncate),
              StatusIs(absl::StatusCode::kInvalidArgument));

  MetricObservation m;
  m.AddPodValue("agent-0", 1.2345, kT0, absl::Seconds(60),
                MilliRounding::kTruncate);
  m.AddPodValue("agent-1", 1.2345, kT0);
  m.AddExternalValue(0.0019, MilliRounding::kTruncate);
  m.SetObjectValue(7.0009, MilliRounding::kTruncate);
  ASSERT_EQ(m.pod_samples.size(), 2u);
  EXPECT_EQ(m.pod_samples[0].value_milli, 1234);
  EXPECT_EQ(m.pod_samples[1].value_milli, 1235);
  EXPECT_THAT(m.external_values_milli, ::testing::ElementsAre(1));
  EXPECT_EQ(m.object_value_milli, 7000);
}

}  // namespace
}  // namespace agentscale

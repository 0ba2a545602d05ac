// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The combinators, tested with the HPA underneath.

#include "agentscale/policy/combinators.h"

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kCombinatorsT0 = absl::FromUnixSeconds(1'767'258'000);

// An HPA on one Pods metric, default behavior, min..max.
std::unique_ptr<Policy> Hpa(const std::string& metric, double target, int32_t min,
                            int32_t max) {
  hpa::AutoscalerSpec spec;
  spec.min_replicas = min;
  spec.max_replicas = max;
  spec.metrics = {hpa::MetricSpec::PodsAverageValue(metric,
                                                    static_cast<int64_t>(target * 1000))};
  spec.behavior = hpa::DefaultBehavior();
  return std::make_unique<HorizontalAutoscaler>(HorizontalAutoscaler::Create(spec).value());
}

// `replicas` Ready pods; each named metric reports `value` per pod.
Observation Pods(int32_t replicas, const std::vector<std::pair<std::string, double>>& values,
                 absl::Time now) {
  Observation obs;
  obs.current_replicas = replicas;
  for (int32_t i = 0; i < replicas; ++i) {
    obs.pods.push_back(hpa::Pod::Ready(absl::StrCat("agent-", i)));
  }
  for (const auto& [name, v] : values) {
    MetricObservation& m = obs.AddMetric(name);
    for (int32_t i = 0; i < replicas; ++i) m.AddPodValue(absl::StrCat("agent-", i), v, now);
  }
  return obs;
}

TEST(BoundsOverride, RaisesMinAndLowersMaxInsideWindows) {
  std::vector<BoundsWindow> windows = {
      {"month_end_surge", kCombinatorsT0 + absl::Hours(1), kCombinatorsT0 + absl::Hours(2), 6, std::nullopt},
      {"night_cap", kCombinatorsT0 + absl::Hours(3), kCombinatorsT0 + absl::Hours(4), std::nullopt, 2},
  };
  ASSERT_OK_AND_ASSIGN(auto p, BoundsOverride::Create(Hpa("tasks", 70, 1, 10), windows));
  EXPECT_EQ(p->min_replicas(), 1);
  EXPECT_EQ(p->max_replicas(), 10);
  // Outside every window: the HPA's own decision (3 at 70/pod: hold).
  ASSERT_OK_AND_ASSIGN(Decision d, p->Decide(kCombinatorsT0, Pods(3, {{"tasks", 70}}, kCombinatorsT0)));
  EXPECT_FALSE(d.rescale);
  EXPECT_TRUE(d.adjustments.empty());
  // In the surge: raised to 6, explained, and the HPA is not committed.
  const absl::Time t1 = kCombinatorsT0 + absl::Minutes(90);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t1, Pods(3, {{"tasks", 70}}, t1)));
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_TRUE(d.rescale);
  ASSERT_EQ(d.adjustments.size(), 1u);
  EXPECT_EQ(d.adjustments[0], (Adjustment{AdjustmentKind::kBounds, 3, 6, "month_end_surge"}));
  EXPECT_THAT(d.Explain(), HasSubstr("3 -> 6 (scale up)"));
  EXPECT_THAT(d.Explain(), HasSubstr("; bounds month_end_surge raised 3 to 6"));
  ASSERT_THAT(p->Commit(d), IsOk());
  EXPECT_THAT(p->Commit(d), StatusIs(absl::StatusCode::kFailedPrecondition));
  // Under the night cap: high load asks for more, the cap holds 2.
  const absl::Time t3 = kCombinatorsT0 + absl::Minutes(200);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t3, Pods(2, {{"tasks", 500}}, t3)));
  EXPECT_EQ(d.desired_replicas, 2);
  EXPECT_FALSE(d.rescale);
  EXPECT_THAT(d.Explain(), HasSubstr("bounds night_cap lowered"));
}

TEST(BoundsOverride, CreateErrors) {
  EXPECT_THAT(BoundsOverride::Create(Hpa("tasks", 70, 1, 10),
                                     {{"w", kCombinatorsT0, kCombinatorsT0 - absl::Seconds(1), 1, 2}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("windows[0] (w)")));
  EXPECT_THAT(BoundsOverride::Create(Hpa("tasks", 70, 1, 10), {{"w", kCombinatorsT0, kCombinatorsT0, -1, {}}})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("negative")));
  EXPECT_THAT(BoundsOverride::Create(nullptr, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument));
}

TEST(FloorFrom, RaisesNeverLowersAndCapsAtMax) {
  std::optional<int32_t> floor;
  ASSERT_OK_AND_ASSIGN(auto p, FloorFrom::Create(Hpa("tasks", 70, 1, 10), "forecast",
                                                 [&](absl::Time) { return floor; }));
  floor = 12;  // above max: capped at 10
  ASSERT_OK_AND_ASSIGN(Decision d, p->Decide(kCombinatorsT0, Pods(3, {{"tasks", 70}}, kCombinatorsT0)));
  EXPECT_EQ(d.desired_replicas, 10);
  floor = 1;  // below the HPA's own count: no change
  const absl::Time t1 = kCombinatorsT0 + absl::Seconds(15);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t1, Pods(3, {{"tasks", 140}}, t1)));
  EXPECT_EQ(d.desired_replicas, 6);
  EXPECT_TRUE(d.adjustments.empty());
  // The HPA's own decision was applied: it is committed (its scale-up
  // event is recorded).
  ASSERT_THAT(p->Commit(d), IsOk());
  const PolicyState s = p->ExportPolicyState();
  ASSERT_EQ(s.children.size(), 1u);
  EXPECT_THAT(s.children[0].state_json, HasSubstr("SucceededRescale"));
}

TEST(MaxOf, OutIfAnyInIfAll) {
  std::vector<std::unique_ptr<Policy>> ps;
  ps.push_back(Hpa("cpu_like", 70, 2, 10));
  ps.push_back(Hpa("memory_like", 80, 2, 10));
  ASSERT_OK_AND_ASSIGN(auto p, MaxOf::Create(std::move(ps)));
  ASSERT_EQ(p->metrics().size(), 2u);
  EXPECT_EQ(p->min_replicas(), 2);
  // The second says out (160/80 on 4 -> 8), the first in (35/70 -> 2).
  ASSERT_OK_AND_ASSIGN(Decision d,
                       p->Decide(kCombinatorsT0, Pods(4, {{"cpu_like", 35}, {"memory_like", 160}}, kCombinatorsT0)));
  EXPECT_EQ(d.desired_replicas, 8);
  ASSERT_EQ(p->decisions().size(), 2u);
  EXPECT_EQ(p->decisions()[0].metric_replicas, 2);
  EXPECT_THAT(d.Explain(), HasSubstr("max-of policy #1 raised"));
  ASSERT_THAT(p->Commit(d), IsOk());
  EXPECT_TRUE(p->decisions()[1].committed);   // applied as it asked
  EXPECT_FALSE(p->decisions()[0].committed);  // overridden
  // Scale-in only when both say in.
  const absl::Time t1 = kCombinatorsT0 + absl::Seconds(15);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t1, Pods(8, {{"cpu_like", 10}, {"memory_like", 80}}, t1)));
  EXPECT_EQ(d.desired_replicas, 8);
  // A metric the observation lacks fails in the policy that reads it (as a
  // metrics API error), it is not an error of the combinator.
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t1 + absl::Seconds(15),
                                    Pods(8, {{"cpu_like", 10}}, t1 + absl::Seconds(15))));
  EXPECT_FALSE(p->decisions()[1].error.ok());
}

TEST(MaxOf, CreateErrorsAndStateRoundTrip) {
  EXPECT_THAT(MaxOf::Create({}).status(), StatusIs(absl::StatusCode::kInvalidArgument));
  std::vector<std::unique_ptr<Policy>> ps;
  ps.push_back(Hpa("a", 70, 1, 10));
  ps.push_back(Hpa("b", 70, 1, 10));
  ASSERT_OK_AND_ASSIGN(auto p, MaxOf::Create(std::move(ps)));
  ASSERT_OK_AND_ASSIGN(Decision d, p->Decide(kCombinatorsT0, Pods(2, {{"a", 140}, {"b", 10}}, kCombinatorsT0)));
  ASSERT_THAT(p->Commit(d), IsOk());
  const std::string json = PolicyStateToJson(p->ExportPolicyState());
  ASSERT_OK_AND_ASSIGN(PolicyState s, PolicyStateFromJson(json));
  std::unique_ptr<Policy> fresh = p->Clone();
  ASSERT_THAT(fresh->ImportPolicyState(s), IsOk());
  EXPECT_EQ(fresh->ExportPolicyState(), p->ExportPolicyState());
  s.children.pop_back();
  EXPECT_THAT(fresh->ImportPolicyState(s),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("has 1 children")));
}

ActivationOptions QueueActivation(double threshold) {
  ActivationOptions o;
  o.metric.type = hpa::MetricSourceType::kExternal;
  o.metric.name = "queue";
  o.activation_threshold = threshold;
  o.idle_replicas = 0;
  o.cooldown = absl::Seconds(300);
  return o;
}

Observation WithQueue(int32_t replicas, double tasks, double queue, absl::Time now) {
  Observation obs = Pods(replicas, {{"tasks", tasks}}, now);
  obs.AddMetric("queue").AddExternalValue(queue);
  return obs;
}

TEST(Activation, FromZeroAndToIdleAfterCooldown) {
  ASSERT_OK_AND_ASSIGN(auto p, Activation::Create(Hpa("tasks", 70, 2, 10), QueueActivation(5)));
  EXPECT_EQ(p->min_replicas(), 0);
  ASSERT_EQ(p->metrics().size(), 2u);  // the HPA's, then the activation metric
  // At zero and inactive (5 is not > 5): hold at zero, the HPA not asked.
  ASSERT_OK_AND_ASSIGN(Decision d, p->Decide(kCombinatorsT0, WithQueue(0, 0, 5, kCombinatorsT0)));
  EXPECT_FALSE(d.rescale);
  EXPECT_FALSE(p->active());
  // Active at zero: scale from zero to the HPA's min.
  const absl::Time t1 = kCombinatorsT0 + absl::Seconds(30);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t1, WithQueue(0, 0, 6, t1)));
  EXPECT_TRUE(p->active());
  EXPECT_EQ(d.desired_replicas, 2);
  EXPECT_THAT(d.Explain(), HasSubstr("activation queue raised 0 to 2"));
  ASSERT_THAT(p->Commit(d), IsOk());
  // Inactive, within the cooldown: the HPA decides (holds at its min).
  const absl::Time t2 = t1 + absl::Seconds(299);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t2, WithQueue(2, 0, 0, t2)));
  EXPECT_EQ(d.desired_replicas, 2);
  // Cooldown over since the last active decision: to idle.
  const absl::Time t3 = t1 + absl::Seconds(300);
  ASSERT_OK_AND_ASSIGN(d, p->Decide(t3, WithQueue(2, 0, 0, t3)));
  EXPECT_EQ(d.desired_replicas, 0);
  EXPECT_THAT(d.Explain(), HasSubstr("activation queue lowered 2 to 0"));
  ASSERT_THAT(p->Commit(d), IsOk());

  // State carries the last active time.
  const PolicyState s = p->ExportPolicyState();
  EXPECT_THAT(s.state_json, HasSubstr("last_active"));
  std::unique_ptr<Policy> copy = p->Clone();
  ASSERT_THAT(copy->ImportPolicyState(s), IsOk());
  EXPECT_EQ(copy->ExportPolicyState(), s);
}

TEST(Activation, FailedMetricHoldsAndCreateErrors) {
  ASSERT_OK_AND_ASSIGN(auto p, Activation::Create(Hpa("tasks", 70, 2, 10), QueueActivation(0)));
  Observation obs = Pods(0, {{"tasks", 0}}, kCombinatorsT0);
  obs.AddMetric("queue").AddExternalValue(-1);  // invalid: the read failed
  ASSERT_OK_AND_ASSIGN(Decision d, p->Decide(kCombinatorsT0, obs));
  EXPECT_FALSE(d.rescale);
  // Without the metric at all: an error naming it.
  EXPECT_THAT(p->Decide(kCombinatorsT0 + absl::Seconds(1), Pods(0, {{"tasks", 0}}, kCombinatorsT0)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("\"queue\"")));
  ActivationOptions bad = QueueActivation(-1);
  EXPECT_THAT(Activation::Create(Hpa("tasks", 70, 2, 10), bad).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("threshold")));
  bad = QueueActivation(0);
  bad.idle_replicas = 2;
  EXPECT_THAT(Activation::Create(Hpa("tasks", 70, 2, 10), bad).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("idle_replicas")));
}

TEST(Combinators, NestAndRunThroughTheFluidReplay) {
  // An HPA raised by a window, floored by a forecast, over a demand step.
  std::vector<BoundsWindow> windows = {
      {"surge", absl::FromUnixSeconds(600), absl::FromUnixSeconds(900), 5, std::nullopt}};
  ASSERT_OK_AND_ASSIGN(auto bounded,
                       BoundsOverride::Create(Hpa("tasks", 70, 1, 10), windows));
  ASSERT_OK_AND_ASSIGN(
      auto floored,
      FloorFrom::Create(std::move(bounded), "forecast",
                        [](absl::Time t) -> std::optional<int32_t> {
                          return t >= absl::FromUnixSeconds(1500) ? std::optional<int32_t>(3)
                                                                  : std::nullopt;
                        }));
  sim::Trace demand = sim::ConstantTrace(70, absl::Minutes(40), absl::Minutes(1));
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r, sim::FluidReplay(*floored, {{"tasks", &demand}}));
  auto at = [&](double t) {
    for (size_t i = 0; i < r.time_seconds.size(); ++i) {
      if (r.time_seconds[i] == t) return r.replicas[i];
    }
    return -1;
  };
  EXPECT_EQ(at(0), 1);     // 70 tasks on 1 pod: at target
  EXPECT_EQ(at(600), 5);   // the window raises to 5
  EXPECT_EQ(at(1500), 3);  // after it, the HPA scales in; the floor holds 3
  EXPECT_EQ(at(2340), 3);
}

}  // namespace
}  // namespace agentscale

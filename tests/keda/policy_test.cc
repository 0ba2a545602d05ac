// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The KEDA family: KEDA's poll (activation, cooldown, idle, initial
// cooldown), fallback with every behavior and metric type, paused
// annotations, scalingModifiers, the generated HPA, state, explanations.
// Instants are offsets in seconds from the ScaledObject's creation.

#include "agentscale/keda/policy.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/keda/scaled_object.h"
#include "agentscale/policy/state.h"
#include "agentscale/sim/keda_replay.h"
#include "agentscale/sim/trace.h"
#include "testing/status_matchers.h"

namespace agentscale::keda {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 = absl::FromUnixSeconds(1'700'000'000);

ScaledObjectSpec Seed() {
  ScaledObjectSpec so;
  so.name = "matillion-agent-scaler";
  so.scale_target_ref.name = "matillion-agent";
  so.triggers.push_back(Trigger::Prometheus("sum(app_pending_tasks)", 50));
  return so;
}

// Drives a policy as the fluid replay does: the count changes when a
// decision rescales, and each rescale is committed.
class Driver {
 public:
  explicit Driver(ScaledObjectSpec so, int32_t replicas = -1, ScaledObjectOptions options = {})
      : so_(std::move(so)) {
    auto p = ScaledObjectPolicy::Create(so_, options);
    EXPECT_THAT(p.status(), IsOk());
    policy_ = std::move(*p);
    replicas_ = replicas >= 0 ? replicas : std::max(so_.min_replica_count, 1);
  }

  // One instant d with the trigger values (nullopt: the read failed).
  int32_t At(int64_t d, std::vector<std::optional<double>> values) {
    Observation obs;
    obs.current_replicas = replicas_;
    obs.status_replicas = replicas_;
    obs.AddReadyPods(replicas_);
    for (size_t i = 0; i < values.size(); ++i) {
      MetricObservation& mo = obs.AddMetric(policy_->metrics()[i].name);
      if (values[i].has_value()) {
        mo.AddExternalValue(*values[i]);
      } else {
        mo.error = absl::UnavailableError("prometheus is down");
      }
    }
    last_ = Decision();
    absl::Status st = policy_->Decide(kT0 + absl::Seconds(d), obs, &last_);
    EXPECT_THAT(st, IsOk()) << "at d=" << d;
    if (st.ok() && last_.rescale) {
      replicas_ = last_.desired_replicas;
      EXPECT_THAT(policy_->Commit(last_), IsOk());
    }
    return replicas_;
  }
  int32_t At(int64_t d, double value) { return At(d, std::vector<std::optional<double>>{value}); }
  int32_t Failed(int64_t d) {
    return At(d, std::vector<std::optional<double>>{std::nullopt});
  }

  ScaledObjectPolicy& policy() { return *policy_; }
  const Decision& last() const { return last_; }
  int32_t replicas() const { return replicas_; }

 private:
  ScaledObjectSpec so_;
  std::unique_ptr<ScaledObjectPolicy> policy_;
  int32_t replicas_ = 0;
  Decision last_;
};

// --- the generated HPA ---------------------------------------------------------

TEST(GeneratedHpaTest, SeedDefaults) {
  absl::StatusOr<hpa::AutoscalerSpec> h = GeneratedHpa(Seed());
  ASSERT_THAT(h.status(), IsOk());
  EXPECT_EQ(h->name, "keda-hpa-matillion-agent-scaler");
  EXPECT_EQ(h->min_replicas, 1);  // max(minReplicaCount 0, 1)
  EXPECT_EQ(h->max_replicas, 100);
  ASSERT_EQ(h->metrics.size(), 1u);
  EXPECT_EQ(h->metrics[0].type, hpa::MetricSourceType::kExternal);
  EXPECT_EQ(h->metrics[0].name, "s0-prometheus");
  EXPECT_EQ(h->metrics[0].target.average_value_milli, 50000);
  EXPECT_FALSE(h->behavior.has_value());  // the legacy path
}

TEST(GeneratedHpaTest, TriggersAreNamedByTheirPosition) {
  ScaledObjectSpec so = Seed();
  so.triggers.push_back(Trigger::Prometheus("sum(app_active_task_count)", 70));
  absl::StatusOr<hpa::AutoscalerSpec> h = GeneratedHpa(so);
  ASSERT_THAT(h.status(), IsOk());
  ASSERT_EQ(h->metrics.size(), 2u);
  EXPECT_EQ(h->metrics[0].name, "s0-prometheus");
  EXPECT_EQ(h->metrics[1].name, "s1-prometheus");
  auto p = ScaledObjectPolicy::Create(so);
  ASSERT_THAT(p.status(), IsOk());
  EXPECT_EQ((*p)->metrics()[1].name, "s1-prometheus");
}

TEST(GeneratedHpaTest, TargetTruncatesToMilli) {
  ScaledObjectSpec so = Seed();
  so.triggers[0].target = 1024.1;  // 1024.1 * 1000 = 1024099.99...
  so.triggers[0].metric_type = hpa::MetricTargetType::kValue;
  so.min_replica_count = 3;
  absl::StatusOr<hpa::AutoscalerSpec> h = GeneratedHpa(so);
  ASSERT_THAT(h.status(), IsOk());
  EXPECT_EQ(h->min_replicas, 3);
  EXPECT_EQ(h->metrics[0].target.value_milli, 1024099);
}

TEST(GeneratedHpaTest, PausedDirectionsDisableTheBehavior) {
  ScaledObjectSpec so = Seed();
  so.paused_scale_in = true;
  absl::StatusOr<hpa::AutoscalerSpec> h = GeneratedHpa(so);
  ASSERT_THAT(h.status(), IsOk());
  ASSERT_TRUE(h->behavior.has_value());
  EXPECT_EQ(h->behavior->scale_down.select_policy, hpa::SelectPolicy::kDisabled);
  EXPECT_EQ(h->behavior->scale_up.select_policy, hpa::SelectPolicy::kMax);
}

struct InvalidCase {
  std::string name;
  void (*edit)(ScaledObjectSpec*);
  std::string path;
};

class ValidateTest : public ::testing::TestWithParam<InvalidCase> {};

TEST_P(ValidateTest, NamesTheField) {
  ScaledObjectSpec so = Seed();
  GetParam().edit(&so);
  std::vector<hpa::FieldError> errors = ValidateScaledObject(so);
  ASSERT_FALSE(errors.empty());
  EXPECT_EQ(errors[0].path, GetParam().path) << errors[0].message;
}

INSTANTIATE_TEST_SUITE_P(
    Keda, ValidateTest,
    ::testing::ValuesIn(std::vector<InvalidCase>{
        {"PollingZero", [](ScaledObjectSpec* s) { s->polling_interval_seconds = 0; },
         "spec.pollingInterval"},
        {"MinAboveMax",
         [](ScaledObjectSpec* s) {
           s->min_replica_count = 5;
           s->max_replica_count = 4;
         },
         "spec.minReplicaCount"},
        {"IdleNotBelowMin",
         [](ScaledObjectSpec* s) {
           s->min_replica_count = 2;
           s->idle_replica_count = 2;
         },
         "spec.idleReplicaCount"},
        {"NoTriggers", [](ScaledObjectSpec* s) { s->triggers.clear(); }, "spec.triggers"},
        {"ZeroThreshold", [](ScaledObjectSpec* s) { s->triggers[0].target = 0.0004; },
         "spec.triggers[0].metadata"},
        {"ModifiersNeedNames",
         [](ScaledObjectSpec* s) { s->scaling_modifiers = ScalingModifiers{"a", 10, 0}; },
         "spec.triggers[0].name"},
        {"BadBehavior",
         [](ScaledObjectSpec* s) {
           s->behavior = hpa::Behavior{hpa::DefaultScaleUpRules(), hpa::DefaultScaleDownRules()};
           s->behavior->scale_up.policies[0].period = absl::ZeroDuration();
         },
         "spec.advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies[0]."
         "periodSeconds"},
    }),
    [](const ::testing::TestParamInfo<InvalidCase>& info) { return info.param.name; });

// --- the poll: KEDA_REPLAY.md §9's worked example --------------------------------

TEST(KedaPolicyTest, WorkedExample) {
  // Trace 0 s -> 0, 60 s -> 400, 120 s -> 0; P 30, C 300, min 0.
  Driver d(Seed());
  auto v = [](int64_t t) { return t < 60 ? 0.0 : t < 120 ? 400.0 : 0.0; };
  std::vector<std::pair<int64_t, int32_t>> expect = {
      {0, 1},   {15, 1},  {30, 0},  {45, 0},  {60, 4},  {75, 8},  {90, 8},
      {105, 8}, {120, 8}, {390, 8}, {405, 8}, {420, 0}, {435, 0}};
  size_t k = 0;
  for (int64_t t = 0; t <= 435; t += 15) {
    const int32_t r = d.At(t, v(t));
    if (k < expect.size() && expect[k].first == t) {
      EXPECT_EQ(r, expect[k].second) << "at d=" << t << ": " << d.last().Explain();
      ++k;
    }
  }
  EXPECT_EQ(k, expect.size());
}

TEST(KedaPolicyTest, ActivationIsStrict) {
  ScaledObjectSpec so = Seed();
  so.triggers[0].activation_target = 5;
  Driver d(so, /*replicas=*/0);
  EXPECT_EQ(d.At(0, 5.0), 0);  // 5 <= activation 5: inactive
  EXPECT_THAT(d.last().Explain(), HasSubstr("inactive (s0-prometheus 5 <= activation 5)"));
  EXPECT_EQ(d.At(30, 5.001), 1);  // strictly above: scale from zero
  EXPECT_THAT(d.last().Explain(), HasSubstr("scaled from zero to 1"));
}

TEST(KedaPolicyTest, CooldownCountsFromTheLastActivePollStrictly) {
  Driver d(Seed());
  d.At(0, 10.0);  // active: lastActive = 0
  for (int64_t t = 15; t <= 300; t += 15) d.At(t, 0.0);
  // lastActive 0 + 300 < 300 is false: still 1.
  EXPECT_EQ(d.replicas(), 1);
  EXPECT_EQ(d.At(315, 0.0), 1);  // not a poll instant (P = 30)
  EXPECT_EQ(d.At(330, 0.0), 0);  // 0 + 300 < 330
}

TEST(KedaPolicyTest, InitialCooldownFromCreation) {
  ScaledObjectSpec so = Seed();
  so.initial_cooldown_period_seconds = 60;
  Driver d(so);
  EXPECT_EQ(d.At(0, 0.0), 1);
  EXPECT_EQ(d.At(30, 0.0), 1);
  EXPECT_EQ(d.At(60, 0.0), 1);  // creation + 60 < 60 is false
  EXPECT_EQ(d.At(90, 0.0), 0);
}

TEST(KedaPolicyTest, IdleReplicaCount) {
  ScaledObjectSpec so = Seed();
  so.min_replica_count = 3;
  so.idle_replica_count = 0;
  Driver d(so);
  EXPECT_EQ(d.At(0, 0.0), 3);
  // Inactive: down to idle after the initial cooldown (0): at the next poll.
  EXPECT_EQ(d.At(30, 0.0), 0);
  // Active again: from idle to min, then the HPA.
  EXPECT_EQ(d.At(60, 1.0), 3);
}

TEST(KedaPolicyTest, RaisedToMinWithoutIdle) {
  ScaledObjectSpec so = Seed();
  so.min_replica_count = 2;
  Driver d(so, /*replicas=*/1);
  // Inactive, idle unset, 1 < min 2: KEDA sets min; the HPA agrees.
  EXPECT_EQ(d.At(0, 0.0), 2);
}

TEST(KedaPolicyTest, PollsBetweenSyncsShowAtTheNextSync) {
  ScaledObjectSpec so = Seed();
  so.polling_interval_seconds = 20;
  Driver d(so, /*replicas=*/0);
  ASSERT_EQ(d.policy().PollAndSyncStep(), absl::Seconds(5));
  EXPECT_EQ(d.At(0, 0.0), 0);
  EXPECT_EQ(d.At(5, 100.0), 0);   // neither a poll nor a sync
  EXPECT_EQ(d.last().path, DecisionPath::kFamily);
  EXPECT_EQ(d.At(10, 100.0), 0);
  EXPECT_EQ(d.At(15, 100.0), 0);  // a sync at 0 replicas does nothing
  EXPECT_EQ(d.At(20, 100.0), 1);  // the poll at 20 scales from zero
  EXPECT_FALSE(d.policy().last_step().synced);
  EXPECT_EQ(d.At(25, 100.0), 1);
  EXPECT_EQ(d.At(30, 100.0), 2);  // the HPA: ceil(100 / 50)
}

// --- fallback -------------------------------------------------------------------

struct FallbackCase {
  std::string name;
  FallbackBehavior behavior;
  hpa::MetricTargetType type;
  int32_t current;
  int32_t fallback_replicas;
  int32_t expected;
};

class FallbackTest : public ::testing::TestWithParam<FallbackCase> {};

TEST_P(FallbackTest, ServesTheFallbackAfterTheThreshold) {
  const FallbackCase& c = GetParam();
  ScaledObjectSpec so = Seed();
  so.min_replica_count = 1;
  so.fallback = Fallback{2, c.fallback_replicas, c.behavior};
  so.triggers[0].metric_type = c.type;
  so.behavior = hpa::Behavior{hpa::DefaultScaleUpRules(), hpa::DefaultScaleDownRules()};
  so.behavior->scale_down.stabilization_window = absl::ZeroDuration();
  so.behavior->scale_up.policies = {{hpa::PolicyType::kPods, 100, absl::Seconds(15)}};
  Driver d(so, c.current);
  // The metric holds the count where it is while healthy.
  const double hold = c.type == hpa::MetricTargetType::kValue ? 50.0 : 50.0 * c.current;
  EXPECT_EQ(d.At(0, hold), c.current);
  // Failures 1 and 2 (not > 2): the HPA holds, as with any failed metric.
  EXPECT_EQ(d.Failed(15), c.current);
  EXPECT_EQ(d.Failed(30), c.current);
  EXPECT_FALSE(d.policy().last_step().fallback);
  // Failure 3 > 2: the fallback count.
  EXPECT_EQ(d.Failed(45), c.expected) << d.last().Explain();
  EXPECT_TRUE(d.policy().last_step().fallback);
  EXPECT_THAT(d.last().Explain(), HasSubstr("3 failures > threshold 2"));
  EXPECT_THAT(d.last().Explain(), HasSubstr(FallbackBehaviorName(c.behavior)));
  // A success resets the count.
  d.At(60, hold);
  EXPECT_EQ(d.policy().failures()[0], 0);
}

INSTANTIATE_TEST_SUITE_P(
    Keda, FallbackTest,
    ::testing::ValuesIn(std::vector<FallbackCase>{
        {"StaticAverageValue", FallbackBehavior::kStatic, hpa::MetricTargetType::kAverageValue, 3,
         6, 6},
        {"StaticValue", FallbackBehavior::kStatic, hpa::MetricTargetType::kValue, 3, 6, 6},
        {"StaticDown", FallbackBehavior::kStatic, hpa::MetricTargetType::kAverageValue, 8, 2, 2},
        {"CurrentReplicas", FallbackBehavior::kCurrentReplicas,
         hpa::MetricTargetType::kAverageValue, 5, 9, 5},
        {"CurrentReplicasValue", FallbackBehavior::kCurrentReplicas,
         hpa::MetricTargetType::kValue, 5, 9, 5},
        {"IfHigherTakesFallback", FallbackBehavior::kCurrentReplicasIfHigher,
         hpa::MetricTargetType::kAverageValue, 3, 7, 7},
        {"IfHigherKeepsCurrent", FallbackBehavior::kCurrentReplicasIfHigher,
         hpa::MetricTargetType::kAverageValue, 8, 2, 8},
        {"IfLowerTakesFallback", FallbackBehavior::kCurrentReplicasIfLower,
         hpa::MetricTargetType::kAverageValue, 8, 2, 2},
        {"IfLowerKeepsCurrent", FallbackBehavior::kCurrentReplicasIfLower,
         hpa::MetricTargetType::kValue, 3, 7, 3},
    }),
    [](const ::testing::TestParamInfo<FallbackCase>& info) { return info.param.name; });

TEST(KedaPolicyTest, FailedTriggerWithFallbackIsNotScaledToZero) {
  ScaledObjectSpec so = Seed();
  so.fallback = Fallback{3, 4, FallbackBehavior::kStatic};
  Driver d(so);
  EXPECT_EQ(d.Failed(0), 1);
  EXPECT_EQ(d.Failed(30), 1);  // inactive with an error and fallback.replicas 4: no scale-in
  EXPECT_THAT(d.last().Explain(), HasSubstr("not scaled in"));
  ScaledObjectSpec plain = Seed();
  Driver e(plain);
  EXPECT_EQ(e.Failed(0), 1);
  EXPECT_EQ(e.Failed(30), 0);  // no fallback: inactive, cooldown passed
}

// --- scalingModifiers --------------------------------------------------------------

ScaledObjectSpec Modified(const std::string& formula) {
  ScaledObjectSpec so = Seed();
  so.triggers[0].name = "queue";
  Trigger second = Trigger::Prometheus("sum(app_active_task_count)", 100);
  second.name = "busy";
  second.metric_name = KedaMetricName(1, "prometheus");
  so.triggers.push_back(second);
  so.scaling_modifiers = ScalingModifiers{formula, /*target=*/10, /*activation_target=*/5};
  return so;
}

TEST(KedaModifiersTest, TheCompositeDrivesTheHpaAndActivation) {
  Driver d(Modified("(queue + busy) / 2"), /*replicas=*/0);
  ASSERT_EQ(d.policy().hpa().spec().metrics.size(), 1u);
  EXPECT_EQ(d.policy().hpa().spec().metrics[0].name, "composite-metric");
  // composite (4 + 6) / 2 = 5: not above activationTarget 5.
  EXPECT_EQ(d.At(0, {4.0, 6.0}), 0);
  EXPECT_THAT(d.last().Explain(), HasSubstr("inactive (composite 5 <= activation 5)"));
  // composite (20 + 40) / 2 = 30 > 5: from zero to 1, then the HPA on the
  // composite: ceil(30 / 10) = 3.
  EXPECT_EQ(d.At(30, {20.0, 40.0}), 3);
  EXPECT_THAT(d.last().Explain(), HasSubstr("active (composite 30 > activation 5)"));
}

TEST(KedaModifiersTest, AFailedTriggerIsNilAndCoalesceRoutesAroundIt) {
  ScaledObjectSpec so = Modified("queue ?? busy ?? 0");
  Driver d(so, /*replicas=*/1);
  EXPECT_EQ(d.At(0, {std::nullopt, 40.0}), 4);  // queue failed: busy's 40 / 10
  ScaledObjectSpec strict = Modified("queue + busy");
  strict.fallback = Fallback{1, 7, FallbackBehavior::kStatic};
  Driver f(strict, /*replicas=*/2);
  EXPECT_EQ(f.At(0, {10.0, 10.0}), 2);             // composite 20 / 10 = 2
  EXPECT_EQ(f.At(15, {std::nullopt, 10.0}), 2);    // nil + 10 fails; 1 failure, held
  EXPECT_EQ(f.At(30, {std::nullopt, 10.0}), 4);    // 2 > 1: fallback 7 x 10; legacy limit 4
  EXPECT_TRUE(f.last().fallback);
}

TEST(KedaModifiersTest, AFormulaThatDoesNotCompileIsRefused) {
  EXPECT_THAT(ScaledObjectPolicy::Create(Modified("queue + nope")).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("unknown trigger \"nope\"")));
}

// --- annotations ----------------------------------------------------------------

TEST(KedaPolicyTest, PausedReplicasHoldsTheCount) {
  ScaledObjectSpec so = Seed();
  so.paused_replicas = 4;
  Driver d(so, /*replicas=*/1);
  EXPECT_EQ(d.At(0, 1000.0), 4);
  EXPECT_EQ(d.At(15, 0.0), 4);
  EXPECT_THAT(d.last().Explain(), HasSubstr("paused at 4"));
}

TEST(KedaPolicyTest, PausedScaleOutBlocksScaleFromZero) {
  ScaledObjectSpec so = Seed();
  so.paused_scale_out = true;
  Driver d(so, /*replicas=*/0);
  EXPECT_EQ(d.At(0, 500.0), 0);
  EXPECT_THAT(d.last().Explain(), HasSubstr("scale-out paused"));
}

TEST(KedaPolicyTest, ForceActivationKeepsItUp) {
  ScaledObjectSpec so = Seed();
  so.force_activation = true;
  Driver d(so);
  for (int64_t t = 0; t <= 900; t += 15) d.At(t, 0.0);
  EXPECT_EQ(d.replicas(), 1);
}

// --- state and clone -------------------------------------------------------------

TEST(KedaPolicyTest, StateRoundTripContinuesIdentically) {
  Driver a(Seed());
  a.At(0, 10.0);
  a.At(15, 400.0);
  a.At(30, 0.0);
  PolicyState s = a.policy().ExportPolicyState();
  absl::StatusOr<PolicyState> back = PolicyStateFromJson(PolicyStateToJson(s));
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(*back, s);
  Driver b(Seed(), a.replicas());
  ASSERT_THAT(b.policy().ImportPolicyState(*back), IsOk());
  for (int64_t t = 45; t <= 600; t += 15) {
    EXPECT_EQ(a.At(t, 0.0), b.At(t, 0.0)) << "at d=" << t;
  }
}

TEST(KedaPolicyTest, BadStateIsRefusedAndChangesNothing) {
  Driver a(Seed());
  a.At(0, 10.0);
  PolicyState s = a.policy().ExportPolicyState();
  s.state_json = R"({"failures": [1, 2]})";
  EXPECT_THAT(a.policy().ImportPolicyState(s), StatusIs(absl::StatusCode::kInvalidArgument));
  s.state_json = R"({"last_active": "9999-12-31T23:59:59Z", "bogus": 1, "failures": [0]})";
  EXPECT_THAT(a.policy().ImportPolicyState(s), StatusIs(absl::StatusCode::kInvalidArgument));
  EXPECT_EQ(a.policy().last_active(), kT0);
}

TEST(KedaPolicyTest, TimeGoingBackwardsIsAnError) {
  Driver d(Seed());
  d.At(30, 0.0);
  Observation obs;
  obs.current_replicas = 1;
  obs.AddMetric("s0-prometheus").AddExternalValue(0);
  Decision out;
  EXPECT_THAT(d.policy().Decide(kT0, obs, &out), StatusIs(absl::StatusCode::kInvalidArgument));
}

// --- the replay -----------------------------------------------------------------

TEST(KedaReplayTest, WorkedExampleThroughTheFluidReplay) {
  sim::Trace trace;
  trace.time_seconds = {0, 60, 120, 600};
  trace.values = {0, 400, 0, 0};
  absl::StatusOr<sim::FluidResult> r = sim::ReplayScaledObject(Seed(), {{"", &trace}});
  ASSERT_THAT(r.status(), IsOk());
  ASSERT_EQ(r->time_seconds.size(), 41u);  // 0, 15, ..., 600
  auto at = [&](int d) { return r->replicas[static_cast<size_t>(d / 15)]; };
  EXPECT_EQ(at(0), 1);
  EXPECT_EQ(at(30), 0);
  EXPECT_EQ(at(60), 4);
  EXPECT_EQ(at(75), 8);
  EXPECT_EQ(at(405), 8);
  EXPECT_EQ(at(420), 0);
}

TEST(KedaReplayTest, NullSamplesFollowIgnoreNullValues) {
  sim::Trace trace;
  trace.time_seconds = {0, 30, 60};
  trace.values = {100, std::nan(""), std::nan("")};
  ScaledObjectSpec so = Seed();
  so.min_replica_count = 1;
  absl::StatusOr<sim::FluidResult> zero = sim::ReplayScaledObject(so, {{"", &trace}});
  ASSERT_THAT(zero.status(), IsOk());
  EXPECT_EQ(zero->demand[2], 0);  // null reads as 0
  so.triggers[0].ignore_null_values = false;
  so.fallback = Fallback{0, 7, FallbackBehavior::kStatic};
  absl::StatusOr<sim::FluidResult> failed = sim::ReplayScaledObject(so, {{"", &trace}});
  ASSERT_THAT(failed.status(), IsOk());
  EXPECT_EQ(failed->replicas.back(), 7);  // failed reads -> fallback
}

TEST(KedaReplayTest, AnOutageServesTheFallbackAndIsCounted) {
  // 200 pending tasks throughout; Prometheus is down from 600 s to 1200 s.
  sim::Trace trace;
  trace.time_seconds = {0, 1800};
  trace.values = {200, 200};
  ScaledObjectSpec so = Seed();
  so.fallback = Fallback{2, 9, FallbackBehavior::kStatic};
  sim::FluidOptions o;
  o.outages.push_back({"s0-prometheus", 600, 1200});
  absl::StatusOr<sim::FluidResult> r = sim::ReplayScaledObject(so, {{"", &trace}}, o);
  ASSERT_THAT(r.status(), IsOk());
  auto at = [&](int d) { return r->replicas[static_cast<size_t>(d / 15)]; };
  EXPECT_EQ(at(585), 4);   // ceil(200 / 50)
  EXPECT_EQ(at(615), 4);   // failures 1 and 2 (not > 2): a failed metric holds
  EXPECT_EQ(at(630), 8);   // failure 3: fallback 9, legacy limit max(2 x 4, 4) = 8
  EXPECT_EQ(at(645), 9);
  EXPECT_EQ(at(1185), 9);  // still out: held at the fallback
  EXPECT_EQ(at(1470), 9);  // back at 1200: the 9 of 1185 is in the 300 s window
  EXPECT_EQ(at(1530), 4);  // and then it is not
  // The fallback was served from 630 s (the third failure) to 1185 s.
  EXPECT_DOUBLE_EQ(r->summary.fallback_seconds, 38 * 15.0);
  // Without a fallback a failed trigger is an inactive one: the HPA holds,
  // but KEDA scales the fleet to zero once the cooldown from the last active
  // poll (570 s) has passed, in the middle of the work.
  so.fallback.reset();
  absl::StatusOr<sim::FluidResult> down = sim::ReplayScaledObject(so, {{"", &trace}}, o);
  ASSERT_THAT(down.status(), IsOk());
  EXPECT_EQ(down->replicas[885 / 15], 4);   // 570 + 300 < 870 is false
  EXPECT_EQ(down->replicas[900 / 15], 0);   // 570 + 300 < 900
  EXPECT_EQ(down->replicas[1185 / 15], 0);
  EXPECT_EQ(down->replicas[1215 / 15], 4);  // back: active, from zero, then the HPA
  EXPECT_EQ(down->summary.fallback_seconds, 0);
}

TEST(KedaReplayTest, BadOutageIsAnError) {
  sim::Trace trace;
  trace.time_seconds = {0};
  trace.values = {1};
  sim::FluidOptions o;
  o.outages.push_back({"", 100, 50});
  EXPECT_THAT(sim::ReplayScaledObject(Seed(), {{"", &trace}}, o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("must end after it starts")));
}

TEST(KedaAgentModelTest, TasksWaitForColdStarts) {
  // Bursts of work with quiet hours between: each burst finds the fleet at
  // zero and waits for a start.
  sim::Trace trace;
  for (int h = 0; h < 6; ++h) {
    trace.time_seconds.push_back(h * 3600.0);
    trace.values.push_back(60);
    trace.time_seconds.push_back(h * 3600.0 + 60);
    trace.values.push_back(0);
  }
  sim::AgentModelOptions o;
  o.service_seconds = 30;
  o.service = sim::ServiceTimeModel::kFixed;
  o.interval = absl::Seconds(60);
  absl::StatusOr<sim::AgentModelResult> r = sim::RunAgentModel(Seed(), trace, o);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_GT(r->summary.scales_from_zero, 3);
  EXPECT_GT(r->summary.cold_start_tasks, 0);
  EXPECT_LE(r->summary.cold_start_tasks, r->tasks_arrived);
  EXPECT_GT(r->summary.time_at_zero_seconds, 3 * 3600.0);
}

TEST(KedaAgentModelTest, TheTriggersQueryReadsTheModelsSeries) {
  // Steady work: 60 tasks a minute of 300 s each for 3 hours (a row per
  // minute: each row's tasks arrive within its minute).
  sim::Trace trace;
  for (int m = 0; m <= 180; ++m) {
    trace.time_seconds.push_back(60.0 * m);
    trace.values.push_back(60);
  }
  sim::AgentModelOptions o;
  o.service = sim::ServiceTimeModel::kFixed;
  o.service_seconds = 300;
  o.interval = absl::Seconds(60);
  // The seed's query reads the queue: agents take every task at once, the
  // queue is empty, and KEDA scales the busy fleet to zero after the
  // cooldown (keda#157); tasks then wait for a cold start.
  absl::StatusOr<sim::AgentModelResult> queue = sim::RunAgentModel(Seed(), trace, o);
  ASSERT_THAT(queue.status(), IsOk());
  EXPECT_GE(queue->summary.scales_from_zero, 1);
  // On the running tasks instead, the fleet stays up.
  ScaledObjectSpec busy = Seed();
  busy.triggers[0].metadata["query"] = "sum(app_active_task_count{pod=~\"agent-.*\"})";
  absl::StatusOr<sim::AgentModelResult> active = sim::RunAgentModel(busy, trace, o);
  ASSERT_THAT(active.status(), IsOk());
  EXPECT_EQ(active->summary.scales_from_zero, 0);
  EXPECT_GE(active->summary.peak_replicas, 2);
  EXPECT_LT(active->summary.wait_p95, queue->summary.wait_p95);
  EXPECT_EQ(active->summary.unserved_tasks, 0);
}

// The same query when work comes in two bursts three hours apart: the fleet
// goes to zero after the first, and a query on running tasks cannot see the
// second burst waiting in the queue, so nothing wakes the fleet. The run
// goes on past the trace (the drain) and reports those tasks as never
// served, with their waits, instead of ending with them uncounted.
TEST(KedaAgentModelTest, TasksStrandedAtZeroCountAsNeverServed) {
  sim::Trace trace;
  trace.time_seconds = {0, 3 * 3600};
  trace.values = {60, 60};
  sim::AgentModelOptions o;
  o.service = sim::ServiceTimeModel::kFixed;
  o.service_seconds = 300;
  o.interval = absl::Seconds(60);
  o.drain_limit = absl::Hours(2);
  ScaledObjectSpec busy = Seed();
  busy.triggers[0].metadata["query"] = "sum(app_active_task_count{pod=~\"agent-.*\"})";
  absl::StatusOr<sim::AgentModelResult> r = sim::RunAgentModel(busy, trace, o);
  ASSERT_THAT(r.status(), IsOk());
  EXPECT_EQ(r->tasks_queued_at_end, 60);
  EXPECT_EQ(r->summary.unserved_tasks, 60);
  EXPECT_EQ(r->summary.wait_tasks, 120);
  EXPECT_NEAR(r->drain_seconds, 7200, 15);
  EXPECT_GT(r->summary.wait_max, 7200);
  // The seed's own query reads the queue and serves the second burst.
  absl::StatusOr<sim::AgentModelResult> seed = sim::RunAgentModel(Seed(), trace, o);
  ASSERT_THAT(seed.status(), IsOk());
  EXPECT_EQ(seed->summary.unserved_tasks, 0);
  EXPECT_LT(seed->summary.wait_max, 600);
}

TEST(KedaReplayTest, UnknownTraceNameIsAnError) {
  sim::Trace trace;
  trace.time_seconds = {0};
  trace.values = {1};
  EXPECT_THAT(sim::ReplayScaledObject(Seed(), {{"queue", &trace}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("s0-prometheus")));
}

}  // namespace
}  // namespace agentscale::keda

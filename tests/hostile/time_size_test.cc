// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Hostile times and sizes: each input that once wedged an engine or grew a
// process without bound (../shared/regressions/README.md, "no file needed")
// gets a clean error, and the engine goes on afterwards.

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/time/civil_time.h"
#include "agentscale/config/presets.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/hpa/state_json.h"
#include "agentscale/keda/policy.h"
#include "agentscale/policy/combinators.h"
#include "agentscale/policy/observation_json.h"
#include "agentscale/policy/state.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/trace.h"
#include "agentscale/time_bounds.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kT0 =
    absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0), absl::UTCTimeZone());

Observation Load(int32_t replicas, double per_pod, absl::Time now) {
  Observation obs;
  obs.current_replicas = replicas;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  MetricObservation& requests = obs.AddMetric("app_active_request_count");
  for (int32_t i = 0; i < replicas; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    tasks.AddPodValue(pod, per_pod, now);
    requests.AddPodValue(pod, per_pod / 2, now);
  }
  return obs;
}

// A ScaledObject with one Prometheus trigger.
keda::ScaledObjectSpec Agents() {
  keda::ScaledObjectSpec so;
  so.name = "agents";
  so.scale_target_ref.name = "agents";
  so.triggers.push_back(keda::Trigger::Prometheus("sum(app_pending_tasks)", 50));
  return so;
}

HorizontalAutoscaler Production() {
  return HorizontalAutoscaler::Create(config::Preset("production").value()).value();
}

TEST(TimeBounds, RangeIsInt64NanosecondsSinceTheEpoch) {
  EXPECT_EQ(EarliestTime(), absl::FromUnixNanos(std::numeric_limits<int64_t>::min()));
  EXPECT_EQ(LatestTime(), absl::FromUnixNanos(std::numeric_limits<int64_t>::max()));
  EXPECT_THAT(CheckTime(LatestTime(), "now"), IsOk());
  EXPECT_THAT(CheckTime(EarliestTime(), "now"), IsOk());
  EXPECT_THAT(CheckTime(LatestTime() + absl::Nanoseconds(1), "now"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("now: 2262-04-11T23:47:16.854775808Z is outside the accepted times")));
  EXPECT_THAT(CheckTime(EarliestTime() - absl::Nanoseconds(1), "t"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("t: ")));
  EXPECT_THAT(CheckTime(absl::InfiniteFuture(), "now"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("infinite-future")));
  EXPECT_THAT(CheckTime(absl::InfinitePast(), "now"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("infinite-past")));
  EXPECT_THAT(CheckUnixSeconds(1.7e9, "now"), IsOk());
  EXPECT_THAT(CheckUnixSeconds(-9.2e9, "now"), IsOk());
  EXPECT_THAT(CheckUnixSeconds(std::nan(""), "now"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cannot be NaN")));
  for (double bad : {9.3e9, -9.3e9, 253402300800.0, 1e300, HUGE_VAL, -HUGE_VAL}) {
    EXPECT_THAT(CheckUnixSeconds(bad, "now"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("outside")))
        << bad;
  }
}

// evaluate(inf) used to be accepted and then every later evaluation failed
// with "time went backwards"; year 10000 likewise.
TEST(HostileTime, InfiniteOrFarNowIsRefusedAndTheEngineGoesOn) {
  for (absl::Time bad :
       {absl::InfiniteFuture(), absl::InfinitePast(),
        absl::FromCivil(absl::CivilSecond(9999, 12, 31, 0, 0, 0), absl::UTCTimeZone()),
        LatestTime() + absl::Seconds(1)}) {
    HorizontalAutoscaler hpa = Production();
    EXPECT_THAT(hpa.Evaluate(bad, Load(3, 50, kT0)).status(),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("now: ")));
    EXPECT_FALSE(hpa.ExportState().last_evaluation.has_value());
    EXPECT_THAT(hpa.Evaluate(kT0, Load(3, 50, kT0)).status(), IsOk());
  }
}

TEST(HostileTime, EveryFamilyRefusesAnInfiniteNow) {
  const keda::ScaledObjectSpec so = Agents();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<keda::ScaledObjectPolicy> keda,
                       keda::ScaledObjectPolicy::Create(so));
  Decision d;
  EXPECT_THAT(keda->Decide(absl::InfiniteFuture(), Observation{}, &d),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("ScaledObject agents: now")));

  std::vector<std::unique_ptr<Policy>> inner;
  inner.push_back(std::make_unique<HorizontalAutoscaler>(Production()));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<MaxOf> max_of, MaxOf::Create(std::move(inner)));
  EXPECT_THAT(max_of->Decide(absl::InfiniteFuture(), Load(3, 50, kT0), &d),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("now: ")));
}

std::string StateWithLastEvaluation(const std::string& when) {
  return absl::StrCat(R"({"format": "agentscale.state/v1", "recommendations": null,
    "scale_up_events": [], "scale_down_events": [], "conditions": [],
    "desired_replicas": null, "last_scale_time": null, "last_evaluation": ")",
                      when, R"("})");
}

// A state whose last evaluation is year 9999 (or infinite-future) wedged the
// engine it was imported into.
TEST(HostileState, FarFutureLastEvaluationIsRefused) {
  EXPECT_THAT(StateFromJson(StateWithLastEvaluation("2026-03-01T12:00:00Z")).status(), IsOk());
  for (const char* when : {"9999-12-31T23:59:59Z", "2262-04-12T00:00:00Z", "infinite-future",
                           "infinite-past", "0001-01-01T00:00:00Z"}) {
    EXPECT_THAT(StateFromJson(StateWithLastEvaluation(when), "saved.json").status(),
                StatusIs(absl::StatusCode::kInvalidArgument,
                         HasSubstr("saved.json: $.last_evaluation: ")))
        << when;
  }
  // Built in C++ rather than read: ImportState refuses it too.
  AutoscalerState s;
  s.last_evaluation = absl::InfiniteFuture();
  HorizontalAutoscaler hpa = Production();
  EXPECT_THAT(hpa.ImportState(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                           HasSubstr("$.last_evaluation")));
  EXPECT_THAT(hpa.Evaluate(kT0, Load(3, 50, kT0)).status(), IsOk());
}

TEST(HostileState, NothingMayBeLaterThanTheLastEvaluation) {
  AutoscalerState s;
  s.last_evaluation = kT0;
  s.recommendations = std::vector<hpa::Recommendation>{{3, kT0}, {4, kT0 + absl::Hours(1)}};
  EXPECT_THAT(StateFromJson(StateToJson(s)).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("$.recommendations[1].timestamp: 2026-03-01T13:00:00Z is after "
                                 "last_evaluation 2026-03-01T12:00:00Z")));
  s.recommendations->pop_back();
  s.scale_down_events = {{1, kT0 + absl::Seconds(1), false}};
  EXPECT_THAT(Production().ImportState(s),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("$.scale_down_events[0].timestamp")));
  s.scale_down_events.clear();
  s.last_scale_time = kT0 + absl::Seconds(1);
  EXPECT_THAT(Production().ImportState(s), StatusIs(absl::StatusCode::kInvalidArgument,
                                                    HasSubstr("$.last_scale_time")));
  // Go's zero time in an entry (Kubernetes' vectors use it) is fine.
  s.last_scale_time = hpa::GoZeroTime();
  s.recommendations->push_back({2, hpa::GoZeroTime()});
  EXPECT_THAT(Production().ImportState(s), IsOk());
}

TEST(HostileState, SizeDepthAndUtf8AreBounded) {
  const std::string big(kMaxStateJsonBytes + 1, ' ');
  EXPECT_THAT(StateFromJson(big, "saved.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("saved.json: 16777217 bytes, over the limit of 16777216")));
  EXPECT_THAT(StateFromJson("{}", "saved.json", 1).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("over the limit of 1")));
  const std::string deep = std::string(100000, '[') + std::string(100000, ']');
  EXPECT_THAT(StateFromJson(deep, "saved.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("nested deeper than")));
  const std::string bad_utf8 = "{\n  \"format\": \"agentscale.state/v1\",\n  \"x\": \"\xff\"}";
  EXPECT_THAT(StateFromJson(bad_utf8, "saved.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("saved.json:3:9: invalid UTF-8 (byte 0xFF)")));
  EXPECT_THAT(StateFromJson("{\n  \"format\": 1,,\n}", "saved.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("saved.json:2:15: invalid JSON: syntax error")));
  EXPECT_THAT(PolicyStateFromJson("{\"family\": \"\xc3\"}").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("policy state JSON:1:13: invalid UTF-8 (byte 0xC3)")));
}

// Found by state_json_fuzz and observation_json_fuzz: a number too large for
// a double is nlohmann's out_of_range, not a parse error, and escaped.
TEST(HostileState, NumberOverflowIsAnErrorNotAnException) {
  EXPECT_THAT(StateFromJson(R"({"format": "agentscale.state/v1", "desired_replicas": 1e320})",
                            "saved.json")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("saved.json: invalid JSON: number overflow parsing '1e320'")));
  EXPECT_THAT(StateFromJson("77777000000000000007344e0000734", "saved.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("number overflow")));
  EXPECT_THAT(ObservationFromJson(R"({"time": 1e320, "current_replicas": 2})", {}, "obs.json",
                                  kT0)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("obs.json: invalid JSON: number overflow parsing '1e320'")));
  EXPECT_THAT(ObservationFromJson(R"({"time": 1e300, "current_replicas": 2})", {}, "obs.json",
                                  kT0)
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("obs.json: time: 1e+300 s since the Unix epoch is outside")));
}

// Found by state_json_fuzz: StateFromJson accepted a negative
// recommendation that ImportState then refused.
TEST(HostileState, WhatStateFromJsonAcceptsImports) {
  const std::string text = R"({"format": "agentscale.state/v1",
    "recommendations": [{"replicas": -8, "timestamp": "2026-01-01T09:00:15Z"}]})";
  EXPECT_THAT(StateFromJson(text, "saved.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("saved.json: $.recommendations[0].replicas: must not be "
                                 "negative")));
}

TEST(HostileState, ObservationJsonNestingIsBounded) {
  const std::string deep = std::string(1 << 20, '[');
  EXPECT_THAT(ObservationFromJson(deep, {}, "obs.json", kT0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("obs.json: nested deeper than 8 levels")));
}

TEST(HostileState, KedaAndActivationStatesRefuseTimesOutsideTheRange) {
  const keda::ScaledObjectSpec so = Agents();
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<keda::ScaledObjectPolicy> keda,
                       keda::ScaledObjectPolicy::Create(so));
  PolicyState st = keda->ExportPolicyState();
  // Find a time field of the KEDA state and move it to year 9999.
  ASSERT_THAT(st.state_json, HasSubstr("{"));
  PolicyState bad = st;
  bad.state_json = R"({"last_active": "9999-12-31T23:59:59Z"})";
  const absl::Status imported = keda->ImportPolicyState(bad);
  EXPECT_THAT(imported, StatusIs(absl::StatusCode::kInvalidArgument,
                                 HasSubstr("must be an RFC 3339 time from 1677-09-21 to "
                                           "2262-04-11")));
  // In range but far ahead of the clock: the policy brings the times back
  // to now at its next decision instead of waiting for them.
  Observation obs;
  obs.current_replicas = 2;
  obs.AddMetric(keda->metrics()[0].name).external_values_milli.push_back(400000);
  Decision d;
  ASSERT_THAT(keda->Decide(kT0 - absl::Hours(1), obs, &d), IsOk());
  PolicyState ahead = keda->ExportPolicyState();
  ASSERT_THAT(ahead.state_json, HasSubstr("2026-03-01T11:00:"));
  ahead.state_json = absl::StrReplaceAll(ahead.state_json, {{"2026-03-01T11:00:", "2262-01-01T11:00:"}});
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<keda::ScaledObjectPolicy> fresh,
                       keda::ScaledObjectPolicy::Create(so));
  keda = std::move(fresh);
  ASSERT_THAT(keda->ImportPolicyState(ahead), IsOk());
  ASSERT_THAT(keda->Decide(kT0, obs, &d), IsOk());
  ASSERT_TRUE(keda->last_active().has_value());
  EXPECT_LE(*keda->last_active(), kT0);
  const std::string after = keda->ExportPolicyState().state_json;
  EXPECT_THAT(after, ::testing::Not(HasSubstr("2262")));
}

// constant_trace(1.0, 1e6, 1e-9) grew to about 2 GB.
TEST(HostileSize, GeneratedTracesAreCheckedBeforeAllocating) {
  EXPECT_THAT(sim::CheckGeneratedTrace(absl::Hours(24), absl::Minutes(1)), IsOk());
  EXPECT_THAT(sim::CheckGeneratedTrace(absl::Seconds(1e6), absl::Nanoseconds(1)),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("over the limit of 20000000 rows")));
  EXPECT_THAT(sim::CheckGeneratedTrace(absl::Seconds(100), absl::Seconds(1), 0, 50),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("101 rows")));
  EXPECT_THAT(sim::CheckGeneratedTrace(absl::Seconds(100), absl::Seconds(1), 0, 101), IsOk());
  EXPECT_THAT(sim::CheckGeneratedTrace(absl::Hours(1), absl::ZeroDuration()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("step must be positive")));
  EXPECT_THAT(sim::CheckGeneratedTrace(absl::Hours(10), absl::Minutes(1), 1e12),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bursts")));
}

// A two-row trace spanning a very long time: the replays refuse it before
// allocating a record per sync.
TEST(HostileSize, ReplaysBoundTheirSyncs) {
  sim::Trace t;
  t.time_seconds = {0, 3.0e9};
  t.values = {10, 10};
  const hpa::AutoscalerSpec spec = config::Preset("production").value();
  sim::FluidOptions fo;
  EXPECT_THAT(sim::FluidReplay(spec, {{"app_active_task_count", &t}}, fo).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("over the limit of 5000000 syncs (max_syncs)")));
  sim::Trace hour;
  hour.time_seconds = {0, 3600};
  hour.values = {10, 10};
  fo.max_syncs = 100;
  EXPECT_THAT(sim::FluidReplay(spec, {{"app_active_task_count", &hour}}, fo).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("limit of 100 syncs")));
  fo.max_syncs = 1000;
  EXPECT_THAT(sim::FluidReplay(spec, {{"app_active_task_count", &hour}}, fo).status(), IsOk());

  sim::AgentModelOptions ao;
  EXPECT_THAT(sim::RunAgentModel(spec, t, ao).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("syncs (max_syncs)")));
}

}  // namespace
}  // namespace agentscale

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/state_json.h"

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
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

const absl::Time kStateT0 = absl::FromCivil(absl::CivilSecond(2026, 3, 1, 12, 0, 0),
                                       absl::UTCTimeZone());

Observation Load(int32_t replicas, double total_tasks, absl::Time now) {
  Observation obs;
  obs.current_replicas = replicas;
  MetricObservation& tasks = obs.AddMetric("app_active_task_count");
  MetricObservation& requests = obs.AddMetric("app_active_request_count");
  for (int32_t i = 0; i < replicas; ++i) {
    const std::string pod = absl::StrCat("agent-", i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    tasks.AddPodValue(pod, total_tasks / replicas, now);
    requests.AddPodValue(pod, 0.5 * total_tasks / replicas, now);
  }
  return obs;
}

double LoadAt(int step) { return step < 20 ? 900 : 100; }

TEST(StateJson, RoundTripIsExact) {
  AutoscalerState s;
  s.recommendations = std::vector<hpa::Recommendation>{
      {3, kStateT0}, {5, kStateT0 + absl::Nanoseconds(1)}, {0, hpa::GoZeroTime()}};
  s.scale_up_events = {{2, kStateT0 - absl::Seconds(30), false}, {1, kStateT0, true}};
  s.scale_down_events = {{1, kStateT0 - absl::Milliseconds(1500), false}};
  s.conditions = {{hpa::ConditionType::kAbleToScale, true, hpa::Reason::kSucceededRescale, "", 5},
                  {hpa::ConditionType::kScalingActive, false,
                   hpa::Reason::kFailedGetPodsMetric, "adapter said \"no\"", 0}};
  s.desired_replicas = 5;
  s.last_scale_time = kStateT0;
  s.last_evaluation = kStateT0 + absl::Seconds(15);
  ASSERT_OK_AND_ASSIGN(AutoscalerState back, StateFromJson(StateToJson(s)));
  EXPECT_EQ(back, s);

  AutoscalerState empty;
  ASSERT_OK_AND_ASSIGN(AutoscalerState empty_back, StateFromJson(StateToJson(empty)));
  EXPECT_EQ(empty_back, empty);
  EXPECT_FALSE(empty_back.recommendations.has_value());
}

// A service that restarts and imports its saved state decides exactly as
// the one that never stopped; one that starts fresh does not.
TEST(StateJson, RestartedEngineKeepsItsWindow) {
  const hpa::AutoscalerSpec spec = config::Preset("production").value();
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler original, HorizontalAutoscaler::Create(spec));
  int32_t replicas = 2;
  int step = 0;
  auto run = [&](HorizontalAutoscaler& hpa, int32_t* reps, int s) -> Decision {
    const absl::Time now = kStateT0 + absl::Seconds(15 * s);
    Decision d = hpa.Evaluate(now, Load(*reps, LoadAt(s), now)).value();
    if (d.rescale) {
      EXPECT_THAT(hpa.Commit(d), IsOk());
      *reps = d.desired_replicas;
    }
    return d;
  };
  for (; step < 24; ++step) run(original, &replicas, step);
  ASSERT_GT(replicas, 2);

  const std::string saved = StateToJson(original.ExportState());
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler restarted, HorizontalAutoscaler::Create(spec));
  ASSERT_OK_AND_ASSIGN(AutoscalerState state, StateFromJson(saved));
  ASSERT_THAT(restarted.ImportState(state), IsOk());
  ASSERT_OK_AND_ASSIGN(HorizontalAutoscaler fresh, HorizontalAutoscaler::Create(spec));

  int32_t r_original = replicas, r_restarted = replicas, r_fresh = replicas;
  bool fresh_differs = false;
  for (int s = step; s < step + 40; ++s) {
    Decision a = run(original, &r_original, s);
    Decision b = run(restarted, &r_restarted, s);
    Decision c = run(fresh, &r_fresh, s);
    EXPECT_EQ(a.desired_replicas, b.desired_replicas) << "sync " << s;
    EXPECT_EQ(a.Explain(), b.Explain()) << "sync " << s;
    fresh_differs |= a.desired_replicas != c.desired_replicas;
  }
  EXPECT_EQ(original.ExportState(), restarted.ExportState());
  EXPECT_TRUE(fresh_differs) << "the saved state made no difference; the test proves nothing";
}

struct BadJsonCase {
  std::string name;
  std::string json;
  std::string want;
};

class BadStateJsonTest : public ::testing::TestWithParam<BadJsonCase> {};

TEST_P(BadStateJsonTest, ErrorNamesTheField) {
  EXPECT_THAT(StateFromJson(GetParam().json),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().want)));
}

INSTANTIATE_TEST_SUITE_P(
    StateJson, BadStateJsonTest,
    ::testing::ValuesIn(std::vector<BadJsonCase>{
        {"NotJson", "{", "invalid JSON"},
        {"WrongFormat", R"({"format": "other"})", "$.format"},
        {"UnknownField", R"({"format": "agentscale.state/v1", "extra": 1})",
         "$.extra: unknown field"},
        {"BadTime",
         R"({"format": "agentscale.state/v1", "recommendations": [{"replicas": 1, "timestamp": "yesterday"}]})",
         "$.recommendations[0].timestamp: invalid time \"yesterday\""},
        {"NegativeChange",
         R"({"format": "agentscale.state/v1", "scale_up_events": [{"replica_change": -2, "timestamp": "2026-01-01T00:00:00Z"}]})",
         "$.scale_up_events[0].replica_change: must not be negative"},
        {"UnknownReason",
         R"({"format": "agentscale.state/v1", "conditions": [{"type": "AbleToScale", "status": "True", "reason": "Vibes"}]})",
         "$.conditions[0].reason: unknown reason \"Vibes\""},
        {"ReplicasNotInteger",
         R"({"format": "agentscale.state/v1", "desired_replicas": "three"})",
         "$.desired_replicas: must be an integer"},
    }),
    [](const ::testing::TestParamInfo<BadJsonCase>& i) { return i.param.name; });

}  // namespace
}  // namespace agentscale

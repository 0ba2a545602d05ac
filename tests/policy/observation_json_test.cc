// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/policy/observation_json.h"

#include <string>
#include <vector>

#include "agentscale/config/presets.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale {
namespace {

using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

std::vector<hpa::MetricSpec> Metrics() {
  std::vector<hpa::MetricSpec> m = config::Preset("production").value().metrics;
  hpa::MetricSpec queue;
  queue.type = hpa::MetricSourceType::kExternal;
  queue.name = "agent_queue_depth";
  queue.target.value_milli = 100000;
  m.push_back(queue);
  return m;
}

TEST(ObservationJson, ReadsEveryForm) {
  ASSERT_OK_AND_ASSIGN(
      TimedObservation o,
      ObservationFromJson(R"({"time": 1015.5, "current_replicas": 2,
        "pods": [{"name": "a"}, {"name": "b", "phase": "Pending", "ready": false}],
        "metrics": {"app_active_task_count": {"a": 30, "b": 50},
                    "app_active_request_count": 10, "agent_queue_depth": 7}})",
                          Metrics(), "obs.json"));
  EXPECT_EQ(o.time, absl::FromUnixMillis(1015500));
  EXPECT_EQ(o.observation.current_replicas, 2);
  ASSERT_EQ(o.observation.pods.size(), 2u);
  EXPECT_EQ(o.observation.pods[1].phase, hpa::PodPhase::kPending);
  EXPECT_EQ(o.observation.pods[1].ready->status, hpa::ConditionStatus::kFalse);
  ASSERT_EQ(o.observation.metrics.size(), 3u);
  EXPECT_EQ(o.observation.metrics[0].pod_samples[1].value_milli, 50000);
  ASSERT_EQ(o.observation.metrics[1].pod_samples.size(), 2u);  // one number: every pod
  EXPECT_EQ(o.observation.metrics[2].external_values_milli, std::vector<int64_t>{7000});
}

TEST(ObservationJson, DefaultsPodsAndTime) {
  ASSERT_OK_AND_ASSIGN(TimedObservation o,
                       ObservationFromJson(R"({"current_replicas": 3})", Metrics(), "x",
                                           absl::FromUnixSeconds(99)));
  EXPECT_EQ(o.time, absl::FromUnixSeconds(99));
  ASSERT_EQ(o.observation.pods.size(), 3u);
  EXPECT_EQ(o.observation.pods[2].name, "agent-2");
}

struct Bad {
  std::string name, json, message;
};
class ObservationJsonErrors : public ::testing::TestWithParam<Bad> {};

TEST_P(ObservationJsonErrors, NameSourceAndField) {
  EXPECT_THAT(ObservationFromJson(GetParam().json, Metrics(), "obs.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().message)));
}

INSTANTIATE_TEST_SUITE_P(
    All, ObservationJsonErrors,
    ::testing::ValuesIn(std::vector<Bad>{
        {"NotJson", "{\"current_replicas\": 2,\n  \"pods\": [}", "obs.json:2:"},
        {"NotObject", "[1]", "obs.json: (top level): expected a JSON object"},
        {"Unknown", R"({"current_replicas": 1, "replicas": 2})", "obs.json: replicas: unknown"},
        {"NoReplicas", "{}", "obs.json: current_replicas: expected a non-negative integer"},
        {"NegativeReplicas", R"({"current_replicas": -1})", "current_replicas"},
        {"TimeText", R"({"current_replicas": 1, "time": "now"})", "obs.json: time: expected"},
        {"Phase", R"({"current_replicas": 1, "pods": [{"name": "a", "phase": "Sleeping"}]})",
         "obs.json: pods[0].phase: expected one of Pending"},
        {"PodField", R"({"current_replicas": 1, "pods": [{"name": "a", "zone": 1}]})",
         "pods[0].zone: unknown field"},
        {"Ready", R"({"current_replicas": 1, "pods": [{"name": "a", "ready": 1}]})",
         "pods[0].ready: expected true or false"},
        {"UnknownMetric", R"({"current_replicas": 2, "metrics": {"gpu": 1}})",
         "obs.json: metrics.gpu: not a metric of the spec (its metrics: "
         "app_active_task_count, app_active_request_count, agent_queue_depth)"},
        {"MetricText", R"({"current_replicas": 2, "metrics": {"agent_queue_depth": "x"}})",
         "metrics.agent_queue_depth: expected a number"},
        {"PodValueText",
         R"({"current_replicas": 2, "metrics": {"app_active_task_count": {"a": "x"}}})",
         "metrics.app_active_task_count.a: expected a number"},
    }),
    [](const ::testing::TestParamInfo<Bad>& info) { return info.param.name; });

}  // namespace
}  // namespace agentscale

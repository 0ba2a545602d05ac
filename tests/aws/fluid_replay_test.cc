// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The AWS policy through the fluid replay (sim/fluid.h), unchanged: the
// seed's ECS target (min 2, max 10, scale-out cooldown 60 s, scale-in
// cooldown 300 s) tracking app_active_task_count at 70 per task, on a
// step of demand.

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/trace.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::aws {
namespace {

TEST(AwsFluidReplay, StepOfDemand) {
  ScalableTargetSpec spec;
  spec.resource_id = "service/agents/agent-worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  TargetTrackingPolicy p;
  p.name = "active-tasks";
  p.target_value = 70;
  ASSERT_OK_AND_ASSIGN(p.metric, CustomizedMetric("app_active_task_count", "Agents", {},
                                                  Statistic::kAverage, ""));
  p.scale_out_cooldown = absl::Seconds(60);
  p.scale_in_cooldown = absl::Seconds(300);
  spec.target_tracking.push_back(p);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ScalableTargetPolicy> policy,
                       ScalableTargetPolicy::Create(spec));

  // 100 active tasks in total, 400 from minute 10 to minute 40, then 100
  // again until minute 90; one row a minute from the Unix epoch (whole
  // minutes, as CloudWatch's periods).
  sim::Trace trace;
  for (int m = 0; m <= 90; ++m) {
    trace.time_seconds.push_back(60.0 * m);
    trace.values.push_back(m >= 10 && m < 40 ? 400 : 100);
  }
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r,
                       sim::FluidReplay(*policy, {{"app_active_task_count", &trace}}));
  ASSERT_EQ(r.driven_metrics, std::vector<std::string>{"app_active_task_count"});
  ASSERT_EQ(r.time_seconds.front(), 0);
  std::vector<std::string> changes;
  for (size_t i = 0; i < r.time_seconds.size(); ++i) {
    EXPECT_GE(r.replicas[i], 2);
    EXPECT_LE(r.replicas[i], 10);
    if (r.replicas[i] != r.current_replicas[i]) {
      const int s = static_cast<int>(r.time_seconds[i]);
      changes.push_back(absl::StrCat(s / 60, ":", s % 60 < 10 ? "0" : "", s % 60, " ",
                                     r.current_replicas[i], " -> ", r.replicas[i]));
    }
  }
  // Each change by the rules of docs/aws.md (per-task values are 400 / R
  // under load and 100 / R before and after; a minute's datapoint is the
  // mean of its four 15-second readings):
  EXPECT_THAT(changes,
              ::testing::ElementsAre(
                  // minutes 10-12 at 200: AlarmHigh, ceil(2 x 200 / 70)
                  "13:00 2 -> 6",
                  // minute 13 averages 200 and three readings of 66.667: 100;
                  // the 60 s scale-out cooldown ends at 14:00: ceil(6 x 100 / 70)
                  "14:00 6 -> 9",
                  // minutes 14-28 below 63 (50, then 44.4): AlarmLow,
                  // floor(9 x 44.4 / 70)
                  "29:00 9 -> 5",
                  // minutes 29-31 above 70 (71.1, 80, 80): ceil(5 x 80 / 70);
                  // the scale-in cooldown does not hold a scale-out
                  "32:00 5 -> 6",
                  // minute 32: (80 + 3 x 66.667) / 4 = 70.00025 > 70 (the
                  // replay rounds per-task values up to milli-units):
                  // ceil(6 x 70.00025 / 70)
                  "33:00 6 -> 7",
                  // minutes 33-47 below 63 (57.1 under load, 14.3 after):
                  // floor(7 x 14.3 / 70) = 1, clamped to MinCapacity
                  "48:00 7 -> 2"));
  EXPECT_EQ(r.replicas.back(), 2);
}

// The seed's Terraform policies (examples/ecs.tf): ECS CPU at 70 % and
// memory at 80 %. The fluid replay drives Resource Utilization metrics with
// each task requesting 100 units, so a task's utilization is D / R percent.
TEST(AwsFluidReplay, CpuAndMemoryUtilization) {
  ScalableTargetSpec spec;
  spec.resource_id = "service/agents/agent-worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  for (const auto& [type, target] :
       std::vector<std::pair<std::string, double>>{{"ECSServiceAverageCPUUtilization", 70},
                                                   {"ECSServiceAverageMemoryUtilization", 80}}) {
    TargetTrackingPolicy p;
    p.name = type;
    p.target_value = target;
    ASSERT_OK_AND_ASSIGN(p.metric, PredefinedMetric(type));
    p.scale_out_cooldown = absl::Seconds(60);
    p.scale_in_cooldown = absl::Seconds(300);
    spec.target_tracking.push_back(p);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ScalableTargetPolicy> policy,
                       ScalableTargetPolicy::Create(spec));
  // The fleet's total use: 350 % of one task's reservation from minute 0
  // to minute 10, then 100 %.
  sim::Trace trace;
  for (int m = 0; m <= 40; ++m) {
    trace.time_seconds.push_back(60.0 * m);
    trace.values.push_back(m < 10 ? 350 : 100);
  }
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r,
                       sim::FluidReplay(*policy, {{"cpu", &trace}, {"memory", &trace}}));
  EXPECT_EQ(r.driven_metrics, (std::vector<std::string>{"cpu", "memory"}));
  EXPECT_TRUE(r.omitted_metrics.empty());
  std::vector<std::string> changes;
  for (size_t i = 0; i < r.time_seconds.size(); ++i) {
    if (r.replicas[i] != r.current_replicas[i]) {
      changes.push_back(absl::StrCat(static_cast<int>(r.time_seconds[i]) / 60, " ",
                                     r.current_replicas[i], " -> ", r.replicas[i]));
    }
  }
  EXPECT_THAT(changes,
              ::testing::ElementsAre(
                  // minutes 0-2 at 175 %: both alarms high; CPU asks for
                  // ceil(2 x 175 / 70) = 5, memory ceil(2 x 175 / 80) = 5
                  "3 2 -> 5",
                  // minute 3 averages 175 and three readings of 70: 96.25,
                  // so minutes 1-3 are all above 70; the 60 s scale-out
                  // cooldown ends at 4:00: ceil(5 x 96.25 / 70) = 7
                  "4 5 -> 7",
                  // minutes 4-18 below 63 % and 72 % (55, then 50, then
                  // 14.3): both low for 15 minutes; CPU floor(7 x 14.3 /
                  // 70) = 1, memory 1: clamped to MinCapacity
                  "19 7 -> 2"));
}

// Memory driven, CPU not: the CPU policy has no datapoints, so it never
// agrees to a scale-in (docs/aws.md), and the fleet stays scaled out.
TEST(AwsFluidReplay, AnUndrivenMetricBlocksScaleIn) {
  ScalableTargetSpec spec;
  spec.resource_id = "service/agents/agent-worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  for (const char* type : {"ECSServiceAverageCPUUtilization", "ECSServiceAverageMemoryUtilization"}) {
    TargetTrackingPolicy p;
    p.name = type;
    p.target_value = 70;
    ASSERT_OK_AND_ASSIGN(p.metric, PredefinedMetric(type));
    spec.target_tracking.push_back(p);
  }
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<ScalableTargetPolicy> policy,
                       ScalableTargetPolicy::Create(spec));
  sim::Trace trace;
  for (int m = 0; m <= 60; ++m) {
    trace.time_seconds.push_back(60.0 * m);
    trace.values.push_back(m < 10 ? 350 : 20);
  }
  ASSERT_OK_AND_ASSIGN(sim::FluidResult r, sim::FluidReplay(*policy, {{"memory", &trace}}));
  EXPECT_EQ(r.omitted_metrics, std::vector<std::string>{"cpu"});
  EXPECT_EQ(*std::max_element(r.replicas.begin(), r.replicas.end()), 5);
  EXPECT_EQ(r.replicas.back(), 5);
}

}  // namespace
}  // namespace agentscale::aws

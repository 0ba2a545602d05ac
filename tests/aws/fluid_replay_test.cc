// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The AWS policy through the fluid replay (sim/fluid.h), unchanged: the
// seed's ECS target (min 2, max 10, scale-out cooldown 60 s, scale-in
// cooldown 300 s) tracking app_active_task_count at 70 per task, on a
// step of demand.

#include <algorithm>
#include <memory>
#include <string>
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

}  // namespace
}  // namespace agentscale::aws

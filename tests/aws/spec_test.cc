// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The pure rules of the AWS family: target tracking's capacity formulas,
// step intervals (which step holds a difference, and which step lists AWS
// refuses), percent rounding, metric mapping and spec validation.

#include "agentscale/aws/spec.h"

#include <limits>
#include <optional>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::aws {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

TEST(TargetTrackingMath, ScaleOutRoundsUpScaleInRoundsDown) {
  EXPECT_EQ(TargetTrackingScaleOut(2, 80, 70), 3);    // 2.29 -> 3
  EXPECT_EQ(TargetTrackingScaleOut(3, 140, 70), 6);   // exactly 6, not 7
  EXPECT_EQ(TargetTrackingScaleOut(10, 70.7, 70), 11);
  EXPECT_EQ(TargetTrackingScaleIn(10, 62, 70), 8);    // 8.86 -> 8
  EXPECT_EQ(TargetTrackingScaleIn(7, 60, 70), 6);     // exactly 6
  EXPECT_EQ(TargetTrackingScaleOut(std::numeric_limits<int32_t>::max(), 1e9, 1),
            std::numeric_limits<int32_t>::max());
}

// --- Step intervals -----------------------------------------------------------

struct FindStepCase {
  std::string name;
  double difference;
  int step;
};

class FindStepTest : public ::testing::TestWithParam<FindStepCase> {};

// Steps around a threshold: (-inf, -10], (-10, 0], [0, 10), [10, +inf).
std::vector<StepAdjustment> FourSteps() {
  return {{std::nullopt, -10.0, -2}, {-10.0, 0.0, -1}, {0.0, 10.0, 1}, {10.0, std::nullopt, 3}};
}

TEST_P(FindStepTest, PicksTheIntervalAwsDocuments) {
  EXPECT_EQ(FindStep(FourSteps(), GetParam().difference), GetParam().step);
}

INSTANTIATE_TEST_SUITE_P(
    Bounds, FindStepTest,
    ::testing::ValuesIn(std::vector<FindStepCase>{
        // Above the threshold: lower inclusive, upper exclusive.
        {"zero_is_the_first_step_above", 0, 2},
        {"just_below_ten", 9.999, 2},
        {"ten_is_the_next_step", 10, 3},
        {"far_above", 1e9, 3},
        // Below it: lower exclusive, upper inclusive.
        {"just_below_zero", -0.001, 1},
        {"minus_ten_belongs_to_the_lower_step", -10, 0},
        {"just_above_minus_ten", -9.999, 1},
        {"far_below", -1e9, 0},
    }),
    [](const auto& info) { return info.param.name; });

TEST(FindStep, NoStepCoversTheDifference) {
  std::vector<StepAdjustment> out_only = {{0.0, 10.0, 1}, {10.0, std::nullopt, 2}};
  EXPECT_EQ(FindStep(out_only, -5), -1);
}

struct BadStepsCase {
  std::string name;
  std::vector<StepAdjustment> steps;
  std::string error;
};

class ValidateStepsTest : public ::testing::TestWithParam<BadStepsCase> {};

TEST_P(ValidateStepsTest, Refused) {
  EXPECT_THAT(ValidateSteps(GetParam().steps),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().error)));
}

INSTANTIATE_TEST_SUITE_P(
    Bad, ValidateStepsTest,
    ::testing::ValuesIn(std::vector<BadStepsCase>{
        {"empty", {}, "at least one step"},
        {"gap", {{0.0, 10.0, 1}, {20.0, std::nullopt, 2}}, "gap between steps 0"},
        {"overlap", {{0.0, 15.0, 1}, {10.0, std::nullopt, 2}}, "overlap"},
        {"two_unbounded_uppers", {{0.0, std::nullopt, 1}, {10.0, std::nullopt, 2}},
         "more than one step has no MetricIntervalUpperBound"},
        {"two_unbounded_lowers", {{std::nullopt, 0.0, -1}, {std::nullopt, -5.0, -2}},
         "more than one step has no MetricIntervalLowerBound"},
        {"lower_not_below_upper", {{10.0, 10.0, 1}}, "must be below"},
    }),
    [](const auto& info) { return info.param.name; });

TEST(ValidateSteps, AcceptsContiguousStepsInAnyOrder) {
  std::vector<StepAdjustment> steps = FourSteps();
  std::swap(steps[0], steps[3]);
  EXPECT_THAT(ValidateSteps(steps), IsOk());
}

// --- Adjustments --------------------------------------------------------------

struct CapacityCase {
  std::string name;
  AdjustmentType type;
  int32_t adjustment;
  std::optional<int32_t> min_magnitude;
  int32_t current;
  int64_t want;
};

class StepCapacityTest : public ::testing::TestWithParam<CapacityCase> {};

TEST_P(StepCapacityTest, AsDocumented) {
  const CapacityCase& c = GetParam();
  EXPECT_EQ(StepCapacity(c.type, c.adjustment, c.min_magnitude, c.current), c.want);
}

constexpr auto kPercent = AdjustmentType::kPercentChangeInCapacity;
INSTANTIATE_TEST_SUITE_P(
    Rounding, StepCapacityTest,
    ::testing::ValuesIn(std::vector<CapacityCase>{
        {"change_adds", AdjustmentType::kChangeInCapacity, 2, std::nullopt, 5, 7},
        {"change_removes", AdjustmentType::kChangeInCapacity, -3, std::nullopt, 5, 2},
        {"exact_sets", AdjustmentType::kExactCapacity, 4, std::nullopt, 9, 4},
        // 10 x 25% = 2.5: values above 1 round down.
        {"percent_above_one_rounds_down", kPercent, 25, std::nullopt, 10, 12},
        // 2 x 10% = 0.2: values in (0, 1) round to 1.
        {"percent_small_positive_is_one", kPercent, 10, std::nullopt, 2, 3},
        // 2 x -10% = -0.2: values in (-1, 0) round to -1.
        {"percent_small_negative_is_minus_one", kPercent, -10, std::nullopt, 2, 1},
        // 10 x -25% = -2.5: values below -1 round up (toward zero).
        {"percent_below_minus_one_rounds_up", kPercent, -25, std::nullopt, 10, 8},
        // 10 x 25% = 2, raised to MinAdjustmentMagnitude 4.
        {"min_magnitude_raises_the_change", kPercent, 20, 4, 10, 14},
        {"min_magnitude_on_removal", kPercent, -20, 4, 10, 6},
        {"min_magnitude_below_change_does_nothing", kPercent, 50, 2, 10, 15},
    }),
    [](const auto& info) { return info.param.name; });

// --- Metrics and the spec --------------------------------------------------

TEST(Metrics, PredefinedTypesMapToMetricsAFleetCanFill) {
  ASSERT_OK_AND_ASSIGN(MetricSource cpu, PredefinedMetric("ECSServiceAverageCPUUtilization"));
  EXPECT_EQ(cpu.spec.type, hpa::MetricSourceType::kResource);
  EXPECT_EQ(cpu.spec.name, "cpu");
  EXPECT_EQ(cpu.spec.target.type, hpa::MetricTargetType::kUtilization);
  ASSERT_OK_AND_ASSIGN(MetricSource mem, PredefinedMetric("ECSServiceAverageMemoryUtilization"));
  EXPECT_EQ(mem.spec.name, "memory");
  ASSERT_OK_AND_ASSIGN(MetricSource alb, PredefinedMetric("ALBRequestCountPerTarget"));
  EXPECT_EQ(alb.spec.type, hpa::MetricSourceType::kPods);
  EXPECT_THAT(PredefinedMetric("ECSServiceAverageGPUUtilization").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("unknown predefined metric type \"ECSServiceAverageGPU")));
}

TEST(Metrics, CustomizedAverageIsAPodsAverage) {
  ASSERT_OK_AND_ASSIGN(MetricSource m,
                       CustomizedMetric("app_active_task_count", "Agents",
                                        {{"ServiceName", "agent-worker"}}, Statistic::kAverage, ""));
  EXPECT_EQ(m.spec.type, hpa::MetricSourceType::kPods);
  EXPECT_EQ(m.spec.target.type, hpa::MetricTargetType::kAverageValue);
  ASSERT_OK_AND_ASSIGN(MetricSource sum, CustomizedMetric("queue_depth", "Agents", {},
                                                          Statistic::kSum, "Count"));
  EXPECT_EQ(sum.spec.type, hpa::MetricSourceType::kExternal);
}

ScalableTargetSpec OneTracking() {
  ScalableTargetSpec spec;
  spec.resource_id = "service/agents/worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  TargetTrackingPolicy p;
  p.name = "cpu";
  p.target_value = 70;
  p.metric = *PredefinedMetric("ECSServiceAverageCPUUtilization");
  spec.target_tracking.push_back(p);
  return spec;
}

TEST(Validate, MinAboveMax) {
  ScalableTargetSpec spec = OneTracking();
  spec.min_capacity = 11;
  EXPECT_THAT(Validate(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("MinCapacity 11 is above MaxCapacity 10")));
}

TEST(Validate, TargetMustBePositive) {
  ScalableTargetSpec spec = OneTracking();
  spec.target_tracking[0].target_value = 0;
  EXPECT_THAT(Validate(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("target_tracking[0].TargetValue")));
}

TEST(Validate, StepPolicyNeedsAnAlarmAndGoodSteps) {
  ScalableTargetSpec spec = OneTracking();
  StepScalingPolicy step;
  step.name = "burst";
  step.steps = {{0.0, 10.0, 1}, {20.0, std::nullopt, 2}};
  spec.step_scaling.push_back(step);
  EXPECT_THAT(Validate(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("step_scaling[0].StepAdjustments: gap")));
  spec.step_scaling[0].steps = {{0.0, std::nullopt, 1}};
  EXPECT_THAT(Validate(spec), StatusIs(absl::StatusCode::kInvalidArgument,
                                       HasSubstr("has no alarm")));
}

TEST(Validate, ScheduledActionWithBadCron) {
  ScalableTargetSpec spec = OneTracking();
  ScheduledAction a;
  a.name = "morning";
  a.schedule = "cron(0 8 * * MON-FRI *)";
  a.min_capacity = 5;
  spec.scheduled_actions.push_back(a);
  EXPECT_THAT(Validate(spec),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("one of day-of-month and day-of-week must be ?")));
}

}  // namespace
}  // namespace agentscale::aws

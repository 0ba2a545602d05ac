// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The AWS API JSON loader: the example file, the container forms, and bad
// input with its "file:line:col: field.path: problem" errors.

#include <cstdlib>
#include <string>
#include <vector>

#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/aws.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::agentscale_testing::IsOk;
using ::agentscale_testing::StatusIs;
using ::testing::HasSubstr;

std::string DataFile(const std::string& name) {
  const char* root = std::getenv("AGENTSCALE_SOURCE_DIR");
  return std::string(root ? root : ".") + "/tests/data/aws/" + name;
}

TEST(AwsLoader, ReadsTheExampleFile) {
  ASSERT_OK_AND_ASSIGN(aws::ScalableTargetSpec spec,
                       LoadAwsScalingFile(DataFile("ecs_agents.json")));
  EXPECT_EQ(spec.resource_id, "service/agents/agent-worker");
  EXPECT_EQ(spec.min_capacity, 2);
  EXPECT_EQ(spec.max_capacity, 10);
  ASSERT_EQ(spec.target_tracking.size(), 3u);
  EXPECT_EQ(spec.target_tracking[0].metric.spec.type, hpa::MetricSourceType::kResource);
  EXPECT_EQ(spec.target_tracking[0].scale_out_cooldown, absl::Seconds(60));
  EXPECT_EQ(spec.target_tracking[1].metric.spec.name, "memory");
  EXPECT_EQ(spec.target_tracking[2].metric.spec.type, hpa::MetricSourceType::kPods);
  EXPECT_EQ(spec.target_tracking[2].metric.spec.name, "app_active_task_count");
  ASSERT_EQ(spec.step_scaling.size(), 1u);
  const aws::StepScalingPolicy& step = spec.step_scaling[0];
  EXPECT_EQ(step.adjustment_type, aws::AdjustmentType::kPercentChangeInCapacity);
  EXPECT_EQ(step.aggregation, aws::Statistic::kMaximum);
  EXPECT_EQ(step.cooldown, absl::Seconds(120));
  EXPECT_EQ(step.alarm.name, "agents-queue-high");
  EXPECT_EQ(step.alarm.metric.spec.type, hpa::MetricSourceType::kExternal);
  EXPECT_EQ(step.alarm.evaluation_periods, 2);
  ASSERT_EQ(spec.scheduled_actions.size(), 2u);
  EXPECT_EQ(spec.scheduled_actions[0].timezone, "Europe/Berlin");
  EXPECT_EQ(spec.scheduled_actions[0].min_capacity, 4);
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<aws::ScalableTargetPolicy> p,
                       aws::ScalableTargetPolicy::Create(spec));
  EXPECT_EQ(p->metrics().size(), 4u);  // cpu, memory, app_active_task_count, queue_depth
}

TEST(AwsLoader, AnArrayOfRequestSetsIsOneTarget) {
  const std::string text = R"([
  {"RegisterScalableTarget": {"ServiceNamespace": "ecs", "ResourceId": "service/c/s",
    "ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 5}},
  {"PutScalingPolicy": {"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
    "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50,
      "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
      "DisableScaleIn": true}}}
])";
  ASSERT_OK_AND_ASSIGN(aws::ScalableTargetSpec spec, LoadAwsScalingString(text, "two.json"));
  ASSERT_EQ(spec.target_tracking.size(), 1u);
  EXPECT_TRUE(spec.target_tracking[0].disable_scale_in);
  // The API's defaults for ECS: 300 s each way.
  EXPECT_EQ(spec.target_tracking[0].scale_in_cooldown, absl::Seconds(300));
}

struct BadCase {
  std::string name;
  std::string text;
  std::string error;  // a substring of the message, position included
};

class AwsLoaderBadTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(AwsLoaderBadTest, ClearError) {
  EXPECT_THAT(LoadAwsScalingString(GetParam().text, "in.json").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(GetParam().error)));
}

const char kRegister[] =
    R"("RegisterScalableTarget": {"ServiceNamespace": "ecs", "ResourceId": "service/c/s", )"
    R"("ScalableDimension": "ecs:service:DesiredCount", "MinCapacity": 1, "MaxCapacity": 5})";

std::string WithPolicy(const std::string& policy) {
  return std::string("{") + kRegister + ",\n\"PutScalingPolicy\": " + policy + "}";
}

INSTANTIATE_TEST_SUITE_P(
    Bad, AwsLoaderBadTest,
    ::testing::ValuesIn(std::vector<BadCase>{
        {"not_json", "{\"RegisterScalableTarget\": ", "in.json:1:28: invalid JSON"},
        {"no_register", R"({"PutScalingPolicy": []})",
         "in.json:1:1: (top level): no RegisterScalableTarget"},
        {"min_above_max",
         "{\"RegisterScalableTarget\": {\"ServiceNamespace\": \"ecs\", \"ResourceId\": \"r\",\n"
         " \"ScalableDimension\": \"d\", \"MinCapacity\": 7, \"MaxCapacity\": 5}}",
         "in.json:2:43: RegisterScalableTarget.MinCapacity: MinCapacity 7 is above MaxCapacity 5"},
        {"missing_max",
         R"({"RegisterScalableTarget": {"ServiceNamespace": "ecs", "ResourceId": "r", "ScalableDimension": "d", "MinCapacity": 1}})",
         "in.json:1:28: RegisterScalableTarget.MaxCapacity: required field is missing"},
        {"unknown_field", WithPolicy(R"({"PolicyName": "p", "Colour": "red"})"),
         "in.json:2:51: PutScalingPolicy.Colour: unknown field"},
        {"unknown_predefined_metric",
         WithPolicy(R"({"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50,
   "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageGPUUtilization"}}})"),
         "in.json:4:62: PutScalingPolicy.TargetTrackingScalingPolicyConfiguration."
         "PredefinedMetricSpecification.PredefinedMetricType: unknown predefined metric type"},
        {"missing_target_value",
         WithPolicy(R"([{"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {
   "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}}])"),
         "PutScalingPolicy[0].TargetTrackingScalingPolicyConfiguration.TargetValue: required"},
        {"both_metric_kinds",
         WithPolicy(R"({"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50,
   "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"},
   "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n", "Statistic": "Average"}}})"),
         "needs exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification"},
        {"bad_statistic",
         WithPolicy(R"({"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50,
   "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n", "Statistic": "p99"}}})"),
         "CustomizedMetricSpecification.Statistic: \"p99\" is not Average"},
        {"step_gap",
         WithPolicy(R"({"PolicyName": "s", "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
   {"MetricIntervalLowerBound": 0, "MetricIntervalUpperBound": 10, "ScalingAdjustment": 1},
   {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2}]}})"),
         "in.json:3:95: PutScalingPolicy.StepScalingPolicyConfiguration.StepAdjustments: gap "
         "between steps 0 (upper bound 10) and 1 (lower bound 20)"},
        {"step_overlap",
         WithPolicy(R"({"PolicyName": "s", "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
   {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1},
   {"MetricIntervalLowerBound": 20, "ScalingAdjustment": 2}]}})"),
         "more than one step has no MetricIntervalUpperBound"},
        {"step_without_alarm",
         WithPolicy(R"({"PolicyName": "s", "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
   {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}})"),
         "PutScalingPolicy.PolicyName: no PutMetricAlarm names step scaling policy \"s\""},
        {"bad_adjustment_type",
         WithPolicy(R"({"PolicyName": "s",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "Double", "StepAdjustments": [
   {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}})"),
         "AdjustmentType: \"Double\" is not ChangeInCapacity"},
        {"alarm_for_unknown_policy",
         std::string("{") + kRegister + R"j(,
"PutScheduledAction": {"ScheduledActionName": "a", "Schedule": "rate(1 hour)",
  "ScalableTargetAction": {"MinCapacity": 2}},
"PutMetricAlarm": {"AlarmName": "x", "MetricName": "q", "Namespace": "n", "EvaluationPeriods": 1,
  "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": ["ghost"]}})j",
         "in.json:5:82: PutMetricAlarm.AlarmActions[0]: no step scaling policy named \"ghost\""},
        {"bad_cron",
         std::string("{") + kRegister + R"j(,
"PutScheduledAction": [{"ScheduledActionName": "a", "Schedule": "cron(0 8 * * MON *)",
  "ScalableTargetAction": {"MinCapacity": 2}}]})j",
         "in.json:2:65: PutScheduledAction[0].Schedule: \"cron(0 8 * * MON *)\": one of "
         "day-of-month and day-of-week must be ?"},
        {"bad_timezone",
         std::string("{") + kRegister + R"j(,
"PutScheduledAction": {"ScheduledActionName": "a", "Schedule": "cron(0 8 ? * MON *)",
  "Timezone": "Europe/Atlantis", "ScalableTargetAction": {"MinCapacity": 2}}})j",
         "PutScheduledAction.Timezone:"},
        {"scheduled_min_above_max",
         std::string("{") + kRegister + R"j(,
"PutScheduledAction": {"ScheduledActionName": "a", "Schedule": "at(2026-01-01T00:00:00)",
  "ScalableTargetAction": {"MinCapacity": 9, "MaxCapacity": 3}}})j",
         "PutScheduledAction.ScalableTargetAction.MinCapacity: MinCapacity 9 is above MaxCapacity 3"},
        {"other_target",
         WithPolicy(R"({"PolicyName": "p", "ResourceId": "service/c/other"})"),
         "PutScalingPolicy.ResourceId: \"service/c/other\" is not the registered target's"},
        {"negative_cooldown",
         WithPolicy(R"({"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 50, "ScaleInCooldown": -5,
   "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}})"),
         "TargetTrackingScalingPolicyConfiguration.ScaleInCooldown: must be 0 to"},
        {"alb_needs_a_resource_label",
         WithPolicy(R"({"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 1000,
   "PredefinedMetricSpecification": {"PredefinedMetricType": "ALBRequestCountPerTarget"}}})"),
         "PredefinedMetricSpecification.ResourceLabel: required field is missing"},
        {"metric_math_refused",
         WithPolicy(R"({"PolicyName": "p", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 10,
   "CustomizedMetricSpecification": {"Metrics": []}}})"),
         "CustomizedMetricSpecification.Metrics: metric math (Metrics) is not supported"},
        {"alarm_on_a_tracking_policy",
         WithPolicy(R"({"PolicyName": "tt", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 10,
   "PredefinedMetricSpecification": {"PredefinedMetricType": "ECSServiceAverageCPUUtilization"}}},
"PutMetricAlarm": {"AlarmName": "x", "MetricName": "q", "Namespace": "n", "EvaluationPeriods": 1,
  "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": ["tt"]})"),
         "\"tt\" is a target tracking policy, whose alarms AWS owns"},
        {"period_other_than_a_minute",
         WithPolicy(R"({"PolicyName": "s", "PolicyType": "StepScaling",
  "StepScalingPolicyConfiguration": {"AdjustmentType": "ChangeInCapacity", "StepAdjustments": [
   {"MetricIntervalLowerBound": 0, "ScalingAdjustment": 1}]}},
"PutMetricAlarm": {"AlarmName": "x", "MetricName": "q", "Namespace": "n", "EvaluationPeriods": 1,
  "Period": 300, "Threshold": 5, "ComparisonOperator": "GreaterThanThreshold", "AlarmActions": ["s"]})"),
         "PutMetricAlarm.Period: only 60-second periods are modelled"},
        {"metric_read_two_ways",
         WithPolicy(R"([{"PolicyName": "a", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 10,
   "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n", "Statistic": "Average"}}},
  {"PolicyName": "b", "PolicyType": "TargetTrackingScaling",
  "TargetTrackingScalingPolicyConfiguration": {"TargetValue": 10,
   "CustomizedMetricSpecification": {"MetricName": "m", "Namespace": "n", "Statistic": "Sum"}}}])"),
         "in.json: metric \"m\" is read twice with different types or statistics"},
        {"too_deep", std::string(100, '[') + std::string(100, ']'), "nested deeper than 32"},
        {"two_registers", std::string("[{") + kRegister + "}, {" + kRegister + "}]",
         "[1].RegisterScalableTarget: a second RegisterScalableTarget"},
    }),
    [](const auto& info) { return info.param.name; });

// The fuzz seeds that are meant to load do, and build a policy.
TEST(AwsLoader, FuzzSeedsLoad) {
  const char* root = std::getenv("AGENTSCALE_SOURCE_DIR");
  for (const char* seed : {"ecs_agents.json", "array_form.json", "step_in_out.json",
                           "cron_years.json"}) {
    const std::string path =
        std::string(root ? root : ".") + "/tests/fuzz/corpus/aws_json/" + seed;
    absl::StatusOr<aws::ScalableTargetSpec> spec = LoadAwsScalingFile(path);
    ASSERT_THAT(spec.status(), IsOk()) << seed;
    EXPECT_THAT(aws::ScalableTargetPolicy::Create(*spec).status(), IsOk()) << seed;
  }
  EXPECT_THAT(LoadAwsScalingFile(std::string(root ? root : ".") +
                                 "/tests/fuzz/corpus/aws_json/min_above_max.json")
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("MinCapacity 7")));
}

TEST(AwsLoader, MissingFileIsNotFound) {
  EXPECT_THAT(LoadAwsScalingFile(DataFile("no_such.json")).status(),
              StatusIs(absl::StatusCode::kNotFound));
}

}  // namespace
}  // namespace agentscale::config

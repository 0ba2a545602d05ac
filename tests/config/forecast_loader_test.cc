// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Forecast policies from files: the Forecast kind, AWS's
// PredictiveScalingPolicyConfiguration JSON with AWS's defaults and limits,
// errors at file:line:col, dump -> load.

#include "agentscale/config/forecast.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <string>

#include "absl/time/time.h"
#include "testing/status_matchers.h"

namespace agentscale::config {
namespace {

using ::agentscale_testing::IsOk;
using ::testing::HasSubstr;
using forecast::ForecastMode;
using forecast::MaxCapacityBreach;

std::string ForecastSourceDir() {
  return getenv("AGENTSCALE_SOURCE_DIR") ? getenv("AGENTSCALE_SOURCE_DIR") : ".";
}

std::string Message(const absl::StatusOr<LoadedForecast>& f) {
  return std::string(f.status().message());
}

TEST(ForecastLoaderTest, TheForecastKind) {
  absl::StatusOr<LoadedForecast> f = LoadForecastFile(ForecastSourceDir() + "/examples/forecast.yaml");
  ASSERT_THAT(f.status(), IsOk());
  EXPECT_EQ(f->name, "daily-holt-winters");
  EXPECT_EQ(f->source_kind, "Forecast");
  EXPECT_EQ(f->spec.model, "holt-winters");
  EXPECT_EQ(f->spec.season, 1440);
  EXPECT_EQ(f->spec.lead, absl::Seconds(120));
  EXPECT_EQ(f->spec.max_breach, MaxCapacityBreach::kIncreaseMaxCapacity);
  EXPECT_EQ(f->spec.max_capacity_buffer, 10);
  EXPECT_TRUE(f->warnings.empty());
  absl::StatusOr<LoadedForecast> again = LoadForecastString(DumpForecast(f->spec), "dump.yaml");
  ASSERT_THAT(again.status(), IsOk()) << DumpForecast(f->spec);
  EXPECT_EQ(again->spec, f->spec);
  // Every field optional: an empty spec is the defaults.
  absl::StatusOr<LoadedForecast> empty = LoadForecastString(
      "apiVersion: agentscale.dev/v1alpha1\nkind: Forecast\nspec: {}\n", "e.yaml");
  ASSERT_THAT(empty.status(), IsOk());
  EXPECT_EQ(empty->spec, forecast::ForecastSpec());
  // Values that are not the defaults round-trip too.
  forecast::ForecastSpec odd;
  odd.model = "linear-trend";
  odd.window = 17;
  odd.coverage = 0.8;
  odd.alpha = 0.1;
  odd.metric = "s0-prometheus: \"quoted\"";
  odd.load_per_replica = 12.5;
  odd.step = absl::Milliseconds(1500);
  odd.lead = absl::ZeroDuration();
  odd.use_upper = true;
  odd.mode = ForecastMode::kForecastOnly;
  again = LoadForecastString(DumpForecast(odd, "odd"), "dump.yaml");
  ASSERT_THAT(again.status(), IsOk()) << DumpForecast(odd);
  EXPECT_EQ(again->spec, odd);
  EXPECT_EQ(again->name, "odd");
}

// A spec that validates dumps to a Forecast that loads back equal, also in
// the fields its model does not use; one that a file cannot hold does not
// validate.
TEST(ForecastLoaderTest, WhatValidatesRoundTrips) {
  forecast::ForecastSpec f;
  f.model = "linear-trend";
  f.season = 5'000'000'000;  // unused by a linear trend, but no file holds it
  EXPECT_THAT(forecast::ValidateForecastSpec(f),
              ::testing::Contains(::testing::Field(&hpa::FieldError::path, "season")));
  f.season = 7;
  f.alpha = std::nan("");
  EXPECT_THAT(forecast::ValidateForecastSpec(f),
              ::testing::Contains(::testing::Field(&hpa::FieldError::path, "alpha")));
  f.alpha = 0.3;
  f.step = absl::Microseconds(1500);
  EXPECT_THAT(forecast::ValidateForecastSpec(f),
              ::testing::Contains(::testing::Field(&hpa::FieldError::path, "stepSeconds")));
  f.step = absl::Milliseconds(1500);
  EXPECT_TRUE(forecast::ValidateForecastSpec(f).empty());
  absl::StatusOr<LoadedForecast> back = LoadForecastString(DumpForecast(f, std::string(256, 'n')), "d");
  ASSERT_THAT(back.status(), IsOk());
  EXPECT_EQ(back->spec, f);
  // An AWS PolicyName of 256 characters loads, and its dump loads back.
  absl::StatusOr<LoadedForecast> aws = LoadForecastString(
      R"({"PolicyName": ")" + std::string(256, 'p') +
          R"(", "PredictiveScalingPolicyConfiguration": {"MetricSpecifications": [{"TargetValue": 5,
          "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}]}})",
      "p.json");
  ASSERT_THAT(aws.status(), IsOk());
  EXPECT_THAT(LoadForecastString(DumpForecast(aws->spec, aws->name), "d").status(), IsOk());
}

TEST(ForecastLoaderTest, ErrorsNameTheFileLineAndField) {
  const std::string head = "apiVersion: agentscale.dev/v1alpha1\nkind: Forecast\nspec:\n";
  EXPECT_EQ(Message(LoadForecastString(head + "  alpha: 1.5\n", "f.yaml")),
            "f.yaml:4:10: spec.alpha: alpha must be in [0, 1], got 1.5");
  EXPECT_THAT(Message(LoadForecastString(head + "  model: prophet\n", "f.yaml")),
              HasSubstr("f.yaml:4:10: spec.model: unknown forecast model \"prophet\""));
  EXPECT_THAT(Message(LoadForecastString(head + "  alpah: 0.1\n", "f.yaml")),
              HasSubstr("f.yaml:4:3: spec.alpah: unknown field"));
  EXPECT_THAT(Message(LoadForecastString(head + "  season: \"1440\"\n", "f.yaml")),
              HasSubstr("spec.season: must be an integer"));
  EXPECT_THAT(Message(LoadForecastString(head + "  useUpper: yes please\n", "f.yaml")),
              HasSubstr("spec.useUpper: must be true or false"));
  EXPECT_THAT(Message(LoadForecastString(head + "  stepSeconds: 0\n", "f.yaml")),
              HasSubstr("f.yaml:4:16: spec.stepSeconds: must be positive"));
  EXPECT_THAT(Message(LoadForecastString(head + "  maxCapacityBuffer: 10\n", "f.yaml")),
              HasSubstr("spec.maxCapacityBuffer: applies only with maxCapacityBreachBehavior "
                        "IncreaseMaxCapacity"));
  EXPECT_THAT(Message(LoadForecastString(head + "  mode: Sometimes\n", "f.yaml")),
              HasSubstr("spec.mode: unsupported value \"Sometimes\""));
  EXPECT_THAT(Message(LoadForecastString(
                  "apiVersion: v1\nkind: Forecast\nspec: {}\n", "f.yaml")),
              HasSubstr("f.yaml:1:13: apiVersion: \"v1\" is not supported"));
  EXPECT_THAT(Message(LoadForecastString("kind: Deployment\n", "f.yaml")),
              HasSubstr("no Forecast"));
  EXPECT_THAT(Message(LoadForecastString("{\"MetricSpecifications\": [", "f.json")),
              HasSubstr("f.json:1:"));
  EXPECT_EQ(LoadForecastFile("/nonexistent.yaml").status().code(), absl::StatusCode::kNotFound);
}

TEST(ForecastLoaderTest, AwsPredictiveScalingPolicyConfiguration) {
  absl::StatusOr<LoadedForecast> f =
      LoadForecastFile(ForecastSourceDir() + "/examples/aws_predictive.json");
  ASSERT_THAT(f.status(), IsOk());
  EXPECT_EQ(f->name, "agents-predictive");
  EXPECT_EQ(f->source_kind, "PredictiveScalingPolicyConfiguration");
  EXPECT_EQ(f->spec.metric, "app_active_task_count");  // the load metric
  EXPECT_EQ(f->spec.load_per_replica, 70);
  EXPECT_EQ(f->spec.mode, ForecastMode::kForecastAndScale);
  EXPECT_EQ(f->spec.lead, absl::Seconds(300));
  EXPECT_EQ(f->spec.max_breach, MaxCapacityBreach::kIncreaseMaxCapacity);
  EXPECT_EQ(f->spec.max_capacity_buffer, 10);
  EXPECT_TRUE(f->warnings.empty());

  // The bare configuration takes AWS's defaults: ForecastOnly, a buffer
  // time of 300 s, HonorMaxCapacity.
  const std::string bare =
      R"({"MetricSpecifications": [{"TargetValue": 50,
          "PredefinedMetricPairSpecification": {"PredefinedMetricType": "ECSServiceCPUUtilization"}}]})";
  f = LoadForecastString(bare, "p.json");
  ASSERT_THAT(f.status(), IsOk());
  EXPECT_EQ(f->spec.mode, ForecastMode::kForecastOnly);
  EXPECT_EQ(f->spec.lead, absl::Seconds(300));
  EXPECT_EQ(f->spec.max_breach, MaxCapacityBreach::kHonorMaxCapacity);
  EXPECT_EQ(f->spec.metric, "");  // the policy's first metric
  EXPECT_EQ(f->spec.load_per_replica, 50);
  ASSERT_EQ(f->warnings.size(), 1u);
  EXPECT_THAT(f->warnings[0], HasSubstr("p.json:2:73: MetricSpecifications[0]."
                                        "PredefinedMetricPairSpecification.PredefinedMetricType: "
                                        "ECSServiceCPUUtilization is not simulated"));
  // describe-scaling-policies output: the first predictive policy.
  f = LoadForecastString(
      R"({"ScalingPolicies": [{"PolicyName": "tt", "PolicyType": "TargetTrackingScaling"},
          {"PolicyName": "pred", "PolicyType": "PredictiveScaling",
           "PredictiveScalingPolicyConfiguration": {"MetricSpecifications": [{"TargetValue": 5,
             "CustomizedScalingMetricSpecification": {"MetricDataQueries": [
               {"Id": "q", "MetricStat": {"Metric": {"MetricName": "queue"}, "Stat": "Average"}}]}}]}}]})",
      "d.json");
  ASSERT_THAT(f.status(), IsOk());
  EXPECT_EQ(f->name, "pred");
  EXPECT_EQ(f->spec.metric, "queue");

  // AWS's limits.
  auto with = [](const std::string& extra) {
    return Message(LoadForecastString(
        R"({"MetricSpecifications": [{"TargetValue": 50, "CustomizedLoadMetricSpecification":
            {"MetricDataQueries": [{"Id": "a", "MetricStat": {"Metric": {"MetricName": "q"}}}]}}])" +
            extra + "}",
        "p.json"));
  };
  EXPECT_EQ(with(""), "");
  EXPECT_THAT(with(R"(, "SchedulingBufferTime": 3600)"),
              HasSubstr("SchedulingBufferTime: must be 0 or more and less than 3600 seconds"));
  EXPECT_THAT(with(R"(, "MaxCapacityBuffer": 10)"),
              HasSubstr("MaxCapacityBuffer: can be set only with MaxCapacityBreachBehavior "
                        "IncreaseMaxCapacity"));
  EXPECT_THAT(with(R"(, "MaxCapacityBreachBehavior": "IncreaseMaxCapacity", "MaxCapacityBuffer": 101)"),
              HasSubstr("MaxCapacityBuffer: must be 0 to 100"));
  EXPECT_THAT(with(R"(, "Mode": "Always")"), HasSubstr("Mode: unsupported value \"Always\""));
  EXPECT_THAT(with(R"(, "Color": "blue")"), HasSubstr("p.json:2:"));
  EXPECT_THAT(Message(LoadForecastString(R"({"MetricSpecifications": []})", "p.json")),
              HasSubstr("exactly one metric specification, got 0"));
  EXPECT_THAT(Message(LoadForecastString(
                  R"({"MetricSpecifications": [{"CustomizedLoadMetricSpecification": {}}]})",
                  "p.json")),
              HasSubstr("MetricSpecifications[0].TargetValue: is required"));
  EXPECT_THAT(Message(LoadForecastString(
                  R"({"MetricSpecifications": [{"TargetValue": 5, "CustomizedLoadMetricSpecification":
                      {"MetricDataQueries": [{"Id": "m", "MetricStat": {"Metric": {"MetricName": "q"}},
                       "ReturnData": false}, {"Id": "e", "Expression": "m * 2"}]}}]})",
                  "p.json")),
              HasSubstr("Expression: metric math is not evaluated"));
  EXPECT_THAT(Message(LoadForecastString(
                  R"({"PolicyType": "StepScaling", "PredictiveScalingPolicyConfiguration": {}})",
                  "p.json")),
              HasSubstr("PolicyType: \"StepScaling\""));
}

}  // namespace
}  // namespace agentscale::config

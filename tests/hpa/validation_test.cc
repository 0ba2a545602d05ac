// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/validation.h"

#include <cmath>
#include <functional>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace agentscale::hpa {
namespace {

using ::testing::AllOf;
using ::testing::Contains;
using ::testing::Field;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// The seed's production autoscaler: valid as it stands.
AutoscalerSpec ValidSpec() {
  AutoscalerSpec spec;
  spec.scale_target_ref = {"apps/v1", "Deployment", "agents"};
  spec.min_replicas = 2;
  spec.max_replicas = 10;
  spec.metrics = {MetricSpec::PodsAverageValue("app_active_task_count", 70'000),
                  MetricSpec::PodsAverageValue("app_active_request_count",
                                               50'000)};
  Behavior b;
  b.scale_up.stabilization_window = absl::Seconds(60);
  b.scale_up.policies = {{PolicyType::kPods, 2, absl::Seconds(30)}};
  b.scale_down.stabilization_window = absl::Seconds(300);
  b.scale_down.select_policy = SelectPolicy::kMin;
  b.scale_down.policies = {{PolicyType::kPods, 1, absl::Seconds(60)}};
  spec.behavior = b;
  return spec;
}

MetricSpec ContainerCpu(std::string container) {
  MetricSpec m = MetricSpec::ResourceUtilization("cpu", 60);
  m.type = MetricSourceType::kContainerResource;
  m.container = std::move(container);
  return m;
}

MetricSpec QueueDepth() {
  return MetricSpec::ObjectValue({"v1", "Service", "queue"}, "depth", 10'000);
}

struct ErrorCase {
  std::string name;
  std::function<void(AutoscalerSpec&, ControllerConfig&)> mutate;
  std::string path;
  std::string message;  // substring
};

void PrintTo(const ErrorCase& c, std::ostream* os) { *os << c.name; }

std::string ErrorCaseName(const testing::TestParamInfo<ErrorCase>& info) {
  return info.param.name;
}

class ValidationErrorTest : public testing::TestWithParam<ErrorCase> {};

TEST_P(ValidationErrorTest, ReportsFieldPathAndProblem) {
  AutoscalerSpec spec = ValidSpec();
  ControllerConfig config;
  GetParam().mutate(spec, config);
  std::vector<FieldError> errors = ValidateSpec(spec, config);
  EXPECT_THAT(errors,
              Contains(AllOf(Field(&FieldError::path, GetParam().path),
                             Field(&FieldError::message,
                                   HasSubstr(GetParam().message)))));
  absl::Status status = ValidateSpecStatus(spec, config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr(GetParam().path + ": " + GetParam().message));
}

using S = AutoscalerSpec;
using C = ControllerConfig;

INSTANTIATE_TEST_SUITE_P(
    Spec, ValidationErrorTest,
    testing::ValuesIn(std::vector<ErrorCase>{
        {"MinReplicasZeroWithoutGate",
         [](S& s, C& c) {
           c.scale_to_zero = false;
           s.min_replicas = 0;
         },
         "spec.minReplicas",
         "Invalid value: 0: must be greater than or equal to 1 (0 needs the HPAScaleToZero"},
        {"MinReplicasZeroNeedsObjectOrExternalEvenWithoutGate",
         [](S& s, C& c) {
           c.scale_to_zero = false;
           s.min_replicas = 0;
         },
         "spec.metrics",
         "Forbidden: must specify at least one Object or External metric to support scaling "
         "to zero replicas"},
        {"MinReplicasNegativeWithGate",
         [](S& s, C& c) {
           c.scale_to_zero = true;
           s.min_replicas = -1;
         },
         "spec.minReplicas", "Invalid value: -1: must be greater than or equal to 0"},
        {"ScaleToZeroNeedsObjectOrExternal",
         [](S& s, C& c) {
           c.scale_to_zero = true;
           s.min_replicas = 0;
         },
         "spec.metrics", "Forbidden: must specify at least one Object or External"},
        {"MaxReplicasZero", [](S& s, C&) { s.max_replicas = 0; },
         "spec.maxReplicas", "must be >= 1, got 0"},
        {"MaxBelowMin", [](S& s, C&) { s.max_replicas = 1; },
         "spec.maxReplicas", "must be >= minReplicas (2), got 1"},
        {"UnknownSourceType",
         [](S& s, C&) {
           s.metrics[1].type = MetricSourceType::kUnknown;
           s.metrics[1].name = "Custom";
         },
         "spec.metrics[1].type", "unsupported metric source type \"Custom\""},
        {"PodsNameRequired", [](S& s, C&) { s.metrics[0].name.clear(); },
         "spec.metrics[0].pods.metric.name", "is required"},
        {"ResourceNameRequired",
         [](S& s, C&) { s.metrics = {MetricSpec::ResourceUtilization("", 80)}; },
         "spec.metrics[0].resource.name", "is required"},
        {"PodsTargetTypeUtilization",
         [](S& s, C&) {
           s.metrics[0].target.type = MetricTargetType::kUtilization;
         },
         "spec.metrics[0].pods.target.type",
         "must be AverageValue for a Pods metric, got Utilization"},
        {"ResourceTargetTypeValue",
         [](S& s, C&) {
           s.metrics = {MetricSpec::ResourceUtilization("cpu", 80)};
           s.metrics[0].target.type = MetricTargetType::kValue;
         },
         "spec.metrics[0].resource.target.type",
         "must be Utilization or AverageValue for a Resource metric, got Value"},
        {"ExternalTargetTypeUtilization",
         [](S& s, C&) {
           s.metrics = {MetricSpec::ExternalValue("queue", 5'000)};
           s.metrics[0].target.type = MetricTargetType::kUtilization;
         },
         "spec.metrics[0].external.target.type",
         "must be Value or AverageValue for a External metric"},
        {"PodsAverageValueMissing",
         [](S& s, C&) { s.metrics[1].target.average_value_milli.reset(); },
         "spec.metrics[1].pods.target.averageValue",
         "is required for target type AverageValue"},
        {"PodsAverageValueZero",
         [](S& s, C&) { s.metrics[1].target.average_value_milli = 0; },
         "spec.metrics[1].pods.target.averageValue",
         "must be greater than 0, got \"0\""},
        {"PodsAverageValueNegative",
         [](S& s, C&) { s.metrics[1].target.average_value_milli = -500; },
         "spec.metrics[1].pods.target.averageValue",
         "must be greater than 0, got \"-500m\""},
        {"UtilizationZero",
         [](S& s, C&) { s.metrics = {MetricSpec::ResourceUtilization("cpu", 0)}; },
         "spec.metrics[0].resource.target.averageUtilization",
         "must be greater than 0, got 0"},
        {"UtilizationMissing",
         [](S& s, C&) {
           s.metrics = {MetricSpec::ResourceUtilization("cpu", 80)};
           s.metrics[0].target.average_utilization.reset();
         },
         "spec.metrics[0].resource.target.averageUtilization",
         "is required for target type Utilization"},
        {"ResourceBothTargets",
         [](S& s, C&) {
           s.metrics = {MetricSpec::ResourceUtilization("cpu", 80)};
           s.metrics[0].target.average_value_milli = 500;
         },
         "spec.metrics[0].resource.target.averageValue",
         "may not set both a target raw value and a target utilization"},
        {"ExternalBothTargets",
         [](S& s, C&) {
           s.metrics = {MetricSpec::ExternalValue("queue", 5'000)};
           s.metrics[0].target.average_value_milli = 500;
         },
         "spec.metrics[0].external.target.value", "may not set both"},
        {"ObjectValueMissing",
         [](S& s, C&) {
           s.metrics = {QueueDepth()};
           s.metrics[0].target.value_milli.reset();
         },
         "spec.metrics[0].object.target.value",
         "is required for target type Value"},
        {"ExternalValueZero",
         [](S& s, C&) { s.metrics = {MetricSpec::ExternalValue("queue", 0)}; },
         "spec.metrics[0].external.target.value", "must be greater than 0"},
        {"ContainerRequired",
         [](S& s, C&) { s.metrics = {ContainerCpu("")}; },
         "spec.metrics[0].containerResource.container", "is required"},
        {"DescribedObjectKindRequired",
         [](S& s, C&) {
           s.metrics = {QueueDepth()};
           s.metrics[0].described_object.kind.clear();
         },
         "spec.metrics[0].object.describedObject.kind", "is required"},
        {"DescribedObjectNameRequired",
         [](S& s, C&) {
           s.metrics = {QueueDepth()};
           s.metrics[0].described_object.name.clear();
         },
         "spec.metrics[0].object.describedObject.name", "is required"},
        {"SelectorUnknownOperator",
         [](S& s, C&) {
           s.metrics[0].selector.match_expressions = {{"app", "Like", {"x"}}};
         },
         "spec.metrics[0].pods.metric.selector.matchExpressions[0].operator",
         "unsupported operator \"Like\""},
        {"SelectorInWithoutValues",
         [](S& s, C&) {
           s.metrics[0].selector.match_expressions = {{"app", "In", {}}};
         },
         "spec.metrics[0].pods.metric.selector.matchExpressions[0].values",
         "must be specified"},
        {"SelectorExistsWithValues",
         [](S& s, C&) {
           s.metrics[0].selector.match_expressions = {{"app", "Exists", {"x"}}};
         },
         "spec.metrics[0].pods.metric.selector.matchExpressions[0].values",
         "may not be specified"},
        {"WindowAboveMax",
         [](S& s, C&) {
           s.behavior->scale_up.stabilization_window = absl::Seconds(3601);
         },
         "spec.behavior.scaleUp.stabilizationWindowSeconds",
         "must be in 0..3600, got 3601"},
        {"WindowNegative",
         [](S& s, C&) {
           s.behavior->scale_down.stabilization_window = absl::Seconds(-1);
         },
         "spec.behavior.scaleDown.stabilizationWindowSeconds",
         "must be in 0..3600, got -1"},
        {"WindowFractional",
         [](S& s, C&) {
           s.behavior->scale_down.stabilization_window = absl::Milliseconds(1500);
         },
         "spec.behavior.scaleDown.stabilizationWindowSeconds",
         "must be a whole number of seconds, got 1.5s"},
        {"NoPolicies",
         [](S& s, C&) { s.behavior->scale_up.policies.clear(); },
         "spec.behavior.scaleUp.policies", "must specify at least one policy"},
        // Kubernetes requires a policy even when the direction is disabled.
        {"NoPoliciesWhenDisabled",
         [](S& s, C&) {
           s.behavior->scale_down.select_policy = SelectPolicy::kDisabled;
           s.behavior->scale_down.policies.clear();
         },
         "spec.behavior.scaleDown.policies", "must specify at least one policy"},
        {"PolicyValueZero",
         [](S& s, C&) { s.behavior->scale_up.policies[0].value = 0; },
         "spec.behavior.scaleUp.policies[0].value",
         "must be greater than 0, got 0"},
        {"PolicyPeriodZero",
         [](S& s, C&) {
           s.behavior->scale_up.policies[0].period = absl::ZeroDuration();
         },
         "spec.behavior.scaleUp.policies[0].periodSeconds",
         "must be in 1..1800, got 0"},
        {"PolicyPeriodAboveMax",
         [](S& s, C&) {
           s.behavior->scale_down.policies.push_back(
               {PolicyType::kPercent, 10, absl::Seconds(1801)});
         },
         "spec.behavior.scaleDown.policies[1].periodSeconds",
         "must be in 1..1800, got 1801"},
        {"ToleranceNegative",
         [](S& s, C&) { s.behavior->scale_up.tolerance = -0.1; },
         "spec.behavior.scaleUp.tolerance", "must be >= 0, got -0.1"},
        {"ToleranceNaN",
         [](S& s, C&) { s.behavior->scale_down.tolerance = std::nan(""); },
         "spec.behavior.scaleDown.tolerance", "must be >= 0, got NaN"},
    }),
    ErrorCaseName);

struct ValidCase {
  std::string name;
  std::function<void(AutoscalerSpec&, ControllerConfig&)> mutate;
};

void PrintTo(const ValidCase& c, std::ostream* os) { *os << c.name; }

class ValidSpecTest : public testing::TestWithParam<ValidCase> {};

TEST_P(ValidSpecTest, HasNoErrors) {
  AutoscalerSpec spec = ValidSpec();
  ControllerConfig config;
  GetParam().mutate(spec, config);
  EXPECT_THAT(ValidateSpec(spec, config), IsEmpty());
  EXPECT_TRUE(ValidateSpecStatus(spec, config).ok());
}

INSTANTIATE_TEST_SUITE_P(
    Spec, ValidSpecTest,
    testing::ValuesIn(std::vector<ValidCase>{
        {"Production", [](S&, C&) {}},
        {"NoBehavior", [](S& s, C&) { s.behavior.reset(); }},
        {"DefaultBehavior", [](S& s, C&) { s.behavior = DefaultBehavior(); }},
        {"WindowLimits",
         [](S& s, C&) {
           s.behavior->scale_up.stabilization_window = absl::ZeroDuration();
           s.behavior->scale_down.stabilization_window = absl::Seconds(3600);
         }},
        {"PeriodLimits",
         [](S& s, C&) {
           s.behavior->scale_up.policies = {
               {PolicyType::kPods, 1, absl::Seconds(1)},
               {PolicyType::kPercent, 100, absl::Seconds(1800)}};
         }},
        {"ZeroTolerance",
         [](S& s, C&) {
           s.behavior->scale_up.tolerance = 0.0;
           s.behavior->scale_down.tolerance = 0.05;
         }},
        {"MinEqualsMax", [](S& s, C&) { s.max_replicas = 2; }},
        {"ScaleToZeroWithExternal",
         [](S& s, C& c) {
           c.scale_to_zero = true;
           s.min_replicas = 0;
           s.metrics.push_back(MetricSpec::ExternalAverageValue("queue", 30'000));
         }},
        {"ScaleToZeroWithObject",
         [](S& s, C& c) {
           c.scale_to_zero = true;
           s.min_replicas = 0;
           s.metrics = {QueueDepth()};
         }},
        {"AllSourceTypes",
         [](S& s, C&) {
           s.metrics.push_back(MetricSpec::ResourceUtilization("cpu", 80));
           s.metrics.push_back(MetricSpec::ResourceAverageValue("memory", 1));
           s.metrics.push_back(ContainerCpu("app"));
           s.metrics.push_back(QueueDepth());
           s.metrics.push_back(MetricSpec::ExternalValue("queue", 5'000));
         }},
        {"SelectorOperators",
         [](S& s, C&) {
           s.metrics[0].selector.match_labels = {{"app", "agent"}};
           s.metrics[0].selector.match_expressions = {
               {"zone", "In", {"a", "b"}},
               {"tier", "NotIn", {"batch"}},
               {"canary", "DoesNotExist", {}},
               {"team", "Exists", {}}};
         }},
        {"DisabledWithPolicies",
         [](S& s, C&) {
           s.behavior->scale_down.select_policy = SelectPolicy::kDisabled;
         }},
    }),
    [](const testing::TestParamInfo<ValidCase>& info) {
      return info.param.name;
    });

TEST(ValidateSpecTest, ReportsEveryProblemInFieldOrder) {
  AutoscalerSpec spec = ValidSpec();
  spec.min_replicas = 0;
  spec.max_replicas = 0;
  spec.behavior->scale_up.policies[0].period = absl::ZeroDuration();
  ControllerConfig config;
  config.scale_to_zero = false;
  std::vector<FieldError> errors = ValidateSpec(spec, config);
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_EQ(errors[0].path, "spec.minReplicas");
  EXPECT_EQ(errors[1].path, "spec.maxReplicas");
  EXPECT_EQ(errors[2].path, "spec.metrics");
  EXPECT_EQ(errors[3].path, "spec.behavior.scaleUp.policies[0].periodSeconds");
  absl::Status status = ValidateSpecStatus(spec, config);
  EXPECT_THAT(std::string(status.message()),
              HasSubstr("; spec.maxReplicas: must be >= 1, got 0; "));
}

}  // namespace
}  // namespace agentscale::hpa

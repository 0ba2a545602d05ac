// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The AWS Application Auto Scaling family in Python: ScalableTargetSpec and
// its parts as value types, the loader of the AWS API JSON request bodies
// (config/aws.h), and ScalableTargetPolicy (a Policy, so fluid_replay(),
// run_agent_model() and evaluate_series() run it).

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <utility>

#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/aws.h"
#include "common.h"

namespace agentscale::python {

AGENTSCALE_PY_VALUE(aws::MetricSource);
AGENTSCALE_PY_VALUE(aws::TargetTrackingPolicy);
AGENTSCALE_PY_VALUE(aws::StepAdjustment);
AGENTSCALE_PY_VALUE(aws::StepAlarm);
AGENTSCALE_PY_VALUE(aws::StepScalingPolicy);
AGENTSCALE_PY_VALUE(aws::ScheduledAction);
AGENTSCALE_PY_VALUE(aws::ScalableTargetSpec);

namespace {

using PyAwsPolicy = PyLocked<aws::ScalableTargetPolicy>;

std::string PathArg(py::handle path) {
  return py::str(py::module_::import("os").attr("fspath")(path)).cast<std::string>();
}

}  // namespace

void BindAws(py::module_& m) {
  BindEnum<aws::Statistic>(m, "AwsStatistic",
                           "A CloudWatch statistic (kubernetes_name: AWS's spelling).",
                           {{aws::Statistic::kAverage, "AVERAGE", "Average"},
                            {aws::Statistic::kMinimum, "MINIMUM", "Minimum"},
                            {aws::Statistic::kMaximum, "MAXIMUM", "Maximum"},
                            {aws::Statistic::kSum, "SUM", "Sum"},
                            {aws::Statistic::kSampleCount, "SAMPLE_COUNT", "SampleCount"}});
  BindEnum<aws::AdjustmentType>(
      m, "AdjustmentType", "A step scaling policy's AdjustmentType (kubernetes_name: AWS's).",
      {{aws::AdjustmentType::kChangeInCapacity, "CHANGE_IN_CAPACITY", "ChangeInCapacity"},
       {aws::AdjustmentType::kPercentChangeInCapacity, "PERCENT_CHANGE_IN_CAPACITY",
        "PercentChangeInCapacity"},
       {aws::AdjustmentType::kExactCapacity, "EXACT_CAPACITY", "ExactCapacity"}});
  BindEnum<aws::ComparisonOperator>(
      m, "ComparisonOperator", "A CloudWatch alarm's ComparisonOperator (kubernetes_name: AWS's).",
      {{aws::ComparisonOperator::kGreaterThanOrEqualToThreshold,
        "GREATER_THAN_OR_EQUAL_TO_THRESHOLD", "GreaterThanOrEqualToThreshold"},
       {aws::ComparisonOperator::kGreaterThanThreshold, "GREATER_THAN_THRESHOLD",
        "GreaterThanThreshold"},
       {aws::ComparisonOperator::kLessThanThreshold, "LESS_THAN_THRESHOLD", "LessThanThreshold"},
       {aws::ComparisonOperator::kLessThanOrEqualToThreshold, "LESS_THAN_OR_EQUAL_TO_THRESHOLD",
        "LessThanOrEqualToThreshold"}});

  ValueClass<aws::MetricSource>(
      m, "AwsMetricSource",
      "What an AWS policy or alarm reads, in the HPA's vocabulary: ECS CPU and memory "
      "utilization are Resource Utilization metrics, ALBRequestCountPerTarget and an Average "
      "customized metric are Pods AverageValue metrics, other statistics External metrics.")
      .field("label", &aws::MetricSource::label, "The predefined type, or MetricName.")
      .field("spec", &aws::MetricSource::spec, "The MetricSpec a driver fills.")
      .field("statistic", &aws::MetricSource::statistic, "AwsStatistic.")
      .field("namespace", &aws::MetricSource::namespace_,
             "CustomizedMetricSpecification.Namespace ('' for a predefined type).")
      .field("dimensions", &aws::MetricSource::dimensions, "(Name, Value) pairs.")
      .field("unit", &aws::MetricSource::unit, "Unit, as written.")
      .finish();
  ValueClass<aws::TargetTrackingPolicy>(
      m, "TargetTrackingPolicy",
      "A PutScalingPolicy of type TargetTrackingScaling: alarms 3 of 3 datapoints above the "
      "target (out) and 15 of 15 below 90% of it (in).")
      .field("name", &aws::TargetTrackingPolicy::name, "PolicyName.")
      .field("target_value", &aws::TargetTrackingPolicy::target_value, "TargetValue.")
      .field("metric", &aws::TargetTrackingPolicy::metric, "AwsMetricSource.")
      .field("scale_out_cooldown", &aws::TargetTrackingPolicy::scale_out_cooldown,
             "ScaleOutCooldown in seconds (300).")
      .field("scale_in_cooldown", &aws::TargetTrackingPolicy::scale_in_cooldown,
             "ScaleInCooldown in seconds (300).")
      .field("disable_scale_in", &aws::TargetTrackingPolicy::disable_scale_in,
             "DisableScaleIn.")
      .finish();
  ValueClass<aws::StepAdjustment>(
      m, "StepAdjustment",
      "One StepAdjustment: bounds relative to the alarm threshold (None: unbounded).")
      .field("lower", &aws::StepAdjustment::lower, "MetricIntervalLowerBound, or None.")
      .field("upper", &aws::StepAdjustment::upper, "MetricIntervalUpperBound, or None.")
      .field("scaling_adjustment", &aws::StepAdjustment::scaling_adjustment,
             "ScalingAdjustment.")
      .finish();
  ValueClass<aws::StepAlarm>(m, "StepAlarm",
                             "The CloudWatch alarm (PutMetricAlarm) that invokes a step policy.")
      .field("name", &aws::StepAlarm::name, "AlarmName.")
      .field("metric", &aws::StepAlarm::metric, "AwsMetricSource.")
      .field("threshold", &aws::StepAlarm::threshold, "Threshold.")
      .field("comparison", &aws::StepAlarm::comparison, "ComparisonOperator.")
      .field("evaluation_periods", &aws::StepAlarm::evaluation_periods,
             "EvaluationPeriods (one minute each).")
      .field("datapoints_to_alarm", &aws::StepAlarm::datapoints_to_alarm, "DatapointsToAlarm.")
      .finish();
  ValueClass<aws::StepScalingPolicy>(m, "StepScalingPolicy",
                                     "A PutScalingPolicy of type StepScaling with its alarm.")
      .field("name", &aws::StepScalingPolicy::name, "PolicyName.")
      .field("adjustment_type", &aws::StepScalingPolicy::adjustment_type, "AdjustmentType.")
      .field("steps", &aws::StepScalingPolicy::steps, "The StepAdjustments.")
      .field("min_adjustment_magnitude", &aws::StepScalingPolicy::min_adjustment_magnitude,
             "MinAdjustmentMagnitude, or None.")
      .field("aggregation", &aws::StepScalingPolicy::aggregation,
             "MetricAggregationType (Average, Minimum or Maximum).")
      .field("cooldown", &aws::StepScalingPolicy::cooldown, "Cooldown in seconds (300).")
      .field("alarm", &aws::StepScalingPolicy::alarm, "StepAlarm.")
      .finish();
  ValueClass<aws::ScheduledAction>(m, "ScheduledAction",
                                   "A PutScheduledAction: sets min/max capacity on a schedule.")
      .field("name", &aws::ScheduledAction::name, "ScheduledActionName.")
      .field("schedule", &aws::ScheduledAction::schedule, "at(...), rate(...) or cron(...).")
      .field("timezone", &aws::ScheduledAction::timezone, "Timezone (UTC).")
      .field("start_time", &aws::ScheduledAction::start_time, "StartTime, or None.")
      .field("end_time", &aws::ScheduledAction::end_time, "EndTime, or None.")
      .field("min_capacity", &aws::ScheduledAction::min_capacity,
             "ScalableTargetAction.MinCapacity, or None.")
      .field("max_capacity", &aws::ScheduledAction::max_capacity,
             "ScalableTargetAction.MaxCapacity, or None.")
      .finish();
  ValueClass<aws::ScalableTargetSpec>(
      m, "ScalableTargetSpec",
      "An Application Auto Scaling scalable target with its policies and scheduled actions.")
      .field("service_namespace", &aws::ScalableTargetSpec::service_namespace,
             "ServiceNamespace ('ecs').")
      .field("resource_id", &aws::ScalableTargetSpec::resource_id,
             "ResourceId, e.g. 'service/agents/agent-worker'.")
      .field("scalable_dimension", &aws::ScalableTargetSpec::scalable_dimension,
             "ScalableDimension ('ecs:service:DesiredCount').")
      .field("min_capacity", &aws::ScalableTargetSpec::min_capacity, "MinCapacity.")
      .field("max_capacity", &aws::ScalableTargetSpec::max_capacity, "MaxCapacity.")
      .field("target_tracking", &aws::ScalableTargetSpec::target_tracking,
             "TargetTrackingPolicy list, in file order.")
      .field("step_scaling", &aws::ScalableTargetSpec::step_scaling,
             "StepScalingPolicy list, in file order.")
      .field("scheduled_actions", &aws::ScalableTargetSpec::scheduled_actions,
             "ScheduledAction list, in file order.")
      .finish()
      .cls()
      .def_property_readonly(
          "name", [](const aws::ScalableTargetSpec& s) { return s.resource_id; },
          "resource_id, so that every spec kind has a name.");

  m.def(
      "validate_aws",
      [](const aws::ScalableTargetSpec& spec) { RaiseIfError(aws::Validate(spec)); },
      py::arg("spec"), "ValueError naming the field when the spec is not valid.");
  m.def(
      "load_aws_file", [](py::handle path) { return Unwrap(config::LoadAwsScalingFile(PathArg(path))); },
      py::arg("path"),
      "The validated ScalableTargetSpec of an AWS JSON file (RegisterScalableTarget, "
      "PutScalingPolicy, PutScheduledAction, PutMetricAlarm request bodies); ValueError "
      "'file:line:col: field: problem'.");
  m.def(
      "load_aws_string",
      [](const std::string& text, const std::string& source_name) {
        return Unwrap(config::LoadAwsScalingString(text, source_name));
      },
      py::arg("text"), py::arg("source_name") = "<string>",
      "load_aws_file() of JSON text; errors name source_name.");

  py::class_<PyAwsPolicy, Policy>(
      m, "ScalableTargetPolicy",
      "An AWS scalable target as a Policy: one-minute datapoints, target tracking's "
      "alarms, step alarms, cooldowns and scheduled actions (docs/aws.md).")
      .def(py::init([](const aws::ScalableTargetSpec& spec) {
             return std::make_unique<PyAwsPolicy>(
                 Unwrap(aws::ScalableTargetPolicy::Create(spec)));
           }),
           py::arg("spec"), "ValueError names the field when the spec is not valid.")
      .def_property_readonly("spec", [](const PyAwsPolicy& p) { return p.policy->spec(); });
}

}  // namespace agentscale::python

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// An Application Auto Scaling scalable target with its scaling policies and
// scheduled actions, as one validated value, and the pure math of its rules
// (PEER_FORMULAS.md §3; docs/aws.md has every rule and its source).
//
//   agentscale::aws::ScalableTargetSpec spec;
//   spec.resource_id = "service/agents/agent-worker";
//   spec.min_capacity = 2;
//   spec.max_capacity = 10;
//   agentscale::aws::TargetTrackingPolicy cpu;
//   cpu.name = "cpu";
//   cpu.target_value = 70;
//   absl::StatusOr<agentscale::aws::MetricSource> m =
//       agentscale::aws::PredefinedMetric("ECSServiceAverageCPUUtilization");
//   cpu.metric = *m;
//   spec.target_tracking.push_back(cpu);
//   absl::Status ok = agentscale::aws::Validate(spec);
//
// Metrics are described in the HPA's vocabulary (hpa::MetricSpec) so that
// every fleet model can fill them: ECS CPU and memory utilization are
// Resource Utilization metrics (cpu, memory), ALBRequestCountPerTarget and a
// customized metric with the Average statistic are Pods AverageValue metrics
// (one value per task, averaged), and a customized metric with another
// statistic is an External metric whose series are combined by it.
#ifndef AGENTSCALE_AWS_SPEC_H_
#define AGENTSCALE_AWS_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/aws/schedule_expression.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::aws {

// The longest alarm window a step policy may ask for (EvaluationPeriods of
// one minute each); the datapoint ring of policy.h holds this many and more.
inline constexpr int kMaxEvaluationPeriods = 60;

// CloudWatch statistics (and step scaling's MetricAggregationType, which
// takes the first three).
enum class Statistic { kAverage, kMinimum, kMaximum, kSum, kSampleCount };
const char* StatisticName(Statistic s);  // "Average", ...
bool StatisticFromName(const std::string& name, Statistic* out);

// What a policy reads: the metric a driver fills, and how the values of one
// reading (External series) and of one minute are combined.
struct MetricSource {
  // The name in explanations: the predefined type, or MetricName.
  std::string label;
  hpa::MetricSpec spec;
  Statistic statistic = Statistic::kAverage;
  // CustomizedMetricSpecification's identity (empty for predefined types).
  std::string namespace_;
  std::vector<std::pair<std::string, std::string>> dimensions;
  std::string unit;
};

// The predefined metric types this model knows: ECSServiceAverageCPUUtilization,
// ECSServiceAverageMemoryUtilization, ALBRequestCountPerTarget. Anything
// else is an error that lists them.
absl::StatusOr<MetricSource> PredefinedMetric(const std::string& type);
// A CustomizedMetricSpecification. Average: a Pods AverageValue metric
// named `metric_name`; any other statistic: an External metric.
absl::StatusOr<MetricSource> CustomizedMetric(
    const std::string& metric_name, const std::string& namespace_,
    std::vector<std::pair<std::string, std::string>> dimensions, Statistic statistic,
    const std::string& unit);

struct TargetTrackingPolicy {
  std::string name;
  double target_value = 0;
  MetricSource metric;
  // The API's default for ECS services (PEER_FORMULAS.md §3).
  absl::Duration scale_out_cooldown = absl::Seconds(300);
  absl::Duration scale_in_cooldown = absl::Seconds(300);
  bool disable_scale_in = false;
};

enum class AdjustmentType { kChangeInCapacity, kPercentChangeInCapacity, kExactCapacity };
const char* AdjustmentTypeName(AdjustmentType t);
bool AdjustmentTypeFromName(const std::string& name, AdjustmentType* out);

// One StepAdjustment; bounds relative to the alarm threshold, unset meaning
// unbounded (negative / positive infinity).
struct StepAdjustment {
  std::optional<double> lower;
  std::optional<double> upper;
  int32_t scaling_adjustment = 0;
};

enum class ComparisonOperator {
  kGreaterThanOrEqualToThreshold,
  kGreaterThanThreshold,
  kLessThanThreshold,
  kLessThanOrEqualToThreshold,
};
const char* ComparisonOperatorName(ComparisonOperator op);
bool ComparisonOperatorFromName(const std::string& name, ComparisonOperator* out);

// The CloudWatch alarm that invokes a step scaling policy (its
// PutMetricAlarm fields; one-minute periods only).
struct StepAlarm {
  std::string name;
  MetricSource metric;
  double threshold = 0;
  ComparisonOperator comparison = ComparisonOperator::kGreaterThanThreshold;
  int32_t evaluation_periods = 1;
  int32_t datapoints_to_alarm = 1;
};

struct StepScalingPolicy {
  std::string name;
  AdjustmentType adjustment_type = AdjustmentType::kChangeInCapacity;
  std::vector<StepAdjustment> steps;
  std::optional<int32_t> min_adjustment_magnitude;
  Statistic aggregation = Statistic::kAverage;  // Average, Minimum or Maximum
  absl::Duration cooldown = absl::Seconds(300);
  StepAlarm alarm;
};

struct ScheduledAction {
  std::string name;
  std::string schedule;  // at(...), rate(...), cron(...)
  std::string timezone = "UTC";
  std::optional<absl::Time> start_time;
  std::optional<absl::Time> end_time;
  std::optional<int32_t> min_capacity;
  std::optional<int32_t> max_capacity;
};

struct ScalableTargetSpec {
  std::string service_namespace = "ecs";
  std::string resource_id;
  std::string scalable_dimension = "ecs:service:DesiredCount";
  int32_t min_capacity = 0;
  int32_t max_capacity = 0;
  std::vector<TargetTrackingPolicy> target_tracking;
  std::vector<StepScalingPolicy> step_scaling;
  std::vector<ScheduledAction> scheduled_actions;
};

// Errors name the field: "step_scaling[0] (\"out\").steps: ...".
absl::Status Validate(const ScalableTargetSpec& spec);
// The step bounds rules alone: at most one unbounded lower and upper,
// lower < upper, and sorted by bound no gaps and no overlaps.
absl::Status ValidateSteps(const std::vector<StepAdjustment>& steps);

// --- Pure math on validated input ---------------------------------------

// Target tracking: ceil(current x metric / target) on scale-out,
// floor(current x metric / target) on scale-in (PEER_FORMULAS.md §3,
// "approximate"). Saturates at INT32_MAX.
int32_t TargetTrackingScaleOut(int32_t current, double metric, double target);
int32_t TargetTrackingScaleIn(int32_t current, double metric, double target);

// The index of the step whose interval holds `metric - threshold`, or -1.
// Above the threshold (difference >= 0) lower bounds are inclusive and
// upper bounds exclusive; below it the reverse.
int FindStep(const std::vector<StepAdjustment>& steps, double difference);

// The capacity a step asks for from `current`: ChangeInCapacity adds,
// ExactCapacity sets, PercentChangeInCapacity adds current x p / 100
// rounded as AWS documents (> 1 down, (0, 1) to 1, (-1, 0) to -1, < -1 up)
// and raised to MinAdjustmentMagnitude in size. Not clamped.
int64_t StepCapacity(AdjustmentType type, int32_t adjustment,
                     std::optional<int32_t> min_adjustment_magnitude, int32_t current);

}  // namespace agentscale::aws

#endif  // AGENTSCALE_AWS_SPEC_H_

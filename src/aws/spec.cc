// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/aws/spec.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/status_macros.h"

namespace agentscale::aws {
namespace {

constexpr const char* kPredefined[] = {"ECSServiceAverageCPUUtilization",
                                       "ECSServiceAverageMemoryUtilization",
                                       "ALBRequestCountPerTarget"};

int32_t Saturate(double v) {
  if (!(v < 2147483647.0)) return std::numeric_limits<int32_t>::max();
  if (!(v > 0)) return 0;
  return static_cast<int32_t>(v);
}

// Whole-number products (3 x 70 / 70) must not round up to one more task
// because of binary fractions: ratios within 1e-9 of an integer are that
// integer.
double Snap(double v) {
  const double r = std::round(v);
  return std::fabs(v - r) <= 1e-9 * std::max(1.0, std::fabs(v)) ? r : v;
}

std::string BoundText(const std::optional<double>& b, bool lower) {
  if (!b) return lower ? "-infinity" : "+infinity";
  return absl::StrCat(*b);
}

}  // namespace

const char* StatisticName(Statistic s) {
  switch (s) {
    case Statistic::kAverage: return "Average";
    case Statistic::kMinimum: return "Minimum";
    case Statistic::kMaximum: return "Maximum";
    case Statistic::kSum: return "Sum";
    case Statistic::kSampleCount: return "SampleCount";
  }
  return "Average";
}

bool StatisticFromName(const std::string& name, Statistic* out) {
  for (Statistic s : {Statistic::kAverage, Statistic::kMinimum, Statistic::kMaximum,
                      Statistic::kSum, Statistic::kSampleCount}) {
    if (name == StatisticName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

const char* AdjustmentTypeName(AdjustmentType t) {
  switch (t) {
    case AdjustmentType::kChangeInCapacity: return "ChangeInCapacity";
    case AdjustmentType::kPercentChangeInCapacity: return "PercentChangeInCapacity";
    case AdjustmentType::kExactCapacity: return "ExactCapacity";
  }
  return "ChangeInCapacity";
}

bool AdjustmentTypeFromName(const std::string& name, AdjustmentType* out) {
  for (AdjustmentType t : {AdjustmentType::kChangeInCapacity,
                           AdjustmentType::kPercentChangeInCapacity,
                           AdjustmentType::kExactCapacity}) {
    if (name == AdjustmentTypeName(t)) {
      *out = t;
      return true;
    }
  }
  return false;
}

const char* ComparisonOperatorName(ComparisonOperator op) {
  switch (op) {
    case ComparisonOperator::kGreaterThanOrEqualToThreshold:
      return "GreaterThanOrEqualToThreshold";
    case ComparisonOperator::kGreaterThanThreshold: return "GreaterThanThreshold";
    case ComparisonOperator::kLessThanThreshold: return "LessThanThreshold";
    case ComparisonOperator::kLessThanOrEqualToThreshold: return "LessThanOrEqualToThreshold";
  }
  return "GreaterThanThreshold";
}

bool ComparisonOperatorFromName(const std::string& name, ComparisonOperator* out) {
  for (ComparisonOperator op : {ComparisonOperator::kGreaterThanOrEqualToThreshold,
                                ComparisonOperator::kGreaterThanThreshold,
                                ComparisonOperator::kLessThanThreshold,
                                ComparisonOperator::kLessThanOrEqualToThreshold}) {
    if (name == ComparisonOperatorName(op)) {
      *out = op;
      return true;
    }
  }
  return false;
}

absl::StatusOr<MetricSource> PredefinedMetric(const std::string& type) {
  MetricSource m;
  m.label = type;
  m.statistic = Statistic::kAverage;
  if (type == "ECSServiceAverageCPUUtilization") {
    m.spec = hpa::MetricSpec::ResourceUtilization("cpu", 0);
  } else if (type == "ECSServiceAverageMemoryUtilization") {
    m.spec = hpa::MetricSpec::ResourceUtilization("memory", 0);
  } else if (type == "ALBRequestCountPerTarget") {
    // Requests per target per minute: one value per task, averaged.
    m.spec = hpa::MetricSpec::PodsAverageValue("ALBRequestCountPerTarget", 0);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown predefined metric type \"", type, "\" (this model knows ",
                     absl::StrJoin(kPredefined, ", "), ")"));
  }
  return m;
}

absl::StatusOr<MetricSource> CustomizedMetric(
    const std::string& metric_name, const std::string& namespace_,
    std::vector<std::pair<std::string, std::string>> dimensions, Statistic statistic,
    const std::string& unit) {
  if (metric_name.empty()) return absl::InvalidArgumentError("MetricName must not be empty");
  MetricSource m;
  m.label = metric_name;
  m.statistic = statistic;
  m.namespace_ = namespace_;
  m.dimensions = std::move(dimensions);
  m.unit = unit;
  if (statistic == Statistic::kAverage) {
    m.spec = hpa::MetricSpec::PodsAverageValue(metric_name, 0);
  } else {
    m.spec = hpa::MetricSpec::ExternalValue(metric_name, 0);
  }
  return m;
}

absl::Status ValidateSteps(const std::vector<StepAdjustment>& steps) {
  if (steps.empty()) return absl::InvalidArgumentError("at least one step adjustment is needed");
  int no_lower = 0, no_upper = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepAdjustment& s = steps[i];
    if (!s.lower) ++no_lower;
    if (!s.upper) ++no_upper;
    for (const std::optional<double>& b : {s.lower, s.upper}) {
      if (b && !std::isfinite(*b)) {
        return absl::InvalidArgumentError(absl::StrCat("step ", i, ": bounds must be finite"));
      }
    }
    if (s.lower && s.upper && !(*s.lower < *s.upper)) {
      return absl::InvalidArgumentError(
          absl::StrCat("step ", i, ": MetricIntervalLowerBound ", *s.lower,
                       " must be below MetricIntervalUpperBound ", *s.upper));
    }
  }
  if (no_lower > 1) {
    return absl::InvalidArgumentError(
        "more than one step has no MetricIntervalLowerBound (they would overlap)");
  }
  if (no_upper > 1) {
    return absl::InvalidArgumentError(
        "more than one step has no MetricIntervalUpperBound (they would overlap)");
  }
  std::vector<size_t> order(steps.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  auto low = [&](size_t i) {
    return steps[i].lower ? *steps[i].lower : -std::numeric_limits<double>::infinity();
  };
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return low(a) < low(b); });
  for (size_t k = 0; k + 1 < order.size(); ++k) {
    const StepAdjustment& a = steps[order[k]];
    const StepAdjustment& b = steps[order[k + 1]];
    const double a_up =
        a.upper ? *a.upper : std::numeric_limits<double>::infinity();
    const double b_low = low(order[k + 1]);
    if (a_up > b_low) {
      return absl::InvalidArgumentError(absl::StrCat(
          "steps ", order[k], " [", BoundText(a.lower, true), ", ", BoundText(a.upper, false),
          ") and ", order[k + 1], " [", BoundText(b.lower, true), ", ",
          BoundText(b.upper, false), ") overlap"));
    }
    if (a_up < b_low) {
      return absl::InvalidArgumentError(absl::StrCat(
          "gap between steps ", order[k], " (upper bound ", BoundText(a.upper, false),
          ") and ", order[k + 1], " (lower bound ", BoundText(b.lower, true), ")"));
    }
  }
  return absl::OkStatus();
}

absl::Status Validate(const ScalableTargetSpec& spec) {
  auto bad = [](const std::string& field, const std::string& why) {
    return absl::InvalidArgumentError(absl::StrCat(field, ": ", why));
  };
  if (spec.min_capacity < 0) return bad("MinCapacity", "must not be negative");
  if (spec.max_capacity < 0) return bad("MaxCapacity", "must not be negative");
  if (spec.min_capacity > spec.max_capacity) {
    return bad("MinCapacity", absl::StrCat("MinCapacity ", spec.min_capacity,
                                           " is above MaxCapacity ", spec.max_capacity));
  }
  absl::flat_hash_set<std::string> names;
  auto name_ok = [&](const std::string& field, const std::string& name) -> absl::Status {
    if (name.empty()) return bad(field + ".PolicyName", "must not be empty");
    if (!names.insert(name).second) {
      return bad(field + ".PolicyName", absl::StrCat("\"", name, "\" is used twice"));
    }
    return absl::OkStatus();
  };
  auto cooldown_ok = [&](const std::string& field, absl::Duration d) -> absl::Status {
    if (d < absl::ZeroDuration()) return bad(field, "must not be negative");
    if (d > absl::Hours(24 * 365)) return bad(field, "is over a year");
    return absl::OkStatus();
  };
  for (size_t i = 0; i < spec.target_tracking.size(); ++i) {
    const TargetTrackingPolicy& p = spec.target_tracking[i];
    const std::string field = absl::StrCat("target_tracking[", i, "]");
    AGENTSCALE_RETURN_IF_ERROR(name_ok(field, p.name));
    if (!std::isfinite(p.target_value) || p.target_value <= 0) {
      return bad(field + ".TargetValue", "must be a positive number");
    }
    AGENTSCALE_RETURN_IF_ERROR(cooldown_ok(field + ".ScaleOutCooldown", p.scale_out_cooldown));
    AGENTSCALE_RETURN_IF_ERROR(cooldown_ok(field + ".ScaleInCooldown", p.scale_in_cooldown));
    if (p.metric.label.empty()) return bad(field, "has no metric");
  }
  for (size_t i = 0; i < spec.step_scaling.size(); ++i) {
    const StepScalingPolicy& p = spec.step_scaling[i];
    const std::string field = absl::StrCat("step_scaling[", i, "]");
    AGENTSCALE_RETURN_IF_ERROR(name_ok(field, p.name));
    if (absl::Status st = ValidateSteps(p.steps); !st.ok()) {
      return bad(field + ".StepAdjustments", std::string(st.message()));
    }
    if (p.adjustment_type == AdjustmentType::kExactCapacity) {
      for (size_t k = 0; k < p.steps.size(); ++k) {
        if (p.steps[k].scaling_adjustment < 0) {
          return bad(absl::StrCat(field, ".StepAdjustments[", k, "].ScalingAdjustment"),
                     "ExactCapacity must not be negative");
        }
      }
    }
    if (p.min_adjustment_magnitude) {
      if (p.adjustment_type != AdjustmentType::kPercentChangeInCapacity) {
        return bad(field + ".MinAdjustmentMagnitude",
                   "applies only to PercentChangeInCapacity");
      }
      if (*p.min_adjustment_magnitude < 1) return bad(field + ".MinAdjustmentMagnitude",
                                                      "must be at least 1");
    }
    if (p.aggregation != Statistic::kAverage && p.aggregation != Statistic::kMinimum &&
        p.aggregation != Statistic::kMaximum) {
      return bad(field + ".MetricAggregationType", "must be Average, Minimum or Maximum");
    }
    AGENTSCALE_RETURN_IF_ERROR(cooldown_ok(field + ".Cooldown", p.cooldown));
    const StepAlarm& a = p.alarm;
    if (a.metric.label.empty()) return bad(field, "has no alarm (PutMetricAlarm) invoking it");
    if (!std::isfinite(a.threshold)) return bad(field + ".alarm.Threshold", "must be finite");
    if (a.evaluation_periods < 1 || a.evaluation_periods > kMaxEvaluationPeriods) {
      return bad(field + ".alarm.EvaluationPeriods",
                 absl::StrCat("must be 1 to ", kMaxEvaluationPeriods));
    }
    if (a.datapoints_to_alarm < 1 || a.datapoints_to_alarm > a.evaluation_periods) {
      return bad(field + ".alarm.DatapointsToAlarm", "must be 1 to EvaluationPeriods");
    }
  }
  for (size_t i = 0; i < spec.scheduled_actions.size(); ++i) {
    const ScheduledAction& a = spec.scheduled_actions[i];
    const std::string field = absl::StrCat("scheduled_actions[", i, "]");
    if (a.name.empty()) return bad(field + ".ScheduledActionName", "must not be empty");
    if (absl::StatusOr<ScheduleExpression> s = ScheduleExpression::Parse(a.schedule, a.timezone);
        !s.ok()) {
      return bad(field + ".Schedule", std::string(s.status().message()));
    }
    if (!a.min_capacity && !a.max_capacity) {
      return bad(field + ".ScalableTargetAction", "sets neither MinCapacity nor MaxCapacity");
    }
    if (a.min_capacity && *a.min_capacity < 0) {
      return bad(field + ".ScalableTargetAction.MinCapacity", "must not be negative");
    }
    if (a.max_capacity && *a.max_capacity < 0) {
      return bad(field + ".ScalableTargetAction.MaxCapacity", "must not be negative");
    }
    if (a.min_capacity && a.max_capacity && *a.min_capacity > *a.max_capacity) {
      return bad(field + ".ScalableTargetAction",
                 absl::StrCat("MinCapacity ", *a.min_capacity, " is above MaxCapacity ",
                              *a.max_capacity));
    }
    if (a.start_time && a.end_time && *a.end_time <= *a.start_time) {
      return bad(field + ".EndTime", "must be after StartTime");
    }
  }
  return absl::OkStatus();
}

int32_t TargetTrackingScaleOut(int32_t current, double metric, double target) {
  return Saturate(std::ceil(Snap(static_cast<double>(current) * metric / target)));
}

int32_t TargetTrackingScaleIn(int32_t current, double metric, double target) {
  return Saturate(std::floor(Snap(static_cast<double>(current) * metric / target)));
}

int FindStep(const std::vector<StepAdjustment>& steps, double difference) {
  const bool above = difference >= 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    const StepAdjustment& s = steps[i];
    const bool lower_ok = !s.lower || (above ? difference >= *s.lower : difference > *s.lower);
    const bool upper_ok = !s.upper || (above ? difference < *s.upper : difference <= *s.upper);
    if (lower_ok && upper_ok) return static_cast<int>(i);
  }
  return -1;
}

int64_t StepCapacity(AdjustmentType type, int32_t adjustment,
                     std::optional<int32_t> min_adjustment_magnitude, int32_t current) {
  switch (type) {
    case AdjustmentType::kExactCapacity:
      return adjustment;
    case AdjustmentType::kChangeInCapacity:
      return static_cast<int64_t>(current) + adjustment;
    case AdjustmentType::kPercentChangeInCapacity: {
      const double raw = Snap(static_cast<double>(current) * adjustment / 100.0);
      int64_t change;
      if (raw >= 1) {
        change = static_cast<int64_t>(std::floor(raw));
      } else if (raw > 0) {
        change = 1;
      } else if (raw > -1) {
        change = raw < 0 ? -1 : 0;
      } else {
        change = static_cast<int64_t>(std::ceil(raw));
      }
      if (min_adjustment_magnitude && change != 0 &&
          std::llabs(change) < *min_adjustment_magnitude) {
        change = change > 0 ? *min_adjustment_magnitude : -*min_adjustment_magnitude;
      }
      return static_cast<int64_t>(current) + change;
    }
  }
  return current;
}

}  // namespace agentscale::aws

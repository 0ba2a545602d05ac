// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/validation.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "agentscale/hpa/quantity.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::hpa {
namespace {

// Limits from pkg/apis/autoscaling/validation.
constexpr int64_t kMaxStabilizationWindowSeconds = 3600;
constexpr int64_t kMaxPeriodSeconds = 1800;
// KEP-5679 and KEP-6003 (not yet in pkg/apis; the KEPs' bounds).
constexpr int64_t kMinFailureDurationSeconds = 180;
constexpr int64_t kMinSyncPeriodSeconds = 3;
constexpr int64_t kMaxSyncPeriodSeconds = 3600;

class Validator {
 public:
  explicit Validator(const ControllerConfig& config) : config_(config) {}

  std::vector<FieldError> Run(const AutoscalerSpec& spec) {
    ValidateReplicas(spec);
    bool has_object_or_external = false;
    for (size_t i = 0; i < spec.metrics.size(); ++i) {
      const MetricSpec& m = spec.metrics[i];
      ValidateMetric(m, absl::StrCat("spec.metrics[", i, "]"));
      if (m.type == MetricSourceType::kObject ||
          m.type == MetricSourceType::kExternal) {
        has_object_or_external = true;
      }
    }
    // validateMetrics: minReplicas 0 needs a metric that can see load while
    // no pod runs; Kubernetes checks it whatever the gate says.
    if (spec.min_replicas == 0 && !has_object_or_external) {
      Add("spec.metrics",
          "Forbidden: must specify at least one Object or External metric to "
          "support scaling to zero replicas");
    }
    if (spec.behavior.has_value()) {
      ValidateRules(spec.behavior->scale_up, "spec.behavior.scaleUp");
      ValidateRules(spec.behavior->scale_down, "spec.behavior.scaleDown");
    }
    // KEP-6003 (implementable revision): spec.syncPeriodSeconds in [3, 3600].
    if (spec.sync_period.has_value()) {
      const absl::Duration p = *spec.sync_period;
      if (p < absl::Seconds(kMinSyncPeriodSeconds) || p > absl::Seconds(kMaxSyncPeriodSeconds) ||
          p != absl::Trunc(p, absl::Seconds(1))) {
        Add("spec.syncPeriodSeconds",
            absl::StrCat("Invalid value: ", absl::FormatDuration(p),
                         ": must be a whole number of seconds in [", kMinSyncPeriodSeconds, ", ",
                         kMaxSyncPeriodSeconds, "]"));
      }
    }
    return std::move(errors_);
  }

 private:
  void Add(std::string path, std::string message) {
    errors_.push_back(FieldError{std::move(path), std::move(message)});
  }

  void ValidateReplicas(const AutoscalerSpec& spec) {
    const int32_t lower = config_.scale_to_zero ? 0 : 1;
    if (spec.min_replicas < lower) {
      // The API server's words (the lower bound is 0 with HPAScaleToZero).
      std::string message = absl::StrCat("Invalid value: ", spec.min_replicas,
                                         ": must be greater than or equal to ", lower);
      if (spec.min_replicas == 0) {
        absl::StrAppend(&message, " (0 needs the HPAScaleToZero feature gate)");
      }
      Add("spec.minReplicas", std::move(message));
    }
    if (spec.max_replicas < 1) {
      Add("spec.maxReplicas",
          absl::StrCat("must be >= 1, got ", spec.max_replicas));
    }
    if (spec.max_replicas < spec.min_replicas) {
      Add("spec.maxReplicas",
          absl::StrCat("must be >= minReplicas (", spec.min_replicas,
                       "), got ", spec.max_replicas));
    }
  }

  void ValidateMetric(const MetricSpec& m, const std::string& path) {
    std::string source;  // the JSON field holding the metric source
    std::string name_path;
    std::vector<MetricTargetType> allowed;
    switch (m.type) {
      case MetricSourceType::kResource:
        source = path + ".resource";
        name_path = source + ".name";
        allowed = {MetricTargetType::kUtilization,
                   MetricTargetType::kAverageValue};
        break;
      case MetricSourceType::kContainerResource:
        source = path + ".containerResource";
        name_path = source + ".name";
        allowed = {MetricTargetType::kUtilization,
                   MetricTargetType::kAverageValue};
        break;
      case MetricSourceType::kPods:
        source = path + ".pods";
        name_path = source + ".metric.name";
        allowed = {MetricTargetType::kAverageValue};
        break;
      case MetricSourceType::kObject:
        source = path + ".object";
        name_path = source + ".metric.name";
        allowed = {MetricTargetType::kValue, MetricTargetType::kAverageValue};
        break;
      case MetricSourceType::kExternal:
        source = path + ".external";
        name_path = source + ".metric.name";
        allowed = {MetricTargetType::kValue, MetricTargetType::kAverageValue};
        break;
      case MetricSourceType::kUnknown:
      default:
        Add(path + ".type",
            absl::StrCat("unsupported metric source type \"", m.name,
                         "\"; supported: \"ContainerResource\", "
                         "\"External\", \"Object\", \"Pods\", \"Resource\""));
        return;
    }
    const bool is_resource = m.type == MetricSourceType::kResource ||
                             m.type == MetricSourceType::kContainerResource;
    if (m.name.empty()) {
      Add(name_path, is_resource ? "is required (the resource name)"
                                 : "is required (the metric name)");
    }
    if (m.type == MetricSourceType::kContainerResource && m.container.empty()) {
      Add(source + ".container", "is required");
    }
    if (m.type == MetricSourceType::kObject) {
      if (m.described_object.kind.empty()) {
        Add(source + ".describedObject.kind", "is required");
      }
      if (m.described_object.name.empty()) {
        Add(source + ".describedObject.name", "is required");
      }
    }
    if (!is_resource) ValidateSelector(m.selector, source + ".metric.selector");
    ValidateTarget(m, source + ".target", allowed);
    if (m.fallback.has_value()) ValidateFallback(m, source + ".fallback");
  }

  // KEP-5679: failureDurationSeconds defaults to and is at least 180;
  // replicas is required and positive.
  void ValidateFallback(const MetricSpec& m, const std::string& path) {
    if (m.type != MetricSourceType::kExternal) {
      Add(path, "Forbidden: may only be set on an External metric");
      return;
    }
    const absl::Duration d = m.fallback->failure_duration;
    if (d < absl::Seconds(kMinFailureDurationSeconds) || d == absl::InfiniteDuration() ||
        d != absl::Trunc(d, absl::Seconds(1))) {
      Add(path + ".failureDurationSeconds",
          absl::StrCat("Invalid value: ", absl::FormatDuration(d),
                       ": must be a whole number of seconds greater than or equal to ",
                       kMinFailureDurationSeconds));
    }
    if (m.fallback->replicas <= 0) {
      Add(path + ".replicas", absl::StrCat("Invalid value: ", m.fallback->replicas,
                                           ": must be greater than 0"));
    }
  }

  void ValidateSelector(const LabelSelector& selector,
                        const std::string& path) {
    for (size_t i = 0; i < selector.match_expressions.size(); ++i) {
      const LabelSelectorRequirement& r = selector.match_expressions[i];
      const std::string p = absl::StrCat(path, ".matchExpressions[", i, "]");
      if (r.key.empty()) Add(p + ".key", "is required");
      if (r.op == "In" || r.op == "NotIn") {
        if (r.values.empty()) {
          Add(p + ".values", "must be specified when `operator` is 'In' or "
                             "'NotIn'");
        }
      } else if (r.op == "Exists" || r.op == "DoesNotExist") {
        if (!r.values.empty()) {
          Add(p + ".values", "may not be specified when `operator` is "
                             "'Exists' or 'DoesNotExist'");
        }
      } else {
        Add(p + ".operator",
            absl::StrCat("unsupported operator \"", r.op,
                         "\"; supported: \"DoesNotExist\", \"Exists\", "
                         "\"In\", \"NotIn\""));
      }
    }
  }

  void ValidateTarget(const MetricSpec& m, const std::string& path,
                      const std::vector<MetricTargetType>& allowed) {
    const MetricTarget& t = m.target;
    bool type_ok = false;
    for (MetricTargetType a : allowed) type_ok = type_ok || a == t.type;
    if (!type_ok) {
      std::vector<std::string> names;
      for (MetricTargetType a : allowed) {
        names.push_back(MetricTargetTypeName(a));
      }
      Add(path + ".type",
          absl::StrCat("must be ", absl::StrJoin(names, " or "), " for a ",
                       MetricSourceTypeName(m.type), " metric, got ",
                       MetricTargetTypeName(t.type)));
    }
    // validateMetricTarget: every value that is set must be positive,
    // whatever the type.
    if (t.value_milli.has_value() && *t.value_milli <= 0) {
      Add(path + ".value", absl::StrCat("must be greater than 0, got \"",
                                        FormatMilli(*t.value_milli), "\""));
    }
    if (t.average_value_milli.has_value() && *t.average_value_milli <= 0) {
      Add(path + ".averageValue",
          absl::StrCat("must be greater than 0, got \"",
                       FormatMilli(*t.average_value_milli), "\""));
    }
    if (t.average_utilization.has_value() && *t.average_utilization < 1) {
      Add(path + ".averageUtilization",
          absl::StrCat("must be greater than 0, got ",
                       *t.average_utilization));
    }
    // The field that the type selects must be present.
    if (type_ok) {
      switch (t.type) {
        case MetricTargetType::kUtilization:
          if (!t.average_utilization.has_value()) {
            Add(path + ".averageUtilization",
                "is required for target type Utilization");
          }
          break;
        case MetricTargetType::kValue:
          if (!t.value_milli.has_value()) {
            Add(path + ".value", "is required for target type Value");
          }
          break;
        case MetricTargetType::kAverageValue:
          if (!t.average_value_milli.has_value()) {
            Add(path + ".averageValue",
                "is required for target type AverageValue");
          }
          break;
      }
    }
    // Combinations the API server forbids outright.
    const bool is_resource = m.type == MetricSourceType::kResource ||
                             m.type == MetricSourceType::kContainerResource;
    if (is_resource && t.average_utilization.has_value() &&
        t.average_value_milli.has_value()) {
      Add(path + ".averageValue",
          "may not set both a target raw value and a target utilization");
    }
    if (m.type == MetricSourceType::kExternal && t.value_milli.has_value() &&
        t.average_value_milli.has_value()) {
      Add(path + ".value",
          "may not set both a target value for metric and a per-pod target");
    }
  }

  // Whole seconds in [lo, hi]; reports under `path` otherwise.
  void CheckSeconds(absl::Duration d, int64_t lo, int64_t hi,
                    const std::string& path) {
    const int64_t seconds = absl::ToInt64Seconds(d);
    if (d != absl::Seconds(seconds)) {
      Add(path, absl::StrCat("must be a whole number of seconds, got ",
                             absl::FormatDuration(d)));
      return;
    }
    if (seconds < lo || seconds > hi) {
      Add(path, absl::StrCat("must be in ", lo, "..", hi, ", got ", seconds));
    }
  }

  void ValidateRules(const ScalingRules& rules, const std::string& path) {
    if (rules.stabilization_window.has_value()) {
      CheckSeconds(*rules.stabilization_window, 0,
                   kMaxStabilizationWindowSeconds,
                   path + ".stabilizationWindowSeconds");
    }
    // Kubernetes requires a policy even with selectPolicy Disabled; API
    // defaulting fills an absent list, so only an explicit empty list (or a
    // hand-built spec) gets here.
    if (rules.policies.empty()) {
      Add(path + ".policies", "must specify at least one policy");
    }
    for (size_t i = 0; i < rules.policies.size(); ++i) {
      const ScalingPolicy& p = rules.policies[i];
      const std::string pp = absl::StrCat(path, ".policies[", i, "]");
      if (p.type != PolicyType::kPods && p.type != PolicyType::kPercent) {
        Add(pp + ".type", "unsupported policy type; supported: \"Percent\", "
                          "\"Pods\"");
      }
      if (p.value <= 0) {
        Add(pp + ".value", absl::StrCat("must be greater than 0, got ",
                                        p.value));
      }
      CheckSeconds(p.period, 1, kMaxPeriodSeconds, pp + ".periodSeconds");
    }
    if (rules.select_policy != SelectPolicy::kMax &&
        rules.select_policy != SelectPolicy::kMin &&
        rules.select_policy != SelectPolicy::kDisabled) {
      Add(path + ".selectPolicy", "unsupported select policy; supported: "
                                  "\"Disabled\", \"Max\", \"Min\"");
    }
    if (rules.tolerance.has_value()) {
      const double t = *rules.tolerance;
      if (!std::isfinite(t) || t < 0) {
        Add(path + ".tolerance",
            absl::StrCat("must be >= 0, got ", FormatQuantityDouble(t)));
      }
    }
  }

  const ControllerConfig& config_;
  std::vector<FieldError> errors_;
};

}  // namespace

std::vector<FieldError> ValidateSpec(const AutoscalerSpec& spec,
                                     const ControllerConfig& config) {
  return Validator(config).Run(spec);
}

absl::Status ValidateSpecStatus(const AutoscalerSpec& spec,
                                const ControllerConfig& config) {
  std::vector<FieldError> errors = ValidateSpec(spec, config);
  if (errors.empty()) return absl::OkStatus();
  std::vector<std::string> lines;
  lines.reserve(errors.size());
  for (const FieldError& e : errors) {
    lines.push_back(absl::StrCat(e.path, ": ", e.message));
  }
  return absl::InvalidArgumentError(absl::StrJoin(lines, "; "));
}

}  // namespace agentscale::hpa

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/keda/scaled_object.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "agentscale/hpa/validation.h"
#include "agentscale/schedule/cron.h"

namespace agentscale::keda {

namespace {

// KEDA's GetMetricTargetMili / GenerateMetricInMili: int64(value * 1000).
int64_t TargetMilli(double value) { return static_cast<int64_t>(value * 1000.0); }

std::string TriggerPath(size_t i) { return absl::StrCat("spec.triggers[", i, "]"); }

// The HPA's paths for the behavior as the ScaledObject spells them.
std::string BehaviorPath(const std::string& hpa_path) {
  const std::string prefix = "spec.behavior";
  if (hpa_path.compare(0, prefix.size(), prefix) == 0) {
    return absl::StrCat("spec.advanced.horizontalPodAutoscalerConfig.behavior",
                        hpa_path.substr(prefix.size()));
  }
  return hpa_path;
}

hpa::MetricSpec TargetMetric(hpa::MetricSourceType source, const std::string& name,
                             hpa::MetricTargetType type, double target) {
  if (source == hpa::MetricSourceType::kResource) {
    if (type == hpa::MetricTargetType::kUtilization) {
      return hpa::MetricSpec::ResourceUtilization(name, static_cast<int32_t>(target));
    }
    return hpa::MetricSpec::ResourceAverageValue(name, TargetMilli(target));
  }
  if (type == hpa::MetricTargetType::kValue) {
    return hpa::MetricSpec::ExternalValue(name, TargetMilli(target));
  }
  return hpa::MetricSpec::ExternalAverageValue(name, TargetMilli(target));
}

}  // namespace

Trigger Trigger::Prometheus(std::string query, double threshold, double activation_threshold) {
  Trigger t;
  t.type = "prometheus";
  t.kind = TriggerKind::kExternal;
  t.target = threshold;
  t.activation_target = activation_threshold;
  t.metadata["query"] = std::move(query);
  t.metadata["threshold"] = absl::StrCat(threshold);
  if (activation_threshold != 0) {
    t.metadata["activationThreshold"] = absl::StrCat(activation_threshold);
  }
  return t;  // metric_name: filled from the trigger's position (TriggerMetricName)
}

Trigger Trigger::Cron(std::string start, std::string end, std::string timezone,
                      int64_t desired_replicas) {
  Trigger t;
  t.type = "cron";
  t.kind = TriggerKind::kExternal;
  t.target = 1;
  t.metadata["start"] = start;
  t.metadata["end"] = end;
  t.metadata["timezone"] = timezone;
  t.metadata["desiredReplicas"] = absl::StrCat(desired_replicas);
  t.cron = CronTrigger{std::move(start), std::move(end), std::move(timezone), desired_replicas};
  return t;
}

const char* FallbackBehaviorName(FallbackBehavior b) {
  switch (b) {
    case FallbackBehavior::kStatic:
      return "static";
    case FallbackBehavior::kCurrentReplicas:
      return "currentReplicas";
    case FallbackBehavior::kCurrentReplicasIfHigher:
      return "currentReplicasIfHigher";
    case FallbackBehavior::kCurrentReplicasIfLower:
      return "currentReplicasIfLower";
  }
  return "static";
}

std::string KedaMetricName(size_t index, const std::string& type) {
  return absl::StrCat("s", index, "-", type);
}

namespace {

// cron_scaler.go parseCronTimeFormat.
std::string CronTimeFormat(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case ' ':
        break;
      case '*':
        out += 'x';
        break;
      case '/':
        out += "Sl";
        break;
      case '?':
        out += "Qm";
        break;
      case ',':
        out += "Cm";
        break;
      default:
        out += c;
    }
  }
  return out;
}

}  // namespace

std::string CronMetricName(size_t index, const CronTrigger& cron) {
  std::string name = absl::StrCat("cron-", cron.timezone, "-", CronTimeFormat(cron.start), "-",
                                  CronTimeFormat(cron.end));
  for (char& c : name) {  // kedautil.NormalizeString
    if (c == '/' || c == '.' || c == ':' || c == '%' || c == '(' || c == ')') c = '-';
  }
  return absl::StrCat("s", index, "-", name);
}

std::string TriggerMetricName(const Trigger& t, size_t index) {
  if (!t.metric_name.empty()) return t.metric_name;
  if (t.cron.has_value()) return CronMetricName(index, *t.cron);
  return t.kind == TriggerKind::kResource ? t.type : KedaMetricName(index, t.type);
}

std::vector<hpa::FieldError> ValidateCronTrigger(const CronTrigger& cron,
                                                const std::string& path) {
  std::vector<hpa::FieldError> errors;
  const std::string meta = path + ".metadata";
  // cron_scaler.go cronMetadata.Validate, in its order.
  absl::StatusOr<schedule::CronSchedule> start = schedule::CronSchedule::Parse(cron.start);
  if (!start.ok()) {
    errors.push_back({meta + ".start",
                      absl::StrCat("error parsing start schedule: ", start.status().message())});
  }
  absl::StatusOr<schedule::CronSchedule> end = schedule::CronSchedule::Parse(cron.end);
  if (!end.ok()) {
    errors.push_back(
        {meta + ".end", absl::StrCat("error parsing end schedule: ", end.status().message())});
  }
  if (cron.start == cron.end) {
    errors.push_back({meta + ".end", "start and end can not have exactly same time input"});
  }
  if (cron.desired_replicas == 0) {
    errors.push_back({meta + ".desiredReplicas", "no desiredReplicas specified"});
  }
  return errors;
}

std::vector<hpa::FieldError> ValidateScaledObject(const ScaledObjectSpec& so) {
  std::vector<hpa::FieldError> errors;
  auto add = [&](std::string path, std::string message) {
    errors.push_back(hpa::FieldError{std::move(path), std::move(message)});
  };
  if (so.polling_interval_seconds < 1) {
    add("spec.pollingInterval",
        absl::StrCat("must be at least 1, got ", so.polling_interval_seconds));
  }
  if (so.cooldown_period_seconds < 0) {
    add("spec.cooldownPeriod",
        absl::StrCat("must not be negative, got ", so.cooldown_period_seconds));
  }
  if (so.initial_cooldown_period_seconds < 0) {
    add("spec.initialCooldownPeriod",
        absl::StrCat("must not be negative, got ", so.initial_cooldown_period_seconds));
  }
  if (so.min_replica_count < 0) {
    add("spec.minReplicaCount",
        absl::StrCat("must not be negative, got ", so.min_replica_count));
  }
  // KEDA's checkReplicaCountBoundsAreValid.
  if (so.max_replica_count < 1) {
    add("spec.maxReplicaCount", absl::StrCat("must be at least 1, got ", so.max_replica_count));
  } else if (so.min_replica_count > so.max_replica_count) {
    add("spec.minReplicaCount",
        absl::StrCat("must not be above maxReplicaCount (", so.max_replica_count, "), got ",
                     so.min_replica_count));
  }
  if (so.idle_replica_count.has_value()) {
    if (*so.idle_replica_count < 0) {
      add("spec.idleReplicaCount",
          absl::StrCat("must not be negative, got ", *so.idle_replica_count));
    } else if (*so.idle_replica_count >= so.min_replica_count) {
      add("spec.idleReplicaCount",
          absl::StrCat("must be below minReplicaCount (", so.min_replica_count, "), got ",
                       *so.idle_replica_count));
    }
  }
  if (so.triggers.empty()) add("spec.triggers", "at least one trigger is required");
  bool all_resource = !so.triggers.empty();
  for (size_t i = 0; i < so.triggers.size(); ++i) {
    const Trigger& t = so.triggers[i];
    const std::string path = TriggerPath(i);
    if (t.kind == TriggerKind::kExternal) all_resource = false;
    if (!std::isfinite(t.target) || TargetMilli(t.target) <= 0 ||
        (t.metric_type == hpa::MetricTargetType::kUtilization && t.target > 2147483647.0)) {
      add(path + ".metadata",
          absl::StrCat("the target must be a positive number (at least 0.001), got ", t.target));
    }
    if (!std::isfinite(t.activation_target) || t.activation_target < 0) {
      add(path + ".metadata",
          absl::StrCat("the activation target must not be negative, got ", t.activation_target));
    }
    if (t.metric_type == hpa::MetricTargetType::kUtilization && t.kind != TriggerKind::kResource) {
      add(path + ".metricType", "Utilization is only for cpu and memory triggers");
    }
    if (t.kind == TriggerKind::kResource && t.metric_type == hpa::MetricTargetType::kValue) {
      add(path + ".metricType", "cpu and memory triggers take Utilization or AverageValue");
    }
    for (size_t j = 0; j < i; ++j) {
      if (!t.name.empty() && t.name == so.triggers[j].name) {
        add(path + ".name", absl::StrCat("duplicate trigger name \"", t.name, "\""));
      }
    }
    if (t.cron.has_value()) {
      for (hpa::FieldError& e : ValidateCronTrigger(*t.cron, path)) errors.push_back(std::move(e));
    }
  }
  if (so.fallback.has_value()) {
    if (so.fallback->failure_threshold < 0) {
      add("spec.fallback.failureThreshold",
          absl::StrCat("must not be negative, got ", so.fallback->failure_threshold));
    }
    if (so.fallback->replicas < 0) {
      add("spec.fallback.replicas",
          absl::StrCat("must not be negative, got ", so.fallback->replicas));
    }
    // KEDA's CheckFallbackValid: fallback needs an AverageValue (or Value)
    // metric; cpu and memory cannot fall back.
    if (all_resource) {
      add("spec.fallback", "fallback is not supported for cpu or memory triggers");
    }
  }
  if (so.scaling_modifiers.has_value()) {
    const ScalingModifiers& m = *so.scaling_modifiers;
    if (m.formula.empty()) {
      add("spec.advanced.scalingModifiers.formula", "is required with scalingModifiers");
    }
    if (!std::isfinite(m.target) || TargetMilli(m.target) <= 0) {
      add("spec.advanced.scalingModifiers.target",
          absl::StrCat("must be a positive number, got ", m.target));
    }
    if (m.metric_type == hpa::MetricTargetType::kUtilization) {
      add("spec.advanced.scalingModifiers.metricType",
          "must be AverageValue or Value");
    }
    for (size_t i = 0; i < so.triggers.size(); ++i) {
      if (so.triggers[i].name.empty()) {
        add(TriggerPath(i) + ".name", "is required when scalingModifiers is used");
      }
    }
  }
  if (so.paused_replicas.has_value() && *so.paused_replicas < 0) {
    add("metadata.annotations[autoscaling.keda.sh/paused-replicas]",
        absl::StrCat("must not be negative, got ", *so.paused_replicas));
  }
  if (errors.empty()) {
    // The generated HPA's own validation (the behavior, mostly), reported
    // at the ScaledObject's paths.
    hpa::AutoscalerSpec hpa;
    hpa.min_replicas = std::max(so.min_replica_count, 1);
    hpa.max_replicas = so.max_replica_count;
    hpa.behavior = so.behavior;
    hpa.metrics.push_back(hpa::MetricSpec::ExternalAverageValue("m", 1000));
    for (const hpa::FieldError& e : hpa::ValidateSpec(hpa)) {
      add(BehaviorPath(e.path), e.message);
    }
  }
  return errors;
}

absl::StatusOr<hpa::AutoscalerSpec> GeneratedHpa(const ScaledObjectSpec& so) {
  std::vector<hpa::FieldError> errors = ValidateScaledObject(so);
  if (!errors.empty()) {
    std::vector<std::string> lines;
    for (const hpa::FieldError& e : errors) lines.push_back(e.path + ": " + e.message);
    return absl::InvalidArgumentError(
        absl::StrCat("ScaledObject ", so.name, ": ", absl::StrJoin(lines, "; ")));
  }
  hpa::AutoscalerSpec hpa;
  hpa.name = so.hpa_name.empty() ? absl::StrCat("keda-hpa-", so.name) : so.hpa_name;
  hpa.namespace_name = so.namespace_name;
  hpa.scale_target_ref = so.scale_target_ref;
  hpa.min_replicas = std::max(so.min_replica_count, 1);
  hpa.max_replicas = so.max_replica_count;
  hpa.behavior = so.behavior;
  if (so.paused_scale_in || so.paused_scale_out) {
    // KEDA pauses a direction by disabling it in the HPA's behavior.
    if (!hpa.behavior.has_value()) {
      hpa.behavior = hpa::Behavior{hpa::DefaultScaleUpRules(), hpa::DefaultScaleDownRules()};
    }
    if (so.paused_scale_in) hpa.behavior->scale_down.select_policy = hpa::SelectPolicy::kDisabled;
    if (so.paused_scale_out) hpa.behavior->scale_up.select_policy = hpa::SelectPolicy::kDisabled;
  }
  if (so.scaling_modifiers.has_value()) {
    // The triggers' cpu/memory metrics stay; the external ones become the
    // one composite metric.
    for (size_t i = 0; i < so.triggers.size(); ++i) {
      const Trigger& t = so.triggers[i];
      if (t.kind == TriggerKind::kResource) {
        hpa.metrics.push_back(TargetMetric(hpa::MetricSourceType::kResource,
                                           TriggerMetricName(t, i),
                                           t.metric_type, t.target));
      }
    }
    hpa.metrics.push_back(TargetMetric(hpa::MetricSourceType::kExternal, kCompositeMetricName,
                                       so.scaling_modifiers->metric_type,
                                       so.scaling_modifiers->target));
  } else {
    for (size_t i = 0; i < so.triggers.size(); ++i) {
      const Trigger& t = so.triggers[i];
      hpa.metrics.push_back(TargetMetric(t.kind == TriggerKind::kResource
                                             ? hpa::MetricSourceType::kResource
                                             : hpa::MetricSourceType::kExternal,
                                         TriggerMetricName(t, i), t.metric_type, t.target));
    }
  }
  return hpa;
}

}  // namespace agentscale::keda

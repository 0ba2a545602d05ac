// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The manifest writer: autoscaling/v2 YAML that LoadManifestString() reads
// back to the same spec.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/quantity.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_object.h"
#include "scaled_object_parse.h"
#include "yaml_fields.h"

namespace agentscale::config {
namespace {

using hpa::AutoscalerSpec;
using hpa::LabelSelector;
using hpa::LabelSelectorRequirement;
using hpa::MetricSourceType;
using hpa::MetricSpec;
using hpa::MetricTarget;
using hpa::MetricTargetType;
using hpa::ObjectReference;
using hpa::PolicyType;
using hpa::ScalingPolicy;
using hpa::ScalingRules;
using hpa::SelectPolicy;

constexpr char kEmitHpaKind[] = "HorizontalPodAutoscaler";
constexpr char kEmitHpaApiVersion[] = "autoscaling/v2";

void EmitQuantity(YAML::Emitter& e, const char* key, int64_t milli) {
  e << YAML::Key << key << YAML::Value << YAML::DoubleQuoted
    << hpa::FormatMilli(milli);
}

void EmitReference(YAML::Emitter& e, const ObjectReference& ref) {
  e << YAML::BeginMap;
  if (!ref.api_version.empty()) {
    e << YAML::Key << "apiVersion" << YAML::Value << ref.api_version;
  }
  e << YAML::Key << "kind" << YAML::Value << ref.kind;
  e << YAML::Key << "name" << YAML::Value << ref.name;
  e << YAML::EndMap;
}

void EmitSelector(YAML::Emitter& e, const LabelSelector& sel) {
  e << YAML::Key << "selector" << YAML::Value << YAML::BeginMap;
  if (!sel.match_labels.empty()) {
    e << YAML::Key << "matchLabels" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : sel.match_labels) {
      e << YAML::Key << k << YAML::Value << v;
    }
    e << YAML::EndMap;
  }
  if (!sel.match_expressions.empty()) {
    e << YAML::Key << "matchExpressions" << YAML::Value << YAML::BeginSeq;
    for (const LabelSelectorRequirement& r : sel.match_expressions) {
      e << YAML::BeginMap;
      e << YAML::Key << "key" << YAML::Value << r.key;
      e << YAML::Key << "operator" << YAML::Value << r.op;
      if (!r.values.empty()) {
        e << YAML::Key << "values" << YAML::Value << YAML::BeginSeq;
        for (const std::string& v : r.values) e << v;
        e << YAML::EndSeq;
      }
      e << YAML::EndMap;
    }
    e << YAML::EndSeq;
  }
  e << YAML::EndMap;
}

void EmitTarget(YAML::Emitter& e, const MetricTarget& t) {
  e << YAML::Key << "target" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "type" << YAML::Value << hpa::MetricTargetTypeName(t.type);
  if (t.average_utilization.has_value()) {
    e << YAML::Key << "averageUtilization" << YAML::Value
      << *t.average_utilization;
  }
  if (t.value_milli.has_value()) EmitQuantity(e, "value", *t.value_milli);
  if (t.average_value_milli.has_value()) {
    EmitQuantity(e, "averageValue", *t.average_value_milli);
  }
  e << YAML::EndMap;
}

void EmitMetricIdentifier(YAML::Emitter& e, const MetricSpec& m) {
  e << YAML::Key << "metric" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << m.name;
  if (!m.selector.empty()) EmitSelector(e, m.selector);
  e << YAML::EndMap;
}

void EmitMetric(YAML::Emitter& e, const MetricSpec& m) {
  e << YAML::BeginMap;
  e << YAML::Key << "type" << YAML::Value
    << (m.type == MetricSourceType::kUnknown
            ? m.name
            : std::string(hpa::MetricSourceTypeName(m.type)));
  switch (m.type) {
    case MetricSourceType::kResource:
      e << YAML::Key << "resource" << YAML::Value << YAML::BeginMap;
      e << YAML::Key << "name" << YAML::Value << m.name;
      EmitTarget(e, m.target);
      e << YAML::EndMap;
      break;
    case MetricSourceType::kContainerResource:
      e << YAML::Key << "containerResource" << YAML::Value << YAML::BeginMap;
      e << YAML::Key << "name" << YAML::Value << m.name;
      e << YAML::Key << "container" << YAML::Value << m.container;
      EmitTarget(e, m.target);
      e << YAML::EndMap;
      break;
    case MetricSourceType::kPods:
    case MetricSourceType::kExternal:
      e << YAML::Key
        << (m.type == MetricSourceType::kPods ? "pods" : "external")
        << YAML::Value << YAML::BeginMap;
      EmitMetricIdentifier(e, m);
      EmitTarget(e, m.target);
      if (m.fallback.has_value()) {
        e << YAML::Key << "fallback" << YAML::Value << YAML::BeginMap;
        e << YAML::Key << "failureDurationSeconds" << YAML::Value
          << absl::ToInt64Seconds(m.fallback->failure_duration);
        e << YAML::Key << "replicas" << YAML::Value << m.fallback->replicas;
        e << YAML::EndMap;
      }
      e << YAML::EndMap;
      break;
    case MetricSourceType::kObject:
      e << YAML::Key << "object" << YAML::Value << YAML::BeginMap;
      e << YAML::Key << "describedObject" << YAML::Value;
      EmitReference(e, m.described_object);
      EmitMetricIdentifier(e, m);
      EmitTarget(e, m.target);
      e << YAML::EndMap;
      break;
    case MetricSourceType::kUnknown:
      break;
  }
  e << YAML::EndMap;
}

void EmitRules(YAML::Emitter& e, const char* key, const ScalingRules& r) {
  e << YAML::Key << key << YAML::Value << YAML::BeginMap;
  if (r.stabilization_window.has_value()) {
    e << YAML::Key << "stabilizationWindowSeconds" << YAML::Value
      << absl::ToInt64Seconds(*r.stabilization_window);
  }
  e << YAML::Key << "selectPolicy" << YAML::Value
    << hpa::SelectPolicyName(r.select_policy);
  e << YAML::Key << "policies" << YAML::Value << YAML::BeginSeq;
  for (const ScalingPolicy& p : r.policies) {
    e << YAML::BeginMap;
    e << YAML::Key << "type" << YAML::Value << hpa::PolicyTypeName(p.type);
    e << YAML::Key << "value" << YAML::Value << p.value;
    e << YAML::Key << "periodSeconds" << YAML::Value
      << absl::ToInt64Seconds(p.period);
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
  if (r.tolerance.has_value()) {
    e << YAML::Key << "tolerance" << YAML::Value << YAML::DoubleQuoted
      << hpa::FormatQuantityDouble(*r.tolerance);
  }
  e << YAML::EndMap;
}

void EmitAutoscaler(YAML::Emitter& e, const AutoscalerSpec& spec) {
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << kEmitHpaApiVersion;
  e << YAML::Key << "kind" << YAML::Value << kEmitHpaKind;
  e << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << spec.name;
  e << YAML::Key << "namespace" << YAML::Value << spec.namespace_name;
  e << YAML::EndMap;
  e << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "scaleTargetRef" << YAML::Value;
  EmitReference(e, spec.scale_target_ref);
  e << YAML::Key << "minReplicas" << YAML::Value << spec.min_replicas;
  e << YAML::Key << "maxReplicas" << YAML::Value << spec.max_replicas;
  e << YAML::Key << "metrics" << YAML::Value << YAML::BeginSeq;
  for (const MetricSpec& m : spec.metrics) EmitMetric(e, m);
  e << YAML::EndSeq;
  if (spec.behavior.has_value()) {
    e << YAML::Key << "behavior" << YAML::Value << YAML::BeginMap;
    EmitRules(e, "scaleUp", spec.behavior->scale_up);
    EmitRules(e, "scaleDown", spec.behavior->scale_down);
    e << YAML::EndMap;
  }
  if (spec.selection_strategy.has_value()) {
    e << YAML::Key << "selectionStrategy" << YAML::Value
      << hpa::SelectionStrategyName(*spec.selection_strategy);
  }
  if (spec.sync_period.has_value()) {
    e << YAML::Key << "syncPeriodSeconds" << YAML::Value
      << absl::ToInt64Seconds(*spec.sync_period);
  }
  e << YAML::EndMap;
  e << YAML::EndMap;
}

// The shortest decimal text that reads back as `v`.
std::string ShortestNumber(double v) {
  for (int precision = 1; precision <= 17; ++precision) {
    std::string text = absl::StrFormat("%.*g", precision, v);
    double back = 0;
    if (absl::SimpleAtod(text, &back) && back == v) return text;
  }
  return absl::StrFormat("%.17g", v);
}

const char* TargetTypeName(hpa::MetricTargetType t) { return hpa::MetricTargetTypeName(t); }

void EmitTriggers(YAML::Emitter& e, const std::vector<keda::Trigger>& triggers, bool metric_type);

void EmitScaledObject(YAML::Emitter& e, const keda::ScaledObjectSpec& so) {
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << kKedaApiVersion;
  e << YAML::Key << "kind" << YAML::Value << kScaledObjectKind;
  e << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << so.name;
  e << YAML::Key << "namespace" << YAML::Value << so.namespace_name;
  std::vector<std::pair<std::string, std::string>> annotations;
  if (so.paused_replicas) annotations.emplace_back("paused-replicas", absl::StrCat(*so.paused_replicas));
  if (so.paused) annotations.emplace_back("paused", "true");
  if (so.paused_scale_in) annotations.emplace_back("paused-scale-in", "true");
  if (so.paused_scale_out) annotations.emplace_back("paused-scale-out", "true");
  if (so.force_activation) annotations.emplace_back("force-activation", "true");
  if (!annotations.empty()) {
    e << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap;
    for (const auto& [k, v] : annotations) {
      e << YAML::Key << ("autoscaling.keda.sh/" + k) << YAML::Value << YAML::DoubleQuoted << v;
    }
    e << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "scaleTargetRef" << YAML::Value;
  EmitReference(e, so.scale_target_ref);
  e << YAML::Key << "pollingInterval" << YAML::Value << so.polling_interval_seconds;
  e << YAML::Key << "cooldownPeriod" << YAML::Value << so.cooldown_period_seconds;
  e << YAML::Key << "initialCooldownPeriod" << YAML::Value
    << so.initial_cooldown_period_seconds;
  if (so.idle_replica_count) {
    e << YAML::Key << "idleReplicaCount" << YAML::Value << *so.idle_replica_count;
  }
  e << YAML::Key << "minReplicaCount" << YAML::Value << so.min_replica_count;
  e << YAML::Key << "maxReplicaCount" << YAML::Value << so.max_replica_count;
  if (so.fallback) {
    e << YAML::Key << "fallback" << YAML::Value << YAML::BeginMap;
    e << YAML::Key << "failureThreshold" << YAML::Value << so.fallback->failure_threshold;
    e << YAML::Key << "replicas" << YAML::Value << so.fallback->replicas;
    e << YAML::Key << "behavior" << YAML::Value
      << keda::FallbackBehaviorName(so.fallback->behavior);
    e << YAML::EndMap;
  }
  const bool hpa_config = !so.hpa_name.empty() || so.behavior.has_value();
  if (hpa_config || so.scaling_modifiers || so.restore_to_original_replica_count) {
    e << YAML::Key << "advanced" << YAML::Value << YAML::BeginMap;
    if (so.restore_to_original_replica_count) {
      e << YAML::Key << "restoreToOriginalReplicaCount" << YAML::Value << true;
    }
    if (hpa_config) {
      e << YAML::Key << "horizontalPodAutoscalerConfig" << YAML::Value << YAML::BeginMap;
      if (!so.hpa_name.empty()) e << YAML::Key << "name" << YAML::Value << so.hpa_name;
      if (so.behavior) {
        e << YAML::Key << "behavior" << YAML::Value << YAML::BeginMap;
        EmitRules(e, "scaleUp", so.behavior->scale_up);
        EmitRules(e, "scaleDown", so.behavior->scale_down);
        e << YAML::EndMap;
      }
      e << YAML::EndMap;
    }
    if (so.scaling_modifiers) {
      const keda::ScalingModifiers& m = *so.scaling_modifiers;
      e << YAML::Key << "scalingModifiers" << YAML::Value << YAML::BeginMap;
      e << YAML::Key << "formula" << YAML::Value << YAML::DoubleQuoted << m.formula;
      e << YAML::Key << "target" << YAML::Value << YAML::DoubleQuoted << ShortestNumber(m.target);
      e << YAML::Key << "activationTarget" << YAML::Value << YAML::DoubleQuoted
        << ShortestNumber(m.activation_target);
      e << YAML::Key << "metricType" << YAML::Value << TargetTypeName(m.metric_type);
      e << YAML::EndMap;
    }
    e << YAML::EndMap;
  }
  EmitTriggers(e, so.triggers, /*metric_type=*/true);
  e << YAML::EndMap;
  e << YAML::EndMap;
}

void EmitTriggers(YAML::Emitter& e, const std::vector<keda::Trigger>& triggers, bool metric_type) {
  e << YAML::Key << "triggers" << YAML::Value << YAML::BeginSeq;
  for (const keda::Trigger& t : triggers) {
    e << YAML::BeginMap;
    e << YAML::Key << "type" << YAML::Value << t.type;
    if (!t.name.empty()) e << YAML::Key << "name" << YAML::Value << t.name;
    if (metric_type) {
      e << YAML::Key << "metricType" << YAML::Value << TargetTypeName(t.metric_type);
    }
    e << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
    std::map<std::string, std::string> meta = t.metadata;
    const char* target_key = nullptr;
    const char* activation_key = nullptr;
    if (t.cron.has_value()) {
      meta["start"] = t.cron->start;
      meta["end"] = t.cron->end;
      meta["timezone"] = t.cron->timezone;
      meta["desiredReplicas"] = absl::StrCat(t.cron->desired_replicas);
    } else if (ScalerTargetKeys(t.type, &target_key, &activation_key) &&
               target_key != nullptr) {
      meta.emplace(target_key, ShortestNumber(t.target));
      if (activation_key != nullptr && t.activation_target != 0) {
        meta.emplace(activation_key, ShortestNumber(t.activation_target));
      }
    }
    for (const auto& [k, v] : meta) {
      e << YAML::Key << k << YAML::Value << YAML::DoubleQuoted << v;
    }
    e << YAML::EndMap;
    e << YAML::EndMap;
  }
  e << YAML::EndSeq;
}

void EmitScaledJob(YAML::Emitter& e, const keda::ScaledJobSpec& sj) {
  e << YAML::BeginMap;
  e << YAML::Key << "apiVersion" << YAML::Value << kKedaApiVersion;
  e << YAML::Key << "kind" << YAML::Value << kScaledJobKind;
  e << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "name" << YAML::Value << sj.name;
  e << YAML::Key << "namespace" << YAML::Value << sj.namespace_name;
  if (sj.paused) {
    e << YAML::Key << "annotations" << YAML::Value << YAML::BeginMap << YAML::Key
      << "autoscaling.keda.sh/paused" << YAML::Value << YAML::DoubleQuoted << "true"
      << YAML::EndMap;
  }
  e << YAML::EndMap;
  e << YAML::Key << "spec" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "jobTargetRef" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "parallelism" << YAML::Value << sj.parallelism;
  e << YAML::Key << "completions" << YAML::Value << sj.completions;
  if (sj.active_deadline_seconds) {
    e << YAML::Key << "activeDeadlineSeconds" << YAML::Value << *sj.active_deadline_seconds;
  }
  e << YAML::Key << "backoffLimit" << YAML::Value << sj.backoff_limit;
  // Read back within the YAML bounds (it is a public field); text that does
  // not load is written as a string, which the loader then rejects at
  // spec.jobTargetRef.template.
  absl::StatusOr<YAML::Node> job_template =
      yaml_fields::LoadDocument(sj.job_template_yaml, "jobTargetRef.template");
  e << YAML::Key << "template" << YAML::Value;
  if (job_template.ok()) {
    e << *job_template;
  } else {
    e << YAML::DoubleQuoted << sj.job_template_yaml;
  }
  e << YAML::EndMap;
  e << YAML::Key << "pollingInterval" << YAML::Value << sj.polling_interval_seconds;
  e << YAML::Key << "successfulJobsHistoryLimit" << YAML::Value
    << sj.successful_jobs_history_limit;
  e << YAML::Key << "failedJobsHistoryLimit" << YAML::Value << sj.failed_jobs_history_limit;
  if (sj.min_replica_count) {
    e << YAML::Key << "minReplicaCount" << YAML::Value << *sj.min_replica_count;
  }
  if (sj.max_replica_count) {
    e << YAML::Key << "maxReplicaCount" << YAML::Value << *sj.max_replica_count;
  }
  e << YAML::Key << "rollout" << YAML::Value << YAML::BeginMap << YAML::Key << "strategy"
    << YAML::Value << sj.rollout_strategy << YAML::EndMap;
  e << YAML::Key << "scalingStrategy" << YAML::Value << YAML::BeginMap;
  e << YAML::Key << "strategy" << YAML::Value << keda::ScalingStrategyName(sj.strategy);
  if (sj.custom_queue_length_deduction) {
    e << YAML::Key << "customScalingQueueLengthDeduction" << YAML::Value
      << *sj.custom_queue_length_deduction;
  }
  if (!sj.custom_running_job_percentage.empty()) {
    e << YAML::Key << "customScalingRunningJobPercentage" << YAML::Value << YAML::DoubleQuoted
      << sj.custom_running_job_percentage;
  }
  if (!sj.pending_pod_conditions.empty()) {
    e << YAML::Key << "pendingPodConditions" << YAML::Value << YAML::Flow
      << sj.pending_pod_conditions;
  }
  e << YAML::Key << "multipleScalersCalculation" << YAML::Value
    << keda::MultipleScalersCalculationName(sj.multiple_scalers_calculation);
  e << YAML::EndMap;
  EmitTriggers(e, sj.triggers, /*metric_type=*/false);
  e << YAML::EndMap;
  e << YAML::EndMap;
}

}  // namespace

std::string DumpScaledJob(const keda::ScaledJobSpec& sj) {
  YAML::Emitter e;
  e.SetIndent(2);
  EmitScaledJob(e, sj);
  std::string out = e.c_str();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  return out;
}

std::string DumpScaledObject(const keda::ScaledObjectSpec& so) {
  YAML::Emitter e;
  e.SetIndent(2);
  EmitScaledObject(e, so);
  std::string out = e.c_str();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  return out;
}

std::string DumpManifests(const std::vector<hpa::AutoscalerSpec>& specs) {
  YAML::Emitter e;
  e.SetIndent(2);
  e.SetSeqFormat(YAML::Block);
  e.SetMapFormat(YAML::Block);
  for (const hpa::AutoscalerSpec& spec : specs) {
    e << YAML::BeginDoc;
    EmitAutoscaler(e, spec);
  }
  std::string out = e.c_str();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  return out;
}

std::string DumpManifest(const hpa::AutoscalerSpec& spec) {
  YAML::Emitter e;
  e.SetIndent(2);
  EmitAutoscaler(e, spec);
  std::string out = e.c_str();
  if (!out.empty() && out.back() != '\n') out.push_back('\n');
  return out;
}

}  // namespace agentscale::config

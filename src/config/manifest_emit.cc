// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The manifest writer: autoscaling/v2 YAML that LoadManifestString() reads
// back to the same spec.

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>
#include <vector>

#include "agentscale/config/manifest.h"
#include "agentscale/hpa/quantity.h"
#include "agentscale/hpa/spec.h"

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

constexpr char kHpaKind[] = "HorizontalPodAutoscaler";
constexpr char kHpaApiVersion[] = "autoscaling/v2";

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
  e << YAML::Key << "apiVersion" << YAML::Value << kHpaApiVersion;
  e << YAML::Key << "kind" << YAML::Value << kHpaKind;
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
  e << YAML::EndMap;
  e << YAML::EndMap;
}

}  // namespace

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

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/spec.h"

#include <algorithm>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/types/span.h"

namespace agentscale::hpa {
namespace {

std::string SelectorString(const LabelSelector& s) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : s.match_labels) parts.push_back(absl::StrCat(k, "=", v));
  for (const LabelSelectorRequirement& r : s.match_expressions) {
    parts.push_back(absl::StrCat(r.key, " ", r.op, " (",
                                 absl::StrJoin(r.values, ","), ")"));
  }
  return absl::StrJoin(parts, ",");
}

}  // namespace

std::string MetricSpec::Describe() const {
  const bool utilization = target.type == MetricTargetType::kUtilization &&
                           !target.average_value_milli.has_value();
  switch (type) {
    case MetricSourceType::kResource:
      return utilization ? absl::StrCat(name,
                                        " resource utilization (percentage of "
                                        "request)")
                         : absl::StrCat(name, " resource");
    case MetricSourceType::kContainerResource:
      return utilization ? absl::StrCat(name,
                                        " container resource utilization "
                                        "(percentage of request)")
                         : absl::StrCat(name, " container resource");
    case MetricSourceType::kPods:
      return absl::StrCat("pods metric ", name);
    case MetricSourceType::kObject:
      return absl::StrCat(described_object.kind, " metric ", name);
    case MetricSourceType::kExternal:
      return absl::StrCat("external metric ", name, "(",
                          SelectorString(selector), ")");
    case MetricSourceType::kUnknown:
      return absl::StrCat("metric of unknown type ", name);
  }
  return name;
}

MetricSpec MetricSpec::PodsAverageValue(std::string metric,
                                        int64_t average_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kPods;
  m.name = std::move(metric);
  m.target.type = MetricTargetType::kAverageValue;
  m.target.average_value_milli = average_milli;
  return m;
}

MetricSpec MetricSpec::ResourceUtilization(std::string resource,
                                           int32_t percent) {
  MetricSpec m;
  m.type = MetricSourceType::kResource;
  m.name = std::move(resource);
  m.target.type = MetricTargetType::kUtilization;
  m.target.average_utilization = percent;
  return m;
}

MetricSpec MetricSpec::ResourceAverageValue(std::string resource,
                                            int64_t average_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kResource;
  m.name = std::move(resource);
  m.target.type = MetricTargetType::kAverageValue;
  m.target.average_value_milli = average_milli;
  return m;
}

MetricSpec MetricSpec::ObjectValue(ObjectReference object, std::string metric,
                                   int64_t value_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kObject;
  m.name = std::move(metric);
  m.described_object = std::move(object);
  m.target.type = MetricTargetType::kValue;
  m.target.value_milli = value_milli;
  return m;
}

MetricSpec MetricSpec::ExternalValue(std::string metric, int64_t value_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kExternal;
  m.name = std::move(metric);
  m.target.type = MetricTargetType::kValue;
  m.target.value_milli = value_milli;
  return m;
}

MetricSpec MetricSpec::ExternalAverageValue(std::string metric,
                                            int64_t average_milli) {
  MetricSpec m;
  m.type = MetricSourceType::kExternal;
  m.name = std::move(metric);
  m.target.type = MetricTargetType::kAverageValue;
  m.target.average_value_milli = average_milli;
  return m;
}

ScalingRules DefaultScaleUpRules() {
  ScalingRules r;
  r.stabilization_window = absl::ZeroDuration();
  r.select_policy = SelectPolicy::kMax;
  r.policies = {{PolicyType::kPods, 4, absl::Seconds(15)},
                {PolicyType::kPercent, 100, absl::Seconds(15)}};
  return r;
}

ScalingRules DefaultScaleDownRules() {
  ScalingRules r;
  r.select_policy = SelectPolicy::kMax;
  r.policies = {{PolicyType::kPercent, 100, absl::Seconds(15)}};
  return r;
}

Behavior DefaultBehavior() {
  return Behavior{DefaultScaleUpRules(), DefaultScaleDownRules()};
}

const char* MetricSourceTypeName(MetricSourceType type) {
  switch (type) {
    case MetricSourceType::kResource:
      return "Resource";
    case MetricSourceType::kContainerResource:
      return "ContainerResource";
    case MetricSourceType::kPods:
      return "Pods";
    case MetricSourceType::kObject:
      return "Object";
    case MetricSourceType::kExternal:
      return "External";
    case MetricSourceType::kUnknown:
      return "Unknown";
  }
  return "Unknown";
}

const char* MetricTargetTypeName(MetricTargetType type) {
  switch (type) {
    case MetricTargetType::kUtilization:
      return "Utilization";
    case MetricTargetType::kValue:
      return "Value";
    case MetricTargetType::kAverageValue:
      return "AverageValue";
  }
  return "Unknown";
}

const char* PolicyTypeName(PolicyType type) {
  return type == PolicyType::kPods ? "Pods" : "Percent";
}

const char* SelectPolicyName(SelectPolicy policy) {
  switch (policy) {
    case SelectPolicy::kMax:
      return "Max";
    case SelectPolicy::kMin:
      return "Min";
    case SelectPolicy::kDisabled:
      return "Disabled";
  }
  return "Max";
}

absl::Status ApplyFeatureGates(std::string_view text, ControllerConfig* config) {
  struct Gate {
    const char* name;
    bool ControllerConfig::*field;
  };
  static constexpr Gate kGates[] = {
      {"HPAConfigurableSyncPeriod", &ControllerConfig::configurable_sync_period},
      {"HPAConfigurableTolerance", &ControllerConfig::configurable_tolerance},
      {"HPAExternalMetricFallback", &ControllerConfig::external_metric_fallback},
      {"HPAScaleToZero", &ControllerConfig::scale_to_zero},
      {"HPASelectionStrategy", &ControllerConfig::selection_strategy},
      {"PodLevelResources", &ControllerConfig::pod_level_resources},
  };
  auto known = [] {
    std::string names;
    for (const Gate& g : kGates) absl::StrAppend(&names, names.empty() ? "" : ", ", g.name);
    return names;
  };
  ControllerConfig out = *config;
  for (absl::string_view item : absl::StrSplit(absl::string_view(text.data(), text.size()), ',', absl::SkipWhitespace())) {
    item = absl::StripAsciiWhitespace(item);
    const size_t eq = item.find('=');
    if (eq == absl::string_view::npos) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feature gates: \"", item, "\" is not NAME=true or NAME=false"));
    }
    const absl::string_view name = absl::StripAsciiWhitespace(item.substr(0, eq));
    const absl::string_view value = absl::StripAsciiWhitespace(item.substr(eq + 1));
    const Gate* gate = nullptr;
    for (const Gate& g : kGates) {
      if (name == g.name) gate = &g;
    }
    if (gate == nullptr) {
      return absl::InvalidArgumentError(absl::StrCat("feature gates: unknown gate \"", name,
                                                     "\"; known: ", known()));
    }
    // The values Go's strconv.ParseBool takes, which the gate flag uses.
    static constexpr absl::string_view kTrue[] = {"1", "t", "T", "TRUE", "true", "True"};
    static constexpr absl::string_view kFalse[] = {"0", "f", "F", "FALSE", "false", "False"};
    auto in = [&value](absl::Span<const absl::string_view> set) {
      return std::find(set.begin(), set.end(), value) != set.end();
    };
    if (!in(kTrue) && !in(kFalse)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "feature gates: ", name, ": want true or false (or 1, t, T, TRUE, True, 0, f, F, "
          "FALSE, False), got \"", item.substr(eq + 1), "\""));
    }
    out.*(gate->field) = in(kTrue);
  }
  *config = out;
  return absl::OkStatus();
}

const char* SelectionStrategyName(SelectionStrategy s) {
  return s == SelectionStrategy::kOwnerReference ? "OwnerReference" : "LabelSelector";
}

}  // namespace agentscale::hpa

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/hpa/conditions.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace agentscale::hpa {
namespace {

struct ReasonInfo {
  Reason reason;
  const char* name;
};

constexpr ReasonInfo kReasons[] = {
    {Reason::kNone, ""},
    {Reason::kSucceededGetScale, "SucceededGetScale"},
    {Reason::kFailedGetScale, "FailedGetScale"},
    {Reason::kReadyForNewScale, "ReadyForNewScale"},
    {Reason::kScaleDownStabilized, "ScaleDownStabilized"},
    {Reason::kScaleUpStabilized, "ScaleUpStabilized"},
    {Reason::kSucceededRescale, "SucceededRescale"},
    {Reason::kFailedUpdateScale, "FailedUpdateScale"},
    {Reason::kValidMetricFound, "ValidMetricFound"},
    {Reason::kScalingDisabled, "ScalingDisabled"},
    {Reason::kInvalidSelector, "InvalidSelector"},
    {Reason::kAmbiguousSelector, "AmbiguousSelector"},
    {Reason::kFailedGetResourceMetric, "FailedGetResourceMetric"},
    {Reason::kFailedGetContainerResourceMetric,
     "FailedGetContainerResourceMetric"},
    {Reason::kFailedGetPodsMetric, "FailedGetPodsMetric"},
    {Reason::kFailedGetObjectMetric, "FailedGetObjectMetric"},
    {Reason::kFailedGetExternalMetric, "FailedGetExternalMetric"},
    {Reason::kInvalidMetricSourceType, "InvalidMetricSourceType"},
    {Reason::kDesiredWithinRange, "DesiredWithinRange"},
    {Reason::kTooManyReplicas, "TooManyReplicas"},
    {Reason::kTooFewReplicas, "TooFewReplicas"},
    {Reason::kScaleUpLimit, "ScaleUpLimit"},
    {Reason::kScaleDownLimit, "ScaleDownLimit"},
    {Reason::kScaledToZero, "ScaledToZero"},
    {Reason::kNotScaledToZero, "NotScaledToZero"},
    {Reason::kFallbackActive, "FallbackActive"},
    {Reason::kNoFallbackActive, "NoFallbackActive"},
};

}  // namespace

const char* ConditionTypeName(ConditionType type) {
  switch (type) {
    case ConditionType::kAbleToScale:
      return "AbleToScale";
    case ConditionType::kScalingActive:
      return "ScalingActive";
    case ConditionType::kScalingLimited:
      return "ScalingLimited";
    case ConditionType::kScaledToZero:
      return "ScaledToZero";
    case ConditionType::kExternalMetricFallbackActive:
      return "ExternalMetricFallbackActive";
  }
  return "Unknown";
}

const char* ReasonName(Reason reason) {
  for (const ReasonInfo& r : kReasons) {
    if (r.reason == reason) return r.name;
  }
  return "";
}

std::optional<ConditionType> ParseConditionType(const std::string& name) {
  for (ConditionType t :
       {ConditionType::kAbleToScale, ConditionType::kScalingActive,
        ConditionType::kScalingLimited, ConditionType::kScaledToZero,
        ConditionType::kExternalMetricFallbackActive}) {
    if (name == ConditionTypeName(t)) return t;
  }
  return std::nullopt;
}

std::optional<Reason> ParseReason(const std::string& name) {
  for (const ReasonInfo& r : kReasons) {
    if (r.reason != Reason::kNone && name == r.name) return r.reason;
  }
  return std::nullopt;
}

std::string Condition::Message() const {
  switch (reason) {
    case Reason::kNone:
      return detail;
    case Reason::kSucceededGetScale:
      return "the HPA controller was able to get the target's current scale";
    case Reason::kFailedGetScale:
      return absl::StrCat(
          "the HPA controller was unable to get the target's current scale: ",
          detail);
    case Reason::kReadyForNewScale:
      return "recommended size matches current size";
    case Reason::kScaleDownStabilized:
      return "recent recommendations were higher than current one, applying "
             "the highest recent recommendation";
    case Reason::kScaleUpStabilized:
      return "recent recommendations were lower than current one, applying "
             "the lowest recent recommendation";
    case Reason::kSucceededRescale:
      return absl::StrCat(
          "the HPA controller was able to update the target scale to ",
          replicas);
    case Reason::kFailedUpdateScale:
      return absl::StrCat(
          "the HPA controller was unable to update the target scale: ", detail);
    case Reason::kValidMetricFound:
      return absl::StrCat(
          "the HPA was able to successfully calculate a replica count from ",
          detail);
    case Reason::kScalingDisabled:
      return "scaling is disabled since the replica count of the target is "
             "zero";
    case Reason::kInvalidSelector:
    case Reason::kAmbiguousSelector:
      return detail;
    case Reason::kFailedGetResourceMetric:
    case Reason::kFailedGetContainerResourceMetric:
    case Reason::kFailedGetPodsMetric:
    case Reason::kFailedGetObjectMetric:
    case Reason::kFailedGetExternalMetric:
    case Reason::kInvalidMetricSourceType:
      return absl::StrCat("the HPA was unable to compute the replica count: ",
                          detail);
    case Reason::kDesiredWithinRange:
      return "the desired count is within the acceptable range";
    case Reason::kTooManyReplicas:
      return "the desired replica count is more than the maximum replica "
             "count";
    case Reason::kTooFewReplicas:
      return "the desired replica count is less than the minimum replica "
             "count";
    case Reason::kScaleUpLimit:
      return "the desired replica count is increasing faster than the maximum "
             "scale rate";
    case Reason::kScaleDownLimit:
      return "the desired replica count is decreasing faster than the maximum "
             "scale rate";
    case Reason::kScaledToZero:
      return "the HPA controller scaled the workload to zero";
    case Reason::kNotScaledToZero:
      return "the HPA controller did not scale the workload to zero";
    case Reason::kFallbackActive:
      // detail: "<metric> has failed for <duration>; ... fallback replica count <n>"
      return detail;
    case Reason::kNoFallbackActive:
      return "no external metric is using its fallback replica count";
  }
  return detail;
}

}  // namespace agentscale::hpa

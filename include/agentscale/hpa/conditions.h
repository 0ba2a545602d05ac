// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The HPA status conditions with Kubernetes' types, reasons and messages
// (spec §10), as small values: a Condition stores enums and the few
// arguments its message needs, and formats the message only when asked, so
// producing a decision does not allocate.
//
//   for (const agentscale::hpa::Condition& c : decision.conditions) {
//     std::cout << c.TypeName() << "=" << (c.status ? "True" : "False")
//               << " " << c.ReasonName() << ": " << c.Message() << "\n";
//   }
#ifndef AGENTSCALE_HPA_CONDITIONS_H_
#define AGENTSCALE_HPA_CONDITIONS_H_

#include <cstdint>
#include <optional>
#include <string>

namespace agentscale::hpa {

enum class ConditionType {
  kAbleToScale,
  kScalingActive,
  kScalingLimited,
  kScaledToZero,
  kExternalMetricFallbackActive,
};

// Kubernetes' reason strings, plus kNone for "no reason".
enum class Reason : uint8_t {
  kNone,
  // AbleToScale
  kSucceededGetScale,
  kFailedGetScale,
  kReadyForNewScale,
  kScaleDownStabilized,
  kScaleUpStabilized,
  kSucceededRescale,
  kFailedUpdateScale,
  // ScalingActive
  kValidMetricFound,
  kScalingDisabled,
  kInvalidSelector,
  kAmbiguousSelector,
  kFailedGetResourceMetric,
  kFailedGetContainerResourceMetric,
  kFailedGetPodsMetric,
  kFailedGetObjectMetric,
  kFailedGetExternalMetric,
  kInvalidMetricSourceType,
  // ScalingLimited
  kDesiredWithinRange,
  kTooManyReplicas,
  kTooFewReplicas,
  kScaleUpLimit,
  kScaleDownLimit,
  // ScaledToZero
  kScaledToZero,
  kNotScaledToZero,
  // ExternalMetricFallbackActive (KEP-5679 names the condition but not its
  // reasons; these two are agentscale's, see docs/hpa-compatibility.md).
  kFallbackActive,
  kNoFallbackActive,
};

const char* ConditionTypeName(ConditionType type);
const char* ReasonName(Reason reason);
// Parses Kubernetes' spelling; nullopt if unknown.
std::optional<ConditionType> ParseConditionType(const std::string& name);
std::optional<Reason> ParseReason(const std::string& name);

struct Condition {
  ConditionType type = ConditionType::kAbleToScale;
  bool status = true;
  Reason reason = Reason::kNone;
  // Message arguments: the error text ("%v") of failure reasons and the
  // metric name of ValidMetricFound; the replica count of SucceededRescale.
  std::string detail;
  int32_t replicas = 0;

  const char* TypeName() const { return ConditionTypeName(type); }
  const char* ReasonName() const { return hpa::ReasonName(reason); }
  // Kubernetes' message text, with its arguments formatted in.
  std::string Message() const;

  friend bool operator==(const Condition& a, const Condition& b) {
    return a.type == b.type && a.status == b.status && a.reason == b.reason &&
           a.detail == b.detail && a.replicas == b.replicas;
  }
};

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_CONDITIONS_H_

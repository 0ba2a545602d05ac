// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The API server's validation of an autoscaling/v2 HorizontalPodAutoscaler
// spec (pkg/apis/autoscaling/validation), applied to an AutoscalerSpec after
// API defaulting. Every problem is reported, each with a Kubernetes-style
// field path, so that the manifest loader can point at the YAML node.
//
//   agentscale::hpa::AutoscalerSpec spec = ...;
//   for (const auto& e : agentscale::hpa::ValidateSpec(spec, config)) {
//     std::cerr << e.path << ": " << e.message << "\n";
//     // spec.behavior.scaleUp.policies[0].periodSeconds: must be in
//     // 1..1800, got 0
//   }
//   AGENTSCALE_RETURN_IF_ERROR(agentscale::hpa::ValidateSpecStatus(spec, {}));
//
// Deliberate differences from the API server, which only make validation
// stricter:
//   * The target type must suit the metric source (Pods: AverageValue;
//     Resource/ContainerResource: Utilization or AverageValue; Object and
//     External: Value or AverageValue), and the target field of that type
//     must be set. Kubernetes accepts e.g. a Pods metric of type Value and
//     fails at run time instead.
//   * Durations must be whole seconds, since the API carries int32 seconds.
//   * Tolerances must be finite.
// scaleTargetRef is not checked here (hand-built specs need not name one);
// the manifest loader requires it.
#ifndef AGENTSCALE_HPA_VALIDATION_H_
#define AGENTSCALE_HPA_VALIDATION_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::hpa {

// One validation problem. `path` is the Kubernetes field path, e.g.
// "spec.metrics[1].pods.target.averageValue"; `message` says what is wrong
// and, for a bad value, the allowed range and the value found.
struct FieldError {
  std::string path;
  std::string message;

  friend bool operator==(const FieldError& a, const FieldError& b) {
    return a.path == b.path && a.message == b.message;
  }
};

// All problems with `spec`, in field order; empty when it is valid. `config`
// supplies the feature gates (HPAScaleToZero allows minReplicas 0).
std::vector<FieldError> ValidateSpec(const AutoscalerSpec& spec,
                                     const ControllerConfig& config = {});

// OkStatus when ValidateSpec finds nothing, otherwise InvalidArgument whose
// message lists every problem as "<path>: <message>", separated by "; ".
absl::Status ValidateSpecStatus(const AutoscalerSpec& spec,
                                const ControllerConfig& config = {});

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_VALIDATION_H_

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Making Kubernetes carry out agentscale's decision exactly.
//
// `agentscale serve` is a KEDA external scaler: KEDA asks it for a metric
// spec (GetMetricSpec) and, through the HPA it creates, for a metric value
// (GetMetrics). That HPA does its own arithmetic on the value and applies
// its own behavior, so the value and the ScaledObject are chosen so that the
// HPA lands on agentscale's decision and adds nothing of its own:
//
//   - the metric is External with an AverageValue target of 1
//     (kPassThroughTarget), and the value reported for a decision of D
//     replicas is D (ReportedValue). The HPA computes
//     ratio = D / (1 x current) and, outside its tolerance, ceil(D / 1) = D
//     (replica_calculator.go GetExternalPerPodMetricReplicas; both numbers
//     reach it as milli-quantities, exact for integers);
//   - the tolerance is 0 in both directions (behavior.scaleUp/scaleDown
//     .tolerance, KEP-4951, HPAConfigurableTolerance: beta and on by default
//     from Kubernetes 1.35, alpha behind the gate in 1.33 and 1.34), so any
//     D != current is outside it;
//   - the behavior passes everything through: stabilization windows 0, a
//     scale-up policy of maxReplicas pods per second and a scale-down policy
//     of 100 percent per second (PassThroughBehavior). agentscale's own
//     policy has already applied its windows and rate limits;
//   - KEDA's cooldownPeriod is 0, so a decision of 0 (IsActive false, with
//     minReplicaCount 0) scales to zero at KEDA's next poll.
//
// On a cluster without configurable tolerance (before 1.33, or 1.33/1.34
// with the gate off) the field is dropped and the controller's
// --horizontal-pod-autoscaler-tolerance (0.1) applies: a decision within
// 10 % of the current count (11 from 10) is ignored until it moves further;
// every other decision still lands exactly (docs/serve.md). HpaLands() is
// the arithmetic of both cases; tests/serve/pass_through_test.cc proves
// with agentscale's Kubernetes-exact HPA that every (current, desired) pair
// up to 1,000 lands.
#ifndef AGENTSCALE_SERVE_PASS_THROUGH_H_
#define AGENTSCALE_SERVE_PASS_THROUGH_H_

#include <cstdint>
#include <map>
#include <string>

#include "absl/status/statusor.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/keda/scaled_object.h"

namespace agentscale::serve {

// The AverageValue target GetMetricSpec reports (targetSizeFloat).
inline constexpr double kPassThroughTarget = 1.0;

// The metric name GetMetricSpec reports (KEDA names it "s<i>-replicas"
// for the HPA and strips the prefix again before GetMetrics).
inline constexpr char kPassThroughMetricName[] = "replicas";

// The value GetMetrics reports for a decision of `desired_replicas`, in
// both of the protocol's fields (metricValue, deprecated, and
// metricValueFloat; KEDA reads the float when it is > 0).
struct ReportedValue {
  int64_t value = 0;
  double value_float = 0;
};
inline ReportedValue ReportFor(int32_t desired_replicas) {
  const int32_t d = desired_replicas > 0 ? desired_replicas : 0;
  return ReportedValue{d, static_cast<double>(d) * kPassThroughTarget};
}

// The HPA behavior that applies a decision unchanged: windows 0, tolerance
// 0 (when `with_tolerance`), scale-up by up to max(max_replicas, 1) pods
// per second, scale-down by up to 100 % per second, select Max.
hpa::Behavior PassThroughBehavior(int32_t max_replicas, bool with_tolerance = true);

// Where the HPA KEDA creates lands from `current` replicas when the scaler
// reports ReportFor(desired): the HPA's External AverageValue rule with
// the given tolerance (0 with PassThroughBehavior on Kubernetes >= 1.35),
// clamped to [max(min_replicas, 1), max_replicas]. The rule as
// replica_calculator.go writes it; tests check it against HorizontalAutoscaler.
int32_t HpaLands(int32_t current, int32_t desired, double tolerance,
                 int32_t min_replicas, int32_t max_replicas);

// What the generated ScaledObject is made of.
struct PassThroughOptions {
  std::string name = "agents";              // the ScaledObject's metadata.name
  std::string namespace_name = "default";
  hpa::ObjectReference scale_target_ref;    // the Deployment it scales
  int32_t min_replicas = 1;                 // the policy's range
  int32_t max_replicas = 10;
  // The scaler's gRPC address as the cluster reaches it (a Service:
  // "agentscale.agentscale.svc.cluster.local:9443").
  std::string scaler_address = "agentscale.agentscale.svc.cluster.local:9443";
  // scalerMetadata: `fleet` names the policy file the service loads for
  // this object (<config dir>/<fleet>.yaml); more keys are passed as given.
  std::string fleet = "agents";
  std::map<std::string, std::string> extra_metadata;
  // KEDA's poll of IsActive (s); the HPA's sync period is the cluster's.
  int32_t polling_interval_seconds = 15;
  // false: leave tolerance out (clusters without HPAConfigurableTolerance,
  // whose API server would drop the field anyway).
  bool set_tolerance = true;
};

// The ScaledObject as a value, and as the YAML to apply (loadable by
// config::LoadManifestString). Errors: an empty name, fleet or address,
// or a range that is not 0 <= min <= max, max >= 1.
absl::StatusOr<keda::ScaledObjectSpec> PassThroughScaledObject(
    const PassThroughOptions& options);
absl::StatusOr<std::string> PassThroughScaledObjectYaml(const PassThroughOptions& options);

}  // namespace agentscale::serve

#endif  // AGENTSCALE_SERVE_PASS_THROUGH_H_

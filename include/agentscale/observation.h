// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// What the engine is told at one sync: the target's scale (spec and status
// replicas), the pods its selector matches, and one MetricObservation per
// metric of the spec.
//
//   agentscale::Observation obs;
//   obs.current_replicas = 3;
//   for (int i = 0; i < 3; ++i) obs.pods.push_back(
//       agentscale::hpa::Pod::Ready(absl::StrCat("agent-", i)));
//   agentscale::MetricObservation& tasks =
//       obs.AddMetric("app_active_task_count");
//   tasks.AddPodValue("agent-0", 80.0, now);  // plain units; stored in milli
//   ...
//
// Observations name their metrics; an unnamed observation belongs to the
// spec's metric at the same position. An observation that names a metric
// the spec does not have is an error of Evaluate(); a spec metric with no
// observation fails the way a metrics API error does (Kubernetes' rules for
// failed metrics then apply: it can hold a scale-down, never cause one).
#ifndef AGENTSCALE_OBSERVATION_H_
#define AGENTSCALE_OBSERVATION_H_

#include <cmath>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/hpa/spec.h"

namespace agentscale {

// How a metric value in plain units becomes milli-units.
enum class MilliRounding {
  // Up, as Quantity.MilliValue() rounds a value with more than three
  // decimals (the default: values written as quantities).
  kUp,
  // Toward zero, as a Prometheus adapter builds the Quantity it serves:
  // NewMilliQuantity(int64(value * 1000)). The metrics layer uses this for
  // values it computes from samples, so that they reach the engine exactly
  // as the custom/external metrics API would deliver them.
  kTruncate,
};

// Converts a metric value in plain units to milli-units (rounding up unless
// told otherwise). NaN, infinite, negative or too large values are errors.
absl::StatusOr<int64_t> ToMilli(double value,
                                MilliRounding rounding = MilliRounding::kUp);
// One of `parts` equal shares of `total`, in milli-units: total x 1000 /
// parts rounded as told, computed in that order (as the fluid replay splits
// a fleet's demand over its pods). The same errors, and parts must be
// positive.
absl::StatusOr<int64_t> ToMilliShare(double total, int64_t parts,
                                     MilliRounding rounding = MilliRounding::kUp);

// The same conversions for hot loops: false (and *out untouched) where
// ToMilli/ToMilliShare would return an error.
inline bool TryToMilli(double value, MilliRounding rounding, int64_t* out) {
  if (!(value >= 0)) return false;  // NaN or negative
  const double milli = rounding == MilliRounding::kUp ? std::ceil(value * 1000.0)
                                                      : std::trunc(value * 1000.0);
  if (!(milli < 9.2e18)) return false;  // infinite or too large
  *out = static_cast<int64_t>(milli);
  return true;
}
inline bool TryToMilliShare(double total, int64_t parts, MilliRounding rounding,
                            int64_t* out) {
  if (parts <= 0 || !(total >= 0)) return false;
  const double share = total * 1000.0 / static_cast<double>(parts);
  const double milli =
      rounding == MilliRounding::kUp ? std::ceil(share) : std::trunc(share);
  if (!(milli < 9.2e18)) return false;
  *out = static_cast<int64_t>(milli);
  return true;
}

// The observed values of one metric of the spec.
struct MetricObservation {
  // The metric's name (resource name for Resource metrics); empty means "the
  // spec's metric at this observation's position".
  std::string metric;
  // Set when fetching the metric failed; the metric then fails with
  // Kubernetes' FailedGet<Type>Metric condition carrying this message.
  absl::Status error;
  // Pods metrics, and Resource/ContainerResource usage already summed per
  // pod: one sample per pod.
  std::vector<hpa::PodSample> pod_samples;
  // Resource/ContainerResource usage per container, as metrics.k8s.io
  // reports it (used when pod_samples is empty).
  std::vector<hpa::PodResourceSample> resource_samples;
  // Object metrics: the described object's value.
  std::optional<int64_t> object_value_milli;
  // External metrics: every series the selector matched.
  std::vector<int64_t> external_values_milli;

  // Appends a per-pod value given in plain units. A value that is NaN,
  // infinite or negative is not stored; it marks the whole metric invalid
  // (error), so the engine holds rather than acting on it.
  void AddPodValue(const std::string& pod, double value, absl::Time timestamp,
                   absl::Duration window = absl::Seconds(60));
  // Sets an Object metric value / appends an External series, in plain
  // units, with the same handling of invalid values.
  void SetObjectValue(double value);
  void AddExternalValue(double value);
  // The same three with an explicit rounding to milli-units.
  void AddPodValue(const std::string& pod, double value, absl::Time timestamp,
                   absl::Duration window, MilliRounding rounding) {
    int64_t milli;
    if (TryToMilli(value, rounding, &milli)) {
      pod_samples.push_back(hpa::PodSample{pod, milli, timestamp, window});
    } else {
      MarkInvalidPodValue(pod, value, rounding);
    }
  }
  void SetObjectValue(double value, MilliRounding rounding);
  void AddExternalValue(double value, MilliRounding rounding);

 private:
  // AddPodValue's error path, out of line.
  void MarkInvalidPodValue(const std::string& pod, double value, MilliRounding rounding);
};

// The selector checks of spec §5 step 1, for callers that know selectors
// (a Kubernetes controller). Without them the checks are skipped.
struct SelectorCheck {
  // The target scale's status.selector, in selector-string syntax. Empty is
  // an error (InvalidSelector), as in Kubernetes.
  std::string target_selector;
  struct OtherAutoscaler {
    std::string name;
    hpa::LabelSelector selector;
  };
  // Other autoscalers in the namespace; one that selects any of `pods` makes
  // the selection ambiguous.
  std::vector<OtherAutoscaler> other_autoscalers;
};

// An object between a pod and the scale target (a ReplicaSet, say), with its
// own ownerReferences: what the OwnerReference selection strategy walks.
struct OwnerObject {
  hpa::ObjectReference ref;  // the object itself
  std::vector<hpa::ObjectReference> owner_references;
};

struct Observation {
  // scale.spec.replicas: the count the target is asked to run.
  int32_t current_replicas = 0;
  // scale.status.replicas; unset means equal to current_replicas.
  std::optional<int32_t> status_replicas;
  // Set when reading the target's scale failed (AbleToScale=False).
  absl::Status scale_error;
  std::vector<hpa::Pod> pods;
  // A deque, so that the reference AddMetric() returns stays valid when
  // more metrics are added.
  std::deque<MetricObservation> metrics;
  std::optional<SelectorCheck> selector;
  // For spec.selectionStrategy OwnerReference (HPASelectionStrategy): the
  // owners that pods' ownerReferences lead to. A pod counts when a chain of
  // at most 10 ownerReferences through these reaches scaleTargetRef.
  std::vector<OwnerObject> owners;
  // Set when reading the owners failed (RBAC, say): every selected pod then
  // counts, as KEP-5325 prescribes.
  absl::Status owners_error;

  // Appends and returns an observation for the named metric; the reference
  // stays valid while `metrics` is only appended to.
  MetricObservation& AddMetric(const std::string& metric);
  // Appends `count` Running, Ready pods named prefix + "0", prefix + "1", ...
  void AddReadyPods(int32_t count, const std::string& prefix = "agent-");
};

}  // namespace agentscale

#endif  // AGENTSCALE_OBSERVATION_H_

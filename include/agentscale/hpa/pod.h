// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Pods and metric samples as the replica calculator sees them: the pods that
// the target's selector matches (all phases, as the controller's informer
// cache returns them) and per-pod metric values keyed by pod name.
//
//   std::vector<agentscale::hpa::Pod> pods = {
//       agentscale::hpa::Pod::Ready("agent-0"),
//       agentscale::hpa::Pod::Ready("agent-1")};
//   std::vector<agentscale::hpa::PodSample> samples = {
//       {"agent-0", 80'000, now}, {"agent-1", 60'000, now}};
//
// Pod::Ready() gives a Running pod with Ready=True that started long ago,
// which is what an agent that has been serving for a while looks like.
#ifndef AGENTSCALE_HPA_POD_H_
#define AGENTSCALE_HPA_POD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/hpa/spec.h"

namespace agentscale::hpa {

enum class PodPhase { kPending, kRunning, kSucceeded, kFailed, kUnknown };
enum class ConditionStatus { kTrue, kFalse, kUnknown };

// Go's zero time (0001-01-01T00:00:00Z): what an unset metav1.Time reads as.
// It is a real instant far in the past, not -infinity: GoZeroTime() plus a
// minute is later than GoZeroTime().
absl::Time GoZeroTime();

// Requests (or usage) for the resources the resource metrics API reports.
struct ResourceList {
  std::optional<int64_t> cpu_milli;     // millicores
  std::optional<int64_t> memory_milli;  // bytes x 1000
  friend bool operator==(const ResourceList& a, const ResourceList& b) {
    return a.cpu_milli == b.cpu_milli && a.memory_milli == b.memory_milli;
  }
};

struct Container {
  std::string name;
  ResourceList requests;
  // Init containers only: restartPolicy Always makes a sidecar, whose
  // requests count toward the pod's.
  bool restart_policy_always = false;
};

// The Ready condition of a pod.
struct ReadyCondition {
  ConditionStatus status = ConditionStatus::kTrue;
  absl::Time last_transition_time = GoZeroTime();
};

struct Pod {
  std::string name;
  PodPhase phase = PodPhase::kRunning;
  bool deleted = false;  // deletionTimestamp is set
  std::optional<absl::Time> start_time;
  std::optional<ReadyCondition> ready;
  std::vector<Container> containers;
  std::vector<Container> init_containers;
  std::optional<ResourceList> pod_requests;  // pod-level resources
  // Labels, used only by the selector checks (observation.h).
  std::vector<std::pair<std::string, std::string>> labels;
  // metadata.ownerReferences (apiVersion, kind, name), read only by the
  // OwnerReference selection strategy (HPASelectionStrategy).
  std::vector<ObjectReference> owner_references;

  // A Running pod, Ready=True since GoZeroTime(), started at GoZeroTime().
  static Pod Ready(std::string name);
};

// One per-pod metric value (custom metrics API, or a resource usage already
// summed over the pod's containers). `window` is the sample's window
// (windowSeconds; 60 s when the API gives none).
struct PodSample {
  std::string pod;
  int64_t value_milli = 0;
  absl::Time timestamp = GoZeroTime();
  absl::Duration window = absl::Seconds(60);
};

// Per-container usage as metrics.k8s.io returns it for one pod.
struct ContainerUsage {
  std::string name;
  ResourceList usage;
};
struct PodResourceSample {
  std::string pod;
  absl::Time timestamp = GoZeroTime();
  absl::Duration window = absl::Seconds(60);
  std::vector<ContainerUsage> containers;
};

const char* PodPhaseName(PodPhase phase);

}  // namespace agentscale::hpa

#endif  // AGENTSCALE_HPA_POD_H_

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A node pool and the cluster autoscaler's settings, as values: what an AKS
// `default_node_pool` block (or an EKS managed node group) says, plus the
// autoscaler profile that all pools of a cluster share. The profile's
// fields are cluster-autoscaler's flags under their own names; presets are
// AKS's default profile and the profiles AKS documents for aggressive scale
// down and for bursty workloads (docs/nodes.md gives each value's source).
//
//   agentscale::nodes::NodePoolSpec pool;        // the seed's pool
//   pool.name = "agentpool";
//   pool.vm_size = "Standard_D4s_v4";
//   pool.min_count = 2;
//   pool.max_count = 20;
//   pool.node_count = 3;
//   absl::StatusOr<agentscale::nodes::NodeShape> shape =
//       agentscale::nodes::ResolveShape(pool);     // size, allocatable, price
//
//   absl::StatusOr<agentscale::nodes::AutoscalerProfile> profile =
//       agentscale::nodes::ProfilePreset("aks-aggressive");
#ifndef AGENTSCALE_NODES_SPEC_H_
#define AGENTSCALE_NODES_SPEC_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/nodes/vm_sizes.h"

namespace agentscale::nodes {

// How the autoscaler chooses among node pools that could take the pending
// pods (cluster-autoscaler's --expander).
enum class Expander {
  kLeastWaste,  // least idle CPU plus idle memory (fractions) after the pods
  kRandom,      // any of them (seeded: a run is reproducible)
  kPriority,    // the highest NodePoolSpec::priority, then random
};
const char* ExpanderName(Expander e);  // "least-waste", "random", "priority"
bool ExpanderFromName(const std::string& name, Expander* out);

struct AutoscalerProfile {
  // --scan-interval: how often the autoscaler looks at the cluster.
  absl::Duration scan_interval = absl::Seconds(10);
  // --scale-down-utilization-threshold: a node whose requests over
  // allocatable (the larger of CPU and memory) are below this may go.
  double scale_down_utilization_threshold = 0.5;
  // --scale-down-unneeded-time: how long a node must have been unneeded.
  absl::Duration scale_down_unneeded_time = absl::Minutes(10);
  // --scale-down-delay-after-add / -after-delete / -after-failure: no
  // scale-down for this long after a scale-up, a node deletion, a failure.
  // After-delete unset is AKS's default, the scan interval.
  absl::Duration scale_down_delay_after_add = absl::Minutes(10);
  std::optional<absl::Duration> scale_down_delay_after_delete;
  absl::Duration scale_down_delay_after_failure = absl::Minutes(3);
  // --max-node-provision-time: a node not ready by then is a failed
  // scale-up: it is deleted and its pool backed off (kScaleUpBackoff).
  absl::Duration max_node_provision_time = absl::Minutes(15);
  // --max-empty-bulk-delete: empty nodes deleted at once.
  int32_t max_empty_bulk_delete = 10;
  Expander expander = Expander::kRandom;
  // --new-pod-scale-up-delay: pods younger than this do not cause a
  // scale-up.
  absl::Duration new_pod_scale_up_delay = absl::ZeroDuration();
  // --max-graceful-termination-sec: the most a drained pod is given.
  absl::Duration max_graceful_termination = absl::Seconds(600);
  // --scale-down-unready-time: carried for completeness; nodes in this
  // model are never unready once ready.
  absl::Duration scale_down_unready_time = absl::Minutes(20);

  absl::Duration DelayAfterDelete() const {
    return scale_down_delay_after_delete.value_or(scan_interval);
  }
};

// The presets by name: "aks" (AKS's default profile), "aks-aggressive",
// "aks-bursty", "upstream" (cluster-autoscaler's own defaults: least-waste,
// no delay after delete).
AutoscalerProfile AksDefaultProfile();
AutoscalerProfile AksAggressiveProfile();
AutoscalerProfile AksBurstyProfile();
AutoscalerProfile UpstreamDefaultProfile();
absl::StatusOr<AutoscalerProfile> ProfilePreset(const std::string& name);
std::vector<std::string> ProfilePresetNames();

// Problems of a profile, one per line, each naming its field (the flag's
// name): "scan-interval: must be 1 s to 1 h, got 0 s".
absl::Status ValidateProfile(const AutoscalerProfile& profile);

// One node pool: a built-in VM size or a custom one, and its counts.
struct NodePoolSpec {
  std::string name = "agentpool";
  // A built-in size (vm_sizes.h); empty for a custom size.
  std::string vm_size;
  // A custom size (when vm_size is empty): all three required.
  int64_t custom_cpu_milli = 0;
  int64_t custom_memory_bytes = 0;
  double custom_price_per_hour = -1;
  // Reservations of a custom size (kNone: all allocatable).
  Reservation custom_reservation = Reservation::kNone;
  // Pods per node; 0 takes the size's (or 110, Kubernetes' default, for a
  // custom size).
  int32_t max_pods = 0;
  int32_t min_count = 1;
  int32_t max_count = 1;
  // Nodes at the start (Terraform's node_count); ready at once.
  int32_t node_count = 1;
  // From the autoscaler's scale-up to the node ready for pods: VM creation
  // and boot, the kubelet joining (our assumption, not a flag; docs/nodes.md).
  absl::Duration provisioning_delay = absl::Seconds(180);
  // For the priority expander: higher wins.
  int32_t priority = 0;
};

// Problems of a pool, one per line, each naming its field as the YAML form
// writes it (config/nodes.h): "minCount: must be at most maxCount (20), got 21".
absl::Status ValidatePool(const NodePoolSpec& pool);

// A pool's node as the scheduler sees it.
struct NodeShape {
  std::string size_name;  // the VM size, or "custom"
  int32_t vcpus = 0;      // custom: cpu rounded up to whole cores
  Resources capacity;
  Resources allocatable;
  int32_t max_pods = 0;
  double price_per_hour = 0;
};

// The pool's node shape (validating the pool first).
absl::StatusOr<NodeShape> ResolveShape(const NodePoolSpec& pool);

// The seed's AKS default_node_pool: Standard_D4s_v4, 2 to 20 nodes, 3 at
// the start.
NodePoolSpec SeedNodePool();

}  // namespace agentscale::nodes

#endif  // AGENTSCALE_NODES_SPEC_H_

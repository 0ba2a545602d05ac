// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// A cluster of node pools under the cluster autoscaler, stepped through
// time: pods are asked for with their CPU and memory requests, placed on
// ready nodes with room (scheduler.h), and wait pending otherwise; every
// scan interval the autoscaler adds nodes for pending pods and removes nodes
// that stayed under-used, by cluster-autoscaler's rules as AKS runs them
// (PEER_FORMULAS.md §4; docs/nodes.md names each rule's flag and source).
//
//   absl::StatusOr<agentscale::nodes::NodeCluster> cluster =
//       agentscale::nodes::NodeCluster::Create({agentscale::nodes::SeedNodePool()},
//                                              {}, start);
//   agentscale::nodes::PodTemplate agent{"agent", {1000, 2 * agentscale::nodes::kGiB}};
//   absl::StatusOr<std::vector<agentscale::nodes::PodId>> pods =
//       cluster->RequestPods(start, 12, agent);     // 12 agents wanted
//   cluster->AdvanceTo(start + absl::Minutes(5));   // a node added, ready
//   cluster->running_pods();  cluster->pending_pods();  cluster->Cost();
//   for (const agentscale::nodes::Eviction& e : cluster->TakeEvictions()) ...
//
// The model, per scan (every profile.scan_interval from the start):
//   * Scale-up: pending pods older than new-pod-scale-up-delay that the
//     nodes already being provisioned will not take are packed, first-fit,
//     onto new nodes of each pool that has room below max_count and is not
//     backed off; the expander picks one pool, which grows by the nodes it
//     needs (up to max_count). New nodes are ready after the pool's
//     provisioning delay; one not ready within max-node-provision-time is
//     deleted and its pool backed off for 5 minutes. A scan that scales up
//     does not scale down.
//   * Scale-down: a ready node is unneeded while its utilisation (the larger
//     of CPU and memory requested over allocatable) is below the threshold
//     and its pods fit on the other nodes (a simulation that takes
//     candidates one after another, each keeping the room the earlier ones'
//     pods took). A node unneeded for scale-down-unneeded-time is removed,
//     never below min_count, and not within the delays after an add, a
//     delete or a failure: empty nodes at once, up to max-empty-bulk-delete
//     per scan; else one non-empty node is drained: cordoned, its pods
//     evicted with min(their grace, max-graceful-termination-sec), and
//     deleted when the longest grace ends.
//   * Pods: placed whenever room appears (a node ready, a pod deleted),
//     oldest first. An evicted pod keeps its room on the draining node until
//     the node goes; a replacement (a ReplicaSet's) is asked for at once
//     unless ClusterOptions::recreate_evicted_pods is false.
// Time is passed in and never goes back; calls with an earlier time act at
// the current time. Not thread-safe; a NodeCluster is a copyable value.
#ifndef AGENTSCALE_NODES_CLUSTER_H_
#define AGENTSCALE_NODES_CLUSTER_H_

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/nodes/scheduler.h"
#include "agentscale/nodes/spec.h"
#include "agentscale/nodes/vm_sizes.h"

namespace agentscale::nodes {

using PodId = int64_t;

struct ClusterOptions {
  AutoscalerProfile profile;
  FitStrategy strategy = FitStrategy::kFirstFit;
  // Seeds the random expander, so that a run is reproducible.
  uint64_t seed = 1;
  // An evicted pod is replaced by a new pending pod with the same requests.
  bool recreate_evicted_pods = true;
  // Bounds: pods alive at once, and events kept (the oldest are dropped
  // past it, and events_dropped() counts them).
  int64_t max_pods = 1000000;
  size_t max_events = 100000;
};

// What RequestPods asks for: each pod is named "<name>-<id>".
struct PodTemplate {
  std::string name = "pod";
  Resources request;
  // terminationGracePeriodSeconds (Kubernetes' default, 30 s).
  absl::Duration grace = absl::Seconds(30);
};

enum class PodPhase { kPending, kRunning, kTerminating };
const char* PodPhaseName(PodPhase p);  // "Pending", "Running", "Terminating"

// Why a pod is pending, in the words explanations use.
enum class PendingReason {
  kWaitingForScan,     // "waiting for the autoscaler's next scan"
  kScaleUpInProgress,  // "node scale-up in progress"
  kAtMaxCount,         // "at max_count"
  kBackoff,            // "node pool backed off after a failed scale-up"
};
const char* PendingReasonText(PendingReason r);

struct PodStatus {
  PodId id = 0;
  std::string name;           // "<template name>-<id>"
  std::string template_name;  // PodTemplate::name
  Resources request;
  absl::Duration grace;
  PodPhase phase = PodPhase::kPending;
  int32_t node = -1;  // running or terminating: its node
  absl::Time created;
  absl::Time running_since = absl::InfiniteFuture();
  PendingReason reason = PendingReason::kWaitingForScan;  // when pending
};

enum class NodePhase { kProvisioning, kReady, kDraining };
const char* NodePhaseName(NodePhase p);

struct NodeStatus {
  int32_t id = 0;
  int32_t pool = 0;
  NodePhase phase = NodePhase::kProvisioning;
  absl::Time added;
  Resources allocatable;
  Resources requested;
  int32_t pods = 0;
  double utilization = 0;
  // Since when the autoscaler has found it unneeded (InfiniteFuture: not).
  absl::Time unneeded_since = absl::InfiniteFuture();
};

enum class EventKind {
  kScaleUp,           // nodes asked for: pool, count
  kNodeReady,         // node
  kScaleUpTimedOut,   // a node not ready within max-node-provision-time
  kNodeRemoved,       // node (empty, or drained)
  kDrainStarted,      // node, count = pods evicted
  kScaleDownFailed,   // a drain whose pods no longer fit elsewhere
  kPodsPending,       // count pods became pending for `message`'s reason
};
const char* EventKindName(EventKind k);

struct NodeEvent {
  absl::Time at;
  EventKind kind = EventKind::kScaleUp;
  int32_t pool = -1;
  int32_t node = -1;
  int32_t count = 0;
  std::string message;
};

// A pod evicted from a node being drained: the caller (a fleet model)
// decides what that means to the work on it.
struct Eviction {
  PodId pod = 0;
  int32_t node = 0;
  int32_t pool = 0;
  absl::Time at;
  absl::Duration grace;  // min(the pod's grace, max-graceful-termination-sec)
  PodId replacement = -1;  // the new pending pod, or -1
};

class NodeCluster {
 public:
  // Pools are validated (spec.h), the profile too; each pool starts with
  // node_count ready nodes at `start`, the first scan at `start`.
  static absl::StatusOr<NodeCluster> Create(std::vector<NodePoolSpec> pools,
                                            ClusterOptions options, absl::Time start);

  // Runs the autoscaler and the pods' placement up to `now`.
  void AdvanceTo(absl::Time now);

  // Advances to `now`, then asks for `n` pods like `pod`; those that fit are
  // running at once, the rest pending. A request no pool's empty node could
  // take is an InvalidArgument error naming the pod and the largest node;
  // n must be 0 to 100000, and pods alive at most ClusterOptions::max_pods.
  absl::StatusOr<std::vector<PodId>> RequestPods(absl::Time now, int32_t n,
                                                 const PodTemplate& pod);
  // Advances to `now`, then the pod ends (a scale-in, a finished job): its
  // room is free at once. NotFound for an unknown or ended pod.
  absl::Status DeletePod(absl::Time now, PodId pod);

  absl::Time now() const { return now_; }
  const std::vector<NodePoolSpec>& pools() const { return pools_; }
  const std::vector<NodeShape>& shapes() const { return shapes_; }
  const AutoscalerProfile& profile() const { return options_.profile; }

  // Pods: by id (nullptr once ended), and counts.
  const PodStatus* pod(PodId id) const;
  // One line on a pod for explanations: "agent-7 pending 4m12s: node
  // scale-up in progress", "agent-7 running on node 3 (agentpool) since
  // 2m0s", "agent-7 terminating on node 3 (agentpool)"; NotFound once ended.
  absl::StatusOr<std::string> ExplainPod(PodId id) const;
  int64_t running_pods() const { return running_; }
  int64_t pending_pods() const { return static_cast<int64_t>(pending_.size()); }
  std::vector<PodId> PendingPods() const { return {pending_.begin(), pending_.end()}; }

  // Nodes alive (provisioning, ready, draining), in index order.
  std::vector<NodeStatus> Nodes() const;
  // Nodes alive in a pool, and of those, ready.
  int32_t NodeCount(int32_t pool) const;
  int32_t ReadyNodeCount(int32_t pool) const;

  // Node-hours from the start to now (a node counts from the scale-up that
  // asked for it to its deletion), per pool or in all; their cost at each
  // size's price per hour.
  double NodeHours(int32_t pool) const;
  double NodeHours() const;
  double Cost() const;
  // Seconds pods spent pending: ended waits and those still going.
  double PendingPodSeconds() const;

  const std::vector<NodeEvent>& events() const { return events_; }
  size_t events_dropped() const { return events_dropped_; }
  // Evictions since the last call (they accumulate until taken).
  std::vector<Eviction> TakeEvictions();

 private:
  struct Node {
    int32_t pool = 0;
    NodePhase phase = NodePhase::kProvisioning;
    absl::Time added;
    absl::Time unneeded_since = absl::InfiniteFuture();
    std::vector<PodId> pods;
  };
  enum class TimerKind { kReady, kTimeout, kRemove };

  NodeCluster() = default;
  void Accrue(absl::Time to);
  void Step(absl::Time at);
  void Scan();
  bool ScaleUp();
  void ScaleDown();
  void UpdateReasons(const std::vector<PodId>& eligible);
  int32_t AddNode(int32_t pool, bool ready);
  void RemoveNode(int32_t node);
  void Drain(int32_t node);
  void SchedulePending();
  PodId NewPod(const std::string& name, const Resources& request, absl::Duration grace);
  void RunPod(PodStatus& pod, int32_t node);
  void Record(EventKind kind, int32_t pool, int32_t node, int32_t count, std::string message);
  bool ScaleDownInCooldown() const;
  uint64_t NextRandom();

  std::vector<NodePoolSpec> pools_;
  std::vector<NodeShape> shapes_;
  ClusterOptions options_;
  absl::Time start_;
  absl::Time now_;
  absl::Time next_scan_;
  Packer packer_;
  std::vector<Node> nodes_;  // by packer index; live ones in live_nodes_
  std::set<int32_t> live_nodes_;
  std::multimap<absl::Time, std::pair<int32_t, TimerKind>> timers_;
  absl::flat_hash_map<PodId, PodStatus> pods_;
  std::set<PodId> pending_;
  PodId next_pod_ = 1;
  int64_t running_ = 0;
  std::vector<int32_t> pool_live_;
  std::vector<int32_t> pool_ready_;
  std::vector<int32_t> pool_draining_;
  std::vector<absl::Time> pool_backoff_until_;
  std::vector<double> pool_node_seconds_;
  double pending_seconds_done_ = 0;
  absl::Time last_scale_up_ = absl::InfinitePast();
  absl::Time last_delete_ = absl::InfinitePast();
  absl::Time last_failure_ = absl::InfinitePast();
  std::vector<NodeEvent> events_;
  size_t events_dropped_ = 0;
  std::vector<Eviction> evictions_;
  uint64_t rng_ = 0;
};

}  // namespace agentscale::nodes

#endif  // AGENTSCALE_NODES_CLUSTER_H_

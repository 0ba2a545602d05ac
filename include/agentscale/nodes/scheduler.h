// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Pods on nodes by their CPU and memory requests, as the Kubernetes
// scheduler's resource fit sees it: a pod fits a node when the node's
// allocatable less what is already requested on it covers the pod's
// requests and the node has a pod slot left. Among the nodes that fit:
//   kFirstFit       the first node (lowest index: the oldest);
//   kBestFit        the node left fullest (kube-scheduler's MostAllocated
//                   score: the mean of CPU and memory requested over
//                   allocatable after placing), ties to the first;
//   kLeastAllocated the node left emptiest (LeastAllocated, kube-
//                   scheduler's default spreading), ties to the first.
//
//   agentscale::nodes::Packer packer(agentscale::nodes::FitStrategy::kBestFit);
//   int32_t a = packer.AddNode({3860, 15 * agentscale::nodes::kGiB}, 30);
//   std::optional<int32_t> where = packer.Place({500, agentscale::nodes::kGiB});
//
// Nodes with the same allocatable, pod limit and free room are kept in one
// group, so a placement costs a look at each distinct group rather than at
// each node (a pool of like nodes filled by like pods has a few groups).
// Not thread-safe; a Packer is a value (copy it to try placements).
#ifndef AGENTSCALE_NODES_SCHEDULER_H_
#define AGENTSCALE_NODES_SCHEDULER_H_

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "absl/status/statusor.h"
#include "absl/types/span.h"
#include "agentscale/nodes/spec.h"
#include "agentscale/nodes/vm_sizes.h"

namespace agentscale::nodes {

enum class FitStrategy { kFirstFit, kBestFit, kLeastAllocated };
const char* FitStrategyName(FitStrategy s);  // "first-fit", "best-fit", "least-allocated"
bool FitStrategyFromName(const std::string& name, FitStrategy* out);

struct PackedNode {
  bool live = false;         // false once removed (indices are never reused)
  bool schedulable = false;  // ready and not cordoned
  Resources allocatable;
  Resources requested;
  int32_t max_pods = 0;
  int32_t pods = 0;

  Resources Free() const {
    return {allocatable.cpu_milli - requested.cpu_milli,
            allocatable.memory_bytes - requested.memory_bytes};
  }
  bool Fits(const Resources& r) const {
    return pods < max_pods && r.cpu_milli <= allocatable.cpu_milli - requested.cpu_milli &&
           r.memory_bytes <= allocatable.memory_bytes - requested.memory_bytes;
  }
  // cluster-autoscaler's utilisation: the larger of requested over
  // allocatable for CPU and for memory.
  double Utilization() const;
};

class Packer {
 public:
  explicit Packer(FitStrategy strategy = FitStrategy::kFirstFit) : strategy_(strategy) {}

  FitStrategy strategy() const { return strategy_; }

  // Adds an empty node, schedulable or not; returns its index (the next
  // unused one).
  int32_t AddNode(const Resources& allocatable, int32_t max_pods, bool schedulable = true);
  // Forgets a node and what is on it.
  void RemoveNode(int32_t node);
  // Ready and uncordoned (true) or not (false): only schedulable nodes are
  // picked; placing on an unschedulable node with Assign stays possible.
  void SetSchedulable(int32_t node, bool schedulable);

  // The node a pod with `request` goes to, or nullopt when none fits.
  std::optional<int32_t> Pick(const Resources& request) const;
  // Pick, then Assign.
  std::optional<int32_t> Place(const Resources& request);
  // Puts a pod's request on `node` (the caller checked that it fits).
  void Assign(int32_t node, const Resources& request);
  // Takes a pod's request off `node`.
  void Release(int32_t node, const Resources& request);

  const PackedNode& node(int32_t i) const { return nodes_[static_cast<size_t>(i)]; }
  int32_t node_slots() const { return static_cast<int32_t>(nodes_.size()); }
  size_t groups() const { return groups_.size(); }

 private:
  struct Key {
    int64_t alloc_cpu, alloc_mem, free_cpu, free_mem;
    int32_t max_pods, free_pods;
    friend bool operator==(const Key& a, const Key& b) {
      return a.alloc_cpu == b.alloc_cpu && a.alloc_mem == b.alloc_mem &&
             a.free_cpu == b.free_cpu && a.free_mem == b.free_mem && a.max_pods == b.max_pods &&
             a.free_pods == b.free_pods;
    }
    template <typename H>
    friend H AbslHashValue(H h, const Key& k) {
      return H::combine(std::move(h), k.alloc_cpu, k.alloc_mem, k.free_cpu, k.free_mem,
                        k.max_pods, k.free_pods);
    }
  };
  static Key KeyOf(const PackedNode& n);
  void Ungroup(int32_t node);
  void Group(int32_t node);

  FitStrategy strategy_;
  std::vector<PackedNode> nodes_;
  absl::flat_hash_map<Key, std::set<int32_t>, absl::Hash<Key>> groups_;
};

// One pod to place, by name (for errors and results).
struct PodRequest {
  std::string name;
  Resources request;
};

struct ScheduleResult {
  // Per pod, the index of its node in `nodes`, or -1 when pending.
  std::vector<int32_t> node_of_pod;
  int32_t pending = 0;
  // Per node, what is requested on it after placing.
  std::vector<Resources> requested;
};

// Places `pods` in order on empty nodes of the given shapes. A pod that no
// shape could take even empty is an InvalidArgument error naming the pod
// and the largest shape; a pod that fits a shape but no node's free room
// is pending.
absl::StatusOr<ScheduleResult> Schedule(absl::Span<const NodeShape> nodes,
                                        absl::Span<const PodRequest> pods,
                                        FitStrategy strategy);

// OK when a node of some shape, empty, takes `request`; else the error
// naming the pod and the largest shape.
absl::Status CheckFitsSomeShape(const std::string& pod, const Resources& request,
                                absl::Span<const NodeShape> shapes);

}  // namespace agentscale::nodes

#endif  // AGENTSCALE_NODES_SCHEDULER_H_

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/nodes/cluster.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"

namespace agentscale::nodes {
namespace {

// cluster-autoscaler's initial node group backoff after a failed scale-up
// (--initial-node-group-backoff-duration).
const absl::Duration kScaleUpBackoff = absl::Minutes(5);
constexpr int32_t kMaxPodsPerCall = 100000;
constexpr size_t kMaxPools = 64;

bool FitsEmptyShape(const NodeShape& s, const Resources& r) {
  return s.max_pods > 0 && r.cpu_milli <= s.allocatable.cpu_milli &&
         r.memory_bytes <= s.allocatable.memory_bytes;
}

std::string Since(absl::Duration d) { return absl::FormatDuration(absl::Trunc(d, absl::Seconds(1))); }

}  // namespace

const char* PodPhaseName(PodPhase p) {
  switch (p) {
    case PodPhase::kPending:
      return "Pending";
    case PodPhase::kRunning:
      return "Running";
    case PodPhase::kTerminating:
      return "Terminating";
  }
  return "Pending";
}

const char* PendingReasonText(PendingReason r) {
  switch (r) {
    case PendingReason::kWaitingForScan:
      return "waiting for the autoscaler's next scan";
    case PendingReason::kScaleUpInProgress:
      return "node scale-up in progress";
    case PendingReason::kAtMaxCount:
      return "at max_count";
    case PendingReason::kBackoff:
      return "node pool backed off after a failed scale-up";
  }
  return "";
}

const char* NodePhaseName(NodePhase p) {
  switch (p) {
    case NodePhase::kProvisioning:
      return "Provisioning";
    case NodePhase::kReady:
      return "Ready";
    case NodePhase::kDraining:
      return "Draining";
  }
  return "";
}

const char* EventKindName(EventKind k) {
  switch (k) {
    case EventKind::kScaleUp:
      return "ScaleUp";
    case EventKind::kNodeReady:
      return "NodeReady";
    case EventKind::kScaleUpTimedOut:
      return "ScaleUpTimedOut";
    case EventKind::kNodeRemoved:
      return "NodeRemoved";
    case EventKind::kDrainStarted:
      return "DrainStarted";
    case EventKind::kScaleDownFailed:
      return "ScaleDownFailed";
    case EventKind::kPodsPending:
      return "PodsPending";
  }
  return "";
}

absl::StatusOr<NodeCluster> NodeCluster::Create(std::vector<NodePoolSpec> pools,
                                                ClusterOptions options, absl::Time start) {
  if (pools.empty() || pools.size() > kMaxPools) {
    return absl::InvalidArgumentError(
        absl::StrCat("a cluster needs 1 to ", kMaxPools, " node pools, got ", pools.size()));
  }
  if (absl::Status s = ValidateProfile(options.profile); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("autoscaler profile: ", s.message()));
  }
  if (options.max_pods < 1 || options.max_events < 1) {
    return absl::InvalidArgumentError("max_pods and max_events must be at least 1");
  }
  NodeCluster c;
  for (size_t i = 0; i < pools.size(); ++i) {
    for (size_t j = 0; j < i; ++j) {
      if (pools[j].name == pools[i].name) {
        return absl::InvalidArgumentError(
            absl::StrCat("node pool \"", pools[i].name, "\" is named twice"));
      }
    }
    absl::StatusOr<NodeShape> shape = ResolveShape(pools[i]);
    if (!shape.ok()) return shape.status();
    c.shapes_.push_back(*shape);
  }
  c.pools_ = std::move(pools);
  c.options_ = std::move(options);
  c.packer_ = Packer(c.options_.strategy);
  c.rng_ = c.options_.seed;
  c.start_ = c.now_ = c.next_scan_ = start;
  // cluster-autoscaler starts with its last scale-up, delete and failure an
  // hour before its start, so as not to start in cooldown.
  c.last_scale_up_ = c.last_delete_ = c.last_failure_ = start - absl::Hours(1);
  const size_t n = c.pools_.size();
  c.pool_live_.assign(n, 0);
  c.pool_ready_.assign(n, 0);
  c.pool_draining_.assign(n, 0);
  c.pool_backoff_until_.assign(n, absl::InfinitePast());
  c.pool_node_seconds_.assign(n, 0);
  for (size_t p = 0; p < n; ++p) {
    for (int32_t k = 0; k < c.pools_[p].node_count; ++k) c.AddNode(static_cast<int32_t>(p), true);
  }
  return c;
}

uint64_t NodeCluster::NextRandom() {
  // splitmix64: a small, seeded, copyable generator.
  uint64_t z = (rng_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void NodeCluster::Record(EventKind kind, int32_t pool, int32_t node, int32_t count,
                         std::string message) {
  if (events_.size() >= options_.max_events) {
    const size_t drop = std::max<size_t>(1, events_.size() / 2);
    events_.erase(events_.begin(), events_.begin() + static_cast<std::ptrdiff_t>(drop));
    events_dropped_ += drop;
  }
  events_.push_back({now_, kind, pool, node, count, std::move(message)});
}

void NodeCluster::Accrue(absl::Time to) {
  if (to <= now_) return;
  const double dt = absl::ToDoubleSeconds(to - now_);
  for (size_t p = 0; p < pools_.size(); ++p) pool_node_seconds_[p] += pool_live_[p] * dt;
}

int32_t NodeCluster::AddNode(int32_t pool, bool ready) {
  const NodeShape& shape = shapes_[static_cast<size_t>(pool)];
  const int32_t index = packer_.AddNode(shape.allocatable, shape.max_pods, ready);
  if (static_cast<size_t>(index) >= nodes_.size()) nodes_.resize(static_cast<size_t>(index) + 1);
  Node& n = nodes_[static_cast<size_t>(index)];
  n = Node{};
  n.pool = pool;
  n.phase = ready ? NodePhase::kReady : NodePhase::kProvisioning;
  n.added = now_;
  live_nodes_.insert(index);
  ++pool_live_[static_cast<size_t>(pool)];
  if (ready) {
    ++pool_ready_[static_cast<size_t>(pool)];
  } else {
    const absl::Duration delay = pools_[static_cast<size_t>(pool)].provisioning_delay;
    if (delay <= options_.profile.max_node_provision_time) {
      timers_.emplace(now_ + delay, std::make_pair(index, TimerKind::kReady));
    } else {
      timers_.emplace(now_ + options_.profile.max_node_provision_time,
                      std::make_pair(index, TimerKind::kTimeout));
    }
  }
  return index;
}

void NodeCluster::RemoveNode(int32_t index) {
  Node& n = nodes_[static_cast<size_t>(index)];
  const size_t pool = static_cast<size_t>(n.pool);
  bool requeued = false;
  for (PodId id : n.pods) {
    auto it = pods_.find(id);
    if (it == pods_.end()) continue;
    PodStatus& pod = it->second;
    if (pod.phase == PodPhase::kTerminating) {
      pods_.erase(it);
      continue;
    }
    // A running pod on a node that goes (not reached by the rules above,
    // which drain first): it waits for a node again.
    --running_;
    pod.phase = PodPhase::kPending;
    pod.node = -1;
    pod.reason = PendingReason::kWaitingForScan;
    pending_.insert(id);
    requeued = true;
  }
  if (n.phase == NodePhase::kReady) --pool_ready_[pool];
  if (n.phase == NodePhase::kDraining) --pool_draining_[pool];
  --pool_live_[pool];
  n.pods.clear();
  packer_.RemoveNode(index);
  live_nodes_.erase(index);
  if (requeued) SchedulePending();
}

void NodeCluster::AdvanceTo(absl::Time now) {
  while (true) {
    absl::Time next = next_scan_;
    if (!timers_.empty()) next = std::min(next, timers_.begin()->first);
    if (next > now) break;
    Step(next);
  }
  Accrue(now);
  if (now > now_) now_ = now;
}

void NodeCluster::Step(absl::Time at) {
  Accrue(at);
  if (at > now_) now_ = at;
  while (!timers_.empty() && timers_.begin()->first <= now_) {
    const auto [index, kind] = timers_.begin()->second;
    timers_.erase(timers_.begin());
    if (!live_nodes_.count(index)) continue;
    Node& n = nodes_[static_cast<size_t>(index)];
    switch (kind) {
      case TimerKind::kReady:
        if (n.phase != NodePhase::kProvisioning) break;
        n.phase = NodePhase::kReady;
        ++pool_ready_[static_cast<size_t>(n.pool)];
        packer_.SetSchedulable(index, true);
        Record(EventKind::kNodeReady, n.pool, index, 1,
               absl::StrCat("node ", index, " of ", pools_[static_cast<size_t>(n.pool)].name,
                            " ready after ", Since(now_ - n.added)));
        SchedulePending();
        break;
      case TimerKind::kTimeout: {
        if (n.phase != NodePhase::kProvisioning) break;
        const int32_t pool = n.pool;
        Record(EventKind::kScaleUpTimedOut, pool, index, 1,
               absl::StrCat("node ", index, " of ", pools_[static_cast<size_t>(pool)].name,
                            " not ready within max-node-provision-time (",
                            Since(options_.profile.max_node_provision_time),
                            "): deleted; pool backed off for ", Since(kScaleUpBackoff)));
        RemoveNode(index);
        pool_backoff_until_[static_cast<size_t>(pool)] = now_ + kScaleUpBackoff;
        break;
      }
      case TimerKind::kRemove: {
        const int32_t pool = n.pool;
        Record(EventKind::kNodeRemoved, pool, index, 1,
               absl::StrCat("node ", index, " of ", pools_[static_cast<size_t>(pool)].name,
                            " removed after its drain"));
        RemoveNode(index);
        break;
      }
    }
  }
  if (next_scan_ <= now_) {
    next_scan_ = now_ + options_.profile.scan_interval;
    Scan();
  }
}

PodId NodeCluster::NewPod(const std::string& name, const Resources& request,
                          absl::Duration grace) {
  const PodId id = next_pod_++;
  PodStatus pod;
  pod.id = id;
  pod.name = absl::StrCat(name, "-", id);
  pod.template_name = name;
  pod.request = request;
  pod.grace = grace;
  pod.created = now_;
  pods_.emplace(id, std::move(pod));
  pending_.insert(id);
  return id;
}

void NodeCluster::RunPod(PodStatus& pod, int32_t node) {
  pod.phase = PodPhase::kRunning;
  pod.node = node;
  pod.running_since = now_;
  pending_seconds_done_ += absl::ToDoubleSeconds(now_ - pod.created);
  nodes_[static_cast<size_t>(node)].pods.push_back(pod.id);
  ++running_;
}

void NodeCluster::SchedulePending() {
  // A request that found no room once in this pass finds none again.
  absl::flat_hash_set<std::pair<int64_t, int64_t>> no_room;
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (packer_.groups() == 0) break;
    PodStatus& pod = pods_.at(*it);
    const std::pair<int64_t, int64_t> key{pod.request.cpu_milli, pod.request.memory_bytes};
    if (!no_room.contains(key)) {
      if (std::optional<int32_t> node = packer_.Place(pod.request)) {
        RunPod(pod, *node);
        it = pending_.erase(it);
        continue;
      }
      no_room.insert(key);
    }
    ++it;
  }
}

absl::StatusOr<std::vector<PodId>> NodeCluster::RequestPods(absl::Time now, int32_t n,
                                                            const PodTemplate& pod) {
  AdvanceTo(now);
  const std::string name = pod.name.substr(0, 253);
  if (n < 0 || n > kMaxPodsPerCall) {
    return absl::InvalidArgumentError(
        absl::StrCat("pod \"", name, "\": asked for ", n, " pods; 0 to ", kMaxPodsPerCall,
                     " at once"));
  }
  if (static_cast<int64_t>(pods_.size()) + n > options_.max_pods) {
    return absl::ResourceExhaustedError(
        absl::StrCat("pod \"", name, "\": ", n, " more pods would pass the ", options_.max_pods,
                     " pods alive at once that ClusterOptions::max_pods allows"));
  }
  if (pod.grace < absl::ZeroDuration()) {
    return absl::InvalidArgumentError(
        absl::StrCat("pod \"", name, "\": the grace period must not be negative"));
  }
  if (absl::Status s = CheckFitsSomeShape(name, pod.request, shapes_); !s.ok()) return s;
  std::vector<PodId> ids;
  ids.reserve(static_cast<size_t>(n));
  for (int32_t i = 0; i < n; ++i) ids.push_back(NewPod(name, pod.request, pod.grace));
  SchedulePending();
  return ids;
}

absl::Status NodeCluster::DeletePod(absl::Time now, PodId id) {
  AdvanceTo(now);
  auto it = pods_.find(id);
  if (it == pods_.end()) {
    return absl::NotFoundError(absl::StrCat("no pod ", id, " (never asked for, or ended)"));
  }
  PodStatus& pod = it->second;
  if (pod.phase == PodPhase::kPending) {
    pending_.erase(id);
    pending_seconds_done_ += absl::ToDoubleSeconds(now_ - pod.created);
  } else {
    if (pod.phase == PodPhase::kRunning) --running_;
    packer_.Release(pod.node, pod.request);
    std::vector<PodId>& on = nodes_[static_cast<size_t>(pod.node)].pods;
    on.erase(std::find(on.begin(), on.end(), id));
  }
  pods_.erase(it);
  SchedulePending();
  return absl::OkStatus();
}

const PodStatus* NodeCluster::pod(PodId id) const {
  auto it = pods_.find(id);
  return it == pods_.end() ? nullptr : &it->second;
}

absl::StatusOr<std::string> NodeCluster::ExplainPod(PodId id) const {
  const PodStatus* p = pod(id);
  if (p == nullptr) {
    return absl::NotFoundError(absl::StrCat("no pod ", id, " (never asked for, or ended)"));
  }
  switch (p->phase) {
    case PodPhase::kPending:
      return absl::StrCat(p->name, " pending ", Since(now_ - p->created), ": ",
                          PendingReasonText(p->reason));
    case PodPhase::kRunning:
      return absl::StrCat(p->name, " running on node ", p->node, " (",
                          pools_[static_cast<size_t>(nodes_[static_cast<size_t>(p->node)].pool)].name,
                          ") since ", Since(now_ - p->running_since));
    case PodPhase::kTerminating:
      return absl::StrCat(p->name, " terminating on node ", p->node, " (",
                          pools_[static_cast<size_t>(nodes_[static_cast<size_t>(p->node)].pool)].name,
                          ")");
  }
  return p->name;
}

std::vector<NodeStatus> NodeCluster::Nodes() const {
  std::vector<NodeStatus> out;
  out.reserve(live_nodes_.size());
  for (int32_t i : live_nodes_) {
    const Node& n = nodes_[static_cast<size_t>(i)];
    const PackedNode& p = packer_.node(i);
    NodeStatus s;
    s.id = i;
    s.pool = n.pool;
    s.phase = n.phase;
    s.added = n.added;
    s.allocatable = p.allocatable;
    s.requested = p.requested;
    s.pods = static_cast<int32_t>(n.pods.size());
    s.utilization = p.Utilization();
    s.unneeded_since = n.unneeded_since;
    out.push_back(s);
  }
  return out;
}

int32_t NodeCluster::NodeCount(int32_t pool) const {
  return pool_live_.at(static_cast<size_t>(pool));
}
int32_t NodeCluster::ReadyNodeCount(int32_t pool) const {
  return pool_ready_.at(static_cast<size_t>(pool));
}

double NodeCluster::NodeHours(int32_t pool) const {
  return pool_node_seconds_.at(static_cast<size_t>(pool)) / 3600;
}
double NodeCluster::NodeHours() const {
  double total = 0;
  for (double s : pool_node_seconds_) total += s / 3600;
  return total;
}
double NodeCluster::Cost() const {
  double total = 0;
  for (size_t p = 0; p < pools_.size(); ++p) {
    total += pool_node_seconds_[p] / 3600 * shapes_[p].price_per_hour;
  }
  return total;
}

double NodeCluster::PendingPodSeconds() const {
  double total = pending_seconds_done_;
  for (PodId id : pending_) total += absl::ToDoubleSeconds(now_ - pods_.at(id).created);
  return total;
}

std::vector<Eviction> NodeCluster::TakeEvictions() {
  std::vector<Eviction> out;
  out.swap(evictions_);
  return out;
}

void NodeCluster::Scan() {
  if (!ScaleUp()) ScaleDown();
}

bool NodeCluster::ScaleUp() {
  if (pending_.empty()) return false;
  const AutoscalerProfile& profile = options_.profile;
  std::vector<PodId> eligible;
  for (PodId id : pending_) {
    if (pods_.at(id).created + profile.new_pod_scale_up_delay <= now_) eligible.push_back(id);
  }
  if (eligible.empty()) return false;
  // What the nodes already on their way will take.
  Packer upcoming = packer_;
  for (int32_t i : live_nodes_) {
    if (nodes_[static_cast<size_t>(i)].phase == NodePhase::kProvisioning) {
      upcoming.SetSchedulable(i, true);
    }
  }
  std::vector<PodId> unhelped;
  for (PodId id : eligible) {
    if (!upcoming.Place(pods_.at(id).request)) unhelped.push_back(id);
  }
  bool scaled = false;
  if (!unhelped.empty()) {
    struct Option {
      int32_t pool;
      int32_t nodes;
      int32_t pods;
      double waste;
    };
    std::vector<Option> options;
    for (size_t p = 0; p < pools_.size(); ++p) {
      const NodeShape& shape = shapes_[p];
      const int32_t room = pools_[p].max_count - pool_live_[p];
      if (room <= 0 || pool_backoff_until_[p] > now_) continue;
      // cluster-autoscaler's binpacking estimate: the pods, largest first
      // (by their share of a node), first-fit onto new nodes of the pool.
      std::vector<std::pair<double, Resources>> sorted;
      for (PodId id : unhelped) {
        const Resources& r = pods_.at(id).request;
        if (!FitsEmptyShape(shape, r)) continue;
        sorted.emplace_back(
            static_cast<double>(r.cpu_milli) / static_cast<double>(shape.allocatable.cpu_milli) +
                static_cast<double>(r.memory_bytes) /
                    static_cast<double>(shape.allocatable.memory_bytes),
            r);
      }
      std::stable_sort(sorted.begin(), sorted.end(),
                       [](const auto& a, const auto& b) { return a.first > b.first; });
      Packer estimate(FitStrategy::kFirstFit);
      int32_t added = 0;
      int32_t helped = 0;
      Resources used;
      for (const auto& [score, r] : sorted) {
        if (!estimate.Place(r)) {
          if (added == room) continue;
          estimate.AddNode(shape.allocatable, shape.max_pods);
          ++added;
          estimate.Place(r);
        }
        ++helped;
        used.cpu_milli += r.cpu_milli;
        used.memory_bytes += r.memory_bytes;
      }
      if (helped == 0) continue;
      const double cpu_total = static_cast<double>(shape.allocatable.cpu_milli) * added;
      const double mem_total = static_cast<double>(shape.allocatable.memory_bytes) * added;
      const double waste = (cpu_total - static_cast<double>(used.cpu_milli)) / cpu_total +
                           (mem_total - static_cast<double>(used.memory_bytes)) / mem_total;
      options.push_back({static_cast<int32_t>(p), added, helped, waste});
    }
    if (!options.empty()) {
      size_t pick = 0;
      switch (profile.expander) {
        case Expander::kLeastWaste:
          for (size_t i = 1; i < options.size(); ++i) {
            if (options[i].waste < options[pick].waste) pick = i;
          }
          break;
        case Expander::kRandom:
          pick = static_cast<size_t>(NextRandom() % options.size());
          break;
        case Expander::kPriority: {
          int32_t top = pools_[static_cast<size_t>(options[0].pool)].priority;
          for (const Option& o : options) top = std::max(top, pools_[static_cast<size_t>(o.pool)].priority);
          std::vector<size_t> best;
          for (size_t i = 0; i < options.size(); ++i) {
            if (pools_[static_cast<size_t>(options[i].pool)].priority == top) best.push_back(i);
          }
          pick = best[static_cast<size_t>(NextRandom() % best.size())];
          break;
        }
      }
      const Option& o = options[pick];
      const size_t p = static_cast<size_t>(o.pool);
      const int32_t before = pool_live_[p];
      for (int32_t k = 0; k < o.nodes; ++k) AddNode(o.pool, false);
      last_scale_up_ = now_;
      scaled = true;
      Record(EventKind::kScaleUp, o.pool, -1, o.nodes,
             absl::StrCat("scale-up: ", pools_[p].name, " ", before, " -> ", pool_live_[p],
                          " nodes for ", o.pods, " of ", unhelped.size(),
                          " pending pods (expander ", ExpanderName(profile.expander), ", ",
                          options.size(), " pool", options.size() == 1 ? "" : "s",
                          " could help)"));
    }
  }
  UpdateReasons(eligible);
  return scaled;
}

void NodeCluster::UpdateReasons(const std::vector<PodId>& eligible) {
  Packer upcoming = packer_;
  for (int32_t i : live_nodes_) {
    if (nodes_[static_cast<size_t>(i)].phase == NodePhase::kProvisioning) {
      upcoming.SetSchedulable(i, true);
    }
  }
  int32_t changed[4] = {0, 0, 0, 0};
  for (PodId id : eligible) {
    PodStatus& pod = pods_.at(id);
    PendingReason reason = PendingReason::kWaitingForScan;
    if (upcoming.Place(pod.request)) {
      reason = PendingReason::kScaleUpInProgress;
    } else {
      bool growable = false;
      bool backed_off = false;
      for (size_t p = 0; p < pools_.size(); ++p) {
        if (!FitsEmptyShape(shapes_[p], pod.request)) continue;
        if (pool_live_[p] >= pools_[p].max_count) continue;
        if (pool_backoff_until_[p] > now_) {
          backed_off = true;
        } else {
          growable = true;
        }
      }
      reason = growable     ? PendingReason::kWaitingForScan
               : backed_off ? PendingReason::kBackoff
                            : PendingReason::kAtMaxCount;
    }
    if (reason != pod.reason) {
      pod.reason = reason;
      ++changed[static_cast<int>(reason)];
    }
  }
  for (int r = 0; r < 4; ++r) {
    if (changed[r] == 0) continue;
    Record(EventKind::kPodsPending, -1, -1, changed[r],
           absl::StrCat(changed[r], " pod", changed[r] == 1 ? "" : "s", " pending: ",
                        PendingReasonText(static_cast<PendingReason>(r))));
  }
}

bool NodeCluster::ScaleDownInCooldown() const {
  const AutoscalerProfile& p = options_.profile;
  return now_ < last_scale_up_ + p.scale_down_delay_after_add ||
         now_ < last_delete_ + p.DelayAfterDelete() ||
         now_ < last_failure_ + p.scale_down_delay_after_failure;
}

void NodeCluster::ScaleDown() {
  const AutoscalerProfile& profile = options_.profile;
  // Which ready nodes are unneeded now: under the threshold, and their pods
  // fit on the others (each candidate keeps the room its pods took).
  Packer sim = packer_;
  absl::flat_hash_set<int32_t> unneeded;
  for (int32_t i : live_nodes_) {
    const Node& n = nodes_[static_cast<size_t>(i)];
    if (n.phase != NodePhase::kReady) continue;
    if (!(packer_.node(i).Utilization() < profile.scale_down_utilization_threshold)) continue;
    sim.SetSchedulable(i, false);
    std::vector<std::pair<int32_t, Resources>> moved;
    bool fits = true;
    for (PodId id : n.pods) {
      const Resources& r = pods_.at(id).request;
      std::optional<int32_t> to = sim.Place(r);
      if (!to) {
        fits = false;
        break;
      }
      moved.emplace_back(*to, r);
    }
    if (!fits) {
      for (const auto& [to, r] : moved) sim.Release(to, r);
      sim.SetSchedulable(i, true);
      continue;
    }
    unneeded.insert(i);
  }
  std::vector<int32_t> removable;
  for (int32_t i : live_nodes_) {
    Node& n = nodes_[static_cast<size_t>(i)];
    if (!unneeded.contains(i)) {
      n.unneeded_since = absl::InfiniteFuture();
      continue;
    }
    if (n.unneeded_since == absl::InfiniteFuture()) n.unneeded_since = now_;
    if (now_ - n.unneeded_since >= profile.scale_down_unneeded_time) removable.push_back(i);
  }
  if (removable.empty() || ScaleDownInCooldown()) return;
  // Never below min_count: a pool gives up at most its nodes above it (a
  // node being drained is already given up).
  std::vector<int32_t> spare(pools_.size());
  for (size_t p = 0; p < pools_.size(); ++p) {
    spare[p] = pool_live_[p] - pool_draining_[p] - pools_[p].min_count;
  }
  std::vector<int32_t> empty;
  for (int32_t i : removable) {
    const Node& n = nodes_[static_cast<size_t>(i)];
    if (!n.pods.empty() || static_cast<int32_t>(empty.size()) >= profile.max_empty_bulk_delete) {
      continue;
    }
    if (spare[static_cast<size_t>(n.pool)] <= 0) continue;
    --spare[static_cast<size_t>(n.pool)];
    empty.push_back(i);
  }
  if (!empty.empty()) {
    for (int32_t i : empty) {
      const Node& n = nodes_[static_cast<size_t>(i)];
      Record(EventKind::kNodeRemoved, n.pool, i, 1,
             absl::StrCat("node ", i, " of ", pools_[static_cast<size_t>(n.pool)].name,
                          " removed: empty, unneeded for ", Since(now_ - n.unneeded_since)));
      RemoveNode(i);
    }
    last_delete_ = now_;
    return;
  }
  for (int32_t i : removable) {
    const Node& n = nodes_[static_cast<size_t>(i)];
    if (n.pods.empty() || spare[static_cast<size_t>(n.pool)] <= 0) continue;
    Drain(i);
    return;
  }
}

void NodeCluster::Drain(int32_t index) {
  Node& n = nodes_[static_cast<size_t>(index)];
  const size_t pool = static_cast<size_t>(n.pool);
  // Check against the cluster as it is now that the pods fit elsewhere.
  {
    Packer check = packer_;
    check.SetSchedulable(index, false);
    for (PodId id : n.pods) {
      if (!check.Place(pods_.at(id).request)) {
        last_failure_ = now_;
        Record(EventKind::kScaleDownFailed, n.pool, index, 0,
               absl::StrCat("node ", index, " of ", pools_[pool].name,
                            " not drained: pod ", pods_.at(id).name,
                            " no longer fits elsewhere"));
        return;
      }
    }
  }
  const double utilization = packer_.node(index).Utilization();
  n.phase = NodePhase::kDraining;
  --pool_ready_[pool];
  ++pool_draining_[pool];
  packer_.SetSchedulable(index, false);
  absl::Duration longest = absl::ZeroDuration();
  std::vector<PodId> evicted = n.pods;
  for (PodId id : evicted) {
    PodStatus& pod = pods_.at(id);
    pod.phase = PodPhase::kTerminating;
    --running_;
    const absl::Duration grace = std::min(pod.grace, options_.profile.max_graceful_termination);
    longest = std::max(longest, grace);
    Eviction e;
    e.pod = id;
    e.node = index;
    e.pool = n.pool;
    e.at = now_;
    e.grace = grace;
    if (options_.recreate_evicted_pods) {
      const std::string name = pod.template_name;
      const Resources request = pod.request;
      const absl::Duration pod_grace = pod.grace;
      e.replacement = NewPod(name, request, pod_grace);  // may rehash pods_
    }
    evictions_.push_back(e);
  }
  last_delete_ = now_;
  timers_.emplace(now_ + longest, std::make_pair(index, TimerKind::kRemove));
  Record(EventKind::kDrainStarted, n.pool, index, static_cast<int32_t>(evicted.size()),
         absl::StrCat("node ", index, " of ", pools_[pool].name, " drained: utilisation ",
                      absl::StrFormat("%.2f", utilization), " under ",
                      absl::StrFormat("%.2f", options_.profile.scale_down_utilization_threshold),
                      " for ", Since(now_ - n.unneeded_since), "; ", evicted.size(),
                      " pods evicted, deleted in ", Since(longest)));
  SchedulePending();
}

}  // namespace agentscale::nodes

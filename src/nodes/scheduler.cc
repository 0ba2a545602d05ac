// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/nodes/scheduler.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace agentscale::nodes {
namespace {

// kube-scheduler's MostAllocated score of a node after placing `r`: the mean
// over CPU and memory of requested over allocatable (0 to 1).
double MostAllocatedAfter(const PackedNode& n, const Resources& r) {
  const double cpu = static_cast<double>(n.requested.cpu_milli + r.cpu_milli) /
                     static_cast<double>(std::max<int64_t>(1, n.allocatable.cpu_milli));
  const double mem = static_cast<double>(n.requested.memory_bytes + r.memory_bytes) /
                     static_cast<double>(std::max<int64_t>(1, n.allocatable.memory_bytes));
  return (cpu + mem) / 2;
}

bool EmptyFits(const NodeShape& s, const Resources& r) {
  return s.max_pods > 0 && r.cpu_milli <= s.allocatable.cpu_milli &&
         r.memory_bytes <= s.allocatable.memory_bytes;
}

}  // namespace

const char* FitStrategyName(FitStrategy s) {
  switch (s) {
    case FitStrategy::kFirstFit:
      return "first-fit";
    case FitStrategy::kBestFit:
      return "best-fit";
    case FitStrategy::kLeastAllocated:
      return "least-allocated";
  }
  return "first-fit";
}

bool FitStrategyFromName(const std::string& name, FitStrategy* out) {
  for (FitStrategy s : {FitStrategy::kFirstFit, FitStrategy::kBestFit,
                        FitStrategy::kLeastAllocated}) {
    if (name == FitStrategyName(s)) {
      *out = s;
      return true;
    }
  }
  return false;
}

double PackedNode::Utilization() const {
  const double cpu = allocatable.cpu_milli > 0 ? static_cast<double>(requested.cpu_milli) /
                                                     static_cast<double>(allocatable.cpu_milli)
                                               : 0;
  const double mem = allocatable.memory_bytes > 0
                         ? static_cast<double>(requested.memory_bytes) /
                               static_cast<double>(allocatable.memory_bytes)
                         : 0;
  return std::max(cpu, mem);
}

Packer::Key Packer::KeyOf(const PackedNode& n) {
  const Resources free = n.Free();
  return {n.allocatable.cpu_milli, n.allocatable.memory_bytes, free.cpu_milli,
          free.memory_bytes,       n.max_pods,                 n.max_pods - n.pods};
}

void Packer::Ungroup(int32_t node) {
  const PackedNode& n = nodes_[static_cast<size_t>(node)];
  if (!n.live || !n.schedulable) return;
  auto it = groups_.find(KeyOf(n));
  if (it == groups_.end()) return;
  it->second.erase(node);
  if (it->second.empty()) groups_.erase(it);
}

void Packer::Group(int32_t node) {
  const PackedNode& n = nodes_[static_cast<size_t>(node)];
  if (!n.live || !n.schedulable) return;
  groups_[KeyOf(n)].insert(node);
}

int32_t Packer::AddNode(const Resources& allocatable, int32_t max_pods, bool schedulable) {
  PackedNode n;
  n.live = true;
  n.schedulable = schedulable;
  n.allocatable = allocatable;
  n.max_pods = max_pods;
  nodes_.push_back(n);
  const int32_t index = static_cast<int32_t>(nodes_.size() - 1);
  Group(index);
  return index;
}

void Packer::RemoveNode(int32_t node) {
  Ungroup(node);
  PackedNode& n = nodes_[static_cast<size_t>(node)];
  n = PackedNode{};
}

void Packer::SetSchedulable(int32_t node, bool schedulable) {
  if (nodes_[static_cast<size_t>(node)].schedulable == schedulable) return;
  Ungroup(node);
  nodes_[static_cast<size_t>(node)].schedulable = schedulable;
  Group(node);
}

std::optional<int32_t> Packer::Pick(const Resources& request) const {
  std::optional<int32_t> best;
  double best_score = 0;
  for (const auto& [key, members] : groups_) {
    if (key.free_pods <= 0 || request.cpu_milli > key.free_cpu ||
        request.memory_bytes > key.free_mem) {
      continue;
    }
    const int32_t first = *members.begin();
    if (strategy_ == FitStrategy::kFirstFit) {
      if (!best || first < *best) best = first;
      continue;
    }
    double score = MostAllocatedAfter(nodes_[static_cast<size_t>(first)], request);
    if (strategy_ == FitStrategy::kLeastAllocated) score = -score;
    if (!best || score > best_score || (score == best_score && first < *best)) {
      best = first;
      best_score = score;
    }
  }
  return best;
}

std::optional<int32_t> Packer::Place(const Resources& request) {
  std::optional<int32_t> node = Pick(request);
  if (node) Assign(*node, request);
  return node;
}

void Packer::Assign(int32_t node, const Resources& request) {
  Ungroup(node);
  PackedNode& n = nodes_[static_cast<size_t>(node)];
  n.requested.cpu_milli += request.cpu_milli;
  n.requested.memory_bytes += request.memory_bytes;
  ++n.pods;
  Group(node);
}

void Packer::Release(int32_t node, const Resources& request) {
  Ungroup(node);
  PackedNode& n = nodes_[static_cast<size_t>(node)];
  n.requested.cpu_milli -= request.cpu_milli;
  n.requested.memory_bytes -= request.memory_bytes;
  --n.pods;
  Group(node);
}

absl::Status CheckFitsSomeShape(const std::string& pod, const Resources& request,
                                absl::Span<const NodeShape> shapes) {
  if (request.cpu_milli < 0 || request.memory_bytes < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("pod \"", pod, "\": requests must not be negative"));
  }
  const NodeShape* largest = nullptr;
  for (const NodeShape& s : shapes) {
    if (EmptyFits(s, request)) return absl::OkStatus();
    if (largest == nullptr ||
        s.allocatable.cpu_milli + s.allocatable.memory_bytes / kMiB >
            largest->allocatable.cpu_milli + largest->allocatable.memory_bytes / kMiB) {
      largest = &s;
    }
  }
  if (largest == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("pod \"", pod, "\": there are no nodes"));
  }
  return absl::InvalidArgumentError(absl::StrCat(
      "pod \"", pod, "\" requests ", FormatResources(request),
      ", more than any node allocates: the largest, ", largest->size_name, ", allocates ",
      FormatResources(largest->allocatable), " (after system reservations)"));
}

absl::StatusOr<ScheduleResult> Schedule(absl::Span<const NodeShape> nodes,
                                        absl::Span<const PodRequest> pods,
                                        FitStrategy strategy) {
  for (const PodRequest& p : pods) {
    if (absl::Status s = CheckFitsSomeShape(p.name, p.request, nodes); !s.ok()) return s;
  }
  Packer packer(strategy);
  for (const NodeShape& s : nodes) packer.AddNode(s.allocatable, s.max_pods);
  ScheduleResult out;
  out.node_of_pod.reserve(pods.size());
  for (const PodRequest& p : pods) {
    std::optional<int32_t> node = packer.Place(p.request);
    out.node_of_pod.push_back(node ? *node : -1);
    if (!node) ++out.pending;
  }
  out.requested.reserve(nodes.size());
  for (int32_t i = 0; i < packer.node_slots(); ++i) out.requested.push_back(packer.node(i).requested);
  return out;
}

}  // namespace agentscale::nodes

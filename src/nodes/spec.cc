// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0

#include "agentscale/nodes/spec.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace agentscale::nodes {
namespace {

constexpr int32_t kMaxNodesPerPool = 5000;
constexpr int32_t kMaxPodsPerNode = 1000;
const absl::Duration kMaxDelay = absl::Hours(24);

std::string Seconds(absl::Duration d) { return absl::StrCat(absl::ToDoubleSeconds(d), " s"); }

void CheckDuration(const char* field, absl::Duration d, absl::Duration min, bool min_inclusive,
                   std::vector<std::string>* errors) {
  const bool low = min_inclusive ? d < min : d <= min;
  if (low || d > kMaxDelay) {
    errors->push_back(absl::StrCat(field, ": must be ", min_inclusive ? "at least " : "more than ",
                                   Seconds(min), " and at most 24 h, got ", Seconds(d)));
  }
}

absl::Status Join(const std::vector<std::string>& errors) {
  if (errors.empty()) return absl::OkStatus();
  return absl::InvalidArgumentError(absl::StrJoin(errors, "\n"));
}

}  // namespace

const char* ExpanderName(Expander e) {
  switch (e) {
    case Expander::kLeastWaste:
      return "least-waste";
    case Expander::kRandom:
      return "random";
    case Expander::kPriority:
      return "priority";
  }
  return "random";
}

bool ExpanderFromName(const std::string& name, Expander* out) {
  for (Expander e : {Expander::kLeastWaste, Expander::kRandom, Expander::kPriority}) {
    if (name == ExpanderName(e)) {
      *out = e;
      return true;
    }
  }
  return false;
}

AutoscalerProfile AksDefaultProfile() { return AutoscalerProfile{}; }

AutoscalerProfile AksAggressiveProfile() {
  AutoscalerProfile p;
  p.scan_interval = absl::Seconds(30);
  p.scale_down_delay_after_add = absl::ZeroDuration();
  p.scale_down_delay_after_failure = absl::Minutes(1);
  p.scale_down_unneeded_time = absl::Minutes(3);
  p.scale_down_unready_time = absl::Minutes(3);
  p.max_graceful_termination = absl::Seconds(30);
  p.max_empty_bulk_delete = 1000;
  p.max_node_provision_time = absl::Minutes(15);
  return p;
}

AutoscalerProfile AksBurstyProfile() {
  AutoscalerProfile p;
  p.scan_interval = absl::Seconds(20);
  p.scale_down_delay_after_add = absl::Minutes(10);
  p.scale_down_delay_after_failure = absl::Minutes(1);
  p.scale_down_unneeded_time = absl::Minutes(5);
  p.scale_down_unready_time = absl::Minutes(5);
  p.max_graceful_termination = absl::Seconds(30);
  p.max_empty_bulk_delete = 100;
  p.max_node_provision_time = absl::Minutes(15);
  return p;
}

AutoscalerProfile UpstreamDefaultProfile() {
  AutoscalerProfile p;
  p.expander = Expander::kLeastWaste;
  p.scale_down_delay_after_delete = absl::ZeroDuration();
  return p;
}

std::vector<std::string> ProfilePresetNames() {
  return {"aks", "aks-aggressive", "aks-bursty", "upstream"};
}

absl::StatusOr<AutoscalerProfile> ProfilePreset(const std::string& name) {
  if (name == "aks") return AksDefaultProfile();
  if (name == "aks-aggressive") return AksAggressiveProfile();
  if (name == "aks-bursty") return AksBurstyProfile();
  if (name == "upstream") return UpstreamDefaultProfile();
  return absl::NotFoundError(absl::StrCat("unknown autoscaler profile \"", name.substr(0, 64),
                                          "\"; presets: ",
                                          absl::StrJoin(ProfilePresetNames(), ", ")));
}

absl::Status ValidateProfile(const AutoscalerProfile& p) {
  std::vector<std::string> errors;
  if (p.scan_interval < absl::Seconds(1) || p.scan_interval > absl::Hours(1)) {
    errors.push_back(absl::StrCat("scan-interval: must be 1 s to 1 h, got ",
                                  Seconds(p.scan_interval)));
  }
  if (!(p.scale_down_utilization_threshold > 0 && p.scale_down_utilization_threshold <= 1)) {
    errors.push_back(absl::StrCat(
        "scale-down-utilization-threshold: must be more than 0 and at most 1, got ",
        p.scale_down_utilization_threshold));
  }
  const absl::Duration zero = absl::ZeroDuration();
  CheckDuration("scale-down-unneeded-time", p.scale_down_unneeded_time, zero, true, &errors);
  CheckDuration("scale-down-delay-after-add", p.scale_down_delay_after_add, zero, true, &errors);
  if (p.scale_down_delay_after_delete) {
    CheckDuration("scale-down-delay-after-delete", *p.scale_down_delay_after_delete, zero, true,
                  &errors);
  }
  CheckDuration("scale-down-delay-after-failure", p.scale_down_delay_after_failure, zero, true,
                &errors);
  CheckDuration("max-node-provision-time", p.max_node_provision_time, zero, false, &errors);
  CheckDuration("new-pod-scale-up-delay", p.new_pod_scale_up_delay, zero, true, &errors);
  CheckDuration("max-graceful-termination-sec", p.max_graceful_termination, zero, true, &errors);
  CheckDuration("scale-down-unready-time", p.scale_down_unready_time, zero, true, &errors);
  if (p.max_empty_bulk_delete < 1 || p.max_empty_bulk_delete > 100000) {
    errors.push_back(absl::StrCat("max-empty-bulk-delete: must be 1 to 100000, got ",
                                  p.max_empty_bulk_delete));
  }
  return Join(errors);
}

absl::Status ValidatePool(const NodePoolSpec& pool) {
  std::vector<std::string> errors;
  bool name_ok = !pool.name.empty() && pool.name.size() <= 63;
  for (char c : pool.name) name_ok = name_ok && c > 0x20 && c < 0x7f;
  if (!name_ok) errors.push_back("name: must be 1 to 63 printable characters without spaces");
  if (pool.vm_size.empty()) {
    if (pool.custom_cpu_milli <= 0 || pool.custom_cpu_milli > 1024 * 1000) {
      errors.push_back(absl::StrCat("cpu: a custom size needs 0 < cpu <= 1024 cores, got ",
                                    pool.custom_cpu_milli / 1000.0));
    }
    if (pool.custom_memory_bytes <= 0 || pool.custom_memory_bytes > int64_t{64} * 1024 * kGiB) {
      errors.push_back("memory: a custom size needs 0 < memory <= 64 TiB");
    }
    if (!(pool.custom_price_per_hour >= 0 && pool.custom_price_per_hour <= 10000)) {
      errors.push_back("pricePerHour: a custom size needs a price of 0 to 10000 USD per hour");
    }
  } else {
    absl::StatusOr<VmSize> size = FindVmSize(pool.vm_size);
    if (!size.ok()) errors.push_back(absl::StrCat("vmSize: ", size.status().message()));
  }
  if (pool.max_pods < 0 || pool.max_pods > kMaxPodsPerNode) {
    errors.push_back(absl::StrCat("maxPods: must be 1 to ", kMaxPodsPerNode,
                                  " (0: the size's default), got ", pool.max_pods));
  }
  if (pool.min_count < 0 || pool.min_count > kMaxNodesPerPool) {
    errors.push_back(absl::StrCat("minCount: must be 0 to ", kMaxNodesPerPool, ", got ",
                                  pool.min_count));
  }
  if (pool.max_count < 1 || pool.max_count > kMaxNodesPerPool) {
    errors.push_back(absl::StrCat("maxCount: must be 1 to ", kMaxNodesPerPool, ", got ",
                                  pool.max_count));
  } else if (pool.min_count > pool.max_count) {
    errors.push_back(absl::StrCat("minCount: must be at most maxCount (", pool.max_count,
                                  "), got ", pool.min_count));
  }
  if (pool.node_count < pool.min_count || pool.node_count > pool.max_count) {
    errors.push_back(absl::StrCat("nodeCount: must be within minCount and maxCount (",
                                  pool.min_count, " to ", pool.max_count, "), got ",
                                  pool.node_count));
  }
  CheckDuration("provisioningDelay", pool.provisioning_delay, absl::ZeroDuration(), true,
                &errors);
  return Join(errors);
}

absl::StatusOr<NodeShape> ResolveShape(const NodePoolSpec& pool) {
  if (absl::Status s = ValidatePool(pool); !s.ok()) {
    return absl::InvalidArgumentError(absl::StrCat("node pool \"", pool.name.substr(0, 63),
                                                   "\": ", s.message()));
  }
  VmSize size;
  if (pool.vm_size.empty()) {
    size.name = "custom";
    size.vcpus = static_cast<int32_t>((pool.custom_cpu_milli + 999) / 1000);
    size.memory_bytes = pool.custom_memory_bytes;
    size.price_per_hour = pool.custom_price_per_hour;
    size.max_pods = 110;
    size.reservation = pool.custom_reservation;
  } else {
    size = *FindVmSize(pool.vm_size);
  }
  if (pool.max_pods > 0) size.max_pods = pool.max_pods;
  NodeShape shape;
  shape.size_name = size.name;
  shape.vcpus = size.vcpus;
  shape.capacity = {pool.vm_size.empty() ? pool.custom_cpu_milli : int64_t{size.vcpus} * 1000,
                    size.memory_bytes};
  const Resources reserved =
      SystemReserved(size.reservation, size.vcpus, size.memory_bytes, size.max_pods);
  shape.allocatable = {shape.capacity.cpu_milli - reserved.cpu_milli,
                       shape.capacity.memory_bytes - reserved.memory_bytes};
  shape.max_pods = size.max_pods;
  shape.price_per_hour = size.price_per_hour;
  if (shape.allocatable.cpu_milli <= 0 || shape.allocatable.memory_bytes <= 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "node pool \"", pool.name, "\": ", shape.size_name, " leaves nothing allocatable after ",
        ReservationName(size.reservation), "'s reservations (", FormatResources(reserved),
        " reserved of ", FormatResources(shape.capacity), ")"));
  }
  return shape;
}

NodePoolSpec SeedNodePool() {
  NodePoolSpec pool;
  pool.name = "agentpool";
  pool.vm_size = "Standard_D4s_v4";
  pool.min_count = 2;
  pool.max_count = 20;
  pool.node_count = 3;
  return pool;
}

}  // namespace agentscale::nodes

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Virtual machine sizes a node pool is made of: a small built-in table of
// common Azure and AWS sizes (vCPU, memory, list price per hour, pods per
// node) and what a node of each size leaves to pods once the platform's
// system reservations are taken (AKS's kube-reserved table and memory rule,
// the EKS AMI's kube-reserved formula, each with its eviction threshold;
// docs/nodes.md gives the sources and the price list's date and region).
//
//   absl::StatusOr<agentscale::nodes::VmSize> size =
//       agentscale::nodes::FindVmSize("Standard_D4s_v4");
//   agentscale::nodes::Resources room = agentscale::nodes::AllocatableFor(*size);
//   // room.cpu_milli == 3860, room.memory_bytes == (16384 - 650 - 100) MiB
//
//   agentscale::nodes::FindVmSize("Standard_D4s_v3").status().message();
//   // "unknown VM size \"Standard_D4s_v3\"; closest built-in sizes:
//   //  Standard_D4s_v4, Standard_D4s_v5, Standard_D2s_v4 (or give cpu, memory
//   //  and price for a custom size)"
#ifndef AGENTSCALE_NODES_VM_SIZES_H_
#define AGENTSCALE_NODES_VM_SIZES_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/types/span.h"

namespace agentscale::nodes {

inline constexpr int64_t kMiB = int64_t{1} << 20;
inline constexpr int64_t kGiB = int64_t{1} << 30;

// CPU in millicores and memory in bytes: what a pod requests and what a
// node allocates.
struct Resources {
  int64_t cpu_milli = 0;
  int64_t memory_bytes = 0;

  friend bool operator==(const Resources& a, const Resources& b) {
    return a.cpu_milli == b.cpu_milli && a.memory_bytes == b.memory_bytes;
  }
  friend bool operator!=(const Resources& a, const Resources& b) { return !(a == b); }
};

// "1.5 CPU, 2 GiB" (memory in GiB to two decimals, or MiB below 1 GiB).
std::string FormatResources(const Resources& r);

// Whose system reservations a node carries.
enum class Reservation {
  kAks,   // AKS (Kubernetes 1.29 and later)
  kEks,   // the EKS optimized AMI
  kNone,  // all of the machine is allocatable (a custom size's default)
};
const char* ReservationName(Reservation r);  // "aks", "eks", "none"

struct VmSize {
  std::string name;
  int32_t vcpus = 0;
  int64_t memory_bytes = 0;
  // List price, USD per hour, Linux, on demand (pay-as-you-go), in the
  // region named by kPriceRegionAzure / kPriceRegionAws.
  double price_per_hour = 0;
  // Pods a node takes: AKS's default for Azure CNI (30), the EKS AMI's
  // ENI-based limit for AWS sizes.
  int32_t max_pods = 0;
  Reservation reservation = Reservation::kNone;
};

inline constexpr char kPriceRegionAzure[] = "eastus";
inline constexpr char kPriceRegionAws[] = "us-east-1";

// Every built-in size, Azure first, in a fixed order.
absl::Span<const VmSize> BuiltinVmSizes();

// The built-in size named `name` (Azure names match case-insensitively, as
// Azure treats them). An unknown name is NotFound, naming the three closest
// built-in names.
absl::StatusOr<VmSize> FindVmSize(const std::string& name);

// What the platform keeps back from a node: kube-reserved plus the kubelet's
// hard eviction threshold for memory.
//   AKS: CPU from AKS's table by core count (60m at 1 core ... 740m at 64;
//        between two listed counts, the smaller count's value); memory
//        min(20 MiB x max_pods + 50 MiB, 25 % of memory), plus 100 MiB
//        eviction threshold.
//   EKS: CPU 6 % of the first core, 1 % of the second, 0.5 % of the third
//        and fourth, 0.25 % of each further core; memory 11 MiB x max_pods
//        + 255 MiB, plus 100 MiB eviction threshold.
Resources SystemReserved(Reservation reservation, int32_t vcpus, int64_t memory_bytes,
                         int32_t max_pods);

// The node's allocatable CPU and memory: the machine less SystemReserved.
Resources AllocatableFor(const VmSize& size);

}  // namespace agentscale::nodes

#endif  // AGENTSCALE_NODES_VM_SIZES_H_

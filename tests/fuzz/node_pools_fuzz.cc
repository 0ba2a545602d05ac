// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// libFuzzer target for the node pools loader (config/nodes.h): any bytes
// must load or fail with an InvalidArgument status, never crash, hang or
// grow without bound. Pools that load (and are small enough to simulate
// quickly: at most 200 nodes in all) build a NodeCluster that runs half an
// hour of pods coming and going, every node count within its pool's
// [min_count, max_count], no node holding more than it allocates, and every
// pod either running, pending or terminating. Built with clang when
// AGENTSCALE_BUILD_FUZZERS is ON:
//
//   cmake -S . -B /tmp/fuzz -DCMAKE_CXX_COMPILER=clang++ \
//     -DAGENTSCALE_BUILD_FUZZERS=ON
//   cmake --build /tmp/fuzz --target node_pools_fuzz
//   /tmp/fuzz/tests/fuzz/node_pools_fuzz -max_total_time=60 tests/fuzz/corpus/node_pools

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/config/nodes.h"
#include "agentscale/nodes/cluster.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > 64 * 1024) return 0;
  const std::string text(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<agentscale::config::LoadedNodePools> loaded =
      agentscale::config::LoadNodePoolsString(text, "fuzz.yaml");
  if (!loaded.ok()) {
    if (loaded.status().code() != absl::StatusCode::kInvalidArgument) std::abort();
    return 0;
  }
  int64_t total_max = 0;
  for (const agentscale::nodes::NodePoolSpec& p : loaded->pools) total_max += p.max_count;
  if (total_max > 200) return 0;
  agentscale::nodes::ClusterOptions options;
  options.profile = loaded->profile;
  options.strategy = loaded->strategy;
  options.seed = size;
  const absl::Time start = absl::FromUnixSeconds(1767225600);
  absl::StatusOr<agentscale::nodes::NodeCluster> cluster =
      agentscale::nodes::NodeCluster::Create(loaded->pools, options, start);
  if (!cluster.ok()) std::abort();  // the loader validated what Create checks
  // Pods a little smaller than the smallest pool's node allocates.
  agentscale::nodes::Resources smallest = cluster->shapes()[0].allocatable;
  for (const agentscale::nodes::NodeShape& s : cluster->shapes()) {
    smallest.cpu_milli = std::min(smallest.cpu_milli, s.allocatable.cpu_milli);
    smallest.memory_bytes = std::min(smallest.memory_bytes, s.allocatable.memory_bytes);
  }
  agentscale::nodes::PodTemplate pod;
  pod.name = "agent";
  pod.request = {std::max<int64_t>(1, smallest.cpu_milli / 3),
                 std::max<int64_t>(1, smallest.memory_bytes / 5)};
  std::vector<agentscale::nodes::PodId> alive;
  for (int minute = 0; minute < 30; ++minute) {
    const absl::Time now = start + absl::Minutes(minute);
    const size_t want = (size * 7 + static_cast<size_t>(minute) * 13) % 40;
    while (alive.size() > want) {
      if (!cluster->DeletePod(now, alive.back()).ok()) std::abort();
      alive.pop_back();
    }
    if (alive.size() < want) {
      absl::StatusOr<std::vector<agentscale::nodes::PodId>> ids =
          cluster->RequestPods(now, static_cast<int32_t>(want - alive.size()), pod);
      if (!ids.ok()) std::abort();
      alive.insert(alive.end(), ids->begin(), ids->end());
    }
    for (const agentscale::nodes::Eviction& e : cluster->TakeEvictions()) {
      for (agentscale::nodes::PodId& id : alive) {
        if (id == e.pod) id = e.replacement;
      }
    }
    for (size_t p = 0; p < loaded->pools.size(); ++p) {
      const int32_t n = cluster->NodeCount(static_cast<int32_t>(p));
      if (n < loaded->pools[p].min_count || n > loaded->pools[p].max_count) std::abort();
    }
    for (const agentscale::nodes::NodeStatus& n : cluster->Nodes()) {
      if (n.requested.cpu_milli > n.allocatable.cpu_milli ||
          n.requested.memory_bytes > n.allocatable.memory_bytes) {
        std::abort();
      }
    }
    for (agentscale::nodes::PodId id : alive) {
      if (id < 0 || cluster->pod(id) == nullptr) std::abort();
    }
    if (cluster->running_pods() + cluster->pending_pods() > static_cast<int64_t>(alive.size())) {
      std::abort();
    }
  }
  if (!(cluster->NodeHours() >= 0) || !(cluster->Cost() >= 0)) std::abort();
  return 0;
}

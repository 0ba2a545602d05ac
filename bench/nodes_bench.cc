// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The node-pool layer (docs/nodes.md): placing pods on nodes with each fit
// strategy, and a day of the seed's AKS pool under the cluster autoscaler.
//
// BM_Nodes_Schedule10kPodsOn1kNodes/<strategy>: 1,000 Standard_D4s_v4 nodes
// (allocatable after AKS's reservations), then 10,000 pods of three sizes
// (0.2, 0.25 and 0.3 CPU with 0.75, 1 and 1.25 GiB) placed one by one; the
// pods fill about two thirds of the nodes' room. The time covers adding the
// nodes and placing every pod. Strategy 0 first-fit, 1 best-fit,
// 2 least-allocated.

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/time/time.h"
#include "agentscale/nodes/cluster.h"
#include "agentscale/nodes/scheduler.h"
#include "agentscale/nodes/spec.h"
#include "benchmark/benchmark.h"

namespace {

using agentscale::nodes::FitStrategy;
using agentscale::nodes::kGiB;
using agentscale::nodes::kMiB;
using agentscale::nodes::Resources;

const Resources kPods[] = {{200, 768 * kMiB}, {250, kGiB}, {300, 1280 * kMiB}};

void Schedule(benchmark::State& state, int64_t pods, int64_t nodes) {
  const FitStrategy strategy = static_cast<FitStrategy>(state.range(0));
  const agentscale::nodes::NodeShape shape =
      *agentscale::nodes::ResolveShape(agentscale::nodes::SeedNodePool());
  int64_t pending = 0;
  for (auto _ : state) {
    agentscale::nodes::Packer packer(strategy);
    for (int64_t i = 0; i < nodes; ++i) packer.AddNode(shape.allocatable, shape.max_pods);
    pending = 0;
    for (int64_t i = 0; i < pods; ++i) {
      std::optional<int32_t> node = packer.Place(kPods[i % 3]);
      pending += node ? 0 : 1;
    }
    benchmark::DoNotOptimize(packer.groups());
  }
  state.counters["pending"] = static_cast<double>(pending);
  state.SetItemsProcessed(state.iterations() * pods);
  state.SetLabel(agentscale::nodes::FitStrategyName(strategy));
}

void BM_Nodes_Schedule10kPodsOn1kNodes(benchmark::State& state) {
  Schedule(state, 10000, 1000);
}
BENCHMARK(BM_Nodes_Schedule10kPodsOn1kNodes)->DenseRange(0, 2)->Unit(benchmark::kMillisecond);

// The same shape of work at 1/10, 1 and 10 times the size.
void BM_Nodes_Schedule(benchmark::State& state) {
  Schedule(state, state.range(1), state.range(1) / 10);
}
BENCHMARK(BM_Nodes_Schedule)
    ->ArgsProduct({{0}, {1000, 10000, 100000}})
    ->Unit(benchmark::kMillisecond);

// A day of the seed's pool (Standard_D4s_v4, 2 to 20 nodes, AKS's default
// profile): agents of 1 CPU and 2 GiB, wanted 10 at night and 60 by day,
// changed every minute; the scan every 10 s. Items are minutes.
void BM_Nodes_SeedPoolDay(benchmark::State& state) {
  const absl::Time start = absl::FromUnixSeconds(1767225600);
  const agentscale::nodes::PodTemplate agent{"agent", {1000, 2 * kGiB}, absl::Seconds(30)};
  for (auto _ : state) {
    absl::StatusOr<agentscale::nodes::NodeCluster> cluster =
        agentscale::nodes::NodeCluster::Create({agentscale::nodes::SeedNodePool()}, {}, start);
    std::vector<agentscale::nodes::PodId> alive;
    for (int minute = 0; minute < 24 * 60; ++minute) {
      const absl::Time now = start + absl::Minutes(minute);
      const int hour = minute / 60;
      const size_t want = hour >= 8 && hour < 20 ? 60 - static_cast<size_t>(minute % 7) : 10;
      while (alive.size() > want) {
        (void)cluster->DeletePod(now, alive.back());
        alive.pop_back();
      }
      if (alive.size() < want) {
        absl::StatusOr<std::vector<agentscale::nodes::PodId>> ids =
            cluster->RequestPods(now, static_cast<int32_t>(want - alive.size()), agent);
        alive.insert(alive.end(), ids->begin(), ids->end());
      }
      for (const agentscale::nodes::Eviction& e : cluster->TakeEvictions()) {
        for (agentscale::nodes::PodId& id : alive) {
          if (id == e.pod) id = e.replacement;
        }
      }
    }
    state.counters["node_hours"] = cluster->NodeHours();
    benchmark::DoNotOptimize(cluster->Cost());
  }
  state.SetItemsProcessed(state.iterations() * 24 * 60);
}
BENCHMARK(BM_Nodes_SeedPoolDay)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

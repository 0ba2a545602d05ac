// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// ReplicaCalculator::AverageValue for a Pods metric (spec §4.2) over fleets
// of 10 .. 10,000 Ready pods. Items processed = pods, so the report's
// items_per_second inverts to ns per pod.
//
//   BM_ReplicaCalculator_PodsAverageValue          samples in pod order
//   BM_ReplicaCalculator_PodsAverageValueShuffled  samples in another order
//                                                  (matched via the hash map)

#include <algorithm>
#include <cstdint>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "agentscale/hpa/pod.h"
#include "agentscale/hpa/replica_calculator.h"
#include "benchmark/benchmark.h"

namespace {

using agentscale::hpa::Pod;
using agentscale::hpa::PodSample;
using agentscale::hpa::ReplicaCalculator;
using agentscale::hpa::Tolerances;

constexpr int64_t kTargetMilli = 70'000;  // seed: app_active_task_count 70

struct Fleet {
  std::vector<Pod> pods;
  std::vector<PodSample> samples;
};

// Pods "agent-00000".., one sample per pod. The per-pod values spread over
// [0.5, 1.5] x mean, and the mean depends on the size so that the cases
// cover scale-up, within-tolerance and scale-down proposals.
Fleet MakeFleet(int n, bool shuffled, absl::Time now) {
  Fleet f;
  f.pods.reserve(n);
  f.samples.reserve(n);
  double mean_ratio = 1.0;
  switch (n) {
    case 10: mean_ratio = 1.35; break;     // scales up
    case 100: mean_ratio = 0.97; break;    // within tolerance
    case 1000: mean_ratio = 0.62; break;   // scales down
    default: mean_ratio = 1.18; break;     // scales up
  }
  std::mt19937_64 rng(42 + n);
  std::uniform_real_distribution<double> spread(0.5, 1.5);
  for (int i = 0; i < n; ++i) {
    std::string name = absl::StrFormat("agent-%05d", i);
    f.pods.push_back(Pod::Ready(name));
    const double v = kTargetMilli * mean_ratio * spread(rng);
    f.samples.push_back(PodSample{name, static_cast<int64_t>(v), now,
                                  absl::Seconds(60)});
  }
  if (shuffled) {
    std::shuffle(f.samples.begin(), f.samples.end(), rng);
  }
  return f;
}

void RunAverageValue(benchmark::State& state, bool shuffled) {
  const int n = static_cast<int>(state.range(0));
  const absl::Time now = absl::FromUnixSeconds(1'767'258'000);
  const Fleet fleet = MakeFleet(n, shuffled, now);
  ReplicaCalculator calc;
  const Tolerances tol;
  int32_t replicas = 0;
  for (auto _ : state) {
    absl::StatusOr<agentscale::hpa::MetricReplicas> r = calc.AverageValue(
        n, kTargetMilli, std::nullopt, tol, fleet.pods, fleet.samples, now);
    if (r.ok()) replicas = r->replicas;
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * n);
  state.counters["pods"] = n;
  state.counters["proposal"] = replicas;
  state.counters["ns_per_pod"] = benchmark::Counter(
      static_cast<double>(state.iterations()) * n,
      benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_ReplicaCalculator_PodsAverageValue(benchmark::State& state) {
  RunAverageValue(state, /*shuffled=*/false);
}
void BM_ReplicaCalculator_PodsAverageValueShuffled(benchmark::State& state) {
  RunAverageValue(state, /*shuffled=*/true);
}

BENCHMARK(BM_ReplicaCalculator_PodsAverageValue)
    ->RangeMultiplier(10)->Range(10, 10'000);
BENCHMARK(BM_ReplicaCalculator_PodsAverageValueShuffled)
    ->RangeMultiplier(10)->Range(10, 10'000);

}  // namespace

BENCHMARK_MAIN();

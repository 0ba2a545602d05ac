// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The KEDA family: the seed's ScaledObject (examples/keda.yaml) replayed over
// the embedded NASA trace, to hold against sim_bench's
// BM_Sim_FluidReplayNasa (the HPA replay of the same trace), and one
// ScaledObjectPolicy decision in steady state.
//
//   BM_Sim_KedaReplayNasa   items = HPA sync instants (about 159,000)
//   BM_Keda_Decide          active, a poll and an HPA sync at every call;
//                           allocs_per_decision counts operator new calls
//                           (this program replaces it with a counting one)
//   BM_Sim_KedaCronReplayNasa  the same with examples/keda_cron.yaml (a
//                           business-hours cron trigger beside the queue)
//   BM_Keda_DecideWithCron  BM_Keda_Decide with that cron trigger too

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>
#include <string>

#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/keda/policy.h"
#include "agentscale/sim/keda_replay.h"
#include "agentscale/sim/trace.h"
#include "benchmark/benchmark.h"

std::atomic<int64_t> g_allocations{0};

void* operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

namespace {

agentscale::keda::ScaledObjectSpec Example(const char* file) {
  return agentscale::config::LoadSingleScaledObject(std::string(AGENTSCALE_SOURCE_DIR) +
                                                    "/examples/" + file)
      .value();
}
agentscale::keda::ScaledObjectSpec SeedScaledObject() { return Example("keda.yaml"); }

void ReplayNasa(benchmark::State& state, const agentscale::keda::ScaledObjectSpec& so) {
  auto trace = agentscale::sim::LoadTraceCsv(
      std::string(AGENTSCALE_SOURCE_DIR) +
      "/bindings/python/agentscale/data/nasa_http_jul1995_per_minute.csv");
  if (!trace.ok()) return state.SkipWithError("NASA trace not found");
  int64_t syncs = 0;
  for (auto _ : state) {
    auto r = agentscale::sim::ReplayScaledObject(so, {{"", &*trace}});
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    syncs += static_cast<int64_t>(r->replicas.size());
    benchmark::DoNotOptimize(r->replica_hours);
  }
  state.SetItemsProcessed(syncs);
}

void BM_Sim_KedaCronReplayNasa(benchmark::State& state) {
  ReplayNasa(state, Example("keda_cron.yaml"));
}
BENCHMARK(BM_Sim_KedaCronReplayNasa)->Unit(benchmark::kMillisecond);

void BM_Sim_KedaReplayNasa(benchmark::State& state) { ReplayNasa(state, SeedScaledObject()); }
BENCHMARK(BM_Sim_KedaReplayNasa)->Unit(benchmark::kMillisecond);

void Decide(benchmark::State& state, agentscale::keda::ScaledObjectSpec so) {
  so.polling_interval_seconds = 15;  // a poll at every sync
  auto policy = agentscale::keda::ScaledObjectPolicy::Create(so).value();
  agentscale::Observation obs;
  obs.current_replicas = 4;
  obs.status_replicas = 4;
  obs.AddReadyPods(4);
  obs.AddMetric("s0-prometheus").AddExternalValue(200);
  agentscale::Decision d;
  absl::Time now = absl::FromUnixSeconds(1'700'000'000);
  for (int i = 0; i < 64; ++i) {  // warm up: the scratch reaches its size
    now += absl::Seconds(15);
    (void)policy->Decide(now, obs, &d);
  }
  const int64_t before = g_allocations.load();
  int64_t decisions = 0;
  for (auto _ : state) {
    now += absl::Seconds(15);
    if (!policy->Decide(now, obs, &d).ok()) return state.SkipWithError("decide failed");
    benchmark::DoNotOptimize(d.desired_replicas);
    ++decisions;
  }
  state.counters["allocs_per_decision"] =
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(decisions);
  state.SetItemsProcessed(decisions);
}

void BM_Keda_Decide(benchmark::State& state) { Decide(state, SeedScaledObject()); }
BENCHMARK(BM_Keda_Decide);

// Steps of 15 s from 2023-11-14 17:13 in New York: the weekday window
// closes and opens again along the way.
void BM_Keda_DecideWithCron(benchmark::State& state) { Decide(state, Example("keda_cron.yaml")); }
BENCHMARK(BM_Keda_DecideWithCron);

}  // namespace

BENCHMARK_MAIN();

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The simulator over the embedded NASA trace (39,693 minutes, 1,891,714
// requests): the fluid replay at a 15 s period (about 159,000 decisions)
// and the agent model with every request a task (about 1.9 million tasks),
// for the seed's production preset.
//
//   BM_Sim_FluidReplayNasa   items = decisions
//   BM_Sim_AgentModelNasa    items = tasks
//   BM_Sim_AgentModelOverload  2,000,000 tasks in one minute, an hour of
//                            quiet, then the drain (at most a day) with the
//                            policy still deciding; items = tasks

#include <string>

#include "agentscale/config/presets.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "benchmark/benchmark.h"

namespace {

const agentscale::sim::Trace* NasaTrace() {
  static const agentscale::sim::Trace* trace = [] {
    auto t = agentscale::sim::LoadTraceCsv(
        std::string(AGENTSCALE_SOURCE_DIR) +
        "/bindings/python/agentscale/data/nasa_http_jul1995_per_minute.csv");
    return t.ok() ? new agentscale::sim::Trace(*std::move(t)) : nullptr;
  }();
  return trace;
}

void BM_Sim_FluidReplayNasa(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  if (trace == nullptr) return state.SkipWithError("NASA trace not found");
  const auto spec = agentscale::config::Preset("production").value();
  int64_t decisions = 0;
  for (auto _ : state) {
    auto r = agentscale::sim::FluidReplay(spec, {{"app_active_task_count", trace}});
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    decisions += static_cast<int64_t>(r->replicas.size());
    benchmark::DoNotOptimize(r->replica_hours);
  }
  state.SetItemsProcessed(decisions);
}
BENCHMARK(BM_Sim_FluidReplayNasa)->Unit(benchmark::kMillisecond);

void BM_Sim_AgentModelNasa(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  if (trace == nullptr) return state.SkipWithError("NASA trace not found");
  const auto spec = agentscale::config::Preset("production").value();
  int64_t tasks = 0;
  for (auto _ : state) {
    auto r = agentscale::sim::RunAgentModel(spec, *trace);
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    tasks += r->tasks_arrived;
    benchmark::DoNotOptimize(r->summary.wait_p99);
  }
  state.SetItemsProcessed(tasks);
}
BENCHMARK(BM_Sim_AgentModelNasa)->Unit(benchmark::kMillisecond);

void BM_Sim_AgentModelOverload(benchmark::State& state) {
  agentscale::sim::Trace trace;
  for (int m = 0; m <= 60; ++m) {
    trace.time_seconds.push_back(1'700'000'000.0 + 60.0 * m);
    trace.values.push_back(m == 0 ? 2'000'000 : 0);
  }
  const auto spec = agentscale::config::Preset("production").value();
  int64_t tasks = 0;
  for (auto _ : state) {
    auto r = agentscale::sim::RunAgentModel(spec, trace);
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    tasks += r->tasks_arrived;
    state.counters["unserved"] = static_cast<double>(r->summary.unserved_tasks);
    benchmark::DoNotOptimize(r->summary.wait_p99);
  }
  state.SetItemsProcessed(tasks);
}
BENCHMARK(BM_Sim_AgentModelOverload)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();

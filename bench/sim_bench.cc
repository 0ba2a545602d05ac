// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The simulator over the embedded NASA trace (39,693 minutes, 1,891,714
// requests): the fluid replay at a 15 s period (about 159,000 decisions)
// and the agent model with every request a task (about 1.9 million tasks),
// for the seed's production preset, and the fluid replay of the seed's ECS
// target tracking (CPU 70 %, memory 80 %, both driven by the trace).
//
//   BM_Sim_FluidReplayNasa   items = decisions
//   BM_Sim_FluidReplayNasaEcs  items = decisions (a fresh policy each time)
//   BM_Sim_AgentModelNasa    items = tasks
//   BM_Sim_AgentModelNasaResources  the same with the resource model (data-set
//                            memory, random GC spikes) under ECS CPU 70 %
//   BM_Sim_AgentModelOverload  2,000,000 tasks in one minute, an hour of
//                            quiet, then the drain (at most a day) with the
//                            policy still deciding; items = tasks

#include <string>
#include <utility>

#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/presets.h"
#include "agentscale/sim/agent_model.h"
#include "agentscale/sim/fluid.h"
#include "benchmark/benchmark.h"
#include "nasa_trace.h"

namespace {

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

// The seed's Terraform (examples/ecs.tf): min 2, max 10, two target tracking
// policies with scale-out cooldown 60 s and scale-in cooldown 300 s.
agentscale::aws::ScalableTargetSpec SeedEcsSpec() {
  agentscale::aws::ScalableTargetSpec spec;
  spec.resource_id = "service/agents/agent-worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  const std::pair<const char*, double> policies[] = {
      {"ECSServiceAverageCPUUtilization", 70}, {"ECSServiceAverageMemoryUtilization", 80}};
  for (const auto& [type, target] : policies) {
    agentscale::aws::TargetTrackingPolicy p;
    p.name = type;
    p.target_value = target;
    p.metric = agentscale::aws::PredefinedMetric(type).value();
    p.scale_out_cooldown = absl::Seconds(60);
    p.scale_in_cooldown = absl::Seconds(300);
    spec.target_tracking.push_back(p);
  }
  return spec;
}

void BM_Sim_FluidReplayNasaEcs(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  if (trace == nullptr) return state.SkipWithError("NASA trace not found");
  const agentscale::aws::ScalableTargetSpec spec = SeedEcsSpec();
  int64_t decisions = 0;
  for (auto _ : state) {
    auto policy = agentscale::aws::ScalableTargetPolicy::Create(spec);
    if (!policy.ok()) return state.SkipWithError(std::string(policy.status().message()).c_str());
    auto r = agentscale::sim::FluidReplay(**policy, {{"cpu", trace}, {"memory", trace}});
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    decisions += static_cast<int64_t>(r->replicas.size());
    benchmark::DoNotOptimize(r->replica_hours);
  }
  state.SetItemsProcessed(decisions);
}
BENCHMARK(BM_Sim_FluidReplayNasaEcs)->Unit(benchmark::kMillisecond);

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

// The same run with the resource model on (data-set memory, random GC
// spikes) and the seed's ECS CPU 70 % policy reading it.
void BM_Sim_AgentModelNasaResources(benchmark::State& state) {
  const agentscale::sim::Trace* trace = NasaTrace();
  if (trace == nullptr) return state.SkipWithError("NASA trace not found");
  agentscale::aws::ScalableTargetSpec spec;
  spec.resource_id = "service/agents/agent-worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  agentscale::aws::TargetTrackingPolicy cpu;
  cpu.name = "cpu";
  cpu.target_value = 70;
  cpu.metric = agentscale::aws::PredefinedMetric("ECSServiceAverageCPUUtilization").value();
  cpu.scale_out_cooldown = absl::Seconds(60);
  spec.target_tracking.push_back(cpu);
  agentscale::sim::AgentModelOptions o;
  o.resources.emplace();
  o.resources->memory_model = agentscale::sim::MemoryModel::kDataSet;
  o.resources->gc_spikes = agentscale::sim::GcSpikes::kRandom;
  int64_t tasks = 0;
  for (auto _ : state) {
    auto policy = agentscale::aws::ScalableTargetPolicy::Create(spec);
    if (!policy.ok()) return state.SkipWithError(std::string(policy.status().message()).c_str());
    auto r = agentscale::sim::RunAgentModel(**policy, *trace, o);
    if (!r.ok()) return state.SkipWithError(std::string(r.status().message()).c_str());
    tasks += r->tasks_arrived;
    benchmark::DoNotOptimize(r->cpu_utilization_mean);
  }
  state.SetItemsProcessed(tasks);
}
BENCHMARK(BM_Sim_AgentModelNasaResources)->Unit(benchmark::kMillisecond);

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

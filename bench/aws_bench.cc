// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The AWS family's decisions (docs/aws.md): one target tracking policy on a
// per-task custom metric, and the example file's target (CPU, memory and a
// custom metric tracked, a step scaling alarm, two scheduled actions), each
// decided every 15 s with a reused Decision.

#include <cstdint>
#include <memory>
#include <string>

#include "absl/time/time.h"
#include "agentscale/aws/policy.h"
#include "agentscale/aws/spec.h"
#include "agentscale/config/aws.h"
#include "benchmark/benchmark.h"

namespace {

using agentscale::aws::ScalableTargetPolicy;
using agentscale::aws::ScalableTargetSpec;

agentscale::Observation Fill(const ScalableTargetPolicy& policy, int32_t replicas,
                             absl::Time t) {
  agentscale::Observation obs;
  obs.current_replicas = replicas;
  obs.AddReadyPods(replicas);
  for (agentscale::hpa::Pod& pod : obs.pods) {
    pod.containers.push_back({"app", {int64_t{1000}, int64_t{2000000000}}, false});
  }
  for (const agentscale::hpa::MetricSpec& m : policy.metrics()) {
    agentscale::MetricObservation& mo = obs.AddMetric(m.name);
    if (m.type == agentscale::hpa::MetricSourceType::kExternal) {
      mo.AddExternalValue(500);
      continue;
    }
    // 66 per task (inside target tracking's band for a target of 70),
    // 660 millicores of 1000, 1.3 GB of 2 GB.
    const double value = m.type == agentscale::hpa::MetricSourceType::kPods
                             ? 66
                             : (m.name == "cpu" ? 0.66 : 1.3e9);
    for (const agentscale::hpa::Pod& pod : obs.pods) mo.AddPodValue(pod.name, value, t);
  }
  return obs;
}

void Decide(benchmark::State& state, const ScalableTargetSpec& spec) {
  std::unique_ptr<ScalableTargetPolicy> policy = ScalableTargetPolicy::Create(spec).value();
  absl::Time now = absl::FromUnixSeconds(1'774'000'800);  // a whole minute
  const agentscale::Observation obs = Fill(*policy, 4, now);
  agentscale::Decision d;
  for (int i = 0; i < 240; ++i) {  // warm up: an hour of windows
    now += absl::Seconds(15);
    (void)policy->Decide(now, obs, &d);
  }
  int64_t decisions = 0;
  for (auto _ : state) {
    now += absl::Seconds(15);
    if (!policy->Decide(now, obs, &d).ok()) return state.SkipWithError("decide failed");
    benchmark::DoNotOptimize(d.desired_replicas);
    ++decisions;
  }
  state.SetItemsProcessed(decisions);
}

void BM_Aws_DecideTargetTracking(benchmark::State& state) {
  ScalableTargetSpec spec;
  spec.resource_id = "service/agents/agent-worker";
  spec.min_capacity = 2;
  spec.max_capacity = 10;
  agentscale::aws::TargetTrackingPolicy p;
  p.name = "active-tasks";
  p.target_value = 70;
  p.metric = agentscale::aws::CustomizedMetric("app_active_task_count", "Agents", {},
                                               agentscale::aws::Statistic::kAverage, "")
                 .value();
  spec.target_tracking.push_back(p);
  Decide(state, spec);
}
BENCHMARK(BM_Aws_DecideTargetTracking);

void BM_Aws_DecideExampleFile(benchmark::State& state) {
  const ScalableTargetSpec spec =
      agentscale::config::LoadAwsScalingFile(std::string(AGENTSCALE_SOURCE_DIR) +
                                             "/tests/data/aws/ecs_agents.json")
          .value();
  Decide(state, spec);
}
BENCHMARK(BM_Aws_DecideExampleFile);

}  // namespace

BENCHMARK_MAIN();

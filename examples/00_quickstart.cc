// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Quickstart: one autoscaling decision for a fleet of three agents.
#include <iostream>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "agentscale/hpa/autoscaler.h"

int main() {
  namespace hpa = agentscale::hpa;
  auto fail = [](const absl::Status& s) { std::cerr << s << "\n"; return 1; };
  // 1 to 10 agents, scaled on two per-agent averages (targets 70 tasks and
  // 50 requests; values in milli-units), with Kubernetes' default behavior.
  hpa::AutoscalerSpec spec;
  spec.min_replicas = 1;
  spec.max_replicas = 10;
  spec.metrics = {
      hpa::MetricSpec::PodsAverageValue("app_active_task_count", 70'000),
      hpa::MetricSpec::PodsAverageValue("app_active_request_count", 50'000)};
  spec.behavior = hpa::DefaultBehavior();
  absl::StatusOr<agentscale::HorizontalAutoscaler> autoscaler =
      agentscale::HorizontalAutoscaler::Create(spec);
  if (!autoscaler.ok()) return fail(autoscaler.status());

  // What the three agents report now, in plain units.
  const absl::Time now = absl::Now();
  agentscale::Observation obs;
  obs.current_replicas = 3;
  auto& tasks = obs.AddMetric("app_active_task_count");
  auto& requests = obs.AddMetric("app_active_request_count");
  const double task_counts[] = {80, 95, 105}, request_counts[] = {40, 50, 45};
  for (int i = 0; i < 3; ++i) {
    const std::string pod = "agent-" + std::to_string(i);
    obs.pods.push_back(hpa::Pod::Ready(pod));
    tasks.AddPodValue(pod, task_counts[i], now);
    requests.AddPodValue(pod, request_counts[i], now);
  }

  absl::StatusOr<agentscale::Decision> decision =
      autoscaler->Evaluate(now, obs);
  if (!decision.ok()) return fail(decision.status());
  std::cout << decision->Explain() << "\n";
  if (decision->rescale) {
    // Resize the fleet to decision->desired_replicas here; once that worked:
    absl::Status committed = autoscaler->Commit(*decision);
    if (!committed.ok()) return fail(committed);
    std::cout << "scaled to " << decision->desired_replicas << " agents\n";
  }
  return 0;
}

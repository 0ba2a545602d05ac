// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The seed example: load the production HorizontalPodAutoscaler manifest,
// drive it through half an hour of agent load that rises, peaks and falls,
// apply each decision at once, and print every sync with its explanation.
//
//   01_seed_hpa [path/to/hpa.yaml]     (default: examples/hpa.yaml)
//
// Each agent reports app_active_task_count (its running tasks) and
// app_active_request_count (0.6 requests per task); the fleet's total load
// is shared evenly by the running agents, as a load balancer would.

#include <cmath>
#include <cstdio>
#include <iostream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/civil_time.h"
#include "absl/time/time.h"
#include "agentscale/config/manifest.h"
#include "agentscale/hpa/autoscaler.h"

namespace {

// Total active tasks across the fleet, minute by minute: quiet, a surge to
// 900 tasks, a plateau, then back to quiet.
double FleetTasks(double minutes) {
  if (minutes < 3) return 100;
  if (minutes < 9) return 100 + (minutes - 3) / 6 * 800;
  if (minutes < 15) return 900;
  if (minutes < 18) return 900 - (minutes - 15) / 3 * 700;
  return 200;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string path = argc > 1 ? argv[1] : "examples/hpa.yaml";
  absl::StatusOr<agentscale::hpa::AutoscalerSpec> spec =
      agentscale::config::LoadSingleAutoscaler(path);
  if (!spec.ok()) {
    std::cerr << "01_seed_hpa: " << spec.status().message() << "\n";
    return 1;
  }
  absl::StatusOr<agentscale::HorizontalAutoscaler> hpa =
      agentscale::HorizontalAutoscaler::Create(*spec);
  if (!hpa.ok()) {
    std::cerr << "01_seed_hpa: " << hpa.status().message() << "\n";
    return 1;
  }
  std::cout << "autoscaler " << spec->name << ": min " << spec->min_replicas
            << ", max " << spec->max_replicas << ", "
            << spec->metrics.size() << " metrics\n";

  const absl::Time start = absl::FromCivil(
      absl::CivilSecond(2026, 1, 1, 9, 0, 0), absl::UTCTimeZone());
  int32_t replicas = spec->min_replicas;
  agentscale::Decision decision;
  for (int sync = 0; sync <= 30 * 4; ++sync) {  // every 15 s for 30 min
    const absl::Time now = start + absl::Seconds(15 * sync);
    const double minutes = sync * 15 / 60.0;
    const double tasks = FleetTasks(minutes);

    agentscale::Observation obs;
    obs.current_replicas = replicas;
    agentscale::MetricObservation& task_metric =
        obs.AddMetric("app_active_task_count");
    agentscale::MetricObservation& request_metric =
        obs.AddMetric("app_active_request_count");
    for (int32_t i = 0; i < replicas; ++i) {
      const std::string pod = absl::StrCat("agent-", i);
      obs.pods.push_back(agentscale::hpa::Pod::Ready(pod));
      task_metric.AddPodValue(pod, tasks / replicas, now);
      request_metric.AddPodValue(pod, 0.6 * tasks / replicas, now);
    }

    absl::Status st = hpa->Evaluate(now, obs, &decision);
    if (!st.ok()) {
      std::cerr << "01_seed_hpa: " << st.message() << "\n";
      return 1;
    }
    if (decision.rescale) {
      replicas = decision.desired_replicas;  // the "apply" step
      st = hpa->Commit(decision);
      if (!st.ok()) {
        std::cerr << "01_seed_hpa: " << st.message() << "\n";
        return 1;
      }
    }
    std::cout << absl::StrFormat("t=%02d:%02d  load %4.0f tasks  ",
                                 sync * 15 / 60, sync * 15 % 60, tasks)
              << decision.Explain() << "\n";
  }
  std::cout << "final replicas: " << replicas << "\n";
  return 0;
}

// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Faults a simulation injects: windows in which reading a metric fails, as
// when Prometheus or the metrics adapter is down. During an outage the fleet
// model observes the metric as failed (MetricObservation::error), so each
// policy reacts as it would live: the HPA holds a scale-down and may still
// scale up on other metrics; KEDA counts failures and serves its fallback.
//
//   agentscale::sim::FluidOptions o;
//   o.outages.push_back({"s0-prometheus", t0 + 3600, t0 + 5400});  // 30 min
#ifndef AGENTSCALE_SIM_FAULTS_H_
#define AGENTSCALE_SIM_FAULTS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace agentscale::sim {

struct MetricOutage {
  std::string metric;         // the metric's name; empty: every metric
  double start_seconds = 0;   // seconds since the epoch, inclusive
  double end_seconds = 0;     // exclusive
};

// Whether `metric` is out at `t`.
inline bool InOutage(const std::vector<MetricOutage>& outages, const std::string& metric,
                     double t) {
  for (const MetricOutage& o : outages) {
    if ((o.metric.empty() || o.metric == metric) && o.start_seconds <= t && t < o.end_seconds) {
      return true;
    }
  }
  return false;
}

// Finite times, each window ending after it starts.
absl::Status CheckOutages(const std::vector<MetricOutage>& outages);

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_FAULTS_H_

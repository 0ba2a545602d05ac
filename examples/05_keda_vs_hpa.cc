// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// The seed's two autoscalers on one workload: its HorizontalPodAutoscaler
// (examples/hpa.yaml: per-pod average of active tasks, target 70, 2..10
// replicas) and its KEDA ScaledObject (examples/keda.yaml: the fleet's
// pending tasks, 50 per replica, 0..100 replicas), each replayed over the
// same trace of fleet demand. Prints one table and, with --csv, writes both
// replica series side by side for a plot.
//
//   05_keda_vs_hpa HPA.yaml KEDA.yaml TRACE.csv [--csv out.csv]
//
// The fluid replay treats the trace as the fleet total: the HPA's agents
// each report total / replicas; KEDA's trigger reads the total itself.

#include <cstdio>
#include <fstream>
#include <iostream>
#include <string>

#include "absl/strings/str_format.h"
#include "agentscale/config/manifest.h"
#include "agentscale/sim/fluid.h"
#include "agentscale/sim/keda_replay.h"
#include "agentscale/sim/trace.h"

namespace {

void Row(const char* label, const agentscale::sim::RunSummary& s) {
  std::cout << absl::StrFormat("%-30s %10.1f %6d %7.2f %6d %6d %10.0f %8d %10.0f\n", label,
                               s.replica_hours, s.peak_replicas, s.mean_replicas, s.scale_ups,
                               s.scale_downs, s.time_at_zero_seconds, s.scales_from_zero,
                               s.time_at_max_seconds);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::cerr << "usage: 05_keda_vs_hpa HPA.yaml KEDA.yaml TRACE.csv [--csv out.csv]\n";
    return 2;
  }
  absl::StatusOr<agentscale::hpa::AutoscalerSpec> hpa =
      agentscale::config::LoadSingleAutoscaler(argv[1]);
  absl::StatusOr<agentscale::keda::ScaledObjectSpec> keda =
      agentscale::config::LoadSingleScaledObject(argv[2]);
  absl::StatusOr<agentscale::sim::Trace> trace = agentscale::sim::LoadTraceCsv(argv[3]);
  for (const absl::Status& st : {hpa.status(), keda.status(), trace.status()}) {
    if (!st.ok()) {
      std::cerr << st.message() << "\n";
      return 1;
    }
  }
  // The trace drives the HPA's first metric and KEDA's trigger.
  absl::StatusOr<agentscale::sim::FluidResult> h =
      agentscale::sim::FluidReplay(*hpa, {{hpa->metrics.front().name, &*trace}});
  absl::StatusOr<agentscale::sim::FluidResult> k =
      agentscale::sim::ReplayScaledObject(*keda, {{"", &*trace}});
  for (const absl::Status& st : {h.status(), k.status()}) {
    if (!st.ok()) {
      std::cerr << st.message() << "\n";
      return 1;
    }
  }
  std::cout << absl::StrFormat("%zu syncs over %.1f days of %s\n", h->time_seconds.size(),
                               h->summary.duration_hours / 24, argv[3]);
  std::cout << absl::StrFormat("%-30s %10s %6s %7s %6s %6s %10s %8s %10s\n", "", "replica-h",
                               "peak", "mean", "ups", "downs", "at zero s", "from 0",
                               "at max s");
  Row(("HPA " + hpa->name).c_str(), h->summary);
  Row(("KEDA " + keda->name).c_str(), k->summary);
  if (argc >= 6 && std::string(argv[4]) == "--csv") {
    std::ofstream out(argv[5]);
    out << "timestamp_seconds,demand,hpa_replicas,keda_replicas\n";
    for (size_t i = 0; i < h->time_seconds.size() && i < k->time_seconds.size(); ++i) {
      out << absl::StrFormat("%.0f,%g,%d,%d\n", h->time_seconds[i], h->demand[i],
                             h->replicas[i], k->replicas[i]);
    }
    std::cout << "series written to " << argv[5] << "\n";
  }
  return 0;
}

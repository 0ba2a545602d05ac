// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// Fluid replay: the fast what-if. A demand trace drives one metric (or
// several, one trace each) of an autoscaler spec through the engine at every
// sync, with the decision applied at once:
//
//   * syncs at t0, t0 + period, ... up to the last trace timestamp, where t0
//     is the first trace timestamp;
//   * at each sync the demand D is the value of the last trace row at or
//     before that time;
//   * each of the R current replicas is Running, Ready and long started, and
//     reports D / R, converted to milli-units as ceil(D x 1000 / R) in
//     float64 (Kubernetes' rounding); Object metrics see D itself, External
//     metrics one series of value D;
//   * the engine evaluates; a rescale is applied at once and committed.
//
// A Resource metric with a Utilization target (cpu or memory; an ECS
// service's average CPU utilization) is driven the same way, each pod
// requesting kFluidResourceRequestMilli (100 units): the per-pod share D / R
// is the pod's utilization in percent, i.e. the trace is the fleet's total
// use in percent of one pod's request. ContainerResource metrics need an
// AverageValue target.
//
// Metrics of the spec that get no trace are left out of the replay (the
// engine runs on the spec without them) and listed in `omitted_metrics`.
//
//   absl::StatusOr<agentscale::sim::FluidResult> r =
//       agentscale::sim::FluidReplay(spec, {{"app_active_task_count", &trace}});
#ifndef AGENTSCALE_SIM_FLUID_H_
#define AGENTSCALE_SIM_FLUID_H_

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/metrics/extrapolation.h"
#include "agentscale/hpa/spec.h"
#include "agentscale/observation.h"
#include "agentscale/policy/policy.h"
#include "agentscale/schedule/schedule.h"
#include "agentscale/sim/faults.h"
#include "agentscale/sim/summary.h"
#include "agentscale/sim/trace.h"

namespace agentscale::sim {

// The cpu and memory each fluid pod requests when a Resource Utilization
// metric is driven: 100 units, so a share of D / R reads as D / R percent.
inline constexpr int64_t kFluidResourceRequestMilli = 100'000;

struct FluidOptions {
  // The controller's sync period; a policy's own (Policy::sync_period(): an
  // HPA's spec.syncPeriodSeconds with HPAConfigurableSyncPeriod on) wins.
  absl::Duration period = absl::Seconds(15);
  // Replicas before the first sync; -1 means minReplicas.
  int32_t initial_replicas = -1;
  // The most syncs a replay may take (its per-sync records are allocated up
  // front): 5,000,000 is 2.4 years at 15 s. A longer replay fails before
  // allocating, naming this limit; raise it for longer runs.
  size_t max_syncs = 5'000'000;
  double price_per_replica_hour = 1.0;
  // The Prometheus whose range semantics the summary's alerts follow.
  metrics::PrometheusVersion prometheus_version = metrics::PrometheusVersion::k3;
  hpa::ControllerConfig config;
  // How Object and External values become milli-units: up (a quantity's
  // MilliValue) or toward zero (what KEDA and prometheus-adapter serve).
  MilliRounding external_rounding = MilliRounding::kUp;
  // A NaN trace value (a sample with no value, trace_io.h
  // allow_null_values): false, the replay fails at that sync; true, the
  // metric's read fails there (a failed metric, as a Prometheus outage).
  bool null_is_failed_read = false;
  // Windows in which reading a metric fails (sim/faults.h).
  std::vector<MetricOutage> outages;
  // A schedule of bounds over the policy (schedule/schedule.h), expanded
  // over the traces' span. Only the spec-based entry points (FluidReplay of
  // a spec, ReplayScaledObject) take it; to schedule a Policy, wrap it with
  // schedule::WithSchedule.
  std::optional<schedule::ScheduleSpec> schedule;
  // A forecast floor around the policy (forecast/policy.h), inside the
  // schedule; the same entry points take it (forecast::WithForecast wraps a
  // Policy).
  std::optional<forecast::ForecastSpec> forecast;
};

// What replaying did, one entry per sync.
struct FluidResult {
  // How the traces were read (sim/trace.h): gauges, the fleet's totals.
  TraceMeaning trace_meaning = TraceMeaning::kGauge;
  std::string trace_reading;
  std::vector<std::string> driven_metrics;   // spec metrics with a trace
  std::vector<std::string> omitted_metrics;  // spec metrics without one
  // The period the replay synced at: FluidOptions::period, or the policy's
  // own (Policy::sync_period()).
  double period_seconds = 0;
  std::vector<double> time_seconds;
  std::vector<double> demand;           // the first driven metric's D
  std::vector<int32_t> current_replicas;  // before the sync
  std::vector<int32_t> replicas;          // after the sync (applied)
  // Per-pod value of the first driven metric as the engine saw it (plain
  // units: milli / 1000).
  std::vector<double> metric_value;
  // Per sync: the hpa::Reason of the ScalingLimited condition (as int), and
  // the DecisionPath (as int).
  std::vector<int32_t> limit_reason;
  std::vector<int32_t> path;
  int64_t scale_ups = 0;
  int64_t scale_downs = 0;
  // Sum over syncs of replicas x period, in hours.
  double replica_hours = 0;
  // For the metric whose values metric_value holds (the first driven one):
  // its target in plain units (AverageValue or Value; unset for a
  // Utilization target), the highest per-pod value the engine saw (NaN if
  // none was valid), and the time its per-pod value spent above the target
  // (syncs with value > target, times the period; unset without a target).
  std::optional<double> target;
  double peak_per_pod_value = 0;
  std::optional<double> time_over_target_seconds;
  // Cost, churn, time at max and the seed's alerts (no waits: the fluid
  // replay has no tasks).
  RunSummary summary;
};

// A trace per metric name (the spec's metric name; for Resource metrics the
// resource name).
using MetricTraces = std::vector<std::pair<std::string, const Trace*>>;

absl::StatusOr<FluidResult> FluidReplay(const hpa::AutoscalerSpec& spec,
                                        const MetricTraces& traces,
                                        const FluidOptions& options = {});

// The same replay of any policy (policy/policy.h), which keeps its state:
// traces drive the policy's metrics by name; a metric without a trace is
// observed as failed at every sync (it can hold a scale-down, never cause
// one) and listed in `omitted_metrics`. options.config is not used (the
// policy has its own).
absl::StatusOr<FluidResult> FluidReplay(Policy& policy, const MetricTraces& traces,
                                        const FluidOptions& options = {});

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_FLUID_H_

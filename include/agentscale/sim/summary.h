// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// What a run of the simulator amounts to: cost, waits, churn, and the seed's
// two alerts evaluated over the run, computed from per-sync series so that
// the fluid replay and the agent model are summarized the same way.
//
//   agentscale::sim::SummaryInputs in;
//   in.time_seconds = result.time_seconds;  // one entry per sync
//   in.replicas = result.replicas;          // after each sync
//   ...
//   agentscale::sim::RunSummary s = agentscale::sim::Summarize(in);
#ifndef AGENTSCALE_SIM_SUMMARY_H_
#define AGENTSCALE_SIM_SUMMARY_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/types/span.h"
#include "agentscale/forecast/policy.h"
#include "agentscale/metrics/extrapolation.h"

namespace agentscale::sim {

// One firing of an alert: [start, end) in trace seconds. An alert still
// firing when the run ends has end == the run's end and `open` set.
struct AlertFiring {
  double start_seconds = 0;
  double end_seconds = 0;
  bool open = false;
};

struct AlertReport {
  std::string name;
  std::string expr;
  std::vector<AlertFiring> firings;
  double firing_seconds = 0;  // total time firing
};

// Prometheus' increase() over a range of (time, value) samples, with counter
// resets and Prometheus' extrapolation to the range edges. `range_end` is
// inclusive; `range_start` exclusive (Prometheus 3) or inclusive
// (Prometheus 2). Fewer than two samples give 0 and `*defined` = false.
double PrometheusIncrease(
    absl::Span<const double> times, absl::Span<const double> values,
    double range_start, double range_end, bool* defined,
    metrics::PrometheusVersion version = metrics::PrometheusVersion::k3);

struct SummaryInputs {
  absl::Span<const double> time_seconds;  // sync times
  double period_seconds = 15;             // time each sync stands for
  // Replicas after each sync's decision (spec.replicas): the count the
  // alerts and flapping look at.
  absl::Span<const int32_t> replicas;
  // Replicas before the first sync (a change at the first sync counts as a
  // scale event); negative: not known.
  int32_t initial_replicas = -1;
  // Replicas billed over each sync's period (alive: starting, ready and
  // draining). Empty means `replicas`.
  absl::Span<const int32_t> billed_replicas;
  // Ready replicas at each sync (agent model: past their startup and not
  // draining). Empty means `replicas`.
  absl::Span<const int32_t> ready_replicas;
  // Exact billed replica-seconds when the caller integrated them (agent
  // model); negative means sum(billed_replicas) x period.
  double billed_replica_seconds = -1;
  int32_t max_replicas = 0;
  double price_per_replica_hour = 1.0;
  // Per-task waits (agent model): tasks that started, from arrival to first
  // start; empty for the fluid replay.
  absl::Span<const double> waits_seconds;
  // Tasks that never started (still queued when the run ended): their time
  // in the queue, a lower bound of their wait. They count in the wait
  // percentiles, the mean and the share over the SLO like the others.
  absl::Span<const double> unserved_waits_seconds;
  double wait_slo_seconds = 60;
  // The range semantics the alerts are evaluated with: Prometheus 3's
  // left-open (t - 5m, t], or Prometheus 2's closed [t - 5m, t].
  metrics::PrometheusVersion prometheus_version = metrics::PrometheusVersion::k3;
};

struct RunSummary {
  double duration_hours = 0;
  double replica_hours = 0;
  double cost = 0;
  double mean_replicas = 0;
  // The most replicas billed at a sync: in the agent model the agents
  // alive, starting and draining ones included, so it can pass maxReplicas
  // while old agents drain and new ones start.
  int32_t peak_replicas = 0;
  // The most ready replicas at a sync (SummaryInputs::ready_replicas).
  int32_t peak_ready_replicas = 0;
  int64_t scale_ups = 0;
  int64_t scale_downs = 0;
  // Scale events whose direction is opposite to the previous event's and
  // that come within 5 minutes of it.
  int64_t reversals_within_5m = 0;
  double time_at_max_seconds = 0;
  // Time at zero replicas, and the scale-ups from zero ("cold starts": a
  // KEDA ScaledObject activating, an HPA scaling from zero).
  double time_at_zero_seconds = 0;
  int64_t scales_from_zero = 0;
  // Agent model: tasks that arrived while no agent was past its startup
  // (the fleet at zero, or every agent still starting): they waited for a
  // cold start. 0 for the fluid replay.
  int64_t cold_start_tasks = 0;
  // Time in which a decision used a fallback value for a failed metric
  // (KEDA's fallback; Decision::fallback), counted per sync period.
  double fallback_seconds = 0;
  bool has_waits = false;
  // The wait figures cover every task that arrived and was not dropped (a
  // full queue): wait_tasks of them, of which unserved_tasks never started
  // and count their time in the queue (a lower bound).
  double wait_p50 = 0, wait_p95 = 0, wait_p99 = 0, wait_max = 0, wait_mean = 0;
  double share_over_slo = 0;
  int64_t wait_tasks = 0;
  int64_t unserved_tasks = 0;
  // The seed's alerts: AgentScalingTooFrequent
  // (increase(desired_replicas[5m]) > 3 for 2m) and AgentMaxReplicasReached
  // (current == max for 5m), evaluated at every sync.
  AlertReport scaling_too_frequent;
  AlertReport max_replicas_reached;
  // AgentScalingTooFrequent as it was meant, beside the seed's rule:
  // changes(desired_replicas[5m]) > 3 for 2m. The seed's increase() on a
  // gauge reads each scale-down as a counter reset, so a single scale-down
  // can fire it; changes() counts scale events in either direction.
  AlertReport scaling_too_frequent_changes;
  // With a forecast floor around the policy (the options' forecast, or
  // RecordForecast for a ForecastFloor a caller built): how the forecast did
  // over the run (forecast::ForecastScore). has_forecast is false, and the
  // rest 0, otherwise.
  bool has_forecast = false;
  int64_t forecast_scored = 0;    // forecasts compared with their sample
  double forecast_mape = 0;       // mean absolute percentage error (0.12: 12%)
  double forecast_coverage = 0;   // share of samples inside the interval
  int64_t forecast_anomalies = 0;  // samples outside the one-step interval
  int64_t forecast_lifted = 0;    // decisions the floor raised (forecast-only: would have)
};

RunSummary Summarize(const SummaryInputs& in);

// Copies a forecast floor's score into `summary` (has_forecast = true).
void RecordForecast(const forecast::ForecastScore& score, RunSummary* summary);

// The seed's AgentScalingTooFrequent over `series`, as written:
// "increase(<series>[5m]) > 3", and as meant: "changes(<series>[5m]) > 3".
// The summary's two AlertReports carry these over desired_replicas (each
// "for 2m"); `agentscale lint` proposes the second for the first on a rule
// file (config/lint.h, counter-function-on-gauge), and the generated alert
// rules (drivers/self_metrics.h, AlertRulesYaml) use the second.
// tests/python/test_lint.py and the metrics tests check that these texts
// and lint's correction agree.
std::string ScalingTooFrequentExpr(const std::string& series);
std::string ScalingTooFrequentChangesExpr(const std::string& series);

}  // namespace agentscale::sim

#endif  // AGENTSCALE_SIM_SUMMARY_H_

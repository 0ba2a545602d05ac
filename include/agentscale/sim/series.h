// Copyright agentscale authors. SPDX-License-Identifier: Apache-2.0
//
// EvaluateSeries(): a whole sequence of syncs of one HorizontalAutoscaler in
// one call, from columns of plain numbers to columns of plain numbers. Each
// step builds the Observation a fleet of Ready pods `pod_prefix + i` would
// give, runs Evaluate() on it and, if asked, commits the decision, as a
// caller's own loop would. This is the loop behind Python's
// HorizontalAutoscaler.evaluate_series(); from C++ it suits replays and
// what-if sweeps over recorded metrics.
//
//   // A day at 15 s: the fleet's total tasks, split evenly over its pods.
//   std::vector<double> times, tasks;  // one value per step
//   ...
//   agentscale::SeriesInput in;
//   in.unix_seconds = times;
//   in.metrics.push_back({"app_active_task_count",
//                         agentscale::SeriesLayout::kFleetTotal, tasks});
//   absl::StatusOr<agentscale::SeriesResult> r =
//       agentscale::EvaluateSeries(*hpa, in);
//   if (!r.ok()) return r.status();  // "step 12: ..." names the step
//   for (size_t t = 0; t < r->steps(); ++t) Plot(r->desired_replicas[t]);
//
// The Observation and the Decision are reused from step to step, and pod
// names are made once, so in steady state a step allocates nothing as long
// as the names fit std::string's inline buffer (15 characters in
// libstdc++; "agent-0" does): each step copies a name into every pod and
// sample it (re)creates.
#ifndef AGENTSCALE_SIM_SERIES_H_
#define AGENTSCALE_SIM_SERIES_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "agentscale/hpa/autoscaler.h"
#include "agentscale/policy/policy.h"

namespace agentscale {

// How the values of a SeriesMetric reach the pods running at a step. In
// every layout a NaN value is "no sample": the pod is missing for that
// metric (Kubernetes' missing-pod rules apply), which is not an error.
// Infinite or negative values reach MetricObservation::AddPodValue() and
// mark the metric invalid for that step (the engine then holds).
enum class SeriesLayout {
  // values[t]: every running pod reports this value.
  kEveryPod,
  // values[t * columns + i]: pod i's value (row-major T x columns); pods
  // i >= columns report nothing.
  kPerPod,
  // values[t]: the fleet's total, split evenly over the running pods (as a
  // load balancer would).
  kFleetTotal,
};

// One metric of the spec, as a column (or a T x columns matrix).
struct SeriesMetric {
  // The spec metric's name; a name the spec does not have fails the first
  // step, as it does in Evaluate().
  std::string name;
  SeriesLayout layout = SeriesLayout::kEveryPod;
  // Plain units (converted to milli-units rounding up); T values, or
  // T x columns for kPerPod. Not copied: must outlive the call.
  absl::Span<const double> values;
  // kPerPod only: values per row.
  int32_t columns = 0;
};

struct SeriesInput {
  // The time of each step, float seconds since the Unix epoch (rounded to
  // the microsecond, as the Python bindings read times). Finite and not
  // decreasing (Evaluate() refuses time going backwards).
  absl::Span<const double> unix_seconds;
  std::vector<SeriesMetric> metrics;
  // The target's replica count at each step (T values; a negative count
  // fails its step, as in Evaluate()). Unset: start at initial_replicas and
  // follow the decisions, i.e. every rescale is applied before the next
  // step (with `commit`).
  std::optional<absl::Span<const int32_t>> replicas;
  // Unset: spec.min_replicas. Ignored when `replicas` is given.
  std::optional<int32_t> initial_replicas;
  // Commit() every rescale decision, as if it had been applied. Without it
  // no scale event is recorded, and (without `replicas`) the count never
  // changes.
  bool commit = true;
  // Pod i is named pod_prefix + std::to_string(i).
  std::string pod_prefix = "agent-";
  // The metrics' sample window (PodSample::window).
  absl::Duration window = absl::Seconds(60);
};

// One row per step: the Decision as Evaluate() returned it (before any
// Commit(), which sets AbleToScale's reason to SucceededRescale). The enum
// columns hold the enums' integer values, the flag columns 0 or 1, the
// per-metric columns T x spec.metrics.size() row-major (a spec metric the
// step did not compute reads 0).
struct SeriesResult {
  std::vector<double> unix_seconds;
  std::vector<int32_t> current_replicas;
  std::vector<int32_t> desired_replicas;
  std::vector<uint8_t> rescale;
  std::vector<int32_t> status_desired_replicas;
  std::vector<int32_t> metric_replicas;
  std::vector<int32_t> stabilized_replicas;
  std::vector<int32_t> winning_metric;         // spec index or -1
  std::vector<uint8_t> path;                   // DecisionPath
  std::vector<uint8_t> limit_reason;           // hpa::Reason
  std::vector<uint8_t> able_to_scale_reason;   // hpa::Reason (kNone: absent)
  std::vector<uint8_t> scaling_active_reason;  // hpa::Reason (kNone: absent)
  std::vector<uint8_t> has_error;              // Decision::error not OK
  std::vector<int64_t> metric_value_milli;     // MetricResult::value_milli
  std::vector<int32_t> metric_proposals;       // MetricResult::proposal
  std::vector<uint8_t> metric_valid;           // MetricResult::valid
  // spec.metrics' names: the columns of the per-metric matrices.
  std::vector<std::string> metric_names;

  size_t steps() const { return unix_seconds.size(); }
};

// Runs input.unix_seconds.size() syncs of `hpa`, in order. Errors:
// InvalidArgument for inconsistent input ("metric 'x': 4 rows, but times
// has 3", a name given twice, a replicas column of the wrong length), found
// before any step runs; and the first step that fails (a non-finite time,
// or an error of Evaluate() or Commit(), e.g. time going backwards), with
// its code and "step N: " before its message. Steps before a failing one
// have run: `hpa`'s state includes them.
absl::StatusOr<SeriesResult> EvaluateSeries(Policy& policy,
                                            const SeriesInput& input);
// The same, reusing `out`'s storage (its columns are resized to the number
// of steps; on error their contents are unspecified).
absl::Status EvaluateSeries(Policy& policy, const SeriesInput& input,
                            SeriesResult* out);

}  // namespace agentscale

#endif  // AGENTSCALE_SIM_SERIES_H_
